"""The user's own images, from zips, folders or browser uploads: untrusted input.

The loaders never write to disk, bound everything they read (entries, bytes,
pixels, accepted files, decoding time) and report each file they refuse
instead of failing the whole upload on one bad file. (ui/uploads.py is the
page-side error boundary around these loaders.)
"""

import contextlib
import io
import os
import re
import stat
import struct
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..textsafe import Sentence, shorten
from .decode import (
    CORRUPT,
    ENCRYPTED,
    NOT_AN_IMAGE,
    OVER_BUDGET,
    TOO_LARGE,
    TOO_MANY_FILES,
    UNSAFE_NAME,
    UNSAFE_PATH,
    UNSUPPORTED,
    Rejected,
    decode_image,
)
from .pixels import _check_size, _to_tensor


class LoadCancelled(Exception):
    """The load was stopped from outside (the browser session that asked for it has gone)."""


class UploadError(ValueError):
    """A whole upload refused (not a zip, too many entries ...); the message is meant for the user.
    One file's problem is never this: it is a rejection in the report, and the other files are kept."""

# How each reason reads in a summary when several files share it.
_PLURAL = {
    NOT_AN_IMAGE: "not images",
    UNSAFE_PATH: "unsafe paths",
    UNSUPPORTED: "unsupported images",
    UNSAFE_NAME: "unreadable names",
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

    def summary(self, head=None, phrase=_reason_phrase, sep=", "):
        """'3 accepted, 2 rejected (not images)' or '3 accepted, 3 rejected (2 not images, 1 too large)'.

        head replaces "3 accepted, 2 rejected" and phrase(reason, count) says a reason:
        the Train page passes its language's (ui/train/data.py).
        """
        text = f"{self.accepted} accepted, {self.total_rejected} rejected" if head is None else head
        reasons = sorted(self.rejected.items(), key=lambda item: (-item[1], item[0]))
        if len(reasons) == 1:
            text += f" ({phrase(*reasons[0])})"
        elif reasons:
            text += " (" + sep.join(f"{count} {phrase(reason, count)}" for reason, count in reasons) + ")"
        return text

    def require_images(self, minimum=1):
        """Return the images, or raise ValueError explaining why there are too few."""
        if self.accepted < minimum:
            where = f"{self.source}: " if self.source else ""
            wanted = "one image" if minimum == 1 else f"{minimum} images"
            raise UploadError(f"{where}need at least {wanted} to train on, found {self.accepted} ({self.summary()})")
        return self.images


_JUNK_NAMES = {"__MACOSX", "Thumbs.db", "desktop.ini"}


def _is_unsafe(name):
    """Absolute paths, drive letters and '..' would escape a folder if anyone ever extracted them."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) is not None or ".." in parts


def _is_junk(name):
    """OS droppings (__MACOSX, dotfiles, Thumbs.db) that no user counts as a rejected image."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return any(p in _JUNK_NAMES or p.startswith(".") for p in parts)


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
    return shorten(name, limit)     # cut in the middle: the extension stays visible


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
            raise UploadError(
                f"{where} has more than {self.limits.max_entries:,} entries to scan; "
                "split it into smaller parts or raise Limits.max_entries"
            )

    def allowance(self):
        """Bytes the next file may have: the per-file cap or what is left of the total budget."""
        return min(self.limits.max_file_bytes, self.limits.max_total_bytes - self.bytes_read)

    def charge(self, pixels):
        budget = self.limits.max_total_pixels
        if budget is not None and self.pixels + pixels > budget:
            self.budget_note = Sentence(f"stopped decoding after {self.pixels / 1e6:,.0f} million pixels "
                                        f"(the budget for one upload is {budget / 1e6:,.0f} million)",
                                        "budget_pixels", done=round(self.pixels / 1e6), budget=round(budget / 1e6))
            raise Rejected(OVER_BUDGET)
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
            self.budget_note = Sentence(f"stopped decoding after {limit:.0f} s (the time budget for one upload)",
                                        "budget_time", seconds=round(limit))

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
            self.arrays.append(decode_image(data, self.size, self.limits.max_pixels, self.charge))
        except Rejected as rejection:
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
                raise UploadError(f"{label} is not a valid zip file")
            self.count_entries(declared, label)
            try:
                archive = zipfile.ZipFile(fileobj)
            except Exception:  # zipfile raises BadZipFile, OSError, EOFError, ValueError ... on a broken directory
                raise UploadError(f"{label} is not a valid zip file (its list of contents is damaged)") from None
            with archive:
                self.total = (self.total or 0) + len(archive.infolist())
                for info in archive.infolist():
                    name = prefix + info.filename
                    if "\0" in info.orig_filename:    # zipfile cuts a name at NUL ("" when it starts with one)
                        self._tick()
                        self.reject(prefix + info.orig_filename, UNSAFE_NAME)
                        continue
                    if info.filename.endswith("/") or not self.screen(name):
                        continue
                    try:
                        self._add_zip_member(archive, info, name)
                    except (LoadCancelled, MemoryError):
                        raise
                    except Exception:   # whatever one entry does, only that entry is refused
                        self.reject(name, CORRUPT)

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

    Raises UploadError (a ValueError) if `source` is not a zip or has more than limits.max_entries
    entries; every other problem is a per-file rejection in the report, and the other files are kept.
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
        raise UploadError(f"{root} is not a folder")
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
