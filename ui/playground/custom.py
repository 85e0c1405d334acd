"""Make a slider: label generated faces "has it" / "hasn't", fit, see how good and how clean it is.

The numbers come from gan_core.playground.custom; the fitted slider lives in the session
(MINE_SPEC) and joins the named sliders in the sidebar (`mine_slider`), the share link and a
JSON download. Imports neither views nor controls (they import this).
"""

from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from gan_core import playground as pg
from gan_core.playground import custom
from gan_core.viz import make_grid
from ui import plain, uploads
from ui.i18n import t

KEEP = "session"
MINE_SPEC = "pg_mine_spec"        # the fitted slider's SliderSpec
MINE_ALPHA = "pg_mine_alpha"      # its value in the sidebar
MINE_ERROR = "pg_mine_error"      # (code, values) of the last refused fit
MINE_PAGES = "pg_mine_pages"      # labelling pages opened so far
MINE_EFFECT = "pg_mine_effect"    # (spec, effect) measured at +3
UPLOAD = "pg_mine_upload"        # a slider file uploaded back
MAX_UPLOAD_MB = 1                 # the server refuses bigger uploads; spec_from_json reads at most 64 kB
MARKS = ("has", "hasnt")
SWEEP = (-3.0, -1.5, 0.0, 1.5, 3.0)


def _mark_key(page: int, i: int) -> str:
    return f"pg_mine_m_{page}_{i}"


def forget(key: str = "pg") -> None:
    """After a model switch: a slider labelled on one generator means nothing on another."""
    ss = st.session_state
    for name in (MINE_SPEC, MINE_ALPHA, MINE_ERROR, MINE_EFFECT):
        ss.pop(name, None)


def apply(state: pg.LatentState) -> None:
    """A link's slider into the session (before the widgets are drawn)."""
    if state.mine is not None:
        _show(state.mine, state.mine_alpha)


