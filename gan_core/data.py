"""Datasets: built-in images (emoji faces, shapes), 2-D toys and the user's own images.

Every image dataset is a uint8 tensor (N, 3, S, S); `to_float` maps it to the
[-1, 1] range a tanh generator produces and `to_uint8` maps samples back.

User images come from zips, folders or browser uploads, so they are untrusted:
the loaders never write to disk, bound everything they read (entries, bytes,
pixels, accepted files) and report each file they refuse instead of failing
the whole upload on one bad file.
"""

import colorsys
import contextlib
import functools
import io
import math
import numbers
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

BUILTIN_DATASETS = ("emoji", "shapes")
TOY_DATASETS = ("ring8", "grid25", "spiral", "moons")

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
    """Float images in [-1, 1] -> uint8; out-of-range values (common early in training) are clamped."""
    if not images.is_floating_point():
        raise TypeError(f"to_uint8 expects float images in [-1, 1], got {images.dtype}")
    return images.detach().clamp(-1.0, 1.0).add(1.0).mul(127.5).round().to(torch.uint8)


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


# ---------------------------------------------------------------------------
# The user's own images
# ---------------------------------------------------------------------------

NOT_AN_IMAGE = "not an image"
CORRUPT = "corrupt or truncated"
TOO_LARGE = "too large"
UNSAFE_PATH = "unsafe path"
TOO_MANY_FILES = "too many files"
ENCRYPTED = "encrypted"
UNSUPPORTED = "unsupported image"
OVER_BUDGET = "over the upload's budget"


class LoadCancelled(Exception):
    """The load was stopped from outside (the browser session that asked for it has gone)."""

# How each reason reads in a summary when several files share it.
_PLURAL = {
    NOT_AN_IMAGE: "not images",
    UNSAFE_PATH: "unsafe paths",
    UNSUPPORTED: "unsupported images",
}

MAX_LISTED_REJECTIONS = 50


def _reason_phrase(reason, count):
    return _PLURAL.get(reason, reason) if count > 1 else reason


@dataclass(frozen=True)
class Limits:
    """Bounds on what one load may read, so a hostile or careless upload cannot exhaust the server.

    max_files: images accepted; later files are counted "too many files", not read.
    max_total_bytes: uncompressed bytes read in all, so a zip bomb stops early.
    max_file_bytes: uncompressed bytes of any one file.
    max_pixels: width * height of one image, checked from its header before decoding.
    max_entries: zip entries or folder entries scanned; more raises ValueError
        before a zip's directory is parsed (parsing millions of entries alone
        takes gigabytes).
    max_output_bytes: size of the returned tensor; lowers max_files at large image sizes.
    max_total_pixels: pixels decoded in all (width * height at decoding size, after
        JPEG's reduced-size decoding): 1,000 tiny one-bit 4096x4096 PNGs each pass
        max_pixels but together take minutes to decode. Past it, files are counted
        "over the upload's budget", not decoded.
    max_seconds: wall-clock time for one load; past it, the rest is counted the same way.
    """

    max_files: int = 5000
    max_total_bytes: int = 200 * 2**20
    max_file_bytes: int = 64 * 2**20
    max_pixels: int = 4096 * 4096
    max_entries: int = 20000
    max_output_bytes: int = 512 * 2**20
    max_total_pixels: int | None = None
    max_seconds: float | None = None


@dataclass
class LoadReport:
    """What a load produced: the images, and what was refused and why."""

    images: torch.Tensor  # uint8 (N, 3, size, size)
    accepted: int
    rejected: dict[str, int] = field(default_factory=dict)  # reason -> count
    rejected_files: list[tuple[str, str]] = field(default_factory=list)  # (name, reason), the first 50
    source: str = ""
    budget_note: str = ""  # why the load stopped early, if it did (pixels or time)

    @property
    def total_rejected(self):
        return sum(self.rejected.values())

    def summary(self):
        """'3 accepted, 2 rejected (not images)' or '3 accepted, 3 rejected (2 not images, 1 too large)'."""
        text = f"{self.accepted} accepted, {self.total_rejected} rejected"
        reasons = sorted(self.rejected.items(), key=lambda item: (-item[1], item[0]))
        if len(reasons) == 1:
            text += f" ({_reason_phrase(*reasons[0])})"
        elif reasons:
            text += " (" + ", ".join(f"{count} {_reason_phrase(reason, count)}" for reason, count in reasons) + ")"
        return text

    def require_images(self, minimum=1):
        """Return the images, or raise ValueError explaining why there are too few."""
        if self.accepted < minimum:
            where = f"{self.source}: " if self.source else ""
            wanted = "one image" if minimum == 1 else f"{minimum} images"
            raise ValueError(f"{where}need at least {wanted} to train on, found {self.accepted} ({self.summary()})")
        return self.images


