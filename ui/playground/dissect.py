"""Paint with units: the dissection tab (feature maps, the units ranked by what they do, a painted edit).

The numbers come from gan_core.playground.dissect; one Dissector per model (shared across
sessions for named models, per session for models trained or uploaded here), so a layer's
ranking is computed once. Painting: drag a box or lasso over the feature map's grid (Streamlit's
own plotly selection), or pick a face region.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from gan_core.playground import dissect
from gan_core.viz import png_bytes, upscale
from ui import i18n
from ui.i18n import t

PRESETS = ("hair", "eyes", "mouth", "background", "whole", "fires")
SHOWN_UNITS = 8
GRID_PX = 320          # the painting grid's side: square, and narrower than its half of a wide page


@st.cache_resource(max_entries=4, show_spinner=False)
def _shared(source: str, fingerprint: str, _generator) -> dissect.Dissector:
    return dissect.Dissector(_generator)


def dissector_for(s) -> dissect.Dissector:
    model, engine = s.model, s.engine
    if model.shareable:
        return _shared(model.source, engine.fingerprint, model.generator)
    held = st.session_state.setdefault("pg_dissectors", {})
    d = held.get(model.source)
    if d is None or d.generator is not model.generator:
        d = held[model.source] = dissect.Dissector(model.generator)
    return d


@st.cache_resource(show_spinner=False)
def _attributes():
    from gan_core.faces import load_attribute_model

    return load_attribute_model()


def preset_mask(name: str, side: int, stats: dict | None = None, unit: int | None = None) -> np.ndarray:
    """A region on a side x side grid: a face region, the whole map, or where a unit fires most."""
    if name == "whole":
        return np.ones((side, side), dtype=bool)
    if name == "fires":
        return dissect.strongest_unit_cells(stats, unit)
    m = np.zeros((side, side), dtype=bool)
    for rows, cols in dissect.region_boxes(side)[name]:
        m[rows, cols] = True
    return m


def selected_mask(event, side: int) -> np.ndarray | None:
    """The grid cells under a box or lasso drawn on the chart (None when nothing is drawn)."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    if not points:
        return None
    m = np.zeros((side, side), dtype=bool)
    for p in points:
        x, y = int(round(p["x"])), int(round(p["y"]))
        if 0 <= x < side and 0 <= y < side:
            m[y, x] = True
    return m if m.any() else None


def describe(effect: dissect.UnitEffect, layer: dissect.Layer) -> str:
    if effect.pixel_change < dissect.VETO_CHANGE / 2:
        what = t("dissect.barely")
    else:
        what = t("dissect.darkens" if effect.lightness < 0 else "dissect.lightens",
                 region=t(f"dissect.regions.{effect.region}"))
    if effect.age is not None:
        what += t("dissect.age_change", years=effect.age) if abs(effect.age) >= 0.5 else t("dissect.no_age")
        if abs(effect.female) >= 0.02:
            what += t("dissect.female_change", female=effect.female)
    return t("dissect.unit_line", unit=effect.unit, block=layer.index, what=what)


