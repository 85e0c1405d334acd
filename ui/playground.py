"""Streamlit widgets shared by pages that drive a generator: the model picker, the
seed control, and the latent playground's slider panel and link handling.

The engine behind them is gan_core.playground (no Streamlit there). Widget
values live in st.session_state under a key prefix ("pg" on the playground),
so a page can set them before drawing (from a link, a grid click, Reset)
without fighting Streamlit's widget state.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from gan_core import latent
from gan_core import playground as pg
from gan_core.hub import ModelInfo, ModelLoadError, hub_reference, load_checkpoint_zip, registry_labels
from ui import i18n, uploads
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


def request_model(source: str, key: str = "pg") -> None:
    """Ask the picker to switch to `source` on its next run (e.g. the Train page's
    "Open in Playground": put the model in session_models(), call
    request_model("session:" + name), then st.switch_page("pages/1_Playground.py"))."""
    st.session_state[f"{key}_request"] = source


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
            result["error"] = ModelLoadError(i18n.t("harden.load_failed", source=source[:80]))

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
                              text=i18n.t("playground.downloading", source=source, done=_mb(done), total=_mb(total)))
            else:
                slot.caption(i18n.t("playground.loading", source=source))
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
        labels[SESSION_PREFIX + name] = (uploads.uploaded_label(name.removeprefix("uploaded "))
                                         if name in uploaded else i18n.t("playground.trained_here", name=name))
    for ref in st.session_state.get(f"{key}_hub_refs", []):
        labels.setdefault(ref, i18n.t("playground.hub_label", ref=ref[3:]))
    labels[HUB_OPTION] = i18n.t("playground.hub_option")
    return labels


def _resolve(source: str, where):
    if source.startswith(SESSION_PREFIX):
        name = source[len(SESSION_PREFIX):]
        models = session_models()
        if name not in models:
            raise ModelLoadError(i18n.t("playground.session_gone", name=repr(name)))
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
    st.session_state[f"{key}_request"] = source


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
    loaded = uploads.guarded(load_checkpoint_zip, upload.getvalue(), name=upload.name, what=upload.name)
    order = st.session_state.setdefault(f"{key}_uploaded", [])
    if loaded.ok:
        added = uploads.guarded(uploads.add_uploaded_model, session_models(), order, name, loaded.value,
                                what=upload.name)
        loaded = added if not added.ok else loaded
        if added.ok and added.value:
            st.session_state[f"{key}_note"] = uploads.dropped_note(added.value)
    if not loaded.ok:
        st.session_state[f"{key}_error"] = loaded.error
        return
    st.session_state.pop(f"{key}_error", None)
    st.session_state[f"{key}_request"] = SESSION_PREFIX + name


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
    request = ss.pop(f"{key}_request", None)
    choice = ss.get(choice_key)
    if request is None and choice not in (None, HUB_OPTION, ss[active_key]):
        request = choice
    if request is not None and request != ss[active_key]:
        ss.pop(error_key, None)
        try:
            _resolve(request, where)
            loaded = True
        except ModelLoadError as exc:
            ss[error_key] = str(exc)
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
        st.file_uploader(i18n.t("playground.ckpt_uploader"), type=["zip"], key=f"{key}_ckpt",
                         on_change=_checkpoint_uploaded, args=(key,), help=i18n.t("playground.ckpt_help"))
    if ss.get(error_key):
        where.error(i18n.engine_text(ss[error_key]))
    if ss.get(f"{key}_note"):
        where.info(ss.pop(f"{key}_note"))

    source = ss[active_key]
    try:
        generator, info = _resolve(source, where)
    except ModelLoadError as exc:  # e.g. evicted from the cache and the Hub went away since
        where.error(i18n.t("playground.fallback", error=i18n.engine_text(str(exc))))
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


# -----------------------------------------------------------------------------
# seed control


def _random_seed(key: str) -> None:
    st.session_state[f"{key}_seed"] = secrets.randbelow(pg.MAX_SEED + 1)


def _curated_pick(key: str) -> None:
    seed = st.session_state.get(f"{key}_curated")
    if seed is not None:
        st.session_state[f"{key}_seed"] = int(seed)


def seed_control(key: str = "pg", curated=(), where=None, default: int = 0) -> int:
    """Seed number + "Random" + curated seeds. Returns the seed."""
    where = where or st
    ss = st.session_state
    seed_key, curated_key = f"{key}_seed", f"{key}_curated"
    ss.setdefault(seed_key, default)
    seed = where.number_input(i18n.t("playground.seed"), min_value=0, max_value=pg.MAX_SEED, step=1, key=seed_key,
                              persist_state=KEEP, help=i18n.t("playground.seed_help"))
    where.button(i18n.t("playground.random_seed"), key=f"{key}_random", on_click=_random_seed, args=(key,), width="stretch")
    if curated:
        # Highlight the curated seed in use, if any (set before the widget is drawn).
        ss[curated_key] = seed if seed in curated else None
        where.pills(i18n.t("playground.curated"), list(curated), key=curated_key, on_change=_curated_pick,
                    args=(key,), help=i18n.t("playground.curated_help"))
    return int(seed)


# -----------------------------------------------------------------------------
# the playground's slider panel


def reset_sliders(key: str = "pg", psi: bool = True) -> None:
    """Semantic and raw-dimension sliders back to 0 (and psi to 1): the seed's own face."""
    ss = st.session_state
    for name in list(ss.keys()):
        if isinstance(name, str) and (name.startswith(f"{key}_sefa_") or name.startswith(f"{key}_dim_")
                                      or name.startswith(f"{key}_named_")):
            ss[name] = 0.0
    if psi:
        ss[f"{key}_psi"] = 1.0


