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
# The regularisers of Mescheder et al. 2018 (section 3 and 4), each with one strength gamma:
#   r1:        the penalty gamma/2 |grad_x D|^2 at the data (R1; gamma)
#   noise:     instance noise N(0, gamma^2) added to real and fake samples (gamma = sigma)
#   consensus: consensus optimisation, both players follow v - gamma grad(|v|^2 / 2) (Mescheder et al. 2017)
#   gp:        WGAN-GP's penalty gamma/2 (|grad_x D| - 1)^2 (Gulrajani et al. 2017)
DIRAC_REGULARISERS = ("r1", "noise", "consensus", "gp")
# The continuous flow: exact (the matrix exponential) where the field is linear (the Wasserstein
# loss with R1 or consensus), otherwise classical Runge-Kutta with sub-steps no longer than this.
# RK4 loses ~(dt)^6 / 144 of the radius per sub-step on a rotation: ~1e-8 over 1,000 steps of h = 0.5.
CONTINUOUS_MAX_DT = 0.02
_HERMITE = np.polynomial.hermite_e.hermegauss(32)   # nodes, weights for E over N(0, 1)


def _fprime(kind: str, t):
    if kind == "wgan":
        return np.ones_like(t) if isinstance(t, np.ndarray) else 1.0
    if kind == "gan":
        # f(t) = -log(1 + e^-t) = log sigmoid(t); f'(t) = sigmoid(-t)
        return 1.0 / (1.0 + np.exp(t))
    raise ValueError(f"unknown Dirac-GAN loss {kind!r}; choose one of {', '.join(DIRAC_LOSSES)}")


def _fsecond(kind: str, t):
    if kind == "wgan":
        return np.zeros_like(t) if isinstance(t, np.ndarray) else 0.0
    s = 1.0 / (1.0 + np.exp(t))
    return -s * (1.0 - s)          # f''(t) = -sigmoid(t) sigmoid(-t); f''(0) = -1/4


def dirac_fprime0(kind: str) -> float:
    """f'(0): 1 for the Wasserstein loss, 1/2 for the standard one. The rotation's speed at the equilibrium."""
    return float(_fprime(kind, 0.0))


def _check_regulariser(reg: str) -> None:
    if reg not in DIRAC_REGULARISERS:
        raise ValueError(f"unknown regulariser {reg!r}; choose one of {', '.join(DIRAC_REGULARISERS)}")


def _plain_field(theta, psi, kind):
    fp = _fprime(kind, psi * theta)
    return -psi * fp, theta * fp


def dirac_vector_field(theta, psi, kind: str = "wgan", gamma: float = 0.0, reg: str = "r1"):
    """(d theta, d psi) of the gradient dynamics: descent for theta, ascent for psi.

    gamma > 0 adds the regulariser `reg` with strength gamma (see DIRAC_REGULARISERS):
    R1's penalty gamma/2 * psi^2 (the discriminator's gradient at the data) damps
    the rotation; instance noise of std gamma does so only for a loss with
    f''(0) < 0; consensus optimisation damps both players; WGAN-GP's penalty
    pulls |psi| towards 1, so psi = 0 is not even a rest point.
    """
    _check_regulariser(reg)
    theta, psi = np.asarray(theta, dtype=float), np.asarray(psi, dtype=float)
    if gamma == 0.0:
        d_theta, d_psi = _plain_field(theta, psi, kind)
    elif reg == "r1":
        d_theta, d_psi = _plain_field(theta, psi, kind)
        d_psi = d_psi - gamma * psi
    elif reg == "gp":
        d_theta, d_psi = _plain_field(theta, psi, kind)
        d_psi = d_psi - gamma * (np.abs(psi) - 1.0) * np.sign(psi)
    elif reg == "noise":
        # L = E_eps f(psi (theta + eps)) + E_eps f(-psi eps), eps ~ N(0, gamma^2), by Gauss-Hermite quadrature
        nodes, weights = _HERMITE
        eps = gamma * nodes
        w = weights / weights.sum()
        th, ps = theta[..., None], psi[..., None]
        fake = _fprime(kind, ps * (th + eps))
        d_theta = -(ps * fake) @ w
        d_psi = ((th + eps) * fake) @ w - (eps * _fprime(kind, -ps * eps)) @ w
    else:  # consensus: v - gamma J^T v, J the Jacobian of the plain field
        v_t, v_p = _plain_field(theta, psi, kind)
        s = psi * theta
        f1, f2 = _fprime(kind, s), _fsecond(kind, s)
        j11, j12, j21, j22 = -psi * psi * f2, -f1 - s * f2, f1 + s * f2, theta * theta * f2
        d_theta = v_t - gamma * (j11 * v_t + j21 * v_p)
        d_psi = v_p - gamma * (j12 * v_t + j22 * v_p)
    if np.ndim(d_theta) == 0:
        return float(d_theta), float(d_psi)
    return d_theta, d_psi


