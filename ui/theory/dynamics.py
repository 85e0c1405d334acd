"""The Why-training-fails page's Dirac-GAN figures (pages/5_Why_training_fails.py lays them out).

The numbers come from gan_core.theory.dynamics (Mescheder, Geiger & Nowozin 2018); this module draws
them with plotly in the page's language: the explorer (trajectory, field, distance), R1's general
threshold and one step's factor against the average per turn, the update operator's eigenvalues
against the unit circle, and WGAN-GP's non-convergence.
"""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core import theory
from gan_core.theory import arrow_segments
from ui import i18n
from ui.common import wrap_title
from ui.i18n import t

LIM = 2.5
PURPLE, GREEN, RED, BLUE, ORANGE = "#6a3df0", "#1b7f3b", "#d62728", "#1f77b4", "#ff7f0e"


def dirac_explorer() -> float:
    """Sliders, the trajectory over the gradient field, the distance curve; returns the learning rate h."""
    c1, c2, c3 = st.columns(3)
    lr = c1.slider(t("fails.fig_a.lr"), 0.01, 0.5, 0.1, 0.01, key="dirac_lr")
    steps = c1.slider(t("fails.fig_a.steps"), 10, 400, 150, 10, key="dirac_steps")
    mode = c2.radio(t("fails.fig_a.mode"), list(theory.DIRAC_MODES), key="dirac_mode",
                    format_func=i18n.labels("fails.fig_a.modes"))
    kind = c2.radio(t("fails.fig_a.loss"), list(theory.DIRAC_LOSSES), key="dirac_loss",
                    format_func=i18n.labels("fails.fig_a.losses"))
    reg = c3.selectbox(t("theorylab.dirac.reg"), list(theory.DIRAC_REGULARISERS), key="dirac_reg",
                       format_func=i18n.labels("theorylab.regs"))
    gamma = c3.slider(t("theorylab.dirac.strength"), 0.0, 2.0, 0.0, 0.1, key="dirac_gamma")

    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=lr, steps=steps, kind=kind, mode=mode, gamma=gamma, reg=reg)
    dist = np.hypot(path[:, 0], path[:, 1])
    grid = np.linspace(-LIM, LIM, 15)
    gt, gp = np.meshgrid(grid, grid)
    dt, dp = theory.dirac_vector_field(gt, gp, kind, gamma, reg)
    field = np.stack([dt.ravel(), dp.ravel()], axis=1)
    # Same length for every arrow: the field's direction is what matters here.
    unit = field / np.maximum(np.linalg.norm(field, axis=1, keepdims=True), 1e-9)
    fx, fy = arrow_segments(np.stack([gt.ravel(), gp.ravel()], axis=1), unit, 0.25)

    fig = go.Figure()
    fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=t("fails.fig_a.field"),
                             line=dict(color="rgba(120,120,120,0.5)", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=t("fails.fig_a.path"),
                             line=dict(color=PURPLE, width=2), marker=dict(size=3)))
    fig.add_trace(go.Scatter(x=[path[0, 0]], y=[path[0, 1]], mode="markers", name=t("fails.fig_a.start"),
                             marker=dict(size=11, color=GREEN, symbol="circle")))
    fig.add_trace(go.Scatter(x=[path[-1, 0]], y=[path[-1, 1]], mode="markers", name=t("fails.fig_a.end"),
                             marker=dict(size=11, color=RED, symbol="x")))
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name=t("fails.fig_a.equilibrium"),
                             marker=dict(size=12, color="black", symbol="star")))
    # Client-side animation: each frame reveals the trajectory up to one more chunk of steps.
    cuts = np.unique(np.linspace(1, len(path), 40).astype(int))
    fig.frames = [go.Frame(data=[go.Scatter(x=path[:c, 0], y=path[:c, 1]),
                                 go.Scatter(x=[path[c - 1, 0]], y=[path[c - 1, 1]])],
                           traces=[1, 3], name=str(c)) for c in cuts]
    fig.update_layout(
        height=480, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.15),
        xaxis=dict(title=t("fails.fig_a.theta"), range=[-LIM, LIM], zeroline=False),
        yaxis=dict(title=t("fails.fig_a.psi"), range=[-LIM, LIM], zeroline=False, scaleanchor="x", scaleratio=1),
        updatemenus=[dict(type="buttons", x=0.0, y=1.0, xanchor="left", yanchor="top", showactive=False,
                          buttons=[dict(label=t("fails.fig_a.play"), method="animate",
                                        args=[None, dict(frame=dict(duration=60, redraw=False), fromcurrent=False,
                                                         transition=dict(duration=0))])])],
    )
    left, right = st.columns([3, 2])
    left.plotly_chart(fig, key="dirac_chart")
    dfig = go.Figure(go.Scatter(x=np.arange(len(dist)), y=dist, mode="lines", line=dict(color=PURPLE)))
    dfig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title=t("fails.fig_a.step"),
                       yaxis=dict(title=t("fails.fig_a.distance"), type="log"))
    right.plotly_chart(dfig, key="dirac_distance_chart")
    right.markdown(t("fails.fig_a.final", start=dist[0], end=dist[-1], steps=steps))
    st.caption(t("fails.fig_a.caption"))
    st.info(t("theorylab.dirac.flow_fix"))
    return lr


