"""Training dynamics: the Dirac-GAN of Mescheder, Geiger and Nowozin (2018), gradient steps on a
two-parameter game that spiral outwards unless regularised (R1), and WGAN's parallel-lines
example (Arjovsky, Chintala and Bottou 2017): Jensen-Shannon is stuck at log 2 while the
Earth-Mover distance grows smoothly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .divergences import LOG2

# ---------------------------------------------------------------------------
# 3. Dirac-GAN (Mescheder, Geiger & Nowozin 2018)
# ---------------------------------------------------------------------------
#
# Data: a point mass at 0. Generator: a point mass at theta. Discriminator:
# D(x) = psi * x. With the loss function f (f(t) = t for WGAN,
# f(t) = -log(1 + exp(-t)) for the standard GAN), the game is
#     min_theta max_psi  L(theta, psi) = f(psi * theta) + f(0)
# and its unique equilibrium is theta = psi = 0. The gradient field
#     v(theta, psi) = (-psi f'(psi theta),  theta f'(psi theta))
# is a pure rotation at the equilibrium (the Jacobian has eigenvalues
# +-i f'(0)), so plain gradient steps never settle there.

DIRAC_LOSSES = ("wgan", "gan")
DIRAC_MODES = ("simultaneous", "alternating", "continuous")
# The continuous flow is followed with this many Euler sub-steps per step of size h.
CONTINUOUS_SUBSTEPS = 50


def _fprime(kind: str, t):
    if kind == "wgan":
        return np.ones_like(t) if isinstance(t, np.ndarray) else 1.0
    if kind == "gan":
        # f(t) = -log(1 + e^-t) = log sigmoid(t); f'(t) = sigmoid(-t)
        return 1.0 / (1.0 + np.exp(t))
    raise ValueError(f"unknown Dirac-GAN loss {kind!r}; choose one of {', '.join(DIRAC_LOSSES)}")


def dirac_vector_field(theta, psi, kind: str = "wgan", gamma: float = 0.0):
    """(d theta, d psi) of the gradient dynamics: descent for theta, ascent for psi.

    gamma > 0 adds the R1 penalty gamma/2 * psi^2 (the discriminator's gradient
    at the data, Mescheder et al. 2018), which damps the rotation.
    """
    fp = _fprime(kind, psi * theta)
    return -psi * fp, theta * fp - gamma * psi


def dirac_gan_trajectory(theta0: float = 1.0, psi0: float = 1.0, lr: float = 0.1, steps: int = 200,
                         kind: str = "wgan", mode: str = "simultaneous", gamma: float = 0.0) -> np.ndarray:
    """(steps + 1, 2) array of (theta, psi) under gradient steps of size lr.

    simultaneous: both players step from the same old point; on the bilinear
    (WGAN) game the distance to the equilibrium grows by sqrt(1 + lr^2) at
    every step, a spiral outwards.
    alternating: psi steps first, then theta uses the new psi (as the trainer
    does); on the bilinear game the orbit stays bounded but never converges.
    continuous: the gradient flow itself (infinitely small steps), followed
    with CONTINUOUS_SUBSTEPS Euler sub-steps per step; one row per time h.

    With the R1 penalty gamma the three differ (see r1_step_factor): the flow
    and alternating steps spiral in for any gamma > 0, simultaneous steps only
    for gamma > lr.
    """
    if mode not in DIRAC_MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(DIRAC_MODES)}")
    if lr <= 0 or steps < 0:
        raise ValueError("lr must be positive and steps non-negative")
    out = np.empty((steps + 1, 2))
    theta, psi = float(theta0), float(psi0)
    out[0] = theta, psi
    for k in range(1, steps + 1):
        if mode == "simultaneous":
            d_theta, d_psi = dirac_vector_field(theta, psi, kind, gamma)
            theta, psi = theta + lr * d_theta, psi + lr * d_psi
        elif mode == "continuous":
            dt = lr / CONTINUOUS_SUBSTEPS
            for _ in range(CONTINUOUS_SUBSTEPS):
                d_theta, d_psi = dirac_vector_field(theta, psi, kind, gamma)
                theta, psi = theta + dt * d_theta, psi + dt * d_psi
        else:
            _, d_psi = dirac_vector_field(theta, psi, kind, gamma)
            psi = psi + lr * d_psi
            d_theta, _ = dirac_vector_field(theta, psi, kind, gamma)
            theta = theta + lr * d_theta
        out[k] = theta, psi
    return out


def r1_step_factor(lr: float, gamma: float, mode: str = "simultaneous") -> float:
    """How much one step shrinks (< 1) or grows (> 1) the distance to the equilibrium,
    near it, on the Wasserstein Dirac-GAN with the R1 penalty gamma (0 <= gamma < 2).

    The linearised step is x <- A x. Simultaneous: A = I + h J with
    J = [[0, -1], [1, -gamma]], whose eigenvalues 1 + h lambda have
    |1 + h lambda|^2 = 1 - h gamma + h^2: damping wins only if gamma > h.
    Alternating: det A = 1 - h gamma, a complex pair of modulus sqrt(1 - h gamma)
    for small h: it spirals in for any gamma > 0. The flow: exp(-gamma h / 2).
    """
    if not 0 <= gamma < 2:
        raise ValueError("the closed form holds for 0 <= gamma < 2")
    if mode == "simultaneous":
        return math.sqrt(1.0 - lr * gamma + lr * lr)
    if mode == "alternating":
        a = np.array([[1.0 - lr * lr, -lr * (1.0 - lr * gamma)], [lr, 1.0 - lr * gamma]])
        return float(np.abs(np.linalg.eigvals(a)).max())
    if mode == "continuous":
        return math.exp(-gamma * lr / 2.0)
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(DIRAC_MODES)}")


# The four runs of the "does R1 help?" figure: (mode, gamma as a multiple of lr).
R1_CASES = (("simultaneous", 0.5), ("simultaneous", 2.0), ("alternating", 0.5), ("continuous", 0.5))


def r1_damping_cases(lr: float, steps: int = 200) -> dict[tuple[str, float], np.ndarray]:
    """Distance to the equilibrium under each of R1_CASES at learning rate lr.

    gamma = lr / 2 with simultaneous steps spirals out; gamma = 2 lr spirals in;
    the same weak gamma = lr / 2 spirals in with alternating steps and in the
    continuous flow. Keys are (mode, gamma).
    """
    out = {}
    for mode, multiple in R1_CASES:
        gamma = multiple * lr
        path = dirac_gan_trajectory(1.0, 1.0, lr=lr, steps=steps, kind="wgan", mode=mode, gamma=gamma)
        out[(mode, gamma)] = np.hypot(path[:, 0], path[:, 1])
    return out


# ---------------------------------------------------------------------------
# 4. WGAN: the parallel-lines example (Arjovsky et al. 2017, Example 1)
# ---------------------------------------------------------------------------


@dataclass
class ParallelLines:
    """Distances between P0 (uniform on the segment x = 0, y in [0, 1]) and P_theta (x = theta).

    w1: Earth-Mover = |theta|; jsd: log 2 unless theta = 0; kl: +inf unless theta = 0;
    tv: total variation, 1 unless theta = 0. Arrays when theta is an array.
    """

    theta: np.ndarray
    w1: np.ndarray
    jsd: np.ndarray
    kl: np.ndarray
    tv: np.ndarray


def parallel_lines(theta) -> ParallelLines:
    theta = np.asarray(theta, dtype=float)
    same = theta == 0.0
    return ParallelLines(
        theta=theta,
        w1=np.abs(theta),
        jsd=np.where(same, 0.0, LOG2),
        kl=np.where(same, 0.0, np.inf),
        tv=np.where(same, 0.0, 1.0),
    )


def parallel_lines_w1_estimate(theta: float, n: int = 256, seed: int = 0) -> float:
    """The EM distance from samples: optimal transport between two equal-size point clouds.

    Points of both lines share their y coordinates, and pairing the i-th
    smallest y with the i-th smallest y is then optimal, so the cost is
    the mean horizontal move: a sample-based check of W = |theta|, without
    knowing the closed form.
    """
    rng = np.random.default_rng(seed)
    y0 = np.sort(rng.uniform(0.0, 1.0, n))
    y1 = np.sort(rng.uniform(0.0, 1.0, n))
    return float(np.mean(np.hypot(theta - 0.0, y1 - y0)))