def _is_linear(kind: str, gamma: float, reg: str) -> bool:
    return kind == "wgan" and (gamma == 0.0 or reg in ("r1", "consensus"))


def _expm2(a: np.ndarray) -> np.ndarray:
    """exp(a) for a real 2x2 matrix: e^m [cosh(d) I + sinh(d)/d (a - m I)], m = tr/2, d^2 = m^2 - det."""
    m = 0.5 * np.trace(a)
    d = np.sqrt(complex(m * m - np.linalg.det(a)))
    ratio = np.sinh(d) / d if abs(d) > 1e-12 else 1.0
    out = np.exp(m) * (np.cosh(d) * np.eye(2) + ratio * (a - m * np.eye(2)))
    return out.real


def _rk4(theta: float, psi: float, dt: float, n: int, kind: str, gamma: float, reg: str) -> tuple[float, float]:
    x = np.array([theta, psi])

    def f(y):
        return np.array(dirac_vector_field(y[0], y[1], kind, gamma, reg))

    for _ in range(n):
        k1 = f(x)
        k2 = f(x + 0.5 * dt * k1)
        k3 = f(x + 0.5 * dt * k2)
        k4 = f(x + dt * k3)
        x = x + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return float(x[0]), float(x[1])


def dirac_step(theta: float, psi: float, lr: float, kind: str = "wgan", mode: str = "simultaneous",
               gamma: float = 0.0, reg: str = "r1") -> tuple[float, float]:
    """One update of size lr from (theta, psi): the map whose eigenvalues `update_operator` linearises."""
    if mode == "simultaneous":
        d_theta, d_psi = dirac_vector_field(theta, psi, kind, gamma, reg)
        return theta + lr * d_theta, psi + lr * d_psi
    if mode == "alternating":
        _, d_psi = dirac_vector_field(theta, psi, kind, gamma, reg)
        psi = psi + lr * d_psi
        d_theta, _ = dirac_vector_field(theta, psi, kind, gamma, reg)
        return theta + lr * d_theta, psi
    if mode == "continuous":
        if _is_linear(kind, gamma, reg):
            x = _expm2(lr * dirac_jacobian(kind, gamma, reg)) @ np.array([theta, psi])
            return float(x[0]), float(x[1])
        n = max(1, math.ceil(lr / CONTINUOUS_MAX_DT))
        return _rk4(theta, psi, lr / n, n, kind, gamma, reg)
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(DIRAC_MODES)}")


