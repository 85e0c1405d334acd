"""The toy lab as a Streamlit component: settings, play/pause, step buttons, live figures.

    from ui.theory.toylab import toy_lab
    toy_lab("fails", default_preset="collapse")

All state lives in st.session_state under keys prefixed with `key`, so two
pages can each have their own lab. Training runs inside an st.fragment with
run_every while Play is on: each tick trains a few iterations synchronously
(milliseconds for these MLPs) and redraws, so only the lab's panel reruns,
not the page. Text comes from content/<lang>.json via ui.i18n.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from gan_core.theory import PRESETS, TOY_DATASETS, ToyLab, ToyLabConfig, arrow_segments, lab_from_query, lab_query
from gan_core.training import (BUILTIN_FORMULAS, LOSSES, LR_OPTIONS, MAX_LENGTH, OPTIMIZERS, FormulaError,
                               check_text, format_lr)
from ui import formula as shared_formula
from ui import i18n, plain
from ui.i18n import engine_error, engine_text, formula_nonfinite, labels, t

TICK_SECONDS = 0.1      # fragment period while playing: up to 10 frames per second
WIDTHS = [16, 32, 64, 128]
SPEEDS = [1, 2, 5, 10, 20]
DEFAULT_SPEED = 5
R1_OPTIONS = [0.0, 0.1, 1.0, 10.0]
EMA_OPTIONS = [0.0, 0.9, 0.99, 0.999]

REAL_COLOUR = "#1b7f3b"
FAKE_COLOUR = "#6a3df0"
# Background: light purple where D says "fake", white at its midpoint, light green where it says "real".
SURFACE_SCALE = [[0.0, "#d9ccf5"], [0.5, "#ffffff"], [1.0, "#cdeed6"]]

# widget name -> ToyLabConfig field
_FIELDS = {"dataset": "dataset", "loss": "loss", "lr": "lr", "lr_d": "lr_d", "d_iters": "d_train_iters",
           "width": "width", "sn": "spectral_norm", "seed": "seed", "optimizer": "optimizer", "r1": "r1",
           "ema": "ema"}


def _k(key: str, name: str) -> str:
    return f"toylab_{key}_{name}"


def _seed_widgets(key: str, config: ToyLabConfig) -> None:
    ss = st.session_state
    for widget, field in _FIELDS.items():
        value = getattr(config, field)
        if widget == "lr_d" and value is None:
            value = config.lr
        ss[_k(key, widget)] = value
    _load_formulas(key, config.loss, config)


def _load_formulas(key: str, start: str, config: ToyLabConfig | None = None) -> None:
    """The editor's text: `config`'s own formulas where it has them, else built-in `start`'s."""
    ss = st.session_state
    builtin = BUILTIN_FORMULAS[start]
    ss[_k(key, "f_start")] = start
    ss[_k(key, "f_d")] = (config.d_loss if config else "") or builtin.d
    ss[_k(key, "f_g")] = (config.g_loss if config else "") or builtin.g
    ss[_k(key, "f_errors")] = []


def _config_from_widgets(key: str) -> ToyLabConfig:
    ss = st.session_state
    base = PRESETS[ss[_k(key, "preset")]]
    changes = {field: ss[_k(key, widget)] for widget, field in _FIELDS.items()}
    changes["seed"] = int(changes["seed"])
    lab = ss.get(_k(key, "lab"))
    if lab is not None:     # your own formulas stay until "back to the built-in loss"
        changes.update(d_loss=lab.config.d_loss, g_loss=lab.config.g_loss)
    return base.replace(**changes)


def _new_lab(key: str, config: ToyLabConfig) -> None:
    st.session_state[_k(key, "lab")] = ToyLab(config)


def _on_preset(key: str) -> None:
    preset = st.session_state[_k(key, "preset")]
    _seed_widgets(key, PRESETS[preset])
    _new_lab(key, PRESETS[preset])
    st.session_state[_k(key, "playing")] = False


def _on_settings(key: str) -> None:
    config = _config_from_widgets(key)
    _new_lab(key, config)
    if not (config.d_loss or config.g_loss):        # the editor follows the built-in loss
        _load_formulas(key, config.loss)
    st.session_state[_k(key, "notice")] = True


