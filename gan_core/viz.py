"""Turning generator output into pictures: grids, PNG/GIF bytes, upscaling.

Works on uint8 arrays so the same code serves the CLI, the app and the tests.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def _as_uint8_nchw(images) -> np.ndarray:
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images, got {images.dtype} (convert with gan_core.data.to_uint8)")
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images of shape (N, 3, H, W), got {images.shape}")
    return images


def make_grid(images, nrow: int | None = None, padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """(N, 3, H, W) uint8 -> one (rows*H + gaps, nrow*W + gaps, 3) uint8 image.

    The same layout as torchvision.utils.make_grid (padding around and between
    tiles), without the float round trip.
    """
    images = _as_uint8_nchw(images)
    n, c, h, w = images.shape
    nrow = nrow or int(math.ceil(math.sqrt(n)))
    nrow = max(1, min(nrow, n))
    rows = int(math.ceil(n / nrow))
    grid = np.full((rows * (h + padding) + padding, nrow * (w + padding) + padding, 3), pad_value, np.uint8)
    for i in range(n):
        r, col = divmod(i, nrow)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y:y + h, x:x + w] = images[i].transpose(1, 2, 0)
    return grid


def to_hwc(image) -> np.ndarray:
    """One image (3, H, W) or (H, W, 3) uint8 -> (H, W, 3)."""
    image = np.asarray(image.detach().cpu() if isinstance(image, torch.Tensor) else image)
    if image.ndim == 3 and image.shape[0] == 3 and image.shape[-1] != 3:
        image = image.transpose(1, 2, 0)
    return np.ascontiguousarray(image)


def upscale(image, size: int, method: str = "nearest") -> np.ndarray:
    """Enlarge an (H, W, 3) uint8 image to size x size; 'nearest' keeps the pixels honest."""
    methods = {"nearest": Image.NEAREST, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR}
    if method not in methods:
        raise ValueError(f"method must be one of {', '.join(methods)}")
    im = Image.fromarray(to_hwc(image))
    return np.asarray(im.resize((size, size), methods[method]))


def png_bytes(image, compress_level: int = 6) -> bytes:
    """PNG-encode an image; compress_level 1 is several times faster than the default 6, for a bigger file."""
    buf = io.BytesIO()
    Image.fromarray(to_hwc(image)).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def save_png(image, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(image))
    return path


def gif_bytes(frames, duration_ms: int = 120, loop: int = 0) -> bytes:
    """An animated GIF from a list of (H, W, 3) uint8 frames."""
    frames = [Image.fromarray(to_hwc(f)) for f in frames]
    if not frames:
        raise ValueError("no frames to animate")
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:],
                   duration=duration_ms, loop=loop, optimize=False)
    return buf.getvalue()


def smooth(values, window: int, centred: bool = False) -> np.ndarray:
    """Moving average over `window` samples that skips missing values (None or NaN: a diverged
    loss is stored as null).

    Trailing by default: each point averages the window that ends at it (the Experiments
    page's curves of the study's logged windows). centred=True averages the window around
    it instead, which does not lag behind the raw curve it is drawn over (the Train page's
    live curves). A series shorter than the window comes back unsmoothed.
    """
    y = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if window <= 1 or len(y) < window:
        return y
    ok = np.isfinite(y)
    kernel = np.ones(window)
    # Full convolutions: entry k sums the window that ends at sample k.
    total = np.convolve(np.where(ok, y, 0.0), kernel)
    count = np.convolve(ok.astype(np.float64), kernel)
    start = (window - 1) // 2 if centred else 0
    total, count = total[start:start + len(y)], count[start:start + len(y)]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)
