"""The first theory page's numbers: 1-D densities, the optimal discriminator, the divergences
(Goodfellow et al. 2014, Proposition 1 and Theorem 1), and the generator's loss as a function of
D's verdict on a fake (why gradients vanish).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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