R1_STEPS = 400
R1_NAMES = {("gan", 0.5): "gan_weak", ("gan", 2.0): "gan_strong", ("wgan", 0.5): "wgan_weak", ("wgan", 2.0): "wgan_strong"}
R1_COLOURS = {"gan_weak": ORANGE, "gan_strong": GREEN, "wgan_weak": RED, "wgan_strong": BLUE}


def log_ticks(lo: float, hi: float) -> list[float]:
    """Tick values for a log axis from lo to hi: 1, 2 and 5 per decade, only the powers of ten past
    three decades (more labels would crowd a 300-px axis)."""
    lo, hi = max(lo, 1e-12), max(hi, lo * 1.0001)
    first, last = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    steps = (1,) if last - first > 3 else (1, 2, 5)
    return [m * 10.0 ** e for e in range(first, last + 1) for m in steps if lo / 1.5 <= m * 10.0 ** e <= hi * 1.5]


def r1_figure(lr: float) -> None:
    """R1 either side of gamma = h f'(0)^2 for both losses, and one step's factor against the average per turn."""
    st.markdown(t("theorylab.r1.rule", h=lr, wgan=theory.r1_threshold(lr, "wgan"), gan=theory.r1_threshold(lr, "gan")))
    cases = theory.r1_damping_cases(lr, steps=R1_STEPS)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=(wrap_title(t("theorylab.r1.title"), 44),
                                        wrap_title(t("theorylab.r1.factor_title"), 44)))
    for case, curve in zip(theory.R1_CASES, cases.values()):
        name = R1_NAMES[case]
        fig.add_trace(go.Scatter(x=np.arange(len(curve)), y=curve, mode="lines", name=t(f"theorylab.r1.cases.{name}"),
                                 line=dict(color=R1_COLOURS[name])), 1, 1)
    gamma = 2.0 * theory.r1_threshold(lr, "wgan")
    path = theory.dirac_gan_trajectory(1.0, 0.0, lr=lr, steps=120, kind="wgan", mode="simultaneous", gamma=gamma)
    factors = theory.step_factors(path)
    avg = theory.r1_step_factor(lr, gamma)
    lo, hi = theory.step_factor_range(lr, gamma)
    fig.add_trace(go.Scatter(x=np.arange(1, len(factors) + 1), y=factors, mode="lines+markers", marker=dict(size=3),
                             name=t("theorylab.r1.factor_step"), line=dict(color=BLUE)), 1, 2)
    fig.add_trace(go.Scatter(x=[1, len(factors)], y=[avg, avg], mode="lines", name=t("theorylab.r1.factor_avg"),
                             line=dict(color="black", dash="dash")), 1, 2)
    fig.update_xaxes(title_text=t("fails.fig_a.step"))
    # plotly labels a log axis spanning one or two decades with bare digits (1, 9, 8, ..., 2) that run
    # into each other: name 1-2-5 values instead
    fig.update_yaxes(title_text=t("fails.fig_a.distance"), type="log", row=1, col=1,
                     tickvals=log_ticks(min(float(np.min(c)) for c in cases.values()),
                                        max(float(np.max(c)) for c in cases.values())))
    fig.update_yaxes(title_text=t("theorylab.r1.factor_axis"), row=1, col=2)
    fig.update_annotations(font_size=14)
    fig.update_layout(height=400, margin=dict(l=10, r=10, t=60, b=10), legend=dict(orientation="h", y=-0.25))
    st.plotly_chart(fig, key="dirac_r1_chart")
    st.markdown(t("theorylab.r1.factor", avg=avg, lo=lo, hi=hi))


def _verdict(modulus: float) -> str:
    if modulus < 1 - 1e-9:
        return t("theorylab.eig.verdict.in")
    if modulus > 1 + 1e-9:
        return t("theorylab.eig.verdict.out")
    return t("theorylab.eig.verdict.on")


EIG_SERIES = (("simultaneous", "wgan", RED, "circle"), ("simultaneous", "gan", ORANGE, "diamond"),
              ("alternating", "wgan", BLUE, "square"), ("alternating", "gan", GREEN, "x"))


