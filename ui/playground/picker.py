"""The model picker (bundled, Hub, uploaded, trained in this session), loading with a progress bar,
and the engine for the chosen model.

The engine behind it is gan_core.playground (no Streamlit there). Widget values live in
st.session_state under a key prefix ("pg" on the playground), so a page can set them before
drawing (from a link, a grid click, Reset) without fighting Streamlit's widget state.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from gan_core import playground as pg
from gan_core.hub import (
    ModelInfo,
    ModelLoadError,
    hub_reference,
    load_checkpoint_zip,
    registry_labels,
)
from gan_core.playground import directions as latent
from gan_core.textsafe import name as short_name
from gan_core.textsafe import quote as textsafe_quote
from ui import handoff, i18n, plain, uploads
from ui.common import load_model, session_models

# Slider values survive a visit to another page and back (Streamlit drops them otherwise).
KEEP = "session"
HUB_OPTION = "__hub__"          # the picker entry that opens the "owner/name@revision" field
SESSION_PREFIX = "session:"     # sources of models trained in this browser session


# -----------------------------------------------------------------------------
# model picker


@dataclass
class ActiveModel:
    source: str           # "faces64", "pggan-celebahq-1024", "hf:owner/name@rev" or "session:<name>"
    label: str
    generator: object
    info: ModelInfo
    shareable: bool       # can a link name it? (session models live in one browser only)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def load_with_progress(source: str, where=None, poll_s: float = 0.1):
    """load_model(source) with a live MB progress bar while a Hub download runs.

    The load runs on a worker thread and only records byte counts; this
    (script) thread draws the bar. That keeps Streamlit calls out of the
    cached function (whose elements would be replayed on every cache hit)
    and works whichever thread huggingface_hub reports progress from.
    Raises ModelLoadError with a message meant for the user.
    """
    progress = {"done": 0, "total": 0}
    result: dict = {}

    def report(done, total):
        progress["done"], progress["total"] = int(done), int(total)

    def work():
        try:
            result["value"] = load_model(source, _progress=report)
        except ModelLoadError as exc:
            result["error"] = exc
        except Exception:  # a bug or a corrupt file must not become a traceback (or a server path) on screen
            uploads.log.exception("loading %s failed", source)
            result["error"] = ModelLoadError(plain.said("harden.load_failed", source=short_name(source, 80)))

    worker = threading.Thread(target=work, name=f"load {source}", daemon=True)
    add_script_run_ctx(worker, get_script_run_ctx())
    worker.start()
    worker.join(0.3)  # a cached model answers at once: draw nothing
    if worker.is_alive():
        slot = (where or st).empty()
        while worker.is_alive():
            done, total = progress["done"], progress["total"]
            if total:
                slot.progress(min(done / total, 1.0),
                              text=plain.said("playground.downloading", source=source, done=_mb(done), total=_mb(total)))
            else:
                slot.caption(plain.said("playground.loading", source=source))
            worker.join(poll_s)
        slot.empty()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _labels(key: str) -> dict[str, str]:
    known = i18n.t("playground.models")
    labels = {name: known.get(name, label) for name, label in registry_labels().items()}
    uploaded = st.session_state.get(f"{key}_uploaded", [])
    for name in session_models():
        # Options show no markdown, but a direction control in a name would still reverse the line.
        labels[SESSION_PREFIX + name] = (uploads.uploaded_label(name.removeprefix("uploaded "))
                                         if name in uploaded else i18n.t("playground.trained_here",
                                                                         name=plain.label(short_name(name, 80))))
    for ref in st.session_state.get(f"{key}_hub_refs", []):
        labels.setdefault(ref, i18n.t("playground.hub_label", ref=plain.label(ref[3:])))
    labels[HUB_OPTION] = i18n.t("playground.hub_option")
    return labels


def _resolve(source: str, where):
    if source.startswith(SESSION_PREFIX):
        name = source[len(SESSION_PREFIX):]
        models = session_models()
        if name not in models:
            raise ModelLoadError(plain.said("playground.session_gone", name=textsafe_quote(name)))
        return models[name]
    return load_with_progress(source, where)


def _hub_submit(key: str) -> None:
    """The Hub field: every input gets an answer (a load, or one sentence saying what is wrong)."""
    try:
        source = hub_reference(st.session_state.get(f"{key}_hub_text", ""))
    except ModelLoadError as exc:
        st.session_state[f"{key}_error"] = str(exc)
        return
    st.session_state.pop(f"{key}_error", None)
    st.session_state[handoff.model_request_key(key)] = source


def _checkpoint_uploaded(key: str) -> None:
    """A checkpoint zip (the Train page's download) becomes a model of this session.

    Read in memory by gan_core.hub.load_checkpoint_zip: safetensors only, size- and
    shape-checked before anything is built; ui.uploads.guarded turns any failure
    (a corrupt zip included) into one sentence. At most uploads.MAX_UPLOADED_MODELS
    stay in the session; the oldest make room.
    """
    upload = st.session_state.get(f"{key}_ckpt")
    if upload is None:
        return
    name = f"uploaded {upload.name}"
    shown = short_name(upload.name)       # messages name the file as the visitor knows it, neutral and short
    loaded = uploads.guarded(load_checkpoint_zip, upload.getvalue(), name=shown, what=shown)
    order = st.session_state.setdefault(f"{key}_uploaded", [])
    if loaded.ok:
        added = uploads.guarded(uploads.add_uploaded_model, session_models(), order, name, loaded.value,
                                what=shown)
        loaded = added if not added.ok else loaded
        if added.ok and added.value:
            st.session_state[f"{key}_note"] = uploads.dropped_note(added.value)
    if not loaded.ok:
        st.session_state[f"{key}_error"] = loaded.error
        return
    st.session_state.pop(f"{key}_error", None)
    st.session_state[handoff.model_request_key(key)] = SESSION_PREFIX + name


def model_picker(key: str = "pg", where=None, default: str = pg.DEFAULT_MODEL,
                 on_switch=None) -> ActiveModel:
    """The model selectbox (+ a Hub repo field). Returns the active model.

    A failed load shows why (st.error, kept until the next attempt) and keeps
    the model that was active: offline, PGGAN answers "the Hub is unreachable;
    the bundled faces model is still available" in ~2 s and faces64 stays.
    on_switch(old_source, new_source) runs after a successful switch, before
    any dependent widget is drawn (e.g. to reset sliders whose range changed).
    """
    where = where or st
    ss = st.session_state
    active_key, choice_key, error_key = f"{key}_active", f"{key}_choice", f"{key}_error"
    ss.setdefault(active_key, default)

    # A switch is asked for by a link or another page (request), or by the
    # selectbox: its new value is in session state before it is drawn again.
    request = ss.pop(handoff.model_request_key(key), None)
    choice = ss.get(choice_key)
    if request is None and choice not in (None, HUB_OPTION, ss[active_key]):
        request = choice
    if request is not None and request != ss[active_key]:
        ss.pop(error_key, None)
        try:
            _resolve(request, where)
            loaded = True
        except ModelLoadError as exc:
            ss[error_key] = plain.message(exc)      # ours stay Plain; gan_core's English is escaped when shown
            loaded = False
        if loaded:
            old = ss[active_key]
            ss[active_key] = request
            if request.startswith("hf:") and request not in ss.get(f"{key}_hub_refs", []):
                ss.setdefault(f"{key}_hub_refs", []).append(request)
            if on_switch is not None:
                on_switch(old, request)
        # The selectbox shows the model in use, except after a failed Hub
        # attempt: then the repo field stays open to fix a typo.
        if loaded or choice != HUB_OPTION:
            ss[choice_key] = ss[active_key]

    labels = _labels(key)
    if ss[active_key] not in labels:  # a session model that vanished
        ss[active_key] = default
    if ss.get(choice_key) not in labels:
        ss[choice_key] = ss[active_key]
    where.selectbox(i18n.t("playground.model"), list(labels), format_func=labels.get, key=choice_key,
                    help=i18n.t("playground.model_help"))
    if ss[choice_key] == HUB_OPTION:
        where.text_input(i18n.t("playground.hub_repo"), key=f"{key}_hub_text", placeholder="owner/name@revision",
                         help=i18n.t("playground.hub_repo_help"))
        where.button(i18n.t("playground.hub_load"), key=f"{key}_hub_load", on_click=_hub_submit, args=(key,))
    with where.expander(i18n.t("playground.ckpt")):
        uploads.file_uploader(i18n.t("playground.ckpt_uploader"), type=["zip"], key=f"{key}_ckpt",
                              on_change=_checkpoint_uploaded, args=(key,), help=i18n.t("playground.ckpt_help"))
    if ss.get(error_key):
        where.error(plain.engine(ss[error_key]))
    if ss.get(f"{key}_note"):
        where.info(plain.engine(ss.pop(f"{key}_note")))

    source = ss[active_key]
    try:
        generator, info = _resolve(source, where)
    except ModelLoadError as exc:  # e.g. evicted from the cache and the Hub went away since
        where.error(plain.said("playground.fallback", error=plain.engine(exc)))
        ss[active_key] = source = default
        generator, info = _resolve(source, where)
    return ActiveModel(source, labels.get(source, source), generator, info,
                       shareable=not source.startswith(SESSION_PREFIX))


@st.cache_resource(max_entries=4, show_spinner=False)
def _shared_engine(source: str) -> pg.LatentEngine:
    # Same object load_model returns, so one generator serves the engine and the page.
    return pg.LatentEngine(load_model(source)[0], named=latent.named_directions(source))


def engine_for(model: ActiveModel) -> pg.LatentEngine:
    """The LatentEngine of a model: shared across sessions, or per session for session models."""
    if model.shareable:
        engine = _shared_engine(model.source)
        if engine.generator is model.generator:
            return engine
        _shared_engine.clear()  # load_model evicted and reloaded it: rebuild around the new object
        return _shared_engine(model.source)
    engines = st.session_state.setdefault("pg_session_engines", {})
    engine = engines.get(model.source)
    if engine is None or engine.generator is not model.generator:
        engine = engines[model.source] = pg.LatentEngine(model.generator, cache_mb=8)
    return engine