class _Rejected(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


# Formats a photo or drawing realistically arrives in. Naming them keeps
# Pillow's rarer plugins (EPS runs Ghostscript, for one) away from untrusted bytes.
_IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")  # multi-picture JPEGs open as JPEG
_JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}


def _is_unsafe(name):
    """Absolute paths, drive letters and '..' would escape a folder if anyone ever extracted them."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None or ".." in parts


def _is_junk(name):
    """OS droppings (__MACOSX, dotfiles, Thumbs.db) that no user counts as a rejected image."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return any(p in _JUNK_NAMES or p.startswith(".") for p in parts)


def _ends_cleanly(image_format, data):
    """Check the end marker ourselves, so a truncated file is refused even if some
    other code has set PIL.ImageFile.LOAD_TRUNCATED_IMAGES, which makes Pillow pad it."""
    if image_format in ("JPEG", "MPO"):
        # Entropy-coded data cannot contain FF D9 or FF DA (FF is byte-stuffed),
        # so the last start-of-scan must be followed by an end-of-image marker.
        return data.rfind(b"\xff\xd9") > data.rfind(b"\xff\xda")
    if image_format == "PNG":
        return b"IEND" in data[-64:]
    return True


def _to_rgb(image):
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


def _decode_image(data, size, max_pixels, charge=None):
    """Bytes -> (size, size, 3) uint8 array, centre-cropped to a square; raises _Rejected.

    charge(pixels), if given, is told the pixels about to be decoded and may refuse them (raise _Rejected).
    """
    try:
        # Image.open reads only the header; pixels are decoded by load() below.
        image = Image.open(io.BytesIO(data), formats=_IMAGE_FORMATS)
    except Image.DecompressionBombError:
        raise _Rejected(TOO_LARGE) from None
    except UnidentifiedImageError:
        raise _Rejected(NOT_AN_IMAGE) from None
    except Exception:  # Pillow's plugins raise many types on malformed headers
        raise _Rejected(CORRUPT) from None

    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise _Rejected(TOO_LARGE)
        if width < 1 or height < 1 or not _ends_cleanly(image.format, data):
            raise _Rejected(CORRUPT)
        try:
            # For JPEG, decode at 1/2..1/8 scale when that still covers `size`: much faster for photos.
            image.draft(image.mode, (size, size))
        except Exception:
            raise _Rejected(CORRUPT) from None
        if charge is not None:
            charge(image.size[0] * image.size[1])  # the size decoding will really produce
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)  # phone photos store their rotation in EXIF
        except Exception:  # truncated data, bad compression streams, broken EXIF ...
            raise _Rejected(CORRUPT) from None
        try:
            rgb = _to_rgb(upright)
        except ValueError:  # a mode Pillow cannot convert, such as LAB
            raise _Rejected(UNSUPPORTED) from None

    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    # Crop before resizing: resize(box=...) would let Lanczos read pixels outside the square.
    square = rgb.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0), dtype=np.uint8)


def _zip_entry_count(fileobj):
    """Entries declared by a zip's end-of-central-directory record, or None if it has none.

    zipfile builds an object per entry as soon as it opens an archive, so the
    count is read from the raw record first and the archive refused if it is too big.
    """
    fileobj.seek(0, os.SEEK_END)
    end = fileobj.tell()
    tail_length = min(end, 22 + 0xFFFF)  # the record is 22 bytes plus a comment of up to 64 KiB
    fileobj.seek(end - tail_length)
    tail = fileobj.read(tail_length)
    fileobj.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    count = struct.unpack_from("<H", tail, at + 10)[0]
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        # Zip64: the real count lives in a larger record the locator points to.
        record_offset = struct.unpack_from("<Q", tail, at - 12)[0]
        fileobj.seek(record_offset)
        record = fileobj.read(56)
        fileobj.seek(0)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            count = struct.unpack_from("<Q", record, 32)[0]
    return count


def _short(name, limit=120):
    return name if len(name) <= limit else name[: limit - 1] + "…"


