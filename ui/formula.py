"""What G's loss asks of G, drawn the same on the Train page (ui/train/formula.py) and in the 2-D toy
lab (ui/theory/toylab.py): G's loss and its slope against D's output on fakes, next to the built-in
non-saturating loss, and the warnings (gan_core.training.formula.g_profile does the work).
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from gan_core.training import FormulaError, g_profile
from ui.i18n import t


def profile_figure(profile) -> go.Figure:
    fig = go.Figure()
    x = profile.logits
    fig.add_trace(go.Scatter(x=x, y=profile.loss, name=t("formula.profile_loss"), mode="lines",
                             line=dict(color="#6a3df0", width=3)))
    fig.add_trace(go.Scatter(x=x, y=profile.grad, name=t("formula.profile_grad"), mode="lines",
                             line=dict(color="#6a3df0", dash="dot")))
    fig.add_trace(go.Scatter(x=x, y=profile.reference_loss, name=t("formula.profile_ref"), mode="lines",
                             line=dict(color="#888888")))
    fig.add_trace(go.Scatter(x=x, y=profile.reference_grad, name=t("formula.profile_ref_grad"), mode="lines",
                             line=dict(color="#888888", dash="dot")))
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("formula.profile_title"), x=0),
                      xaxis=dict(title=t("formula.profile_x")), legend=dict(orientation="h", y=-0.35))
    return fig


def preview(g_text, d_text, chart_key: str) -> None:
    """Before training: G's loss and its slope against D's output on fakes, and the warnings
    (nothing when a formula is refused: its sentence is drawn where it was typed)."""
    try:
        profile = g_profile(str(g_text or ""), str(d_text or ""))
    except FormulaError:
        return
    for warning in profile.warnings:
        st.warning(t(f"formula.warnings.{warning}"))
    st.plotly_chart(profile_figure(profile), key=chart_key)
    st.caption(t("formula.profile_caption"))
