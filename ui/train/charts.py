"""The Train page's charts: losses, D's outputs (the health chart) and the quality signals.

Pure functions from a run's curves to plotly figure dicts, so they are tested without a page.
"""

from __future__ import annotations

import numpy as np

from gan_core.training import losses as gan_losses
from gan_core.viz import smooth
from ui.i18n import t

COLOURS = {"d_loss_real": "#1f77b4", "d_loss_fake": "#ff7f0e", "g_loss": "#2ca02c",
           "d_x": "#1f77b4", "d_g_z": "#d62728"}
# Trace names: content "train.charts.<key>".


# Figures are plain dicts with numpy arrays: st.plotly_chart validates them into a
# plotly Figure either way, but building go.Figure objects trace by trace from
# Python lists costs ~5x more (about 50 ms against 11 ms per chart with 1,000
# points on the 2-core machine), and that time is taken from the training
# thread on every live update. numpy arrays also travel as compact binary.

def _line(x, y, name, colour, dash="solid", yaxis="y", mode="lines"):
    return {"type": "scatter", "x": np.asarray(x, dtype=np.float64),
            "y": np.asarray([np.nan if v is None else v for v in y], dtype=np.float64),
            "name": name, "mode": mode, "yaxis": yaxis, "line": {"color": colour, "dash": dash}}


def _figure(traces, title, yaxis=None, height=300, **layout):
    # The legend sits under the axis title, not on it; uirevision keeps zoom across live updates.
    if not traces:   # before the first step; plotly refuses a figure without traces
        traces = [{"type": "scatter", "x": [], "y": [], "showlegend": False}]
    return {"data": traces, "layout": {
        "title": {"text": title, "font": {"size": 14}}, "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.32, "yanchor": "top"},
        "xaxis": {"title": {"text": t("train.charts.iteration")}}, "yaxis": {"title": {"text": yaxis}},
        "uirevision": "keep", **layout}}


# Per-step GAN losses are noisy enough to hide their trend: a long curve is drawn faint, under
# a centred moving average over 1/SMOOTH_POINTS of its length.
SMOOTH_POINTS = 40


def _curve_traces(runs, keys):
    traces = []
    for i, (label, curves) in enumerate(runs):
        dash = "solid" if i == 0 else "dash"
        for key in keys:
            if key not in curves:
                continue
            name = t(f"train.charts.{key}") if len(runs) == 1 else f"{t(f'train.charts.{key}')} · {label}"
            if len(curves["x"]) > 2 * SMOOTH_POINTS:
                raw = _line(curves["x"], curves[key], name, COLOURS[key], dash)
                raw.update(opacity=0.25, showlegend=False, hoverinfo="skip")
                traces.append(raw)
                smoothed = smooth(curves[key], len(curves[key]) // SMOOTH_POINTS, centred=True)
                traces.append(_line(curves["x"], smoothed, name, COLOURS[key], dash))
            else:
                traces.append(_line(curves["x"], curves[key], name, COLOURS[key], dash))
    return traces


def loss_figure(runs) -> dict:
    """runs: [(label, curves)]; one run draws solid lines, a second one dashed (comparison)."""
    return _figure(_curve_traces(runs, ("d_loss_real", "d_loss_fake", "g_loss")), t("train.charts.losses"),
                   t("train.charts.loss_axis"))


def health_figure(runs, loss: str) -> dict:
    axis = t("train.charts.critic_score") if gan_losses.loss_class(loss).is_critic else t("train.charts.d_output")
    return _figure(_curve_traces(runs, ("d_x", "d_g_z")), t("train.charts.health"), axis)


def metrics_figure(metrics: dict, swd_floor: float | None = None) -> dict:
    traces, shapes = [], []
    if "diversity" in metrics:
        m = metrics["diversity"]
        traces.append(_line(m["x"], m["value"], t("train.charts.diversity"), "#9467bd", mode="lines+markers"))
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
                       "line": {"color": "#9467bd", "dash": "dot", "width": 1}})
    if "swd_grid" in metrics:
        m = metrics["swd_grid"]
        traces.append(_line(m["x"], m["value"], t("train.charts.swd"), "#8c564b",
                            yaxis="y2", mode="lines+markers"))
        if swd_floor is not None and m["x"]:
            traces.append(_line([m["x"][0], m["x"][-1]], [swd_floor, swd_floor], t("train.charts.swd_floor"),
                                "#8c564b", dash="dot", yaxis="y2"))
    return _figure(traces, t("train.charts.quality"), t("train.charts.diversity_axis"), height=330, shapes=shapes,
                   yaxis2={"title": {"text": "SWD"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                           "showgrid": False})