def _on_formula_start(key: str) -> None:
    _load_formulas(key, st.session_state[_k(key, "f_start")])


def _on_formula_apply(key: str) -> None:
    """Train with the editor's formulas: a new lab, or the sentences of what is wrong."""
    ss = st.session_state
    texts, errors = {}, []
    for role in ("d", "g"):
        text = str(ss.get(_k(key, f"f_{role}")) or "")
        try:
            check_text(text, role)
        except FormulaError as exc:
            errors.append(t("formula.invalid", role=t(f"formula.roles.{role}"), error=engine_error(exc)))
        texts[role] = text
    ss[_k(key, "f_errors")] = errors
    if not errors:
        _new_lab(key, _config_from_widgets(key).replace(d_loss=texts["d"], g_loss=texts["g"]))
        ss[_k(key, "playing")] = False
        ss[_k(key, "notice")] = True


def _on_formula_builtin(key: str) -> None:
    ss = st.session_state
    _new_lab(key, _config_from_widgets(key).replace(d_loss="", g_loss=""))
    _load_formulas(key, ss[_k(key, "loss")])
    ss[_k(key, "playing")] = False


def _on_play(key: str) -> None:
    ss = st.session_state
    ss[_k(key, "playing")] = not ss.get(_k(key, "playing"), False)


def _on_step(key: str, which: str) -> None:
    ss = st.session_state
    ss[_k(key, "playing")] = False   # stepping by hand pauses the lab
    lab = ss[_k(key, "lab")]
    lab.d_step() if which == "d" else lab.g_step()


def _on_reset(key: str) -> None:
    _new_lab(key, st.session_state[_k(key, "lab")].config)
    st.session_state[_k(key, "playing")] = False


def link_choices() -> dict:
    """What the lab's widgets offer, by link parameter: a share link may ask only for these."""
    return {"lr": tuple(LR_OPTIONS), "lr_d": tuple(LR_OPTIONS), "width": tuple(WIDTHS), "r1": tuple(R1_OPTIONS),
            "ema": tuple(EMA_OPTIONS), "d_iters": tuple(range(1, 11)), "seed": range(10000)}


def init_state(key: str, default_preset: str) -> None:
    ss = st.session_state
    if _k(key, "lab") not in ss:
        ss[_k(key, "preset")] = default_preset
        _seed_widgets(key, PRESETS[default_preset])
        _new_lab(key, PRESETS[default_preset])
        ss[_k(key, "playing")] = False
        ss[_k(key, "speed")] = DEFAULT_SPEED
    _apply_link(key)


def _apply_link(key: str) -> None:
    """A share link for this lab (?lab=<key>&…), once per link: its preset, settings and formulas."""
    ss = st.session_state
    query = {k: st.query_params.get(k) for k in st.query_params if k == "lab" or k.startswith("lab_")}
    link = lab_from_query(query, key, link_choices())
    if link is None or ss.get(_k(key, "link_seen")) == query:
        return
    ss[_k(key, "link_seen")] = query
    ss[_k(key, "preset")] = link.preset
    _seed_widgets(key, link.config)
    _new_lab(key, link.config)
    ss[_k(key, "playing")] = False
    ss[_k(key, "link_said")] = (link.notes, link.refused)


def _link_said(key: str) -> None:
    """What the lab's link asked for that it could not use: one caption each, its values escaped."""
    notes, refused = st.session_state.get(_k(key, "link_said")) or ((), ())
    for note in notes:
        st.caption(plain.said("formula.lab_link_note", note=plain.engine(note)))
    for role, exc in refused:
        st.caption(plain.said("formula.lab_link_formula", role=plain.Plain(t(f"formula.roles.{role}")),
                              error=engine_error(exc)))


def _share(key: str) -> None:
    """The lab's share link: its preset, what differs from it, and the formulas it trains with."""
    ss = st.session_state
    preset = ss.get(_k(key, "preset"))
    if preset not in PRESETS:
        return
    params = lab_query(key, preset, ss[_k(key, "lab")].config)
    if i18n.current() != i18n.DEFAULT:
        params["lang"] = i18n.current()     # the link opens in the language it was copied in
    base = (st.context.url or "").split("?")[0]
    with st.expander(t("formula.lab_share")):
        st.code(plain.label(f"{base}?{urlencode(params)}"), language=None)
        st.caption(t("formula.lab_share_caption"))


