"""Pure computations behind the theory pages' figures (no Streamlit, no plotting).

Each function returns plain numbers or numpy arrays that a page draws. They
are small closed-form or numerical versions of results from the papers the
pages cite, so a unit test can check them against the formulas:

* the optimal discriminator and the Jensen-Shannon divergence for two 1-D
  densities (Goodfellow et al. 2014, Proposition 1 and Theorem 1);
* the generator's loss and its gradient as functions of D's verdict on a
  fake, for the saturating, non-saturating, least-squares and Wasserstein
  losses (why gradients vanish);
* the Dirac-GAN of Mescheder, Geiger and Nowozin (2018): gradient steps on a
  two-parameter game that spiral outwards;
* the parallel-lines example of Arjovsky, Chintala and Bottou (2017):
  Jensen-Shannon is stuck at log 2 while the Earth-Mover distance grows
  smoothly;
* the fade-in blend and minibatch standard deviation of PGGAN;
* the least-squares GAN losses under different label codings, power
  iteration for spectral normalisation, and the course DCGAN's layer shapes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

LOG2 = math.log(2.0)
LOG4 = math.log(4.0)


# ---------------------------------------------------------------------------
# 1. The optimal discriminator for 1-D densities
# ---------------------------------------------------------------------------


def gaussian_pdf(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    if std <= 0:
        raise ValueError(f"std must be positive, got {std}")
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))


def mixture_pdf(x: np.ndarray, means, stds, weights=None) -> np.ndarray:
    """A 1-D mixture of Gaussians (weights default to equal)."""
    means, stds = list(means), list(stds)
    if weights is None:
        weights = [1.0 / len(means)] * len(means)
    return sum(w * gaussian_pdf(x, m, s) for m, s, w in zip(means, stds, weights, strict=True))


@dataclass
class OptimalD:
    """Everything the 1-D optimal-discriminator figure shows.

    x: the grid; p_data, p_g: the two densities on it; d_star: p_data / (p_data + p_g)
    (0.5 where both densities vanish, by convention); jsd: Jensen-Shannon divergence
    in nats (0 ... log 2); value: V(G, D*) = -log 4 + 2 JSD; w1: Earth-Mover distance.
    """

    x: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    d_star: np.ndarray
    jsd: float
    value: float
    w1: float


def optimal_discriminator(p_data: np.ndarray, p_g: np.ndarray) -> np.ndarray:
    """D*(x) = p_data(x) / (p_data(x) + p_g(x)), the best D for a fixed G (Goodfellow 2014, Prop. 1).

    Where neither distribution puts mass the value does not matter for the
    game; we return 0.5 there (the limit when both densities are equal).
    """
    total = p_data + p_g
    # Far in the tails both densities underflow to ~1e-300; their ratio is still
    # meaningful up to there, but at exact zero it is 0/0.
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 1e-300)


def _integrate(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.trapezoid(y, x))


def kl_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """KL(p || q) in nats by numerical integration on the grid x (inf if p has mass where q has none)."""
    mask = p > 1e-300
    if np.any(q[mask] <= 1e-300):
        return math.inf
    integrand = np.zeros_like(p)
    integrand[mask] = p[mask] * np.log(p[mask] / q[mask])
    return _integrate(integrand, x)


def js_divergence(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m), m = (p + q) / 2, in nats; between 0 and log 2."""
    m = 0.5 * (p + q)
    value = 0.5 * kl_divergence(p, m, x) + 0.5 * kl_divergence(q, m, x)
    # Integration error can step a hair outside the exact bounds.
    return float(min(max(value, 0.0), LOG2))


def wasserstein1_1d(p: np.ndarray, q: np.ndarray, x: np.ndarray) -> float:
    """Earth-Mover distance of two 1-D densities: the area between their CDFs."""
    dx = np.diff(x)
    cdf_p = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * dx)])
    cdf_q = np.concatenate([[0.0], np.cumsum(0.5 * (q[1:] + q[:-1]) * dx)])
    return _integrate(np.abs(cdf_p - cdf_q), x)


def gan_value(d: np.ndarray, p_data: np.ndarray, p_g: np.ndarray, x: np.ndarray) -> float:
    """V(G, D) = E_data[log D] + E_g[log(1 - D)] for a discriminator given on the grid."""
    d = np.clip(d, 1e-12, 1 - 1e-12)
    return _integrate(p_data * np.log(d) + p_g * np.log(1.0 - d), x)