def forget_sliders(key: str = "pg") -> None:
    """After a model switch: the old ranges and dimensions may not exist in the new model."""
    ss = st.session_state
    for name in list(ss.keys()):
        if isinstance(name, str) and (name.startswith(f"{key}_sefa_") or name.startswith(f"{key}_dim_")
                                      or name.startswith(f"{key}_named_")):
            del ss[name]
    ss.pop(f"{key}_keep", None)
    ss.pop(f"{key}_dims", None)
    ss.pop(f"{key}_k", None)


def apply_state(state: pg.LatentState, key: str = "pg") -> None:
    """Put a state's values into the widgets' session state (before they are drawn)."""
    ss = st.session_state
    forget_sliders(key)
    ss[f"{key}_seed"] = int(state.seed)
    ss[f"{key}_psi"] = float(state.psi)
    if state.k is not None:
        ss[f"{key}_k"] = int(state.k)
    ss[f"{key}_dims"] = [d for d, _ in state.dims]
    for d, value in state.dims:
        ss[f"{key}_dim_{d}"] = float(value)
    for i, value in state.sefa:
        ss[f"{key}_sefa_{i}"] = float(value)
    for name, value in state.named:
        base = name.split("|")[0]
        ss[f"{key}_named_{base}"] = float(value)
        if "|" in name:
            ss[f"{key}_keep"] = True


# The sliders of the named directions, in order; a conditional variant replaces
# the plain one when "keep the other one" is on.
NAMED_ORDER = ("age", "gender", "smile", "eyeglasses", "pose")
KEEP_PAIRS = {"age": "age|gender", "gender": "gender|age"}


def named_effect_caption(base: str, effects: dict, name: str | None = None) -> str:
    """'+1 ≈ +N years on average ...' from the measured effect of +3 along direction `name`
    (default `base`; e.g. base "age", name "age|gender" when the other one is kept)."""
    e = effects.get(name or base)
    if not e or base not in ("age", "gender"):
        return ""
    years, female = e["age_mean"] / e["distance"], e["female_mean"] / e["distance"]
    return i18n.t(f"named.effect_{base}", years=years, female=female)


def sefa_effect_caption(effect: dict) -> str:
    """What a SeFa direction measurably changes (age, gender, both, none), per unit of slider."""
    years, female = effect["age_mean"] / effect["distance"], effect["female_mean"] / effect["distance"]
    return i18n.t(f"named.sefa_{effect['reading']}", years=years, female=female)


def named_controls(engine: pg.LatentEngine, model: str, key: str = "pg", where=None) -> tuple:
    """Named sliders (Age, Gender, ... and "keep the other one"), each captioned with its measured
    effect. Returns the (name, alpha) pairs for the state; () for a model without named directions."""
    if not engine.named:
        return ()
    where = where or st
    ss = st.session_state
    info = latent.named_info(model)
    effects = info.get("effects", {})
    where.subheader(i18n.t("named.title"))
    where.caption(i18n.t("named.intro"))
    has_pairs = all(v in engine.named for v in KEEP_PAIRS.values())
    keep = False
    if has_pairs:
        ss.setdefault(f"{key}_keep", False)
        keep = where.toggle(i18n.t("named.keep"), key=f"{key}_keep", persist_state=KEEP, help=i18n.t("named.keep_help"))
    named = []
    for base in NAMED_ORDER:
        if base not in engine.named:
            continue
        name = KEEP_PAIRS[base] if keep and base in KEEP_PAIRS else base
        ss.setdefault(f"{key}_named_{base}", 0.0)
        value = where.slider(i18n.t(f"named.{base}"), pg.NAMED_MIN, pg.NAMED_MAX, step=pg.NAMED_STEP,
                             key=f"{key}_named_{base}", persist_state=KEEP)
        caption = named_effect_caption(base, effects, name)
        if caption:
            where.caption(caption)
        if value != 0:
            named.append((name, float(value)))
    if engine.kind == "pggan":
        where.caption(i18n.t("named.pggan_sign") + " " + i18n.t("named.pggan_credit"))
    return tuple(named)