def _controls(key: str) -> None:
    cb = {"on_change": _on_settings, "args": (key,)}
    c1, c2, c3, c4 = st.columns(4)
    c1.selectbox(t("toylab.preset"), list(PRESETS), format_func=labels("toylab.presets"),
                 key=_k(key, "preset"), on_change=_on_preset, args=(key,))
    c2.selectbox(t("toylab.dataset"), list(TOY_DATASETS), format_func=labels("toylab.datasets"),
                 key=_k(key, "dataset"), **cb)
    c3.selectbox(t("toylab.loss"), list(LOSSES), format_func=labels(lambda loss: LOSSES[loss].content_key("toy_label")),
                 key=_k(key, "loss"), **cb)
    c4.select_slider(t("toylab.d_iters"), options=list(range(1, 11)), key=_k(key, "d_iters"), **cb)
    c1, c2, c3, c4 = st.columns(4)
    c1.select_slider(t("toylab.lr"), options=LR_OPTIONS, format_func=format_lr, key=_k(key, "lr"), **cb)
    c2.select_slider(t("toylab.lr_d"), options=LR_OPTIONS, format_func=format_lr, key=_k(key, "lr_d"), **cb)
    c3.select_slider(t("toylab.width"), options=WIDTHS, key=_k(key, "width"), **cb)
    with c4:
        st.checkbox(t("toylab.sn"), key=_k(key, "sn"), **cb)
        st.number_input(t("toylab.seed"), min_value=0, max_value=9999, step=1, key=_k(key, "seed"), **cb)
    c1, c2, c3, _ = st.columns(4)
    c1.selectbox(t("formula.optimizer"), OPTIMIZERS, format_func=labels("formula.optimizers"),
                 key=_k(key, "optimizer"), help=t("formula.optimizer_help"), **cb)
    r1_off, ema_off = t("formula.r1_off"), t("formula.toy_ema_off")
    c2.select_slider(t("formula.r1"), options=R1_OPTIONS, format_func=lambda v: f"{v:g}" if v else r1_off,
                     key=_k(key, "r1"), help=t("formula.r1_help"), **cb)
    c3.select_slider(t("formula.toy_ema"), options=EMA_OPTIONS, format_func=lambda v: f"{v:g}" if v else ema_off,
                     key=_k(key, "ema"), help=t("formula.toy_ema_help"), **cb)
    st.caption(t(f"toylab.preset_blurbs.{st.session_state[_k(key, 'preset')]}"))
    _formula_editor(key)


def _formula_editor(key: str) -> None:
    """Write your own loss: start from a built-in one, edit, train with it (or go back)."""
    ss = st.session_state
    config = ss[_k(key, "lab")].config
    own = bool(config.d_loss or config.g_loss)
    with st.expander(t("formula.editor"), expanded=own or bool(ss.get(_k(key, "f_errors")))):
        st.selectbox(t("formula.start_from"), list(BUILTIN_FORMULAS), format_func=labels("formula.starts"),
                     key=_k(key, "f_start"), on_change=_on_formula_start, args=(key,))
        st.caption(t("formula.language", limit=MAX_LENGTH))
        st.text_input(t("formula.d_label"), key=_k(key, "f_d"), max_chars=MAX_LENGTH)
        st.text_input(t("formula.g_label"), key=_k(key, "f_g"), max_chars=MAX_LENGTH)
        b1, b2 = st.columns(2)
        b1.button(t("formula.toy_apply"), key=_k(key, "f_apply"), on_click=_on_formula_apply, args=(key,),
                  type="primary", width="stretch")
        b2.button(t("formula.toy_builtin"), key=_k(key, "f_builtin"), on_click=_on_formula_builtin, args=(key,),
                  disabled=not own, width="stretch")
        for text in ss.get(_k(key, "f_errors")) or []:
            st.error(text)
        st.caption(t("formula.keeps", loss=t(LOSSES[config.loss].content_key("toy_label"))))
        # what the typed G loss asks of G, before it trains (the Train page draws the same)
        shared_formula.preview(ss.get(_k(key, "f_g")), ss.get(_k(key, "f_d")), chart_key=_k(key, "f_profile"))
    if own:
        st.caption(plain.said("formula.toy_using", d=config.d_loss or BUILTIN_FORMULAS[config.loss].d,   # typed text
                              g=config.g_loss or BUILTIN_FORMULAS[config.loss].g))