# p_data for the 1-D figure: two bumps, so a single-Gaussian generator can
# visibly "cover" one mode or sit in between (the 1-D picture of mode collapse).
DATA_MEANS = (-1.5, 1.5)
DATA_STDS = (0.5, 0.5)


def grid_half_width(g_mean: float, g_std: float, data_means=DATA_MEANS, data_stds=DATA_STDS) -> float:
    """Half-width of a grid that holds all but a negligible sliver of both densities.

    |mean| + 8 std + 4 covers the generator (8 standard deviations leave ~1e-15
    of its mass outside) and, with the margin of 4, the data's bumps too. A
    fixed [-8, 8] cut 9 % of N(4, 3^2) off, and the on-page identity check
    V(G, D*) = -log 4 + 2 JSD then disagreed in the second decimal.
    """
    data_reach = max(abs(m) + 8.0 * s for m, s in zip(data_means, data_stds))
    return max(abs(g_mean) + 8.0 * g_std + 4.0, data_reach)


def optimal_d_1d(g_mean: float, g_std: float, data_means=DATA_MEANS, data_stds=DATA_STDS,
                 lo: float | None = None, hi: float | None = None, n: int = 4001) -> OptimalD:
    """The optimal discriminator, JSD and V(G, D*) for p_data (a Gaussian mixture) vs p_g = N(g_mean, g_std^2).

    The grid is [-w, w] with w = grid_half_width(...) unless lo/hi are given.
    """
    w = grid_half_width(g_mean, g_std, data_means, data_stds)
    x = np.linspace(-w if lo is None else lo, w if hi is None else hi, n)
    p_data = mixture_pdf(x, data_means, data_stds)
    p_g = gaussian_pdf(x, g_mean, g_std)
    d_star = optimal_discriminator(p_data, p_g)
    jsd = js_divergence(p_data, p_g, x)
    return OptimalD(x=x, p_data=p_data, p_g=p_g, d_star=d_star, jsd=jsd,
                    value=-LOG4 + 2.0 * jsd, w1=wasserstein1_1d(p_data, p_g, x))


# ---------------------------------------------------------------------------
# 2. The generator's loss as a function of D's verdict (vanishing gradients)
# ---------------------------------------------------------------------------

G_LOSSES = ("saturating", "non-saturating", "least-squares", "wasserstein")


def _logit(d: np.ndarray) -> np.ndarray:
    return np.log(d) - np.log1p(-d)