def _grid_chart(face: np.ndarray, side: int, mask: np.ndarray) -> go.Figure:
    """The face under a side x side grid of points; drawn-on cells are the selection."""
    ys, xs = np.mgrid[0:side, 0:side]
    fig = go.Figure()
    fig.add_layout_image(dict(source=_data_url(face), xref="x", yref="y", x=-0.5, y=-0.5, sizex=side, sizey=side,
                              sizing="stretch", layer="below"))
    fig.add_trace(go.Scatter(x=xs.ravel(), y=ys.ravel(), mode="markers", hoverinfo="none",
                             marker=dict(size=max(4, 180 // side), opacity=0.35,
                                         color=np.where(mask.ravel(), "#ff3b30", "#ffffff"))))
    # A square figure with no margins has a square plot area: the whole face and every cell show.
    # (With scaleanchor and a chart stretched to its column, plotly narrowed the x range instead
    # and cut the right of the face off.)
    fig.update_xaxes(range=[-0.5, side - 0.5], visible=False)
    fig.update_yaxes(range=[side - 0.5, -0.5], visible=False)
    fig.update_layout(height=GRID_PX, width=GRID_PX, autosize=False, margin=dict(l=0, r=0, t=0, b=0),
                      dragmode="lasso", showlegend=False)
    return fig


def _data_url(image: np.ndarray) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")


def rank_controls(d: dissect.Dissector, layer: dissect.Layer, n: int, attributes):
    """The rank button (its time measured here: Dissector.estimate_seconds) and progress bar; the
    ranking once there is one. Says why a layer is ranked over fewer than 200 faces."""
    if n < dissect.RANK_FACES:
        st.caption(t("dissect.fewer_faces", block=layer.index, n=n, all=dissect.RANK_FACES, units=layer.units,
                     secs=d.estimate_seconds(layer, dissect.RANK_FACES, attributes)))
    if d.is_ranked(layer, n, attributes):
        return d.ranking(layer, n, attributes)
    seconds = d.estimate_seconds(layer, n, attributes)
    if not st.button(t("dissect.rank", units=layer.units, n=n, seconds=seconds), key="pg_dis_rank"):
        return None
    bar = st.progress(0.0, text=t("dissect.ranking", units=layer.units, n=n))
    ranking = d.ranking(layer, n, attributes, progress=lambda done, total: bar.progress(
        done / total, text=t("dissect.ranking_done", done=done, total=total)))
    bar.empty()
    return ranking


def dissect_view(s) -> None:
    """The "Paint with units" tab (s: ui.playground.views.Scene)."""
    ss = st.session_state
    try:
        d = dissector_for(s)
    except TypeError:
        st.info(t("dissect.unsupported"))
        return
    st.markdown(t("dissect.intro"))
    if d.kind == "pggan":
        st.caption(t("dissect.pggan_note", side=dissect.PGGAN_MAX_SIDE, render=dissect.PGGAN_RENDER_SIDE))
    names = [layer.name for layer in d.layers]
    ss.setdefault("pg_dis_layer", names[len(names) // 2])
    if ss["pg_dis_layer"] not in names:
        ss["pg_dis_layer"] = names[len(names) // 2]
    labels = {layer.name: t("dissect.layer_label", index=layer.index, side=layer.side, units=layer.units)
              for layer in d.layers}
    c1, c2 = st.columns([2, 3])
    name = c1.selectbox(t("dissect.layer"), names, key="pg_dis_layer", format_func=labels.get)
    layer = d.layer(name)
    stats = d.unit_stats(layer)

    # the face and its most active units' maps
    z = d.code(s.seed)
    maps = d.features(z, layer)[0]
    active = torch.argsort(maps.mean((1, 2)), descending=True)[:SHOWN_UNITS].tolist()
    tiles = []
    for u in active:
        m = maps[u]
        m = ((m - m.min()) / (m.max() - m.min()).clamp_min(1e-6) * 255).to(torch.uint8).numpy()
        tiles.append(upscale(np.repeat(m[:, :, None], 3, axis=2), 64, "nearest"))
    c2.image(np.concatenate(tiles, axis=1), width="stretch", output_format="PNG",
             caption=t("dissect.maps_caption", units=i18n.join(i18n.local_digits(u) for u in active), seed=s.seed))

    # ranking
    attributes = _attributes() if s.engine.named else None
    n = d.rank_faces(layer)
    ranking = rank_controls(d, layer, n, attributes) if d.rankable(layer) else None
    if not d.rankable(layer):
        st.info(t("dissect.no_rank", units=layer.units, gmacs=d.rank_cost(layer, 1) / 1e9,
                  faces=dissect.RANK_MIN_FACES, budget=dissect.MAX_RANK_MACS / 1e9))
    if ranking is not None:
        st.caption(t("dissect.ranked", units=layer.units, n=ranking.n_faces, secs=ranking.seconds,
                     measured=ranking.attribute_units))
        rows = [{t("dissect.col_unit"): e.unit, t("dissect.col_does"): describe(e, layer),
                 t("dissect.col_where"): t(f"dissect.regions.{e.where}"),
                 t("dissect.col_pixels"): round(100 * e.pixel_change, 2),
                 t("dissect.col_age"): None if e.age is None else round(e.age, 1),
                 t("dissect.col_female"): None if e.female is None else round(e.female, 3)}
                for e in ranking.units]
        st.dataframe(rows, height=240, hide_index=True)
    order = [e.unit for e in ranking.units] if ranking else active

    # painting
    st.subheader(t("dissect.paint_title"))
    left, right = st.columns([1, 1])
    if ss.get("pg_dis_units_layer") != layer.name:        # a new layer: its own top three
        ss["pg_dis_units"], ss["pg_dis_units_layer"] = order[:3], layer.name
    ss["pg_dis_units"] = [u for u in ss.get("pg_dis_units", []) if 0 <= u < layer.units]
    units = right.multiselect(t("dissect.units"), list(range(layer.units)), key="pg_dis_units",
                              max_selections=32, help=t("dissect.units_help"))
    mode = right.radio(t("dissect.mode"), ["off", "up"], key="pg_dis_mode", horizontal=True,
                       format_func=lambda m: t(f"dissect.mode_{m}"))
    strength = right.slider(t("dissect.strength"), 0.25, 3.0, 1.0, step=0.25, key="pg_dis_strength",
                            disabled=mode != "up", help=t("dissect.strength_help", boost=dissect.BOOST))
    preset = right.radio(t("dissect.region"), PRESETS, key="pg_dis_region", horizontal=True,
                         format_func=lambda r: t(f"dissect.regions.{r}"), help=t("dissect.region_help"))
    face = s.engine.render(s.engine.prior_code(s.seed, 1.0), 1.0, "tiny")[0]
    drawn = None
    chart_key = f"pg_dis_draw_{layer.name}"
    held = ss.get(chart_key)
    if held is not None:
        drawn = selected_mask(held, layer.side)
    mask = drawn if drawn is not None else preset_mask(preset, layer.side, stats, units[0] if units else 0)
    with left:
        st.caption(t("dissect.draw_help"))
        st.plotly_chart(_grid_chart(face, layer.side, mask), key=chart_key, on_select="rerun", width="content",
                        selection_mode=("box", "lasso"), config={"displayModeBar": True, "scrollZoom": False})
    st.caption(t("dissect.drawn" if drawn is not None else "dissect.preset_used",
                 cells=int(mask.sum()), side=layer.side, region=t(f"dissect.regions.{preset}")))
    result = d.paint(s.seed, layer, units, mask, mode, strength)
    a, b = st.columns(2)
    size = 256
    a.image(upscale(result.before, size, "nearest"), width=size, output_format="PNG", caption=t("dissect.before"))
    b.image(upscale(result.after, size, "nearest"), width=size, output_format="PNG",
            caption=t("dissect.after", inside=100 * result.inside, outside=100 * result.outside))
    if not units:
        st.info(t("dissect.no_units"))
    elif result.vetoed:
        st.warning(t("dissect.veto", inside=100 * result.inside, threshold=100 * dissect.VETO_CHANGE))
    else:
        st.caption(t("dissect.changed", inside=100 * result.inside, outside=100 * result.outside))
