"""A visitor's photo, read within bounds, and the face found and cropped the way the training
photos were cropped.

    photo bytes --decode_photo--> uint8 (3, H, W) --crop_face--> (3, 64, 64)

The generator only knows faces framed as in its training set (UTKFace's aligned crops: the face
fills the square, the eyes about 40 % from the top). We find the face with OpenCV's bundled Haar
cascade (a frontal-face detector shipped inside opencv-python-headless, Apache-2.0, no download at
run time) and place the square around its box with a scale and offset measured on the training
crops themselves (scripts/calibrate_crop.py). A face turned sideways is looked for next with the
same wheel's profile-face cascade, on the photo and on its mirror image (the cascade knows one
side only). When several faces are found the largest is used and FaceBox.count says how many there
were. If OpenCV is not installed, or it finds no face, the crop falls back to the centre of the
photo and says so; zoom and offset controls adjust either.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass, field

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from ..data.decode import IMAGE_FORMATS, ends_cleanly, oversized_metadata, to_rgb
from ..textsafe import Sentence

# -----------------------------------------------------------------------------
# reading a photo

MAX_PHOTO_BYTES = 20 * 2**20         # a phone photo is 2-12 MB
MAX_PHOTO_PIXELS = 50_000_000        # 50 MP; checked from the header, before decoding
MIN_PHOTO_SIDE = 32                  # below this there is no face to recover
MAX_PHOTO_ASPECT = 4                 # a portrait is at most 4:1 (a panorama or a 32x100000 strip is no face)
WORKING_SIDE = 1024                  # photos are shrunk to this longest side: detection needs no more


class PhotoError(ValueError):
    """A photo that cannot be used; the message is meant for the user.

    `key` and `values` say it again in another language (content "safety.photo.<key>").
    """

    def __init__(self, message: str, key: str = "", **values):
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass
class Photo:
    image: torch.Tensor               # uint8 (3, H, W), at most WORKING_SIDE on the longer side
    original_size: tuple[int, int]    # (width, height) as uploaded
    notes: list[str] = field(default_factory=list)   # Sentences the user should know (grayscale, small ...)
    frames: int = 1                   # an animated GIF/WebP/PNG: how many frames it has (the first is used)


# The keys of the notes (textsafe.Sentence.key) decode_photo can give, for pages that say them in
# another language.
NOTE_KEYS = ("animated", "grayscale", "small")


def _is_grayscale(rgb: np.ndarray) -> bool:
    """True for photos whose channels (nearly) agree: black-and-white or sepia-free scans."""
    sample = rgb[::4, ::4].astype(np.int16)
    return int(np.abs(sample[..., 0] - sample[..., 1]).max(initial=0)) <= 6 and \
        int(np.abs(sample[..., 1] - sample[..., 2]).max(initial=0)) <= 6


def _damaged(exc: BaseException) -> PhotoError:
    if oversized_metadata(exc):
        return PhotoError("The image carries oversized metadata (text chunks larger than this app reads); "
                          "save the picture again without them.", "metadata")
    return PhotoError("The image file is damaged and cannot be read.", "damaged")


def decode_photo(data: bytes) -> Photo:
    """Uploaded bytes -> Photo, in memory only; raises PhotoError with a plain reason (and only PhotoError)."""
    if len(data) == 0:
        raise PhotoError("The file is empty.", "empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"The file is {len(data) / 2**20:.0f} MB; photos up to {MAX_PHOTO_BYTES // 2**20} MB "
                         "are accepted.", "too_many_bytes", mb=round(len(data) / 2**20), cap=MAX_PHOTO_BYTES // 2**20)
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise PhotoError("The image is too large to open safely.", "bomb") from None
    except UnidentifiedImageError:
        raise PhotoError("This file is not an image we can read (JPEG, PNG or WebP).", "not_image") from None
    except Exception as exc:
        raise _damaged(exc) from None
    with image:
        width, height = image.size
        frames = int(getattr(image, "n_frames", 1) or 1) if getattr(image, "is_animated", False) else 1
        if width * height > MAX_PHOTO_PIXELS:
            raise PhotoError(f"The image is {width}x{height} pixels ({width * height / 1e6:.0f} MP); "
                             f"up to {MAX_PHOTO_PIXELS // 1_000_000} MP is accepted.", "too_many_pixels",
                             w=width, h=height, mp=round(width * height / 1e6), cap=MAX_PHOTO_PIXELS // 1_000_000)
        if min(width, height) < MIN_PHOTO_SIDE:
            raise PhotoError(f"The image is only {width}x{height} pixels: too small to hold a face "
                             f"(at least {MIN_PHOTO_SIDE} pixels a side).", "too_small",
                             w=width, h=height, side=MIN_PHOTO_SIDE)
        if max(width, height) > MAX_PHOTO_ASPECT * min(width, height):
            raise PhotoError(f"The image is {width}x{height} pixels: far too long and thin to frame a face "
                             f"(at most {MAX_PHOTO_ASPECT}:1); crop it to the face first.", "aspect",
                             w=width, h=height, ratio=MAX_PHOTO_ASPECT)
        if not ends_cleanly(image.format, data):
            raise PhotoError("The image file is truncated (the upload was cut short?).", "truncated")
        try:
            image.draft("RGB", (WORKING_SIDE, WORKING_SIDE))   # JPEG: decode at a reduced scale, fast
            image.load()
            upright = ImageOps.exif_transpose(image)          # phones store the rotation in EXIF
            rgb = to_rgb(upright)
            rgb.thumbnail((WORKING_SIDE, WORKING_SIDE), Image.Resampling.LANCZOS)
        except Exception as exc:
            raise _damaged(exc) from None
    array = np.asarray(rgb, dtype=np.uint8)
    notes = []
    if frames > 1:   # Image.open stands on frame 0, and load() decodes only that one
        notes.append(Sentence(f"This is an animated image ({frames} frames): only its first frame is used.",
                              "animated", frames=frames))
    if _is_grayscale(array):
        notes.append(Sentence("This is a black-and-white photo. The generator only makes colour faces, so the "
                              "reconstruction will invent colours.", "grayscale"))
    if min(width, height) < 64:
        notes.append(Sentence(f"The photo is small ({width}x{height}); the face will be blurry.", "small",
                              w=width, h=height))
    return Photo(torch.from_numpy(array.copy()).permute(2, 0, 1).contiguous(), (width, height), notes, frames)


# -----------------------------------------------------------------------------
# finding and cropping the face

# Where UTKFace puts a face: measured by scripts/calibrate_crop.py, which runs the
# same detector on training crops. A Haar box of width w centred at (cx, cy)
# belongs in a square crop of side FRAME_SCALE * w centred at (cx, cy + FRAME_DY * w).
FRAME_SCALE = 0.98
FRAME_DY = 0.09


@dataclass
class FaceBox:
    x: float          # the square crop, in pixels of the photo: centre and side
    y: float
    side: float
    found: bool       # False: no face detected, the crop is the photo's centre
    how: str          # one of DETECTORS: "haar" (frontal), "profile", "profile-mirrored", or "centre"
    count: int = 0    # how many faces that detector found (the largest is used)


# How a face was found, in the order tried, with the name a page shows.
DETECTORS = {
    "haar": "OpenCV Haar cascade (frontal face)",
    "profile": "OpenCV Haar cascade (profile face)",
    "profile-mirrored": "OpenCV Haar cascade (profile face, mirrored)",
    "centre": "none (centre crop)",
}
_CASCADE_FILES = {"frontal": "haarcascade_frontalface_default.xml", "profile": "haarcascade_profileface.xml"}


def _as_rgb(image) -> torch.Tensor:
    """uint8 (C, H, W) with C in {1, 3, 4} (or (H, W)) -> (3, H, W); RGBA over white."""
    image = torch.as_tensor(image)
    if image.dtype != torch.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 2:
        image = image[None]
    if image.ndim != 3 or image.shape[0] not in (1, 3, 4):
        raise ValueError(f"expected an image shaped (channels, height, width) with 1, 3 or 4 channels, "
                         f"got {tuple(image.shape)}")
    if image.shape[0] == 1:
        return image.expand(3, -1, -1).contiguous()
    if image.shape[0] == 4:
        alpha = image[3:].float() / 255
        return (image[:3].float() * alpha + 255 * (1 - alpha)).round().to(torch.uint8)
    return image


@functools.lru_cache(maxsize=2)
def _cascade(kind: str = "frontal"):
    """One of OpenCV's bundled Haar cascades ("frontal", "profile"), or None without OpenCV."""
    try:
        import cv2
    except ImportError:
        return None
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + _CASCADE_FILES[kind])
    return None if cascade.empty() else cascade