def dirac_gan_trajectory(theta0: float = 1.0, psi0: float = 1.0, lr: float = 0.1, steps: int = 200,
                         kind: str = "wgan", mode: str = "simultaneous", gamma: float = 0.0,
                         reg: str = "r1") -> np.ndarray:
    """(steps + 1, 2) array of (theta, psi) under gradient steps of size lr.

    simultaneous: both players step from the same old point; on the bilinear
    (WGAN) game the distance to the equilibrium grows by sqrt(1 + lr^2) at
    every step, a spiral outwards.
    alternating: psi steps first, then theta uses the new psi (as the trainer
    does); on the bilinear game the orbit stays bounded but never converges.
    continuous: the gradient flow itself (infinitely small steps), one row per
    time lr: exact where the field is linear, RK4 otherwise. Without a
    regulariser it keeps theta^2 + psi^2 (d/dt of it is 0 for every f).

    With the R1 penalty gamma the three differ (see r1_step_factor): the flow
    and alternating steps spiral in for any gamma > 0, simultaneous steps only
    for gamma > lr f'(0)^2 (r1_threshold).
    """
    if mode not in DIRAC_MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(DIRAC_MODES)}")
    if lr <= 0 or steps < 0:
        raise ValueError("lr must be positive and steps non-negative")
    _fprime(kind, 0.0)
    _check_regulariser(reg)
    out = np.empty((steps + 1, 2))
    theta, psi = float(theta0), float(psi0)
    out[0] = theta, psi
    if mode == "continuous" and _is_linear(kind, gamma, reg):
        step = _expm2(lr * dirac_jacobian(kind, gamma, reg))   # one matrix for every step
        for k in range(1, steps + 1):
            out[k] = step @ out[k - 1]
        return out
    for k in range(1, steps + 1):
        theta, psi = dirac_step(theta, psi, lr, kind, mode, gamma, reg)
        out[k] = theta, psi
    return out


# ---------------------------------------------------------------------------
# The update operator at the equilibrium, and its eigenvalues (Mescheder et al. 2018, section 2)
#
# Near (0, 0) one step is x <- A x. The iterates converge iff every eigenvalue of A lies
# strictly inside the unit circle; |lambda| = 1 is a circle that never closes in, > 1 spirals out.


def dirac_jacobian(kind: str = "wgan", gamma: float = 0.0, reg: str = "r1") -> np.ndarray:
    """J = dv/dx at the equilibrium (rows: d theta, d psi), in closed form.

    a = f'(0), c = f''(0):  plain [[0, -a], [a, 0]];  R1 [[0, -a], [a, -gamma]];
    instance noise [[0, -a], [a, 2 sigma^2 c]] (c = 0 for WGAN: no damping at all);
    consensus J0 - gamma J0^T J0 = [[-gamma a^2, -a], [a, -gamma a^2]].
    WGAN-GP has none: its field jumps at psi = 0, and (0, 0) is not a rest point.
    """
    _check_regulariser(reg)
    a, c = dirac_fprime0(kind), float(_fsecond(kind, 0.0))
    if gamma == 0.0:
        return np.array([[0.0, -a], [a, 0.0]])
    if reg == "r1":
        return np.array([[0.0, -a], [a, -gamma]])
    if reg == "noise":
        return np.array([[0.0, -a], [a, 2.0 * gamma * gamma * c]])
    if reg == "consensus":
        return np.array([[-gamma * a * a, -a], [a, -gamma * a * a]])
    raise ValueError("WGAN-GP's field is not differentiable at psi = 0: (0, 0) has no Jacobian "
                     "(and is not a rest point); follow dirac_gan_trajectory(..., reg='gp') instead")


def update_operator(lr: float, kind: str = "wgan", mode: str = "simultaneous", gamma: float = 0.0,
                    reg: str = "r1") -> np.ndarray:
    """A, one linearised step near the equilibrium: I + hJ (simultaneous), A_G A_D (alternating: psi
    first, then theta with the new psi), exp(hJ) (the flow over a time h)."""
    j = dirac_jacobian(kind, gamma, reg)
    if mode == "simultaneous":
        return np.eye(2) + lr * j
    if mode == "alternating":
        a_d = np.array([[1.0, 0.0], [lr * j[1, 0], 1.0 + lr * j[1, 1]]])     # psi <- psi + h v_psi
        a_g = np.array([[1.0 + lr * j[0, 0], lr * j[0, 1]], [0.0, 1.0]])     # theta <- theta + h v_theta
        return a_g @ a_d
    if mode == "continuous":
        return _expm2(lr * j)
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(DIRAC_MODES)}")


def operator_eigenvalues(lr: float, kind: str = "wgan", mode: str = "simultaneous", gamma: float = 0.0,
                         reg: str = "r1") -> np.ndarray:
    """The two (complex) eigenvalues of the update operator; converges near (0, 0) iff both |.| < 1."""
    return np.linalg.eigvals(update_operator(lr, kind, mode, gamma, reg))


