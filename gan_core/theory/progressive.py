"""PGGAN's pieces: the fade-in blend, the level-of-detail view of a (tiny) progressive generator,
and the minibatch standard deviation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

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
    from ..models.pggan import PGGANGenerator

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
    from ..data.pixels import to_image_array

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
