"""Pixel ranges. Every image dataset is a uint8 tensor (N, 3, S, S); `to_float` maps it to the
[-1, 1] range a tanh generator produces and `to_uint8` maps samples back (`to_image_array` for a
channels-last numpy array to show or save).
"""

import numbers

import numpy as np
import torch

MAX_IMAGE_SIZE = 1024


def _check_size(size):
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or not 1 <= size <= MAX_IMAGE_SIZE:
        raise ValueError(f"image size must be an integer from 1 to {MAX_IMAGE_SIZE}, got {size!r}")
    return int(size)


def _to_tensor(arrays, size):
    """Stack (S, S, 3) uint8 arrays into the (N, 3, S, S) layout the models use."""
    if not arrays:
        return torch.empty((0, 3, size, size), dtype=torch.uint8)
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


# ---------------------------------------------------------------------------
# Pixel range conversions
# ---------------------------------------------------------------------------


def to_float(images):
    """uint8 images in [0, 255] -> float32 in [-1, 1], the range of a tanh generator."""
    if images.dtype != torch.uint8:
        raise TypeError(f"to_float expects uint8 images, got {images.dtype}")
    return images.float().div(127.5).sub(1.0)


def to_uint8(images):
    """Float images in [-1, 1] -> uint8 in the same layout and on the same device.

    Out-of-range values (common early in training; PGGAN has no final tanh) are
    clamped, and x.5 rounds up, as genforce's postprocess does for PGGAN.
    """
    if not images.is_floating_point():
        raise TypeError(f"to_uint8 expects float images in [-1, 1], got {images.dtype}")
    # +0.5 then floor (the values are >= 0 after the clamp) is round-half-up.
    return images.detach().float().add(1.0).mul(127.5).add(0.5).clamp(0.0, 255.0).floor().to(torch.uint8)


def to_image_array(images):
    """(B, 3, H, W) or (3, H, W) float images in [-1, 1] -> uint8 numpy array, channels last
    ((B, H, W, 3) or (H, W, 3)), on the CPU: what PIL, Streamlit and the grids take."""
    if images.dim() not in (3, 4) or images.shape[-3] != 3:
        raise ValueError(f"expected images of shape (B, 3, H, W) or (3, H, W), got {tuple(images.shape)}")
    return to_uint8(images).movedim(-3, -1).cpu().numpy()