def eigenvalue_lab() -> None:
    """The update operator's eigenvalues for both update orders and both losses, against the unit circle."""
    st.subheader(t("theorylab.eig.h"))
    st.markdown(t("theorylab.eig.intro"))
    c1, c2, c3 = st.columns(3)
    lr = c1.slider(t("fails.fig_a.lr"), 0.01, 1.0, 0.2, 0.01, key="eig_lr")
    regs = [r for r in theory.DIRAC_REGULARISERS if r != "gp"]
    reg = c2.selectbox(t("theorylab.dirac.reg"), regs, key="eig_reg", format_func=i18n.labels("theorylab.regs"))
    gamma = c3.slider(t("theorylab.dirac.strength"), 0.0, 2.0, 0.5, 0.05, key="eig_gamma")
    angle = np.linspace(0, 2 * np.pi, 241)
    fig = go.Figure(go.Scatter(x=np.cos(angle), y=np.sin(angle), mode="lines", name=t("theorylab.eig.unit"),
                               line=dict(color="black", width=1)))
    rows = []
    sweep = np.linspace(0.0, 2.0, 81)
    for mode, kind, colour, symbol in EIG_SERIES:
        name = f"{t(f'fails.fig_a.modes.{mode}')} · {t(f'theorylab.eig.losses.{kind}')}"
        locus = np.array([theory.operator_eigenvalues(lr, kind, mode, g, reg) for g in sweep])
        for branch in (0, 1):
            fig.add_trace(go.Scatter(x=locus[:, branch].real, y=locus[:, branch].imag, mode="lines", showlegend=False,
                                     legendgroup=name, line=dict(color=colour, width=1, dash="dot"), hoverinfo="skip"))
        lam = theory.operator_eigenvalues(lr, kind, mode, gamma, reg)
        fig.add_trace(go.Scatter(x=lam.real, y=lam.imag, mode="markers", name=name, legendgroup=name,
                                 marker=dict(size=11, color=colour, symbol=symbol)))
        modulus = float(np.abs(lam).max())
        rows.append(f"| {t(f'fails.fig_a.modes.{mode}')} | {t(f'theorylab.eig.losses.{kind}')} | {modulus:.4f} | "
                    f"{_verdict(modulus)} |")
    fig.update_layout(height=460, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.15),
                      xaxis=dict(title=t("theorylab.eig.re"), range=[-0.2, 1.5], zeroline=True),
                      yaxis=dict(title=t("theorylab.eig.im"), range=[-1.1, 1.1], scaleanchor="x", scaleratio=1))
    left, right = st.columns([3, 2])
    left.plotly_chart(fig, key="eig_chart")
    right.caption(t("theorylab.eig.caption"))
    # a cell's own "|" (largest |λ|) would end the cell: escaped, or the table falls apart into text.
    # Full width: four columns need about 420 px, more than the chart's side column leaves
    head = "| " + " | ".join(t(f"theorylab.eig.table.{k}").replace("|", "\\|")
                             for k in ("mode", "loss", "modulus", "verdict")) + " |"
    st.markdown(head + "\n|---|---|---|---|\n" + "\n".join(rows))
    st.markdown(t("theorylab.eig.regs"))


GP_STEPS = 1000


@st.cache_data(show_spinner=False, max_entries=1)
def _gp_runs() -> dict[str, np.ndarray]:
    runs = {"gp_sim": ("simultaneous", "gp"), "gp_alt": ("alternating", "gp"), "r1_alt": ("alternating", "r1")}
    return {name: np.hypot(*theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=GP_STEPS, kind="wgan", mode=mode,
                                                        gamma=1.0, reg=reg).T) for name, (mode, reg) in runs.items()}


def wgan_gp_figure() -> None:
    """WGAN-GP against R1 on the Dirac-GAN: the penalty's pull to |psi| = 1 keeps the iterates circling."""
    st.subheader(t("theorylab.gp.h"))
    st.markdown(t("theorylab.gp.text"))
    runs = _gp_runs()
    fig = go.Figure()
    for (name, curve), colour in zip(runs.items(), (RED, ORANGE, GREEN)):
        fig.add_trace(go.Scatter(x=np.arange(len(curve)), y=curve, mode="lines", name=t(f"theorylab.gp.cases.{name}"),
                                 line=dict(color=colour)))
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=40, b=10), title=dict(text=t("theorylab.gp.title"), x=0),
                      xaxis_title=t("fails.fig_a.step"), yaxis=dict(title=t("fails.fig_a.distance"), type="log"),
                      legend=dict(orientation="h", y=-0.25))
    st.plotly_chart(fig, key="gp_chart")
    st.caption(t("theorylab.gp.after", dist=float(runs["gp_alt"][-300:].mean()), r1=float(runs["r1_alt"][-1])))
