"""One error boundary for every file a visitor hands the server, and the per-session caps.

Every upload (a checkpoint zip on the Playground, images on the Train page) is
parsed through `guarded(...)`: whatever the parser raises — zipfile, zlib,
JSON, safetensors, Pillow, torch, MemoryError — the visitor gets one sentence
and the page keeps its state. Errors written for users (ModelLoadError,
ValueError from gan_core) are shown as they are; anything else is a bug or a
file no parser expected: the server log gets the full traceback, the page a
generic sentence without paths.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

from gan_core.hub import ModelLoadError
from gan_core.textsafe import name as short_name
from ui import i18n, plain

log = logging.getLogger("gan_playground.uploads")

MAX_MESSAGE_CHARS = 400      # a user-facing error is a sentence, not a dump

# Uploaded generators stay in this browser session's memory: at most this many, this big in all.
MAX_UPLOADED_MODELS = 3
MAX_UPLOADED_BYTES = 200 * 2**20

# Streamlit's uploader lists each file by its name as the browser gave it, direction controls and all
# (U+202E turns "photo<RLO>piz.exe" into "photoexe.zip"), and markdown-looking names as they are. Every
# uploader of the app is drawn by file_uploader below, inside a container keyed NAMED_BOX + its key:
# this rule hides the chip's name only there, and the page says the names itself (uploaded_names).
NAMED_BOX = "named_upload_"
UPLOAD_NAMES_CSS = """
<style>
[class*="st-key-named_upload_"] [data-testid="stFileChipName"] { display: none; }
</style>
"""
SHOWN_NAMES = 5


@dataclass
class Outcome:
    value: object = None
    error: str = ""        # a plain.Plain when it is a whole sentence of ours; else gan_core's English

    @property
    def ok(self) -> bool:
        return not self.error


def _cut(text: str) -> str:
    if isinstance(text, plain.Plain) or len(text) <= MAX_MESSAGE_CHARS:   # ours are short; cutting would break an escape
        return text
    return text[: MAX_MESSAGE_CHARS - 1] + "…"


def guarded(parse, *args, what: str = "the file", **kwargs) -> Outcome:
    """parse(*args, **kwargs) -> Outcome(value) or Outcome(error=one sentence for the visitor)."""
    try:
        return Outcome(value=parse(*args, **kwargs))
    except (ModelLoadError, ValueError) as exc:   # gan_core's messages are written for users
        return Outcome(error=_cut(plain.message(exc)))
    except MemoryError:
        log.exception("out of memory while reading %s", what)
        return Outcome(error=plain.said("harden.upload_memory", what=what))
    except Exception:  # noqa: BLE001 -- the boundary: nothing a file does may reach the screen as a traceback
        log.exception("unexpected error while reading %s", what)
        return Outcome(error=plain.said("harden.upload_failed", what=what))


def uploaded_names(names) -> plain.Plain:
    """ "Uploaded: a.zip, b.png and 3 more": the names as typed, direction controls neutralised."""
    shown = plain.join(plain.name(n) for n in names[:SHOWN_NAMES])
    if len(names) > SHOWN_NAMES:
        return plain.said("safety.uploaded_more", names=shown, n=len(names) - SHOWN_NAMES)
    return plain.said("safety.uploaded", names=shown)


def file_uploader(label: str, *, key: str, where=None, **kwargs):
    """st.file_uploader (same arguments, same value) whose file chips show no name, with the neutral
    "Uploaded: …" line under it instead: the one way the app asks a visitor for a file."""
    box = (where or st).container(key=NAMED_BOX + key)
    value = box.file_uploader(label, key=key, **kwargs)
    box.markdown(UPLOAD_NAMES_CSS, unsafe_allow_html=True)
    files = value if isinstance(value, list) else [] if value is None else [value]
    if files:
        box.caption(uploaded_names([f.name for f in files]))
    return value


def model_bytes(generator) -> int:
    return sum(t.numel() * t.element_size() for t in generator.state_dict().values())


def add_uploaded_model(models: dict, order: list, name: str, entry) -> list[str]:
    """Put an uploaded (generator, info) in the session's models within the caps.

    The oldest uploads make room for a new one (count and bytes); models
    trained in this session are never evicted. Returns the names dropped.
    """
    size = model_bytes(entry[0])
    if size > MAX_UPLOADED_BYTES:
        raise ModelLoadError(plain.said("harden.upload_too_big", mb=size / 2**20, cap=MAX_UPLOADED_BYTES // 2**20))
    if name in order:
        order.remove(name)
    order[:] = [n for n in order if n in models]
    dropped = []
    while order and (len(order) >= MAX_UPLOADED_MODELS
                     or sum(model_bytes(models[n][0]) for n in order) + size > MAX_UPLOADED_BYTES):
        old = order.pop(0)
        models.pop(old, None)
        dropped.append(old)
    models[name] = entry
    order.append(name)
    return dropped


def uploaded_label(name: str) -> str:
    """The picker's option for an uploaded model (options show no markdown: neutral and short only)."""
    return i18n.t("harden.uploaded_label", name=plain.label(short_name(name)))


def dropped_note(names: list[str]) -> str:
    shown = plain.join(short_name(n.removeprefix("uploaded ")) for n in names)
    return plain.said("harden.uploads_dropped", names=shown, n=MAX_UPLOADED_MODELS)

