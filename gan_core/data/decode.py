"""One untrusted image file, decoded within bounds: the formats we open, the end-marker check
that refuses truncated files, the colour-mode conversion, and the reasons a file is refused.
Shared by dataset uploads (data/uploads.py) and photos (faces/photo.py).
"""

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

NOT_AN_IMAGE = "not an image"
CORRUPT = "corrupt or truncated"
TOO_LARGE = "too large"
UNSAFE_PATH = "unsafe path"
TOO_MANY_FILES = "too many files"
ENCRYPTED = "encrypted"
UNSUPPORTED = "unsupported image"
OVER_BUDGET = "over the upload's budget"
METADATA = "oversized metadata"
UNSAFE_NAME = "unreadable name"


def oversized_metadata(exc: BaseException) -> bool:
    """Pillow's refusal of a PNG whose text chunks are too large (PngImagePlugin.MAX_TEXT_CHUNK and
    MAX_TEXT_MEMORY): the picture may be fine, its metadata is not."""
    text = str(exc)
    return isinstance(exc, ValueError) and ("text chunk" in text or "MAX_TEXT" in text
                                            or "Decompressed data too large" in text)


class Rejected(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# Formats a photo or drawing realistically arrives in. Naming them keeps
# Pillow's rarer plugins (EPS runs Ghostscript, for one) away from untrusted bytes.
IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # multi-picture JPEGs open as JPEG


def ends_cleanly(image_format, data):
    """Check the end marker ourselves, so a truncated file is refused even if some
    other code has set PIL.ImageFile.LOAD_TRUNCATED_IMAGES, which makes Pillow pad it."""
    if image_format in ("JPEG", "MPO"):
        # Entropy-coded data cannot contain FF D9 or FF DA (FF is byte-stuffed),
        # so the last start-of-scan must be followed by an end-of-image marker.
        return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda")
    if image_format == "PNG":
        return b"IEND" in data[-64:]
    return True


def to_rgb(image):
    mode = image.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        # convert("L") clips 16-bit values at 255 (a white image), so rescale.
        values = np.asarray(image, dtype=np.float64)
        if mode.startswith("I;16") or values.max(initial=0) > 255:
            values = values / 257.0
        gray = np.clip(np.rint(values), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert("RGB")
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in image.info):
        # Transparent pixels hold arbitrary colours (often black); show them as white paper.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def decode_image(data, size, max_pixels, charge=None):
    """Bytes -> (size, size, 3) uint8 array, centre-cropped to a square; raises Rejected.

    charge(pixels), if given, is told the pixels about to be decoded and may refuse them (raise Rejected).
    """
    try:
        # Image.open reads only the header; pixels are decoded by load() below.
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise Rejected(TOO_LARGE) from None
    except UnidentifiedImageError:
        raise Rejected(NOT_AN_IMAGE) from None
    except Exception as exc:  # Pillow's plugins raise many types on malformed headers
        raise Rejected(METADATA if oversized_metadata(exc) else CORRUPT) from None

    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise Rejected(TOO_LARGE)
        if width < 1 or height < 1 or not ends_cleanly(image.format, data):
            raise Rejected(CORRUPT)
        try:
            # For JPEG, decode at 1/2..1/8 scale when that still covers `size`: much faster for photos.
            image.draft(image.mode, (size, size))
        except Exception:
            raise Rejected(CORRUPT) from None
        if charge is not None:
            charge(image.size[0] * image.size[1])  # the size decoding will really produce
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)  # phone photos store their rotation in EXIF
        except Exception as exc:  # truncated data, bad compression streams, broken EXIF ...
            raise Rejected(METADATA if oversized_metadata(exc) else CORRUPT) from None
        try:
            rgb = to_rgb(upright)
        except ValueError:  # a mode Pillow cannot convert, such as LAB
            raise Rejected(UNSUPPORTED) from None
        except Exception:
            raise Rejected(CORRUPT) from None

    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    # Crop before resizing: resize(box=...) would let Lanczos read pixels outside the square.
    square = rgb.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0), dtype=np.uint8)
