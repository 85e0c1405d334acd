"""The datasets that ship inside the package: emoji faces (rendered from a PNG sheet), procedural
shapes, and the 2-D toy mixtures of the theory pages.
"""

import colorsys
import functools
import math
from importlib import resources

import numpy as np
import torch
from PIL import Image

from .pixels import _check_size, _to_tensor

TOY_DATASETS = ("ring8", "grid25", "spiral", "moons")


# ---------------------------------------------------------------------------
# Built-in image datasets
# ---------------------------------------------------------------------------

_EMOJI_SHEET = "emoji_faces64.png"


@functools.lru_cache(maxsize=8)
def _emoji_faces_cached(size):
    # The sheet is produced by scripts/make_emoji_faces.py and describes itself:
    # its text chunks give the cell size and how many cells are used (the last
    # row is padded with white cells that must not become training images).
    sheet_file = resources.files("gan_core").joinpath("assets", _EMOJI_SHEET)
    with sheet_file.open("rb") as f, Image.open(f, formats=("PNG",)) as sheet:
        sheet.load()
        count = int(sheet.text["emoji_count"])
        cell = int(sheet.text["emoji_cell"])
        columns = sheet.width // cell
        tiles = []
        for index in range(count):
            left, top = (index % columns) * cell, (index // columns) * cell
            box = (left, top, left + cell, top + cell)
            if size == cell:
                tile = sheet.crop(box)
            else:
                tile = sheet.resize((size, size), Image.Resampling.LANCZOS, box=box)
            tiles.append(np.asarray(tile.convert("RGB")))
    return _to_tensor(tiles, size)


def emoji_faces(size=32):
    """The course's emoji-faces set (329 Noto Color Emoji faces and people), uint8 (N, 3, size, size).

    Rendered at 64x64; other sizes are Lanczos-resized (sizes above 64 are
    upsampled and look soft). See gan_core/assets/EMOJI_LICENSE.md.
    """
    size = _check_size(size)
    # A copy, so a caller that edits its tensor in place cannot corrupt the cache.
    return _emoji_faces_cached(size).clone()


SHAPE_KINDS = ("circle", "square", "triangle")


def _polygon_mask(xs, ys, vertices):
    """True inside a convex polygon whose vertices run counter-clockwise."""
    inside = np.ones(xs.shape, dtype=bool)
    for (x0, y0), (x1, y1) in zip(vertices, np.roll(vertices, -1, axis=0), strict=True):
        inside &= (x1 - x0) * (ys - y0) - (y1 - y0) * (xs - x0) >= 0
    return inside


def shapes(n=512, size=32, seed=0):
    """One coloured circle, square or triangle per image on a plain light background.

    Position, size, rotation and colours are random but fixed by `seed`, so a
    run can be repeated exactly. Returns uint8 (n, 3, size, size).
    """
    size = _check_size(size)
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, len(SHAPE_KINDS), n)
    # Shapes are described by their circumradius in [0, 1] image coordinates,
    # with the centre chosen so the whole shape stays inside the frame.
    radii = rng.uniform(0.18, 0.42, n)
    margin = radii + 0.03
    centres = rng.uniform(margin[:, None], 1.0 - margin[:, None], (n, 2))
    angles = rng.uniform(0.0, 2.0 * math.pi, n)
    backgrounds = rng.uniform(215.0, 255.0, (n, 3))
    # Saturated, not-too-light colours keep every shape visible on the light background.
    hsv = np.stack([rng.uniform(0, 1, n), rng.uniform(0.55, 1.0, n), rng.uniform(0.35, 0.9, n)], axis=1)

    # Draw on a 4x finer grid and average, which anti-aliases the edges.
    supersample = 4
    fine = size * supersample
    coords = (np.arange(fine) + 0.5) / fine
    ys, xs = np.meshgrid(coords, coords, indexing="ij")

    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for i in range(n):
        (cx, cy), radius, kind = centres[i], radii[i], SHAPE_KINDS[kinds[i]]
        if kind == "circle":
            mask = (xs - cx) ** 2 + (ys - cy) ** 2 <= (0.8 * radius) ** 2
        else:
            corners = 4 if kind == "square" else 3
            theta = angles[i] + 2.0 * math.pi * np.arange(corners) / corners
            vertices = np.stack([cx + radius * np.cos(theta), cy + radius * np.sin(theta)], axis=1)
            mask = _polygon_mask(xs, ys, vertices)
        coverage = mask.reshape(size, supersample, size, supersample).mean(axis=(1, 3))[..., None]
        colour = np.array(colorsys.hsv_to_rgb(*hsv[i])) * 255.0
        images[i] = np.rint(backgrounds[i] * (1.0 - coverage) + colour * coverage)
    return _to_tensor(list(images), size)