def latent_controls(engine: pg.LatentEngine, model: str, seed: int, key: str = "pg",
                    where=None) -> pg.LatentState:
    """ψ, the SeFa sliders, the raw-dimension sliders and Reset. Returns the state they describe."""
    where = where or st
    ss = st.session_state

    ss.setdefault(f"{key}_psi", 1.0)
    psi = where.slider(
        i18n.t("playground.psi"), pg.PSI_MIN, pg.PSI_MAX, step=pg.PSI_STEP, key=f"{key}_psi", persist_state=KEEP,
        help=i18n.t("playground.psi_help"))
    if engine.kind == "pggan":
        where.caption(i18n.t("playground.psi_pggan"))
        from gan_core.device import device_name
        from ui.i18n import t

        gpu = engine.device != "cpu"
        where.caption(t("presets.pggan_gpu" if gpu else "presets.pggan_cpu", name=device_name(engine.device)))

    named = named_controls(engine, model, key, where)
    sefa_effects = latent.named_info(model).get("sefa_effects", [])

    where.subheader(i18n.t("playground.sefa_title"))
    ss.setdefault(f"{key}_k", engine.default_k)
    ss[f"{key}_k"] = min(int(ss[f"{key}_k"]), engine.max_k)
    k = where.number_input(i18n.t("playground.k"), 1, engine.max_k, step=1, key=f"{key}_k", persist_state=KEEP,
                           help=i18n.t("playground.k_help"))
    _, eigvals = engine.directions(int(k))
    r = engine.sefa_range
    sefa = []
    for i in range(int(k)):
        ss.setdefault(f"{key}_sefa_{i}", 0.0)
        value = where.slider(i18n.t("playground.semantic", i=i + 1, value=float(eigvals[i])), r.lo, r.hi,
                             step=r.step, key=f"{key}_sefa_{i}", persist_state=KEEP)
        if i < len(sefa_effects):
            where.caption(sefa_effect_caption(sefa_effects[i]))
        if value != 0:
            sefa.append((i, float(value)))

    where.subheader(i18n.t("playground.raw_title"))
    dims_key = f"{key}_dims"
    ss[dims_key] = [d for d in ss.get(dims_key, []) if 0 <= d < engine.noise_size]
    chosen = where.multiselect(i18n.t("playground.dims", last=engine.noise_size - 1),
                               list(range(engine.noise_size)), key=dims_key, max_selections=pg.MAX_DIMS,
                               persist_state=KEEP,
                               placeholder=i18n.t("playground.dims_placeholder"))
    dims = []
    for d in chosen:
        ss.setdefault(f"{key}_dim_{d}", 0.0)
        value = where.slider(f"z[{d}]", pg.DIM_MIN, pg.DIM_MAX, step=pg.DIM_STEP, key=f"{key}_dim_{d}",
                             persist_state=KEEP)
        if value != 0:
            dims.append((int(d), float(value)))

    where.button(i18n.t("playground.reset"), key=f"{key}_reset", on_click=reset_sliders, args=(key,),
                 width="stretch", help=i18n.t("playground.reset_help"))
    return pg.LatentState(model=model, seed=seed, psi=float(psi), dims=tuple(dims), sefa=tuple(sefa), k=int(k),
                          named=named)