def detector_name(how: str | None = None) -> str:
    """The detector that found a face (FaceBox.how), or the first one this server has."""
    if how is None:
        how = "haar" if _cascade() is not None else "centre"
    return DETECTORS[how]


def _distinct(boxes: list) -> list:
    """Boxes that are separate faces, largest first: a box mostly inside a larger kept one is the same
    face found twice (the profile cascade often answers two or three overlapping boxes)."""
    kept = []
    for x, y, w, h in sorted(boxes, key=lambda b: -b[2] * b[3]):
        def inside(k):
            iw = max(0.0, min(x + w, k[0] + k[2]) - max(x, k[0]))
            ih = max(0.0, min(y + h, k[1] + k[3]) - max(y, k[1]))
            return iw * ih > 0.5 * w * h
        if not any(inside(k) for k in kept):
            kept.append((x, y, w, h))
    return kept


def _detect(cascade, gray: np.ndarray) -> list:
    smallest = max(20, int(0.08 * min(gray.shape)))
    faces = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest))
    return _distinct([tuple(float(v) for v in f) for f in faces])


def find_face(image) -> FaceBox:
    """The square around the largest face, framed like the training crops (or the centre square).

    Tried in order: the frontal cascade; the profile cascade (faces turned to one side); the profile
    cascade on the mirror image (turned to the other side). A profile box is framed with the frontal
    calibration: close enough to start from, and the zoom/offset controls adjust it.
    """
    rgb = _as_rgb(image)
    _, h, w = rgb.shape
    frontal = _cascade("frontal")
    if frontal is not None and min(h, w) >= 24:
        gray = (0.299 * rgb[0].float() + 0.587 * rgb[1].float() + 0.114 * rgb[2].float()).round()
        gray = gray.clamp(0, 255).to(torch.uint8).numpy()
        scale = 1.0
        if max(h, w) > 640:                    # detection needs no more; 5x faster on a phone photo
            import cv2

            scale = 640 / max(h, w)
            gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
        profile = _cascade("profile")
        faces, how = _detect(frontal, gray), "haar"
        if not faces and profile is not None:
            faces, how = _detect(profile, gray), "profile"
        if not faces and profile is not None:
            gw = gray.shape[1]
            mirrored = _detect(profile, np.ascontiguousarray(gray[:, ::-1]))
            faces, how = [(gw - fx - fw, fy, fw, fh) for fx, fy, fw, fh in mirrored], "profile-mirrored"
        if faces:
            fx, fy, fw, fh = (v / scale for v in faces[0])          # the largest
            return FaceBox(fx + fw / 2, fy + fh / 2 + FRAME_DY * fw, FRAME_SCALE * fw, True, how, len(faces))
    side = min(h, w)
    return FaceBox(w / 2, h / 2, side, False, "centre")