def _buttons(key: str) -> None:
    playing = st.session_state[_k(key, "playing")]
    c1, c2, c3, c4, c5 = st.columns([1, 1, 1, 1, 2])
    c1.button(t("toylab.pause") if playing else t("toylab.play"), key=_k(key, "play_btn"),
              on_click=_on_play, args=(key,), type="primary", width="stretch")
    c2.button(t("toylab.step_d"), key=_k(key, "step_d_btn"), on_click=_on_step, args=(key, "d"),
              help=t("toylab.teacher_help"), width="stretch")
    c3.button(t("toylab.step_g"), key=_k(key, "step_g_btn"), on_click=_on_step, args=(key, "g"),
              help=t("toylab.teacher_help"), width="stretch")
    c4.button(t("toylab.reset"), key=_k(key, "reset_btn"), on_click=_on_reset, args=(key,),
              width="stretch")
    c5.select_slider(t("toylab.speed"), options=SPEEDS, key=_k(key, "speed"))


# ---------------------------------------------------------------- figures


MAX_ARROWS = 200       # arrows on a subset of the fake points: enough to see the field, half the payload
MAX_CURVE_POINTS = 400


def _f32(values) -> np.ndarray:
    # float32 numpy arrays travel to the browser as compact base64 blocks, not JSON number lists.
    return np.asarray(values, dtype=np.float32)


def _thin(values, n: int = MAX_CURVE_POINTS) -> np.ndarray:
    values = _f32(values)
    step = max(1, int(np.ceil(len(values) / n)))
    return values[::step]


def surface_figure(view, loss: str) -> go.Figure:
    x0, x1, y0, y1 = view.box
    stride = max(1, len(view.fake) // MAX_ARROWS)
    ax, ay = arrow_segments(view.fake[::stride], view.grad[::stride], 0.08 * (x1 - x0))
    lo, hi = view.surface_range
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=_f32(view.grid_x), y=_f32(view.grid_y), z=_f32(view.surface), zmin=lo, zmax=hi,
        colorscale=SURFACE_SCALE, showscale=True, hoverinfo="skip",
        colorbar=dict(title=dict(text=t(LOSSES[loss].content_key("surface")), side="right"), thickness=12)))
    fig.add_trace(go.Scatter(x=view.real[:, 0], y=view.real[:, 1], mode="markers", name=t("toylab.real"),
                               marker=dict(size=3, color=REAL_COLOUR, opacity=0.6), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=_f32(ax), y=_f32(ay), mode="lines", name=t("toylab.grad"),
                             line=dict(width=1, color="rgba(60, 30, 150, 0.55)"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=view.fake[:, 0], y=view.fake[:, 1], mode="markers", name=t("toylab.fake"),
                               marker=dict(size=4, color=FAKE_COLOUR), hoverinfo="skip"))
    fig.update_layout(
        height=470, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("toylab.surface_title"), x=0),
        legend=dict(orientation="h", yanchor="bottom", y=-0.12, x=0), uirevision="toylab",
        xaxis=dict(range=[x0, x1], showgrid=False, zeroline=False, constrain="domain"),
        yaxis=dict(range=[y0, y1], showgrid=False, zeroline=False, scaleanchor="x", scaleratio=1),
    )
    return fig


def loss_figure(history: dict, loss: str) -> go.Figure:
    h = {k: _thin(v) for k, v in history["losses"].items()}
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=h["iteration"], y=h["d_loss"], name=t("toylab.d_loss"), mode="lines"))
    fig.add_trace(go.Scatter(x=h["iteration"], y=h["g_loss"], name=t("toylab.g_loss"), mode="lines"))
    if LOSSES[loss].estimates_wasserstein:
        fig.add_trace(go.Scatter(x=h["iteration"], y=h["w_estimate"], name=t("toylab.w_estimate"), mode="lines",
                                 line=dict(dash="dot")))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("toylab.loss_title"), x=0),
                      legend=dict(orientation="h", y=-0.2), uirevision="loss")
    return fig


