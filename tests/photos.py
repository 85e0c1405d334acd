"""Test photos that hold a face without being anyone's photo: a generated faces64 face,
enlarged and pasted off-centre into a larger noisy picture (for the "Your photo" tests)."""

import io

import numpy as np
import torch
from PIL import Image

from gan_core.data import to_uint8
from gan_core.hub import load_generator


def face_photo(seed: int, face_side: int, canvas_hw: tuple[int, int], paste_at: tuple[int, int],
               noise_seed: int, noise: tuple[int, int], fmt: str = "JPEG", **save_kw) -> bytes:
    generator, _ = load_generator("faces64")
    with torch.no_grad():
        face = to_uint8(generator(torch.randn(1, 128, generator=torch.Generator().manual_seed(seed))))[0]
    big = Image.fromarray(face.permute(1, 2, 0).numpy()).resize((face_side, face_side), Image.Resampling.BICUBIC)
    canvas = np.random.default_rng(noise_seed).integers(*noise, (*canvas_hw, 3)).astype(np.uint8)
    canvas = Image.fromarray(canvas)
    canvas.paste(big, paste_at)
    buf = io.BytesIO()
    canvas.save(buf, format=fmt, **save_kw)
    return buf.getvalue()