# ---------------------------------------------------------------------------
# 2-D toy distributions for the theory pages
# ---------------------------------------------------------------------------

# The mode-collapse benchmarks of Unrolled GAN (Metz et al., 2017) and VEEGAN
# (Srivastava et al., 2017): 8 Gaussians on a circle of radius 2 with std 0.02,
# and 25 Gaussians at (-4 + 2i, -4 + 2j), i, j in 0..4, with std 0.05. A sample
# counts as high quality within 3 std of a mode (metrics.mode_coverage uses
# the centres and std that toy_modes returns).
_RING_RADIUS, _RING_STD = 2.0, 0.02
_GRID_SPACING, _GRID_STD = 2.0, 0.05


def toy_modes(name):
    """(centres (K, 2), std) of a Gaussian-mixture toy, or None for spiral and moons (no discrete modes)."""
    if name == "ring8":
        angles = torch.arange(8, dtype=torch.float32) * (2.0 * math.pi / 8)
        centres = _RING_RADIUS * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
        return centres, _RING_STD
    if name == "grid25":
        axis = torch.arange(-2, 3, dtype=torch.float32) * _GRID_SPACING
        return torch.cartesian_prod(axis, axis), _GRID_STD
    if name in TOY_DATASETS:
        return None
    raise ValueError(f"unknown toy dataset {name!r}; choose one of {', '.join(TOY_DATASETS)}")


def toy_2d(name, n, seed=0):
    """n points of a 2-D toy distribution as float32 (n, 2); all fit in roughly [-4.5, 4.5]^2."""
    modes = toy_modes(name)  # also rejects unknown names
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    gen = torch.Generator().manual_seed(seed)
    if modes is not None:
        centres, std = modes
        which = torch.randint(len(centres), (n,), generator=gen)
        return centres[which] + std * torch.randn(n, 2, generator=gen)
    if name == "spiral":
        # An Archimedean spiral (radius proportional to angle) over 1.75 turns.
        # Arc length grows with angle squared, so drawing the angle as the
        # square root of a uniform spreads points evenly along the curve.
        lo, hi = 0.5 * math.pi, 4.0 * math.pi
        theta = torch.sqrt(lo**2 + (hi**2 - lo**2) * torch.rand(n, generator=gen))
        radius = theta * (3.5 / hi)
        points = torch.stack([radius * torch.cos(theta), radius * torch.sin(theta)], dim=1)
        return points + 0.05 * torch.randn(n, 2, generator=gen)
    # moons: two interleaved half circles, centred on the origin and doubled in size.
    t = math.pi * torch.rand(n, generator=gen)
    lower = torch.randint(2, (n,), generator=gen).bool()
    x = torch.where(lower, 1.0 - torch.cos(t), torch.cos(t))
    y = torch.where(lower, 0.5 - torch.sin(t), torch.sin(t))
    points = 2.0 * torch.stack([x - 0.5, y - 0.25], dim=1)
    return points + 0.1 * torch.randn(n, 2, generator=gen)
