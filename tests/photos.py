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


# ---------------------------------------------------------------- pictures for the detector's edges

def generated_face(seed: int, side: int, index: int = 0, batch: int = 1) -> np.ndarray:
    """Face `index` of a batch of `batch` faces64 faces drawn from seed `seed`, enlarged to side x side."""
    generator, _ = load_generator("faces64")
    with torch.no_grad():
        faces = to_uint8(generator(torch.randn(batch, 128, generator=torch.Generator().manual_seed(seed))))
    img = Image.fromarray(faces[index].permute(1, 2, 0).numpy())
    return np.asarray(img.resize((side, side), Image.Resampling.BICUBIC))


def noise_canvas(hw, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).integers(70, 120, (*hw, 3)).astype(np.uint8)


def turned(face_img: np.ndarray, keep: float) -> np.ndarray:
    """A synthetic side-on face: the right half of a frontal face squeezed to `keep` of its width,
    as a head turned away foreshortens it."""
    img = Image.fromarray(face_img)
    w, h = img.size
    half = w // 2
    right = img.crop((half, 0, w, h)).resize((max(1, int(half * keep)), h), Image.Resampling.BICUBIC)
    out = Image.new("RGB", (half + right.width, h))
    out.paste(img.crop((0, 0, half, h)), (0, 0))
    out.paste(right, (half, 0))
    return np.asarray(out)


def side_on_picture() -> np.ndarray:
    """Generated face 45 of seed 0 (a faces64 face, trained on UTKFace photos), turned and pasted
    into a 320x320 noisy picture at (60, 60): the frontal cascade misses it, the profile cascade
    finds it on the mirror image (and directly on picture[:, ::-1])."""
    head = turned(generated_face(0, 200, index=45, batch=60), 0.3)
    picture = noise_canvas((320, 320))
    picture[60:60 + head.shape[0], 60:60 + head.shape[1]] = head
    return picture


def two_faces_picture() -> np.ndarray:
    """Two generated faces in a 500x900 picture: a small one on the left, the larger on the right."""
    picture = noise_canvas((500, 900))
    picture[60:60 + 180, 60:60 + 180] = generated_face(3, 180)
    picture[40:40 + 300, 500:500 + 300] = generated_face(7, 300)
    return picture


def encoded(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format=fmt)
    return buf.getvalue()