def numerical_step_jacobian(lr: float, kind: str = "wgan", mode: str = "simultaneous", gamma: float = 0.0,
                            reg: str = "r1", eps: float = 1e-6) -> np.ndarray:
    """The Jacobian of one real step (dirac_step) at the equilibrium, by central differences: a check
    on update_operator that never uses its closed form."""
    out = np.empty((2, 2))
    for col, (dt, dp) in enumerate(((eps, 0.0), (0.0, eps))):
        plus = np.array(dirac_step(dt, dp, lr, kind, mode, gamma, reg))
        minus = np.array(dirac_step(-dt, -dp, lr, kind, mode, gamma, reg))
        out[:, col] = (plus - minus) / (2 * eps)
    return out


def r1_threshold(lr: float, kind: str = "wgan") -> float:
    """Simultaneous steps with R1 converge iff gamma > h f'(0)^2 (Mescheder et al. 2018, section 4.1):
    gamma > h for the Wasserstein loss, gamma > h / 4 for the standard one."""
    return lr * dirac_fprime0(kind) ** 2


def r1_step_factor(lr: float, gamma: float, mode: str = "simultaneous", kind: str = "wgan") -> float:
    """The average factor by which one step shrinks (< 1) or grows (> 1) the distance to the
    equilibrium, near it, with the R1 penalty gamma: the spectral radius of the update operator.

    Simultaneous, complex pair (gamma < 2 f'(0)): sqrt(1 - h gamma + h^2 f'(0)^2), so damping wins
    only if gamma > h f'(0)^2. Alternating: det A = 1 - h gamma, a pair of modulus sqrt(1 - h gamma)
    for small h: it spirals in for any gamma > 0. The flow: exp(-gamma h / 2).

    This is the rate per step *averaged over a turn* of the spiral. A is not a rotation times a
    number once gamma > 0, so a single step's factor depends on where on the turn it starts; it
    lies between A's smallest and largest singular values (step_factor_range).
    """
    return float(np.abs(operator_eigenvalues(lr, kind, mode, gamma, "r1")).max())


def step_factor_range(lr: float, gamma: float, mode: str = "simultaneous", kind: str = "wgan",
                      reg: str = "r1") -> tuple[float, float]:
    """(smallest, largest) factor one step can multiply the distance by near the equilibrium:
    the singular values of the update operator."""
    s = np.linalg.svd(update_operator(lr, kind, mode, gamma, reg), compute_uv=False)
    return float(s.min()), float(s.max())


def step_factors(path: np.ndarray) -> np.ndarray:
    """Each step's factor |x_{k+1}| / |x_k| along a trajectory from dirac_gan_trajectory."""
    r = np.hypot(path[:, 0], path[:, 1])
    return r[1:] / np.maximum(r[:-1], 1e-300)


# The runs of the "does R1 help?" figure: (loss, gamma as a multiple of the threshold h f'(0)^2),
# all with simultaneous steps. Half the threshold spirals out, twice it spirals in, for both losses:
# the standard loss's gamma = 2 * h/4 = h/2 converges, which the old rule "gamma > h" denied.
R1_CASES = (("gan", 0.5), ("gan", 2.0), ("wgan", 0.5), ("wgan", 2.0))


def r1_damping_cases(lr: float, steps: int = 200) -> dict[tuple[str, float], np.ndarray]:
    """Distance to the equilibrium under each of R1_CASES at learning rate lr, simultaneous steps.

    Keys are (loss, gamma). Starts at (0.5, 0.5), near enough to the equilibrium for the standard
    loss's linearisation (its f' changes with psi * theta) to decide.
    """
    out = {}
    for kind, multiple in R1_CASES:
        gamma = multiple * r1_threshold(lr, kind)
        path = dirac_gan_trajectory(0.5, 0.5, lr=lr, steps=steps, kind=kind, mode="simultaneous", gamma=gamma)
        out[(kind, gamma)] = np.hypot(path[:, 0], path[:, 1])
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