def crop_face(image, zoom: float = 1.0, offset_x: float = 0.0, offset_y: float = 0.0,
              box: FaceBox | None = None, size: int = 64) -> torch.Tensor:
    """Any uint8 (C, H, W) photo -> a uint8 (3, size, size) face crop framed like the training photos.

    zoom > 1 shows less around the face; offset_x / offset_y move the square by
    a fraction of its side (+ is right / down). Parts of the square outside the
    photo repeat its edge pixels. `box` skips detection (pass find_face's result
    when only zoom or offset change).
    """
    rgb = _as_rgb(image)
    if not (0.2 <= zoom <= 5):
        raise ValueError(f"zoom must be between 0.2 and 5, got {zoom}")
    box = box or find_face(rgb)
    side = box.side / zoom
    cx, cy = box.x + offset_x * side, box.y + offset_y * side
    left, top = cx - side / 2, cy - side / 2
    # Edge padding for squares that leave the photo, then PIL's antialiased resize of the exact square.
    _, h, w = rgb.shape
    pad = int(math.ceil(max(0, -left, -top, left + side - w, top + side - h))) + 1
    array = rgb.permute(1, 2, 0).numpy()
    if pad > 1:
        array = np.pad(array, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    else:
        pad = 0
    pil = Image.fromarray(np.ascontiguousarray(array))
    crop = pil.resize((size, size), Image.Resampling.LANCZOS,
                      box=(left + pad, top + pad, left + pad + side, top + pad + side), reducing_gap=3.0)
    return torch.from_numpy(np.asarray(crop, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()
