"""What a hostile visitor hands the app in the issue-28 tests (AppTest and the browser alike):
names with markdown and a right-to-left override, and a dataset zip whose refused entries are named so."""

import io
import zipfile

import numpy as np
from PIL import Image

RLO = "\u202e"


def hostile_name(ext: str) -> str:
    """A file name with a link, bold text and an RLO before "piz" + `ext` (".exe.zip" would show as
    "…piz.exe.zip" reversed: "…piz.exe" disguised as a zip)."""
    return f"**my** [x](https://evil.example){RLO}piz{ext}"


def shown_name(ext: str) -> str:
    """hostile_name(ext) as the page must say it: as typed, its RLO made visible."""
    return f"**my** [x](https://evil.example)[U+202E]piz{ext}"


def dataset_zip() -> bytes:
    """One good image and three refused entries named with markdown, an RLO and a leading NUL."""
    png = io.BytesIO()
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(png, format="PNG")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok.png", png.getvalue())
        zf.writestr("![x](http://evil.example/md.png) [click](https://evil.example).txt", "not an image")
        zf.writestr(f"photo{RLO}gnp.exe", "not an image")
        zf.writestr("Xevil.png", png.getvalue())
    return buf.getvalue().replace(b"Xevil.png", b"\0evil.png")
