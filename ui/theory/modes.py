"""What-is-a-GAN's mode-seeking vs mode-covering figure (pages/4_What_is_a_GAN.py lays it out).

One Gaussian p_g fitted to the two-bump data under four objectives (gan_core.theory.divergences:
fit_gaussian), drawn with the data, the optima marked, and each objective's landscape over
(mean, std) beside it.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core import theory
from gan_core.theory import divergences
from ui.common import wrap_title
from ui.i18n import t

COLOURS = {"kl_forward": "#1f77b4", "kl_reverse": "#d62728", "jsd": "#6a3df0", "ns": "#ff7f0e"}
DASHES = {"kl_forward": "solid", "kl_reverse": "dash", "jsd": "dot", "ns": "dashdot"}


@st.cache_data(show_spinner=False, max_entries=12)
def fits(separation: float) -> tuple[dict, tuple]:
    """The four fits and the landscapes for data bumps at +-separation/2 (std 0.5)."""
    data_means = (-separation / 2, separation / 2)
    land = divergences.fit_landscape(data_means=data_means)
    return {o: divergences.fit_gaussian(o, data_means=data_means, landscape=land)
            for o in divergences.FIT_OBJECTIVES}, land


def kept_text(kept: tuple[int, ...]) -> str:
    return t("theorylab.modes.kept." + {(0, 1): "both", (0,): "one", (1,): "one"}.get(kept, "none"))


def mode_seeking_figure() -> None:
    """The slider for the bumps' distance, the fitted Gaussians over the data, their table and landscapes."""
    st.header(t("theorylab.modes.h"))
    st.markdown(t("theorylab.modes.intro"))
    separation = st.slider(t("theorylab.modes.separation"), 1.0, 6.0, 3.0, 0.5, key="fit_separation")
    found, (means, stds, values) = fits(separation)
    data_means = (-separation / 2, separation / 2)
    x = np.linspace(-7, 7, 701)
    p_data = theory.mixture_pdf(x, data_means, divergences.DATA_STDS)
    fig = go.Figure(go.Scatter(x=x, y=p_data, name=t("gan.fig.p_data"), fill="tozeroy", line=dict(color="#1b7f3b")))
    for name, fit in found.items():
        label = t(f"theorylab.modes.objectives.{name}")
        p_g = theory.gaussian_pdf(x, fit.mean, fit.std)
        fig.add_trace(go.Scatter(x=x, y=p_g, name=label, legendgroup=name,
                                 line=dict(color=COLOURS[name], dash=DASHES[name], width=3)))
        fig.add_trace(go.Scatter(x=[fit.mean], y=[p_g.max()], mode="markers", legendgroup=name, showlegend=False,
                                 marker=dict(color=COLOURS[name], size=13, symbol="star"), hovertext=label))
    fig.update_layout(height=380, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.15),
                      xaxis_title=t("gan.fig.x"), yaxis_title=t("gan.fig.density"))
    st.plotly_chart(fig, key="modes_chart")
    cols = ("objective", "mean", "std", "value", "kept")
    # the signed mean as a formula: KaTeX runs left to right on a Persian page too, where a bare "-1.49"
    # in a right-to-left cell shows its sign on the far side ("1.49-")
    rows = [f"| {t(f'theorylab.modes.objectives.{name}')} | ${f.mean:+.2f}$ | {f.std:.2f} | {f.value:.3f} | "
            f"{kept_text(f.kept)} |" for name, f in found.items()]
    st.markdown("| " + " | ".join(t(f"theorylab.modes.table.{c}") for c in cols) + " |\n|---|---|---|---|---|\n"
                + "\n".join(rows))

    land = make_subplots(rows=1, cols=4, horizontal_spacing=0.04, shared_yaxes=True,
                         subplot_titles=[wrap_title(t(f"theorylab.modes.objectives.{o}"), 26)
                                         for o in divergences.FIT_OBJECTIVES])
    for i, name in enumerate(divergences.FIT_OBJECTIVES, start=1):
        z = values[name]
        land.add_trace(go.Heatmap(x=means, y=np.log10(stds), z=np.log10(z - z.min() + 1e-2), showscale=False,
                                  colorscale="Viridis", hoverinfo="skip"), 1, i)
        fit = found[name]
        land.add_trace(go.Scatter(x=[fit.mean], y=[np.log10(fit.std)], mode="markers", showlegend=False,
                                  marker=dict(color="white", size=12, symbol="star", line=dict(color="black", width=1))),
                       1, i)
        land.update_xaxes(title_text=t("theorylab.modes.mean_axis"), row=1, col=i)
    land.update_yaxes(title_text=t("theorylab.modes.std_axis"), tickvals=[-0.5, 0, 0.5],
                      ticktext=["0.32", "1", "3.2"], row=1, col=1)
    land.update_annotations(font_size=13)
    land.update_layout(height=320, margin=dict(l=10, r=10, t=70, b=10))
    st.plotly_chart(land, key="modes_landscape_chart")
    st.caption(t("theorylab.modes.caption"))
    st.markdown(t("theorylab.modes.after", jsd=kept_text(found["jsd"].kept)))
