"""What every metric checks first: image sets are uint8 (N, 3, H, W) tensors or arrays."""

from __future__ import annotations

import numpy as np
import torch

# -----------------------------------------------------------------------------
# input checks


def _as_uint8_images(images, name: str) -> torch.Tensor:
    """uint8 (N, 3, H, W), or channels-last (N, H, W, 3), -> uint8 tensor (N, 3, H, W).

    Channels-last is accepted because that is what `gan_core.data.to_image_array`
    hands out; the two layouts cannot be confused for square images of side >= 16.
    """
    if not isinstance(images, (torch.Tensor, np.ndarray)):
        raise ValueError(f"{name} must be a uint8 torch.Tensor or numpy array, got {type(images).__name__}")
    if images.dtype not in (torch.uint8, np.uint8):
        raise ValueError(
            f"{name} must be uint8 images in [0, 255], got dtype {images.dtype}; convert generator output "
            f"first, e.g. ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)"
        )
    if isinstance(images, np.ndarray):
        images = torch.from_numpy(np.array(images))  # a copy: the caller's array may be read-only
    if images.ndim != 4:
        raise ValueError(f"{name} must have shape (N, 3, H, W), got {tuple(images.shape)}")
    if images.shape[1] != 3 and images.shape[-1] == 3:
        images = images.permute(0, 3, 1, 2)
    n, c, h, w = images.shape
    if c != 3:
        raise ValueError(f"{name} must have 3 colour channels, shape (N, 3, H, W); got {tuple(images.shape)}")
    if n < 1:
        raise ValueError(f"{name} is empty")
    return images.detach().cpu()


def _is_power_of_two(x: int) -> bool:
    return x > 0 and x & (x - 1) == 0