def _show(spec, alpha: float = 0.0) -> None:
    """A slider (from a link or a file) into the session: its labels on the labelling pages, its name and keeps."""
    ss = st.session_state
    ss[MINE_SPEC] = spec
    ss[MINE_ALPHA] = float(alpha)
    for page in range(pg.state.MINE_MAX_PAGES):
        marks = spec.marks[page * pg.state.MINE_PAGE_SIZE:(page + 1) * pg.state.MINE_PAGE_SIZE]
        for i in range(pg.state.MINE_PAGE_SIZE):
            mark = marks[i] if i < len(marks) else 0
            ss[_mark_key(page, i)] = MARKS[2 - mark] if mark else None
    ss[MINE_PAGES] = max(1, -(-len(spec.marks) // pg.state.MINE_PAGE_SIZE))
    ss["pg_mine_name"] = spec.name
    for k in pg.state.MINE_KEEP:
        ss[f"pg_mine_keep_{k}"] = k in spec.keep


def error_text(code: str, values: dict) -> str:
    return plain.said(f"myslider.errors.{code}", **values)       # values may repeat what a visitor typed


def mine_slider(engine: pg.LatentEngine, where=None) -> tuple:
    """The visitor's own slider under the named ones. Returns (spec or None, alpha)."""
    ss = st.session_state
    spec = ss.get(MINE_SPEC)
    if spec is None:
        return None, 0.0
    where = where or st
    try:
        fitted = engine.fit_custom(spec)
    except custom.SliderError:
        forget()
        return None, 0.0
    where.subheader(t("myslider.sidebar_title"))
    ss.setdefault(MINE_ALPHA, 0.0)
    alpha = where.slider(plain.md(spec.name) if spec.name else t("myslider.unnamed"), pg.NAMED_MIN, pg.NAMED_MAX, step=pg.NAMED_STEP,
                         key=MINE_ALPHA, persist_state=KEEP)
    where.caption(t("myslider.sidebar_caption", acc=fitted.accuracy, n=fitted.n))
    return spec, float(alpha)


def _marks(pages: int) -> list[int]:
    ss = st.session_state
    out = []
    for page in range(pages):
        for i in range(pg.state.MINE_PAGE_SIZE):
            value = ss.get(_mark_key(page, i))
            out.append(2 if value == "has" else 1 if value == "hasnt" else 0)
    return out


def _fit(engine: pg.LatentEngine) -> None:
    """The Fit button: labels -> a slider in the session, or the reason it cannot be one."""
    ss = st.session_state
    keep = [k for k in pg.state.MINE_KEEP if ss.get(f"pg_mine_keep_{k}")]
    spec = custom.make_spec(ss.get("pg_mine_name", ""), _marks(ss.get(MINE_PAGES, 1)), keep)
    try:
        engine.fit_custom(spec)
    except custom.SliderError as exc:
        ss[MINE_ERROR] = (exc.code, exc.values)
        return
    ss.pop(MINE_ERROR, None)
    if ss.get(MINE_SPEC) != spec:
        ss[MINE_SPEC] = spec
        ss[MINE_ALPHA] = 0.0


def _uploaded(engine: pg.LatentEngine, source: str) -> None:
    """A slider file uploaded back: read within bounds (custom.spec_from_json: the labels only, the
    direction is fitted again), for the model it was labelled on; else one sentence why not."""
    ss = st.session_state
    upload = ss.get(UPLOAD)
    if upload is None:
        return
    try:
        data = upload.read(custom.MAX_JSON_BYTES + 1)       # never more than a slider file can be
        spec, model = custom.spec_from_json(data)
        if model and model != source:
            raise custom.SliderError("other_model", f"This slider was labelled on {model}, not on {source}.",
                                     model=model[:80], current=source[:80])
        engine.fit_custom(spec)
    except custom.SliderError as exc:
        ss[MINE_ERROR] = (exc.code, exc.values)
        return
    ss.pop(MINE_ERROR, None)
    _show(spec)


def _more_pages() -> None:
    ss = st.session_state
    ss[MINE_PAGES] = min(ss.get(MINE_PAGES, 1) + 1, pg.state.MINE_MAX_PAGES)


def _clear() -> None:
    ss = st.session_state
    for name in [k for k in ss.keys() if isinstance(k, str) and k.startswith("pg_mine_m_")]:
        ss[name] = None
    forget()


@st.cache_resource(show_spinner=False)
def _attributes():
    from gan_core.faces import load_attribute_model

    return load_attribute_model()


def slider_view(s) -> None:
    """The "Make a slider" tab (s: ui.playground.views.Scene)."""
    ss, engine = st.session_state, s.engine
    st.markdown(t("myslider.intro"))
    c1, c2, c3 = st.columns([2, 1, 1], vertical_alignment="bottom")
    c1.text_input(t("myslider.name"), key="pg_mine_name", max_chars=pg.state.MINE_MAX_NAME,
                  placeholder=t("myslider.name_placeholder"), persist_state=KEEP)
    for col, k in ((c2, "age"), (c3, "gender")):
        if k in engine.named:
            ss.setdefault(f"pg_mine_keep_{k}", False)
            col.toggle(t(f"myslider.keep_{k}"), key=f"pg_mine_keep_{k}", persist_state=KEEP,
                       help=t("myslider.keep_help"))

    pages = ss.setdefault(MINE_PAGES, 1)
    n_page = pg.state.MINE_PAGE_SIZE
    # The marks' labels, fixed in this run's language: the wire value of a segmented control is its
    # label, so a format_func that looked the language up when called would, called outside the run
    # (AppTest formats the values it sends that way), send English labels to a Persian page.
    shown = {m: t(f"myslider.{m}") for m in MARKS}
    quality = "tiny"
    for page in range(pages):
        seeds = custom.label_seeds(page)
        images = engine.grid(seeds, 1.0, quality)
        st.caption(t("myslider.page", page=page + 1, first=page * n_page + 1, last=(page + 1) * n_page))
        for row in range(0, n_page, 8):
            cols = st.columns(8)
            for i, col in zip(range(row, row + 8), cols):
                col.image(images[i], width="stretch", output_format="PNG")
                col.segmented_control(t("myslider.face", n=page * n_page + i + 1), MARKS, key=_mark_key(page, i),
                                      format_func=shown.get, label_visibility="collapsed", wrap=True,
                                      persist_state=KEEP)
    marks = _marks(pages)
    has, hasnt = marks.count(2), marks.count(1)
    st.caption(t("myslider.counts", has=has, hasnt=hasnt, n=has + hasnt, need=custom.MIN_LABELS,
                 per=custom.MIN_PER_CLASS))
    b1, b2, b3 = st.columns(3)
    b1.button(t("myslider.fit"), key="pg_mine_fit", type="primary", on_click=_fit, args=(engine,), width="stretch")
    b2.button(t("myslider.more"), key="pg_mine_more", on_click=_more_pages, width="stretch",
              disabled=pages >= pg.state.MINE_MAX_PAGES)
    b3.button(t("myslider.clear"), key="pg_mine_clear", on_click=_clear, width="stretch")
    with st.expander(t("myslider.upload_title")):
        uploads.file_uploader(t("myslider.upload"), type=["json"], key=UPLOAD, max_upload_size=MAX_UPLOAD_MB,
                              on_change=_uploaded, args=(engine, s.model.source), help=t("myslider.upload_help"))

    if ss.get(MINE_ERROR):
        code, values = ss[MINE_ERROR]
        st.warning(error_text(code, values))
    spec = ss.get(MINE_SPEC)
    if spec is None:
        return
    try:
        fitted = engine.fit_custom(spec)
    except custom.SliderError as exc:
        st.warning(error_text(exc.code, exc.values))
        return
    report(s, fitted)


def report(s, fitted: custom.FittedSlider) -> None:
    """How good (cross-validated accuracy) and how clean (cosines, the measured change) the slider is."""
    ss, engine = st.session_state, s.engine
    name = plain.md(fitted.spec.name) if fitted.spec.name else plain.Plain(t("myslider.unnamed"))
    st.subheader(plain.said("myslider.report_title", name=name))      # the slider's name, as the visitor typed it
    verdict = "myslider.reliable" if fitted.reliable else "myslider.unreliable"
    (st.success if fitted.reliable else st.warning)(t(verdict, acc=fitted.accuracy, n=fitted.n,
                                                      majority=fitted.majority))
    st.caption(t("myslider.fit_caption", ms=1000 * fitted.seconds, has=fitted.has, hasnt=fitted.hasnt))

    base = engine.prior_code(s.seed, s.state.psi)
    codes = torch.cat([base + a * fitted.direction for a in SWEEP])
    images = engine.render(codes, s.state.psi, "thumb")
    st.image(make_grid(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), nrow=len(SWEEP)), width="stretch",
             output_format="PNG", caption=t("myslider.sweep", seed=s.seed,
                                             alphas="   ".join(f"{a:+.1f}" for a in SWEEP)))

    cols = st.columns(4)
    for col, k in zip(cols, pg.state.MINE_KEEP):
        if k in fitted.cosines:
            col.metric(t(f"myslider.cos_{k}"), f"{fitted.cosines[k]:+.2f}", help=t("myslider.cos_help"))
    effect = None
    if engine.named:                # a face model: the attribute model can read its faces
        held = ss.get(MINE_EFFECT)
        if held and held[0] == (fitted.spec, s.model.source):
            effect = held[1]
        elif engine.kind == "dcgan" or st.button(t("myslider.measure", n=custom.MEASURE_FACES), key="pg_mine_measure"):
            with st.spinner(t("myslider.measuring", n=custom.MEASURE_FACES)):
                effect = custom.measure_slider(engine, fitted.direction, _attributes())
            ss[MINE_EFFECT] = ((fitted.spec, s.model.source), effect)
        if effect:
            cols[2].metric(t("myslider.d_age"), f"{effect['age_mean']:+.1f}", help=t("myslider.d_help"))
            cols[3].metric(t("myslider.d_female"), f"{effect['female_mean']:+.3f}", help=t("myslider.d_help"))
            st.caption(t("myslider.entangled" if abs(effect["age_mean"]) >= 3 or abs(effect["female_mean"]) >= 0.1
                         else "myslider.clean", n=effect["n"]))
    st.download_button(t("myslider.download"), custom.slider_json(fitted, s.model.source, effect),
                       file_name=f"slider_{(fitted.spec.name or 'mine').replace(' ', '_')}.json",
                       mime="application/json", key="pg_mine_dl", on_click="ignore")
    st.caption(t("myslider.link_note"))

