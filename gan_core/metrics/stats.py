"""Cheaper readings of a sample set: colour statistics, mode coverage on 2-D toy mixtures (VEEGAN,
Srivastava et al. 2017), sample diversity (a mode-collapse reading for the Train page), and the
distance to the closest training image (a memorisation check, the course study's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .inputs import _as_uint8_images

# -----------------------------------------------------------------------------
# colour statistics


@dataclass
class ColourStats:
    """Per-channel (R, G, B) mean and std of two image sets, in grey levels (0-255).

    mean_error / std_error: (fake - real) / real per channel, e.g. -0.09 = 9 % too little contrast.
    worst: the largest |relative error| over both, the one-number summary.
    """

    real_mean: tuple[float, float, float]
    real_std: tuple[float, float, float]
    fake_mean: tuple[float, float, float]
    fake_std: tuple[float, float, float]

    @property
    def mean_error(self) -> tuple[float, ...]:
        return tuple((f - r) / r for f, r in zip(self.fake_mean, self.real_mean))

    @property
    def std_error(self) -> tuple[float, ...]:
        return tuple((f - r) / r for f, r in zip(self.fake_std, self.real_std))

    @property
    def worst(self) -> float:
        return max(abs(e) for e in self.mean_error + self.std_error)

    def __str__(self) -> str:
        fmt = lambda v: " / ".join(f"{x:+.1%}" for x in v)  # noqa: E731
        return f"colour vs real (R / G / B): mean {fmt(self.mean_error)}, std {fmt(self.std_error)}"


def _channel_mean_std(images: torch.Tensor, chunk: int = 1024):
    total = torch.zeros(3, dtype=torch.float64)
    total_sq = torch.zeros(3, dtype=torch.float64)
    for part in images.split(chunk):
        x = part.double()
        total += x.sum(dim=(0, 2, 3))
        total_sq += (x * x).sum(dim=(0, 2, 3))
    count = images.shape[0] * images.shape[2] * images.shape[3]
    mean = total / count
    std = (total_sq / count - mean * mean).clamp_min(0).sqrt()
    return tuple(float(v) for v in mean), tuple(float(v) for v in std)


def colour_stats(real_uint8, fake_uint8) -> ColourStats:
    """Per-channel mean and std of all pixels of each set: what SWD's per-set normalisation cannot see.

    A global brightness, colour cast or contrast deficit shows here directly
    (washed-out samples: std too low, mean too bright). It says nothing about
    shapes or textures: a set of scrambled pixels can match it exactly.
    """
    real = _as_uint8_images(real_uint8, "real_uint8")
    fake = _as_uint8_images(fake_uint8, "fake_uint8")
    real_mean, real_std = _channel_mean_std(real)
    fake_mean, fake_std = _channel_mean_std(fake)
    return ColourStats(real_mean, real_std, fake_mean, fake_std)


# -----------------------------------------------------------------------------
# mode coverage on 2-D toy mixtures


@dataclass
class ModeCoverage:
    """How many mixture components a generator reaches, and how precisely.

    modes_covered: components with at least `min_samples` high-quality samples.
    n_modes: number of components (centres).
    high_quality: fraction of all samples within n_std standard deviations of their nearest centre.
    per_mode: high-quality samples assigned to each centre, in the centres' order.
    """

    modes_covered: int
    n_modes: int
    high_quality: float
    per_mode: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.modes_covered}/{self.n_modes} modes, {100 * self.high_quality:.1f}% high-quality samples"


def _as_points(x, name: str) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).detach().cpu().double()
    if x.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {tuple(x.shape)}")
    if x.shape[0] < 1:
        raise ValueError(f"{name} is empty")
    return x


def mode_coverage(samples, centres, std: float, *, n_std: float = 3.0, min_samples: int = 1) -> ModeCoverage:
    """Mode coverage of samples from a mixture of isotropic Gaussians (VEEGAN's protocol).

    samples: (N, D) generated points (torch or numpy); the protocol draws N = 2,500.
    centres: (K, D) the mixture means, e.g. 8 on a ring or 25 on a grid.
    std: the components' standard deviation.

    The rule of VEEGAN (Srivastava et al. 2017) for the ring and grid mixtures
    that Unrolled GAN (Metz et al. 2017) made the standard mode-collapse test:
    a sample is *high quality* if it lies within three standard deviations
    (`n_std`) of its nearest centre, and a mode is *captured* when it is the
    nearest centre of at least one high-quality sample, out of 2,500 samples.
    `min_samples` defaults to that rule; a stricter threshold (e.g. 20 of
    2,500) ignores modes that a handful of stray samples happen to touch.
    """
    samples = _as_points(samples, "samples")
    centres = _as_points(centres, "centres")
    if samples.shape[1] != centres.shape[1]:
        raise ValueError(f"samples are {samples.shape[1]}-D but centres are {centres.shape[1]}-D")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    if min_samples < 1:
        raise ValueError(f"min_samples must be >= 1, got {min_samples}")
    dist, nearest = torch.cdist(samples, centres).min(dim=1)
    good = dist <= n_std * std
    per_mode = torch.bincount(nearest[good], minlength=centres.shape[0])
    return ModeCoverage(
        modes_covered=int((per_mode >= min_samples).sum()),
        n_modes=centres.shape[0],
        high_quality=float(good.double().mean()),
        per_mode=tuple(int(c) for c in per_mode),
    )


# -----------------------------------------------------------------------------
# sample diversity


@dataclass
class Diversity:
    """Mean pairwise pixel distance (RMS per pixel, in [0, 1] units) within an image set.

    fake: within the generated images; 0 means every image is the same (full collapse).
    real: the same on real images, if given: the level a healthy generator should reach.
    ratio: fake / real, about 1 when the samples vary as much as the data, towards 0 as they collapse.
    """

    fake: float
    real: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.real is None or self.real == 0:
            return None
        return self.fake / self.real


def _mean_pairwise_rms(images: torch.Tensor, max_images: int, gen: torch.Generator) -> float:
    if images.shape[0] > max_images:
        images = images[torch.randperm(images.shape[0], generator=gen)[:max_images]]
    x = images.reshape(images.shape[0], -1).double() / 255.0
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b in one matrix product; float64 because the
    # cancellation would leave identical images ~1e-3 apart in float32
    sq = (x * x).sum(dim=1)
    d2 = (sq[:, None] + sq[None, :] - 2.0 * x @ x.T).clamp_min(0.0)
    i, j = torch.triu_indices(x.shape[0], x.shape[0], offset=1)
    return float((d2[i, j] / x.shape[1]).sqrt().mean())


def diversity(fake_uint8, real_uint8=None, *, max_images: int = 256, seed: int = 0) -> Diversity:
    """How different the generated images are from each other, optionally relative to real data.

    A cheap mode-collapse indicator for live training: no network, one matrix
    product over at most `max_images` randomly chosen images per set. Pixel
    distance is crude (two shifted copies of a face are "far apart"), so read
    it as a trend during training, with the real-data level as the reference,
    not as a quality score.
    """
    fake = _as_uint8_images(fake_uint8, "fake_uint8")
    if fake.shape[0] < 2:
        raise ValueError("diversity needs at least 2 images")
    if max_images < 2:
        raise ValueError(f"max_images must be >= 2, got {max_images}")
    gen = torch.Generator().manual_seed(seed)
    result = Diversity(fake=_mean_pairwise_rms(fake, max_images, gen))
    if real_uint8 is not None:
        real = _as_uint8_images(real_uint8, "real_uint8")
        if real.shape[0] < 2:
            raise ValueError("diversity needs at least 2 real images")
        result.real = _mean_pairwise_rms(real, max_images, gen)
    return result


# -----------------------------------------------------------------------------
# memorisation: the distance to the closest training image


def nearest_training(images, reference, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(index of the closest `reference` image, its RMS pixel distance on the 0-255 scale) for each of `images`.

    The memorisation check image by image: show each generated face beside the training photo it is
    closest to. Pixel distance sees copies, not near-copies moved by a few pixels or recoloured.
    """
    a = torch.as_tensor(np.asarray(images)).reshape(len(images), -1).double()
    b = torch.as_tensor(np.asarray(reference)).reshape(len(reference), -1).double()
    best_d2, best_i = [], []
    for part in a.split(chunk):
        d2 = torch.cdist(part, b).pow(2) / a.shape[1]
        values, idx = d2.min(dim=1)
        best_d2.append(values)
        best_i.append(idx)
    return torch.cat(best_i).numpy(), torch.cat(best_d2).clamp_min(0).sqrt().numpy()


def nearest_training_distance(images, reference) -> float:
    """Mean over `images` of the RMS pixel distance (0-255 scale) to the closest `reference` image.

    A memorisation check: a generator that copies training images drives it towards 0. For scale,
    compare with the same number for the training images themselves (each against the others),
    see `training_nn_distance`.
    """
    return float(nearest_training(images, reference)[1].mean())


def training_nn_distance(reference) -> float:
    """The same distance for each training image to its closest *other* training image."""
    b = torch.as_tensor(np.asarray(reference)).reshape(len(reference), -1).double()
    d2 = torch.cdist(b, b).pow(2) / b.shape[1]
    d2.fill_diagonal_(float("inf"))
    return float(d2.min(dim=1).values.sqrt().mean())