def bias_audit(model: str, where=None) -> None:
    """An expander: predicted age histogram and gender share of generated faces vs training photos."""
    audit = latent.named_info(model).get("audit")
    if not audit:
        return
    from gan_core.attributes import audit_reading

    # Lazy (on_change="rerun"): building the chart is about half of a slider move's server time
    # (measured with AppTest: 85 -> 41-58 ms per rerun without it), so it runs only while open.
    box = (where or st).expander(i18n.t("named.audit_title"), key="pg_audit", on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption(i18n.t("named.audit_intro", n_generated=audit["n_generated"], n_photos=audit["n_photos"]))
        import pandas as pd

        table = pd.DataFrame({i18n.t("named.audit_generated"): audit["generated"],
                              i18n.t("named.audit_photos"): audit["photos"]}, index=audit["bins"])
        st.bar_chart(table, x_label=i18n.t("named.audit_age_axis"), y_label=i18n.t("named.audit_share_axis"),
                     stack=False, height=260)
        st.markdown(i18n.t("named.audit_female", generated=audit["generated_female"], photos=audit["photos_female"],
                           labels=audit["labels_female"]))
        under, over = audit_reading(audit["generated"], audit["photos"])
        ratio = lambda pairs: ", ".join(i18n.t("named.audit_ratio", bin=b, ratio=r) for b, r in pairs)  # noqa: E731
        if under:
            st.markdown(i18n.t("named.audit_under", bins=ratio(under)))
        if over:
            st.markdown(i18n.t("named.audit_over", bins=ratio(over)))
        if not under and not over:
            st.markdown(i18n.t("named.audit_balanced"))
        st.caption(i18n.t("named.audit_note"))


def dims_caption(engine: pg.LatentEngine, state: pg.LatentState, key: str = "pg") -> str:
    """How little one raw dimension means, measured on the current face."""
    chosen = st.session_state.get(f"{key}_dims") or []
    n = engine.noise_size
    if not chosen:
        return i18n.t("playground.dims_none", n=n)
    dim = int(chosen[0])
    base = engine.prior_code(state.seed, state.psi)
    dim_change, sefa_change = engine.dim_vs_sefa_change(base, dim, 2.0, state.psi)
    return i18n.t("playground.dims_one", n=n, dim=dim, dim_change=100 * dim_change, sefa_change=100 * sefa_change)


# -----------------------------------------------------------------------------
# links


def first_run_state(known_models, key: str = "pg"):
    """On a session's first run: the state in the URL (or None) and the notes about ignored values."""
    ss = st.session_state
    if ss.get(f"{key}_link_read"):
        return None
    ss[f"{key}_link_read"] = True
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if not params:
        return None
    state, notes = pg.decode_query_params(params, known_models)
    ss[f"{key}_notes"] = notes
    if state.model != pg.DEFAULT_MODEL:
        request_model(state.model, key)
    return state


@lru_cache(maxsize=1)
def _note_patterns() -> tuple:
    """gan_core's link notes, as regular expressions made from their English templates
    (content/en.json playground.notes mirrors gan_core.playground's wording; a test checks it)."""
    out = []
    for key, template in i18n.load_content(i18n.DEFAULT)["playground"]["notes"].items():
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        out.append((key, re.compile(regex, re.S)))
    return tuple(out)


def link_note(note: str) -> str:
    """One of gan_core's notes about an ignored link value, in the page's language."""
    if i18n.current() == i18n.DEFAULT:
        return note
    for key, pattern in _note_patterns():
        match = pattern.fullmatch(note)
        if match:
            return i18n.t(f"playground.notes.{key}", **match.groupdict())
    return i18n.engine_text(note)        # a note this page does not know yet: gan_core's own words


def sync_link(state: pg.LatentState, engine: pg.LatentEngine, shareable: bool) -> str:
    """Write the state into the URL (the address bar is the share link); return the link text."""
    params = pg.encode_query_params(state, default_k=engine.default_k, shareable_model=shareable)
    if i18n.current() != i18n.DEFAULT:
        params["lang"] = i18n.current()     # the link opens in the language it was copied in
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    base = (st.context.url or "").split("?")[0]
    query = urlencode(params)
    return f"{base}?{query}" if query else (base or "?")


def licence_note(info: ModelInfo) -> str:
    """gan_core.playground.licence_note in the page's language (a model card's own licence as written)."""
    english = pg.licence_note(info.name, info.architecture, info.licence)
    if info.architecture == "pggan":
        return i18n.t("playground.licence.pggan")
    if english and english == pg.FACES64_LICENCE_NOTE:
        return i18n.t("playground.licence.faces64")
    return english


# -----------------------------------------------------------------------------
# the views (tabs): their value is their label, so it is kept in the current language


def _view_key(view: str) -> str:
    return "photo.tab" if view == "photo" else f"playground.views.{view}"   # the photo view names itself


def view_label(view: str) -> str:
    """The tab label of a view ("face", "grid" ... "photo") in the current language."""
    return i18n.t(_view_key(view))


def settle_view(views, key: str = "pg_view") -> None:
    """Before the tabs are drawn: a view remembered in the other language (or set by a button)
    becomes the same view's label in this one, so a language switch keeps the open tab."""
    ss = st.session_state
    current = ss.get(key)
    if current is None:
        return
    for view in views:
        if current in {i18n.text_in(lang, _view_key(view)) for lang in i18n.LANGS}:
            ss[key] = view_label(view)
            return


@contextmanager
def errors_shown(what: str, where=None):
    """Run a block; an unexpected error becomes one st.error line, never a traceback on screen."""
    try:
        yield
    except Exception as exc:  # Streamlit's rerun/stop signals are BaseExceptions and pass through
        (where or st).error(i18n.t("playground.failed", what=what, error=f"{type(exc).__name__}: {str(exc)[:300]}"))


def timed(fn, *args, **kwargs):
    """(result, seconds): for the captions that say how long a render took."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0