def generator_loss_curve(kind: str, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(loss, dloss/ds) of one fake sample, where d in (0, 1) is how real D finds it.

    s is the discriminator's last pre-activation value, the number that the
    generator's gradient has to pass through:
      * saturating (minimax) log(1 - D), D = sigmoid(s): dL/ds = -D. It
        vanishes as D -> 0, exactly when D confidently rejects the fake,
        i.e. early in training (Goodfellow 2014, section 3).
      * non-saturating -log D: dL/ds = -(1 - D), strongest when D rejects.
      * least-squares 1/2 (D - 1)^2 with D = s read directly (targets 0 fake,
        1 real; Mao et al. 2017): dL/ds = D - 1, proportional to the distance
        from the real target.
      * Wasserstein -D with D = s (the critic's score; here the same axis,
        0 = fake-like, 1 = real-like): dL/ds = -1 everywhere. The critic
        is kept 1-Lipschitz, so the gradient in x stays bounded and non-zero.
    """
    d = np.asarray(d, dtype=float)
    if np.any((d <= 0) | (d >= 1)):
        raise ValueError("d must lie strictly between 0 and 1")
    if kind == "saturating":
        return np.log1p(-d), -d
    if kind == "non-saturating":
        return -np.log(d), -(1.0 - d)
    if kind == "least-squares":
        return 0.5 * (d - 1.0) ** 2, d - 1.0
    if kind == "wasserstein":
        return -d, -np.ones_like(d)
    raise ValueError(f"unknown generator loss {kind!r}; choose one of {', '.join(G_LOSSES)}")


def generator_gradient_at(kind: str, d: float) -> float:
    """|dL/ds| of one loss at D's verdict d, the number the confidence slider reads out."""
    return float(abs(generator_loss_curve(kind, np.array([d]))[1][0]))


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


# ---------------------------------------------------------------------------
# 5. PGGAN pieces
# ---------------------------------------------------------------------------


def fade_in(new: np.ndarray, old_upsampled: np.ndarray, alpha: float) -> np.ndarray:
    """alpha * new + (1 - alpha) * upsampled-old: how a new, higher-resolution block is faded in."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    return alpha * new + (1.0 - alpha) * old_upsampled


def upsample_nearest(image: np.ndarray, factor: int = 2) -> np.ndarray:
    """(H, W, ...) -> (H * factor, W * factor, ...) by pixel repetition."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def lod_to_alpha(lod: float) -> tuple[int, float]:
    """(resolution step, alpha) for a fractional lod: lod 2.25 fades in the finer head with alpha 0.75."""
    if lod < 0:
        raise ValueError("lod must be >= 0")
    finer = math.floor(lod)
    frac = lod - finer
    return finer, (1.0 - frac) if frac > 0 else 1.0


def progressive_schedule(final_resolution: int = 1024, start: int = 4) -> list[tuple[str, int]]:
    """[(phase, resolution)]: 'stabilise' at 4, then 'fade-in' and 'stabilise' at each doubling."""
    if final_resolution < start or final_resolution & (final_resolution - 1):
        raise ValueError("final_resolution must be a power of two >= start")
    phases = [("stabilise", start)]
    res = start * 2
    while res <= final_resolution:
        phases += [("fade-in", res), ("stabilise", res)]
        res *= 2
    return phases


@dataclass
class LodView:
    """One step of the lod viewer: the blended image and the two heads it blends (uint8 HWC).

    fine: the finer toRGB head's image; coarse_up: the coarser head's image,
    nearest-upsampled x2 to the same size (None at integer lod); alpha: weight
    of the fine head; resolution: side of the blended image.
    """

    image: np.ndarray
    fine: np.ndarray
    coarse_up: np.ndarray | None
    alpha: float
    resolution: int


def tiny_pggan(seed: int = 0, resolution: int = 32):
    """The real PGGAN generator class with few channels and random weights (the mechanism, not a face)."""
    from .models.pggan import PGGANGenerator

    torch.manual_seed(seed)
    g = PGGANGenerator(resolution=resolution, fmaps_base=2048, fmaps_max=64).eval()
    g.requires_grad_(False)
    return g


@torch.no_grad()
def lod_view(generator, z: torch.Tensor, lod: float) -> LodView:
    """Render z at a (possibly fractional) lod and also return the two heads being blended.

    Uses the generator's own native_image, so the blended image is exactly
    what the model computes; the heads are the integer lods on either side.
    """
    from .data import to_image_array

    image = generator.native_image(z, lod)
    lower = math.floor(lod)
    _, alpha = lod_to_alpha(lod)
    fine = generator.native_image(z, float(lower))
    coarse_up = None
    if lod > lower:
        coarse = generator.native_image(z, float(lower + 1))
        coarse_up = to_image_array(torch.nn.functional.interpolate(coarse, scale_factor=2, mode="nearest"))[0]
    return LodView(image=to_image_array(image)[0], fine=to_image_array(fine)[0], coarse_up=coarse_up, alpha=alpha,
                   resolution=int(image.shape[-1]))


def minibatch_stddev(x: torch.Tensor) -> float:
    """The statistic PGGAN appends to D's last block: the std of each feature over the
    minibatch, averaged over features and positions. Near 0 when all samples are alike."""
    if x.shape[0] < 2:
        raise ValueError("need at least 2 samples")
    return float(x.float().std(dim=0, unbiased=False).mean())


# ---------------------------------------------------------------------------
# 6. The course DCGAN: label coding, spectral norm, layer shapes
# ---------------------------------------------------------------------------


def lsgan_d_loss(d_real: np.ndarray, d_fake: np.ndarray, a: float, b: float) -> float:
    """Mao et al.'s D loss: 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2] (b = real label, a = fake label)."""
    return float(0.5 * np.mean((np.asarray(d_real) - b) ** 2) + 0.5 * np.mean((np.asarray(d_fake) - a) ** 2))


def lsgan_g_loss(d_fake: np.ndarray, c: float) -> float:
    """1/2 E[(D(G(z)) - c)^2]: c is the value G wants D to give its fakes."""
    return float(0.5 * np.mean((np.asarray(d_fake) - c) ** 2))


def power_iteration(weight: np.ndarray, n_iter: int = 10, seed: int = 0) -> np.ndarray:
    """Estimates of the largest singular value after 1 ... n_iter power iterations.

    Spectral normalisation (Miyato et al. 2018) divides W by this estimate.
    In training, one iteration per step suffices because u is kept between
    steps and W changes little; here we start from a random u to show how fast
    the estimate converges.
    """
    w = np.asarray(weight, dtype=float).reshape(weight.shape[0], -1)
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(w.shape[0])
    u /= np.linalg.norm(u)
    estimates = []
    for _ in range(n_iter):
        v = w.T @ u
        v /= np.linalg.norm(v) + 1e-12
        u = w @ v
        u /= np.linalg.norm(u) + 1e-12
        estimates.append(float(u @ w @ v))
    return np.array(estimates)


def top_singular_value(weight: torch.Tensor) -> float:
    """Largest singular value of a layer's weight reshaped to (out, in * kh * kw), the matrix SN normalises."""
    w = weight.detach().float().reshape(weight.shape[0], -1)
    return float(torch.linalg.matrix_norm(w, ord=2))


@dataclass
class LayerRow:
    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int


def _is_layer(mod: nn.Module) -> bool:
    """A leaf module; a spectral-norm-wrapped conv counts as one layer (its only child is the parametrisation)."""
    children = [n for n, _ in mod.named_children() if n != "parametrizations"]
    return not children


def layer_table(module: nn.Module, example_input: torch.Tensor) -> list[LayerRow]:
    """One row per layer, in execution order, with input and output shapes (batch axis dropped).

    The shapes are measured with forward hooks on the real module, not copied
    from a docstring, so the table stays right if the architecture changes.
    Reshapes done in forward() (e.g. the generator's view to 128x4x4) show as
    an input shape that differs from the previous row's output.
    """
    rows: list[LayerRow] = []
    hooks = []

    def record(name):
        def hook(mod, inputs, output):
            params = sum(p.numel() for p in mod.parameters())
            in_shape = tuple(inputs[0].shape[1:]) if inputs and isinstance(inputs[0], torch.Tensor) else ()
            kind = type(mod).__name__
            if hasattr(mod, "parametrizations"):   # torch names the wrapped class "ParametrizedConv2d"
                kind = f"{type(mod).__bases__[0].__name__} + spectral norm"
            rows.append(LayerRow(name, kind, in_shape, tuple(output.shape[1:]), params))
        return hook

    for name, mod in module.named_modules():
        if name and "parametrizations" not in name and _is_layer(mod):
            hooks.append(mod.register_forward_hook(record(name)))
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(example_input)
    finally:
        module.train(was_training)
        for h in hooks:
            h.remove()
    return rows


def spectral_norms_after_training(spectral_norm: bool, iterations: int = 30, batch_size: int = 16,
                                  seed: int = 0, dataset: str = "emoji") -> list[float]:
    """Top singular value of each D conv's effective weight after a short course-DCGAN run.

    With spectral_norm=True the effective weight is W / sigma(W), so the values
    sit at ~1; without it they drift wherever training takes them.
    """
    from .train import TrainConfig, Trainer

    config = TrainConfig(dataset=dataset, spectral_norm=spectral_norm, batch_size=batch_size,
                         iterations=iterations, sample_every=0, n_samples=4, seed=seed)
    trainer = Trainer(config)
    for _ in range(iterations):
        for _ in range(config.d_train_iters):
            trainer.d_step()
        trainer.g_step()
    values = []
    with torch.no_grad():
        for conv in trainer.D.conv_layers():
            values.append(top_singular_value(conv.weight))  # the parametrised (normalised) weight under SN
    return values


# The two configurations the course page offers to open in the Train page: the
# course's settings and the SN-GAN recipe on the same networks (gan_core.presets).
def course_train_config(iterations: int | None = None):
    """The course's settings (gan_core.presets), for the page's "open in the Train page" button."""
    from . import presets

    return presets.get("course", **({} if iterations is None else {"iterations": iterations}))


def stable_train_config(iterations: int | None = None):
    from . import presets

    return presets.get("stable", **({} if iterations is None else {"iterations": iterations}))