class _Collector:
    """Accumulates images and rejections across zips, folders and uploads within one set of limits."""

    def __init__(self, size, limits, source="", progress=None, should_stop=None):
        self.size = _check_size(size)
        self.limits = limits
        self.source = source
        self.progress = progress          # progress(files_seen, files_total or None)
        self.should_stop = should_stop    # True -> LoadCancelled
        self.pixels = 0
        self.seen = 0
        self.total = None
        self.started = time.monotonic()
        self.budget_note = ""
        self.arrays = []
        self.rejected = Counter()
        self.rejected_files = []
        self.bytes_read = 0
        self.entries = 0
        image_bytes = 3 * size * size
        self.max_files = min(limits.max_files, max(1, limits.max_output_bytes // image_bytes))

    def reject(self, name, reason):
        self.rejected[reason] += 1
        if len(self.rejected_files) < MAX_LISTED_REJECTIONS:
            self.rejected_files.append((_short(name), reason))

    def count_entries(self, count, where):
        self.entries += count
        if self.entries > self.limits.max_entries:
            raise ValueError(
                f"{where} has more than {self.limits.max_entries:,} entries to scan; "
                "split it into smaller parts or raise Limits.max_entries"
            )

    def allowance(self):
        """Bytes the next file may have: the per-file cap or what is left of the total budget."""
        return min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.bytes_read)

    def charge(self, pixels):
        budget = self.limits.max_total_pixels
        if budget is not None and self.pixels + pixels > budget:
            self.budget_note = (f"stopped decoding after {self.pixels / 1e6:,.0f} million pixels "
                                f"(the budget for one upload is {budget / 1e6:,.0f} million)")
            raise _Rejected(OVER_BUDGET)
        self.pixels += pixels

    def _tick(self):
        """Once per file: report progress, stop if asked to, and enforce the time budget."""
        self.seen += 1
        if self.should_stop is not None and self.should_stop():
            raise LoadCancelled(f"loading {self.source} was stopped")
        if self.progress is not None:
            self.progress(self.seen, self.total)
        limit = self.limits.max_seconds
        if limit is not None and not self.budget_note and time.monotonic() - self.started > limit:
            self.budget_note = f"stopped decoding after {limit:.0f} s (the time budget for one upload)"

    def screen(self, name):
        """Decide, from the name alone, whether a file is worth reading; False means skip it."""
        self._tick()
        if _is_unsafe(name):
            self.reject(name, UNSAFE_PATH)
            return False
        if _is_junk(name):
            return False
        if len(self.arrays) >= self.max_files:
            self.reject(name, TOO_MANY_FILES)
            return False
        if self.budget_note:              # the pixel or time budget is spent: count, do not decode
            self.reject(name, OVER_BUDGET)
            return False
        return True

    def add_bytes(self, name, data):
        self.bytes_read += len(data)
        try:
            self.arrays.append(_decode_image(data, self.size, self.limits.max_pixels, self.charge))
        except _Rejected as rejection:
            self.reject(name, rejection.reason)

    def add_zip(self, source, label, prefix=""):
        with contextlib.ExitStack() as stack:
            if isinstance(source, (bytes, bytearray, memoryview)):
                fileobj = io.BytesIO(source)
            elif hasattr(source, "read"):
                fileobj = source  # the caller's file: theirs to close
            else:
                fileobj = stack.enter_context(open(source, "rb"))
            declared = _zip_entry_count(fileobj)
            if declared is None:
                raise ValueError(f"{label} is not a valid zip file")
            self.count_entries(declared, label)
            try:
                archive = zipfile.ZipFile(fileobj)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
                raise ValueError(f"{label} is not a valid zip file ({error})") from None
            with archive:
                self.total = (self.total or 0) + len(archive.infolist())
                for info in archive.infolist():
                    name = prefix + info.filename
                    if info.is_dir() or not self.screen(name):
                        continue
                    self._add_zip_member(archive, info, name)

    def _add_zip_member(self, archive, info, name):
        if info.flag_bits & 0x1:
            self.reject(name, ENCRYPTED)
            return
        allowance = self.allowance()
        if info.file_size > allowance:  # the declared size: cheap, and honest zip bombs stop here
            self.reject(name, TOO_LARGE)
            return
        try:
            with archive.open(info) as member:
                # Bounded even if the header lies about the size.
                data = member.read(allowance + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
            self.reject(name, CORRUPT)  # bad CRC, a lying size, an unsupported compression method
            return
        if len(data) > allowance:
            self.bytes_read += len(data)
            self.reject(name, TOO_LARGE)
            return
        self.add_bytes(name, data)

    def add_folder(self, root):
        for dirpath, dirnames, filenames in os.walk(root):
            # Sorted for a stable image order; hidden folders are pruned, not walked.
            dirnames[:] = sorted(d for d in dirnames if not _is_junk(d))
            self.count_entries(len(dirnames) + len(filenames), root)
            for filename in sorted(filenames):
                path = Path(dirpath, filename)
                name = path.relative_to(root).as_posix()
                if not self.screen(name):
                    continue
                try:
                    info = path.stat()
                except OSError:  # a dangling symlink, or a file deleted while we walk
                    self.reject(name, CORRUPT)
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue  # reading a FIFO or device file would block or never end
                allowance = self.allowance()
                if info.st_size > allowance:
                    self.reject(name, TOO_LARGE)
                    continue
                with open(path, "rb") as f:
                    data = f.read(allowance + 1)  # the file may have grown since stat()
                if len(data) > allowance:
                    self.reject(name, TOO_LARGE)
                    continue
                self.add_bytes(name, data)

    def report(self):
        return LoadReport(
            images=_to_tensor(self.arrays, self.size),
            accepted=len(self.arrays),
            rejected=dict(self.rejected),
            rejected_files=list(self.rejected_files),
            source=self.source,
            budget_note=self.budget_note,
        )


def load_images_from_zip(source, size=32, limits=Limits()):
    """Images in a zip (bytes, a path or a binary file object), read in memory, never extracted.

    Raises ValueError if `source` is not a zip or has more than limits.max_entries
    entries; every other problem is a per-file rejection in the report.
    """
    if isinstance(source, (str, os.PathLike)):
        label = Path(source).name
    else:
        label = getattr(source, "name", None) or "the uploaded file"
    collector = _Collector(size, limits, source=label)
    collector.add_zip(source, label)
    return collector.report()


def load_images_from_folder(path, size=32, limits=Limits()):
    """Images in a folder and its subfolders (hidden ones skipped), in sorted order."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder")
    collector = _Collector(size, limits, source=root.name or str(root))
    collector.add_folder(root)
    return collector.report()


def load_images_from_uploads(files, size=32, limits=Limits(), progress=None, should_stop=None):
    """Browser uploads as (name, bytes) pairs; a .zip upload is opened in memory and its images added.

    Zips inside zips are not opened (each level could multiply the work).
    One set of limits covers all the files together. progress(files_seen,
    files_total or None) is called once per file; should_stop() returning True
    raises LoadCancelled (the visitor has gone: stop decoding for nobody).
    """
    collector = _Collector(size, limits, source="the uploaded files", progress=progress, should_stop=should_stop)
    collector.total = sum(1 for name, _ in files if not name.lower().endswith(".zip")) or None
    for name, data in files:
        if name.lower().endswith(".zip"):
            collector.add_zip(bytes(data), label=name, prefix=f"{name}/")
            continue
        collector.count_entries(1, "the upload")
        if not collector.screen(name):
            continue
        if len(data) > collector.allowance():
            collector.reject(name, TOO_LARGE)
            continue
        collector.add_bytes(name, bytes(data))
    return collector.report()


# A path named on the command line is the user's own data, not an upload from a
# stranger: larger bounds (the 22,548-image faces64.zip must fit), still finite.
LOCAL_LIMITS = Limits(max_files=100_000, max_total_bytes=4 * 2**30, max_entries=200_000,
                      max_output_bytes=4 * 2**30)


def load_dataset(name_or_path, image_size, limits=LOCAL_LIMITS):
    """A training set as uint8 (N, 3, image_size, image_size).

    "emoji" or "shapes" for the built-ins, or the path of a .zip or a folder of images.
    """
    if name_or_path == "emoji":
        return emoji_faces(image_size)
    if name_or_path == "shapes":
        return shapes(size=image_size)
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() == ".zip":
        if not path.is_file():
            raise ValueError(f"zip file not found: {path}")
        return load_images_from_zip(path, image_size, limits).require_images()
    if path.is_dir():
        return load_images_from_folder(path, image_size, limits).require_images()
    raise ValueError(
        f"unknown dataset {name_or_path!r}: use one of {', '.join(map(repr, BUILTIN_DATASETS))}, "
        "the path of a .zip of images or the path of a folder of images"
    )
