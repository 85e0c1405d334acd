"""The Train page's data: the dataset menu, the visitor's uploads and how they read.

The datasets themselves are gan_core.data.registry' registry (names, sizes, labels,
loaders); this module draws the choice and turns an upload into images,
within limits a shared server can afford.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

import numpy as np
import streamlit as st

from gan_core.data import MAX_LISTED_REJECTIONS, Limits, LoadReport, load_images_from_uploads
from gan_core.data import registry as datasets
from ui import i18n, plain, uploads
from ui.i18n import t

# A visitor's upload may cost the shared server at most ~20 s of decoding: 400 million pixels is
# ~1,000 12-megapixel JPEGs at reduced-size decoding, or 24 one-bit 4096x4096 PNGs.
UPLOAD_LIMITS = Limits(max_files=5000, max_total_bytes=100 * 2**20, max_output_bytes=64 * 2**20,
                       max_total_pixels=400_000_000, max_seconds=60)
PREVIEW_IMAGES = 32


@dataclass
class DataChoice:
    name: str                     # TrainConfig.dataset
    image_size: int = 32
    images: object = None         # uint8 tensor for uploads; None: the Trainer loads `name`
    n_images: int | None = None
    ready: bool = True
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------- the menu

@st.cache_data(ttl=600, show_spinner=False)
def online_datasets() -> dict[str, bool]:
    """name -> offered: a downloadable set is shown only when it can actually be fetched
    (probed at most once per 10 minutes, and never in tests or offline mode)."""
    if os.environ.get("GAN_PLAYGROUND_TEST") or os.environ.get("HF_HUB_OFFLINE") == "1":
        return datasets.downloaded()
    return datasets.probe_online()


def choose_data(running: bool, on_change=None) -> DataChoice:
    """The dataset menu (labels: content "train.data.<name>"), and the upload panel when chosen."""
    ss = st.session_state
    online = online_datasets()
    options = [*datasets.names(datasets.BUILTIN), *datasets.names(datasets.UPLOAD)]
    options += [name for name, ok in online.items() if ok]
    if ss.get("tr_dataset") not in options:
        ss["tr_dataset"] = "emoji"
    name = st.selectbox(t("train.dataset"), options, format_func=i18n.labels("train.data"), key="tr_dataset",
                        disabled=running, on_change=on_change, persist_state="session")
    if not all(online.values()):
        missing = t("train.and").join(t(f"train.data_short.{n}") for n, ok in online.items() if not ok)
        st.caption(t("train.offline", names=missing))
    entry = datasets.get(name)
    if entry.kind == datasets.BUILTIN:
        return DataChoice(name, n_images=entry.size)
    if entry.kind == datasets.ONLINE:
        return DataChoice(name, n_images=entry.size, notes=[("info", t("train.online_note", n=entry.size))])
    return choose_uploads(running)


def choose_uploads(running: bool) -> DataChoice:
    """Image size, the uploader, what was accepted and refused, and a preview of the images."""
    ss = st.session_state
    size = st.radio(t("train.image_size"), (32, 64), key="tr_image_size", horizontal=True, disabled=running,
                    persist_state="session", help=t("train.image_size_help"))
    files = uploads.file_uploader(t("train.uploader"), accept_multiple_files=True,      # names said neutral
                                  key="tr_uploads", disabled=running)
    pairs = [(f.name, f.getvalue()) for f in files or []]
    if pairs:
        key = uploads_key(pairs, size)
        if ss.get("tr_upload_key") != key:
            read = read_images(pairs, size)      # any failure is one sentence, never a traceback
            report, ss["tr_upload_error"] = read.value, read.error
            ss["tr_upload_report"], ss["tr_upload_key"] = report, key
            ss["tr_upload_name"] = upload_dataset_name(pairs)
    elif not running:
        ss["tr_upload_report"], ss["tr_upload_key"], ss["tr_upload_error"] = None, None, ""
    report = ss.get("tr_upload_report")
    error = ss.get("tr_upload_error")
    if error:       # a whole sentence of ours is said once, never inside "Could not read the upload: …"
        st.error(error if isinstance(error, plain.Plain) else plain.said("train.upload_error", error=plain.engine(error)))
    if report is None:
        st.caption(t("train.upload_formats"))
        return DataChoice("upload", image_size=size, ready=False)
    (st.success if report.accepted else st.error)(upload_summary(report))
    if report.budget_note:
        st.warning(plain.said("harden.budget_note", note=plain.engine(report.budget_note)))
    if not report.accepted:
        st.error(t("harden.need_one_image"))
    if report.rejected_files:
        with st.expander(t("train.rejected_files")):
            st.markdown(plain.notes(report.rejected_files, rejected_line, limit=MAX_LISTED_REJECTIONS))
    if report.accepted:
        st.image(preview_grid(report.images), caption=t("train.preview", n=min(PREVIEW_IMAGES, report.accepted)),
                 output_format="PNG")
    return DataChoice(ss.get("tr_upload_name", "my_images/"), image_size=size, images=report.images,
                      n_images=report.accepted, ready=report.accepted > 0)


# ---------------------------------------------------------------- uploads

def handle_uploads(files, size: int = 32, progress=None, should_stop=None) -> LoadReport:
    """Browser uploads [(name, bytes)] -> LoadReport (images + what was rejected and why).

    progress(seen, total) and should_stop() as in gan_core.data.uploads.load_images_from_uploads.
    """
    return load_images_from_uploads(list(files), size=size, limits=UPLOAD_LIMITS,
                                    progress=progress, should_stop=should_stop)


def uploads_key(files, size: int) -> str:
    h = hashlib.sha256(str(size).encode())
    for name, data in files:
        h.update(name.encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def upload_dataset_name(files) -> str:
    """What the CLI command should name: the zip the user uploaded, or a folder of their files."""
    names = [name for name, _ in files]
    if len(names) == 1 and names[0].lower().endswith(".zip"):
        return names[0]
    return "my_images/"


def preview_grid(images, n: int = PREVIEW_IMAGES) -> np.ndarray:
    from gan_core.viz import make_grid

    images = images[:n].numpy() if hasattr(images, "numpy") else np.asarray(images[:n])
    return make_grid(images, nrow=min(8, len(images)))


def upload_reason(reason: str, count: int = 1) -> str:
    """One of gan_core.data.uploads' rejection reasons ("not an image" ...), singular or plural."""
    number = "many" if count > 1 else "one"
    for key in (f"train.reasons.{number}.{reason}", f"safety.reasons.{number}.{reason}"):
        try:
            return t(key)
        except KeyError:
            continue
    return reason               # a reason this page does not know yet: gan_core's own words


