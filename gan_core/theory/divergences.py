"""The first theory page's numbers: 1-D densities, the optimal discriminator, the divergences
(Goodfellow et al. 2014, Proposition 1 and Theorem 1), and the generator's loss as a function of
D's verdict on a fake (why gradients vanish), and one Gaussian fitted to the two-bump data under
four objectives (mode-seeking vs mode-covering, Goodfellow 2016).
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


# ---------------------------------------------------------------------------
# 3. Mode-seeking vs mode-covering: one Gaussian fitted to the two-bump data (Goodfellow 2016, §3.2.5)
# ---------------------------------------------------------------------------

FIT_OBJECTIVES = ("kl_forward", "kl_reverse", "jsd", "ns")
FIT_GRID = np.linspace(-10.0, 10.0, 4001)
FIT_MEANS = (-3.0, 3.0)            # the search box for p_g's mean ...
FIT_STDS = (0.15, 4.0)             # ... and its standard deviation


def _log_gaussian(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * math.log(2.0 * math.pi)


def _log_mixture(x, means, stds):
    parts = np.stack([_log_gaussian(x, m, s) - math.log(len(means)) for m, s in zip(means, stds, strict=True)])
    return np.logaddexp.reduce(parts, axis=0)


def fit_objectives(means, stds, data_means=DATA_MEANS, data_stds=DATA_STDS, x: np.ndarray = FIT_GRID) -> dict:
    """The four objectives for p_g = N(mean, std^2) against the data mixture, for arrays of means and stds
    (broadcast together), in nats, computed from log densities so no tail underflows:

    kl_forward KL(p_data || p_g): what maximum likelihood minimises; infinite penalty for missing data.
    kl_reverse KL(p_g || p_data): infinite penalty for mass where the data has none.
    jsd: what the minimax GAN minimises at the optimal D (up to -log 4 and a factor 2).
    ns: KL(p_g || p_data) - 2 JSD, what the non-saturating G loss minimises at the optimal D.
    """
    means, stds = np.broadcast_arrays(np.asarray(means, dtype=float), np.asarray(stds, dtype=float))
    shape = means.shape
    log_pd = _log_mixture(x, data_means, data_stds)
    pd = np.exp(log_pd)
    out = {k: np.empty(means.size) for k in FIT_OBJECTIVES}
    for i, (m, s) in enumerate(zip(means.ravel(), stds.ravel())):
        log_pg = _log_gaussian(x, m, s)
        pg = np.exp(log_pg)
        log_mid = np.logaddexp(log_pd, log_pg) - LOG2
        kl_f = np.trapezoid(pd * (log_pd - log_pg), x)
        kl_r = np.trapezoid(pg * (log_pg - log_pd), x)
        jsd = 0.5 * np.trapezoid(pd * (log_pd - log_mid), x) + 0.5 * np.trapezoid(pg * (log_pg - log_mid), x)
        out["kl_forward"][i], out["kl_reverse"][i], out["jsd"][i], out["ns"][i] = kl_f, kl_r, jsd, kl_r - 2 * jsd
    return {k: v.reshape(shape) for k, v in out.items()}


@dataclass
class GaussianFit:
    """The single Gaussian that minimises one objective: its mean, std, the objective's value there,
    and which data modes it keeps (see modes_kept)."""

    objective: str
    mean: float
    std: float
    value: float
    kept: tuple[int, ...]


def modes_kept(mean: float, std: float, data_means=DATA_MEANS, data_stds=DATA_STDS,
               min_mass: float = 0.1) -> tuple[int, ...]:
    """Indices of the data modes on which N(mean, std^2) puts at least `min_mass` of its mass
    within two of that mode's standard deviations."""
    def cdf(v):
        return 0.5 * (1.0 + math.erf((v - mean) / (std * math.sqrt(2.0))))
    return tuple(i for i, (m, s) in enumerate(zip(data_means, data_stds))
                 if cdf(m + 2 * s) - cdf(m - 2 * s) >= min_mass)


def fit_landscape(n_means: int = 61, n_stds: int = 40, data_means=DATA_MEANS, data_stds=DATA_STDS):
    """(means, stds, objectives on the grid) over FIT_MEANS x FIT_STDS (stds log-spaced): the landscapes
    the figure draws and fit_gaussian starts from."""
    means = np.linspace(*FIT_MEANS, n_means)
    stds = np.geomspace(*FIT_STDS, n_stds)
    mm, ss = np.meshgrid(means, stds)              # rows: std, columns: mean
    return means, stds, fit_objectives(mm, ss, data_means, data_stds)


def fit_gaussian(objective: str, data_means=DATA_MEANS, data_stds=DATA_STDS, landscape=None) -> GaussianFit:
    """The N(mean, std^2) that minimises `objective`: the best point of the landscape, refined by
    three rounds of ever finer local grids (the objectives are smooth in mean and log std).

    With symmetric data, a one-mode optimum has a mirror twin as good; the search returns the one
    the coarse grid meets first (the left mode)."""
    if objective not in FIT_OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(FIT_OBJECTIVES)}")
    means, stds, values = landscape or fit_landscape(data_means=data_means, data_stds=data_stds)
    row, col = np.unravel_index(np.argmin(values[objective]), values[objective].shape)
    mean, log_std = means[col], math.log(stds[row])
    d_mean, d_log = means[1] - means[0], math.log(stds[1] / stds[0])
    for _ in range(3):
        mm, ll = np.meshgrid(mean + d_mean * np.linspace(-1, 1, 9), log_std + d_log * np.linspace(-1, 1, 9))
        local = fit_objectives(mm, np.exp(ll), data_means, data_stds)[objective]
        r, c = np.unravel_index(np.argmin(local), local.shape)
        mean, log_std = float(mm[r, c]), float(ll[r, c])
        d_mean, d_log = d_mean / 4, d_log / 4
    value = float(fit_objectives(mean, math.exp(log_std), data_means, data_stds)[objective])
    std = math.exp(log_std)
    return GaussianFit(objective, mean, std, value, modes_kept(mean, std, data_means, data_stds))