def coverage_figure(history: dict, has_modes: bool, n_modes: int | None) -> go.Figure:
    h = {k: _thin([np.nan if v is None else v for v in vals]) for k, vals in history["coverage"].items()}
    fig = go.Figure()
    if has_modes:
        fig.add_trace(go.Scatter(x=h["iteration"], y=h["modes"], name=t("toylab.modes"), mode="lines",
                                 line=dict(shape="hv", color=FAKE_COLOUR)))
        fig.add_trace(go.Scatter(x=h["iteration"], y=100 * h["quality"], name=t("toylab.quality") + " %",
                                 mode="lines", yaxis="y2", line=dict(color=REAL_COLOUR)))
        fig.update_layout(yaxis=dict(range=[0, (n_modes or 8) + 0.5], title=t("toylab.modes")),
                          yaxis2=dict(range=[0, 100], overlaying="y", side="right", showgrid=False, title="%",
                                      tickvals=[0, 25, 50, 75, 100]))
    else:
        fig.add_trace(go.Scatter(x=h["iteration"], y=100 * h["recall"], name=t("toylab.recall") + " %",
                                 mode="lines", line=dict(color=FAKE_COLOUR)))
        fig.add_trace(go.Scatter(x=h["iteration"], y=100 * h["quality"], name=t("toylab.quality") + " %",
                                 mode="lines", line=dict(color=REAL_COLOUR)))
        fig.update_layout(yaxis=dict(range=[0, 100], title="%"))
    fig.update_layout(height=220, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("toylab.coverage_title"), x=0),
                      legend=dict(orientation="h", y=-0.2), uirevision="cov")
    return fig


def _panel(key: str) -> None:
    ss = st.session_state
    lab: ToyLab = ss[_k(key, "lab")]
    try:
        if ss.get(_k(key, "playing")):
            lab.step(int(ss.get(_k(key, "speed"), DEFAULT_SPEED)))
        view = lab.view()
        cov = lab.latest_coverage()
    except Exception as exc:  # a numerical blow-up must not put a traceback on a teaching page
        ss[_k(key, "playing")] = False
        st.error(plain.said("toylab.error", error=f"{type(exc).__name__}: {exc}"))     # an exception's words: plain
        return
    loss = lab.config.loss
    if lab.stopped:     # a loss became NaN or infinite: say which term, where, and stop playing
        ss[_k(key, "playing")] = False
        facts = lab.stopped
        st.error(t("formula.toy_stopped", message=formula_nonfinite(facts) if "term" in facts
                   else engine_text(facts["message"])))

    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("toylab.iteration"), f"{lab.iteration}")
    m2.metric(t("toylab.d_updates"), f"{lab.d_updates}")
    if cov.modes is not None:
        m3.metric(t("toylab.modes"), f"{cov.modes} / {cov.n_modes}")
    else:
        m3.metric(t("toylab.recall"), f"{100 * cov.recall:.0f}%")
    m4.metric(t("toylab.quality"), f"{100 * cov.quality:.0f}%")

    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(surface_figure(view, loss), width="stretch", key=_k(key, "surface_chart"))
    with right:
        st.plotly_chart(loss_figure(view.history, loss), width="stretch", key=_k(key, "loss_chart"))
        st.plotly_chart(coverage_figure(view.history, cov.modes is not None, cov.n_modes),
                        width="stretch", key=_k(key, "coverage_chart"))
        st.caption(t("toylab.coverage_note_modes") if cov.modes is not None else t("toylab.coverage_note_curves"))


def toy_lab(key: str, default_preset: str = "healthy") -> ToyLab:
    """Draw the lab (settings, buttons, live panel); returns the ToyLab for this key."""
    init_state(key, default_preset)
    ss = st.session_state
    with st.container(border=True):
        st.markdown(f"**{t('toylab.title')}**")
        st.caption(t("toylab.intro"))
        _link_said(key)
        _controls(key)
        _share(key)
        if ss.pop(_k(key, "notice"), False):
            st.info(t("toylab.restarted"))
        _buttons(key)
        playing = bool(ss[_k(key, "playing")])
        if playing:
            st.caption(t("toylab.playing_caption"))

        # run_every only while playing: a paused lab costs nothing.
        @st.fragment(run_every=TICK_SECONDS if playing else None)
        def live_panel():
            _panel(key)

        live_panel()
    return ss[_k(key, "lab")]