def rejected_line(item) -> plain.Plain:
    """One refused file of an upload: its name as typed (neutral, shortened in the middle), and why."""
    name, reason = item
    return plain.Plain(f"{plain.name(name, 120)}: {plain.md(upload_reason(reason))}")


def upload_summary(report) -> plain.Plain:
    """gan_core.data.uploads.LoadReport.summary in the page's language: "3 accepted, 2 rejected (not images)"."""
    text = report.summary(t("train.summary", accepted=report.accepted, rejected=report.total_rejected),
                          upload_reason, sep=plain.sep())
    return plain.Plain(plain.digits(text))    # our words and numbers only, in the page's digits


def read_images(pairs, size: int, where=None) -> uploads.Outcome:
    """The Train page's image upload through the boundary, with a progress bar while it decodes.

    The bar's updates are Streamlit calls, so a rerun or a closed tab interrupts the
    decoding there; should_stop also asks the runtime whether the session is still connected.
    """
    import time

    import streamlit as st

    from ui.common import session_is_connected

    bar = (where or st).empty()
    shown = [0.0]
    connected = session_is_connected()

    def progress(seen, total):
        now = time.monotonic()
        if now - shown[0] < 0.25:          # a few updates a second, not one per file
            return
        shown[0] = now
        text = plain.said("harden.decoding", seen=seen, total=total if total else "?")
        bar.progress(min(seen / total, 1.0) if total else 0.0, text=text)

    def should_stop():
        return connected is not None and not connected()

    try:
        return uploads.guarded(handle_uploads, pairs, size, progress=progress, should_stop=should_stop,
                       what=i18n.t("harden.the_upload"))
    finally:
        bar.empty()
