"""The course-DCGAN theory page's figures and tables (pages/8_The_course_DCGAN.py lays them out).

The numbers come from gan_core.theory; this module turns them into plotly figures and tables
in the page's language.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from gan_core import theory
from gan_core.models import DCDiscriminator, DCGenerator
from gan_core.training.presets import format_lr
from ui.i18n import t


@st.cache_data(show_spinner=False)
def layer_rows(which: str) -> list[theory.LayerRow]:
    torch.manual_seed(0)
    if which == "G":
        return theory.layer_table(DCGenerator(), torch.randn(2, 100))
    return theory.layer_table(DCDiscriminator(), torch.randn(2, 3, 32, 32))


def shape_text(shape: tuple) -> str:
    return "×".join(str(s) for s in shape)


def diagram(rows: list[theory.LayerRow], first_shape: tuple) -> go.Figure:
    """Boxes for the input and every change of shape: height ∝ spatial size, width ∝ channels."""
    stages = [("input", first_shape)]
    for r in rows:
        if r.in_shape != stages[-1][1]:          # a reshape inside forward(), e.g. 2048 -> 128x4x4
            stages.append(("view", r.in_shape))
        if r.out_shape != stages[-1][1]:
            stages.append((r.name, r.out_shape))
    fig = go.Figure()
    x = 0.0
    for name, shape in stages:
        channels = shape[0]
        size = shape[-1] if len(shape) == 3 else 1
        width = 0.25 + 0.12 * np.log2(channels)
        height = 0.6 + 0.18 * size
        fig.add_shape(type="rect", x0=x, x1=x + width, y0=-height / 2, y1=height / 2,
                      line=dict(color="#6a3df0"), fillcolor="rgba(106, 61, 240, 0.18)")
        fig.add_annotation(x=x + width / 2, y=height / 2, text=shape_text(shape), showarrow=False, yshift=10,
                           font=dict(size=11))
        fig.add_annotation(x=x + width / 2, y=-height / 2, text=name, showarrow=False, yshift=-12,
                           font=dict(size=10, color="#555"))
        x += width + 0.6
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), showlegend=False,
                      title=dict(text=t("course.diagram_title"), x=0),
                      xaxis=dict(visible=False, range=[-0.3, x]), yaxis=dict(visible=False, range=[-4, 4]))
    return fig


def layer_frame(rows: list[theory.LayerRow]) -> pd.DataFrame:
    """The layer table: name, type, input and output shapes, parameters."""
    return pd.DataFrame({
        t("course.col_layer"): [r.name for r in rows],
        t("course.col_type"): [r.kind for r in rows],
        t("course.col_in"): [shape_text(r.in_shape) for r in rows],
        t("course.col_out"): [shape_text(r.out_shape) for r in rows],
        t("course.col_params"): [r.params for r in rows],
    })


def labels_table() -> str:
    """The course's LSGAN labels (a=1, b=0, c=0) against the standard ones: equal losses, as markdown."""
    rng = np.random.default_rng(0)
    d_real, d_fake = rng.uniform(-0.2, 1.2, 16), rng.uniform(-0.2, 1.2, 16)
    course = (theory.lsgan_d_loss(d_real, d_fake, a=1.0, b=0.0), theory.lsgan_g_loss(d_fake, c=0.0))
    standard = (theory.lsgan_d_loss(1 - d_real, 1 - d_fake, a=0.0, b=1.0), theory.lsgan_g_loss(1 - d_fake, c=1.0))
    lt = "course.labels_table"
    return (f"| {t(lt + '.coding')} | {t(lt + '.d_loss')} | {t(lt + '.g_loss')} |\n|---|---|---|\n"
            f"| {t(lt + '.course')} | {course[0]:.6f} | {course[1]:.6f} |\n"
            f"| {t(lt + '.standard')} | {standard[0]:.6f} | {standard[1]:.6f} |")


def power_iteration_figure() -> go.Figure:
    """Power iteration's estimate of a conv kernel's largest singular value, step by step, and the exact value."""
    torch.manual_seed(0)
    kernel = DCDiscriminator().conv2[0].weight.detach().numpy()
    estimates = theory.power_iteration(kernel, n_iter=12)
    exact = theory.top_singular_value(torch.from_numpy(kernel))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.arange(1, len(estimates) + 1), y=estimates, mode="lines+markers",
                             name=t("course.power_est")))
    fig.add_hline(y=exact, line_dash="dash", annotation_text=t("course.power_true"))
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("course.power_title"), x=0),
                      xaxis_title=t("course.power_iters"), yaxis_title="σ", showlegend=False)
    return fig


@st.cache_data(show_spinner=False, max_entries=4)
def singular_values(spectral_norm: bool) -> list[float]:
    return theory.spectral_norms_after_training(spectral_norm, iterations=30, batch_size=16, seed=0)


def singular_values_figure(sv: dict) -> go.Figure:
    """Each D layer's largest singular value after a short training, spectral norm off and on."""
    layers = [f"conv{i + 1}" for i in range(len(sv["on"]))]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=layers, y=sv["off"], name=t("course.sv_off"), marker_color="#d62728",
                         text=[f"{v:.2f}" for v in sv["off"]], textposition="outside"))
    fig.add_trace(go.Bar(x=layers, y=sv["on"], name=t("course.sv_on"), marker_color="#1b7f3b",
                         text=[f"{v:.2f}" for v in sv["on"]], textposition="outside"))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), barmode="group",
                      xaxis_title=t("course.sv_layer"), yaxis_title=t("course.sv_value"),
                      legend=dict(orientation="h", y=1.1))
    return fig


def preset_blurb(key: str, config) -> str:
    """The text under an "open in the Train page" button, with the numbers read from the preset
    itself (course.open_course_blurb, course.open_stable_blurb), so text and preset cannot drift apart."""
    return t(key, lr=format_lr(config.lr), batch=config.batch_size, beta1=f"{config.beta1:g}",
             beta2=f"{config.beta2:g}", ema=f"{config.ema:g}")
