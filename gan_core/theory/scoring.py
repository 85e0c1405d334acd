"""The "how to score a GAN" section's numbers: SWD's blind spot measured on a real set and its
colour-shifted copies, per-set against shared normalisation (gan_core.metrics.swd), next to the
colour statistics that do see the shift."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from ..data import emoji_faces
from ..metrics import colour_stats, swd

# name -> (contrast, brightness added, red added): what a slightly-off generator might draw
SHIFTS = {"none": (1.0, 0.0, 0.0), "washed_out": (0.8, 25.0, 0.0), "too_red": (1.0, 0.0, 25.0)}


def colour_shift(images: torch.Tensor, contrast: float = 1.0, brightness: float = 0.0, red: float = 0.0) -> torch.Tensor:
    """uint8 (N, 3, H, W) -> the same images with contrast scaled about mid-grey, brightness and red added."""
    x = (images.float() - 127.5) * contrast + 127.5 + brightness
    x[:, 0] += red
    return x.round().clamp(0, 255).to(torch.uint8)


@dataclass
class BlindSpotRow:
    shift: str
    per_set: float        # SWD x1e3, mean over levels, the paper's normalisation
    shared: float         # SWD x1e3 with both sets normalised by the real set's statistics
    colour_error: float   # colour_stats(...).worst: largest per-channel mean/std error, grey levels


def swd_blind_spot(images: torch.Tensor | None = None, seed: int = 0) -> tuple[list[BlindSpotRow], float]:
    """Half A of a real set against half B unchanged (the floor) and against B colour-shifted.

    Default set: the 329 emoji faces at 64x64 (the Train page's data). Returns the rows and the
    seconds taken."""
    start = time.perf_counter()
    images = emoji_faces(64) if images is None else images
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    half = len(images) // 2
    a, b = images[order[:half]], images[order[half:2 * half]]
    rows = []
    for name, (contrast, brightness, red) in SHIFTS.items():
        shifted = colour_shift(b, contrast, brightness, red)
        rows.append(BlindSpotRow(name, swd(a, shifted, seed=seed).mean,
                                 swd(a, shifted, seed=seed, normalise="shared").mean,
                                 colour_stats(a, shifted).worst))
    return rows, time.perf_counter() - start
