"""Theory 2: why GAN training fails — non-convergence (Dirac-GAN), vanishing gradients, mode collapse."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core import theory
from gan_core.theory import arrow_segments
from ui import i18n
from ui.common import page_setup
from ui.i18n import t
from ui.theory.toylab import toy_lab

i18n.init()
page_setup(t("fails.page_title"), "⚠️")

st.title(t("fails.title"))
st.markdown(t("fails.intro"))

# ---------------------------------------------------------------- (a) Dirac-GAN

st.header(t("fails.a_h"))
st.markdown(t("fails.a"))
st.latex(r"\min_\theta \max_\psi \; L(\theta, \psi) = f(\psi\theta) + f(0), \qquad "
         r"v(\theta, \psi) = \begin{pmatrix} -\psi\, f'(\psi\theta) \\ \ \ \theta\, f'(\psi\theta) \end{pmatrix}")
st.markdown(t("fails.a_after"))

c1, c2, c3 = st.columns(3)
lr = c1.slider(t("fails.fig_a.lr"), 0.01, 0.5, 0.1, 0.01, key="dirac_lr")
steps = c1.slider(t("fails.fig_a.steps"), 10, 400, 150, 10, key="dirac_steps")
mode = c2.radio(t("fails.fig_a.mode"), list(theory.DIRAC_MODES), key="dirac_mode",
                format_func=i18n.labels("fails.fig_a.modes"))
kind = c2.radio(t("fails.fig_a.loss"), list(theory.DIRAC_LOSSES), key="dirac_loss",
                format_func=i18n.labels("fails.fig_a.losses"))
gamma = c3.slider(t("fails.fig_a.gamma"), 0.0, 2.0, 0.0, 0.1, key="dirac_gamma")

path = theory.dirac_gan_trajectory(1.0, 1.0, lr=lr, steps=steps, kind=kind, mode=mode, gamma=gamma)
dist = np.hypot(path[:, 0], path[:, 1])

LIM = 2.5
grid = np.linspace(-LIM, LIM, 15)
gt, gp = np.meshgrid(grid, grid)
dt, dp = theory.dirac_vector_field(gt, gp, kind, gamma)
field = np.stack([dt.ravel(), dp.ravel()], axis=1)
# Same length for every arrow: the field's direction is what matters here.
unit = field / np.maximum(np.linalg.norm(field, axis=1, keepdims=True), 1e-9)
fx, fy = arrow_segments(np.stack([gt.ravel(), gp.ravel()], axis=1), unit, 0.25)

fig = go.Figure()
fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=t("fails.fig_a.field"),
                         line=dict(color="rgba(120,120,120,0.5)", width=1), hoverinfo="skip"))
fig.add_trace(go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines+markers", name=t("fails.fig_a.path"),
                         line=dict(color="#6a3df0", width=2), marker=dict(size=3)))
fig.add_trace(go.Scatter(x=[path[0, 0]], y=[path[0, 1]], mode="markers", name=t("fails.fig_a.start"),
                         marker=dict(size=11, color="#1b7f3b", symbol="circle")))
fig.add_trace(go.Scatter(x=[path[-1, 0]], y=[path[-1, 1]], mode="markers", name=t("fails.fig_a.end"),
                         marker=dict(size=11, color="#d62728", symbol="x")))
fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", name=t("fails.fig_a.equilibrium"),
                         marker=dict(size=12, color="black", symbol="star")))
# Client-side animation: each frame reveals the trajectory up to one more chunk of steps.
n_frames = 40
cuts = np.unique(np.linspace(1, len(path), n_frames).astype(int))
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
dfig = go.Figure(go.Scatter(x=np.arange(len(dist)), y=dist, mode="lines", line=dict(color="#6a3df0")))
dfig.update_layout(height=300, margin=dict(l=10, r=10, t=10, b=10), xaxis_title=t("fails.fig_a.step"),
                   yaxis=dict(title=t("fails.fig_a.distance"), type="log"))
right.plotly_chart(dfig, key="dirac_distance_chart")
right.markdown(t("fails.fig_a.final", start=dist[0], end=dist[-1], steps=steps))
st.caption(t("fails.fig_a.caption"))

# Does R1 help? Both sides of the condition gamma > h for simultaneous steps, against alternating steps and the flow.
cases = theory.r1_damping_cases(lr, steps=steps)
case_names = ("simultaneous_weak", "simultaneous_strong", "alternating_weak", "continuous_weak")
case_colours = ("#d62728", "#1b7f3b", "#1f77b4", "#6a3df0")
rfig = go.Figure()
for name, colour, curve in zip(case_names, case_colours, cases.values()):
    rfig.add_trace(go.Scatter(x=np.arange(len(curve)), y=curve, mode="lines", name=t(f"fails.fig_r1.cases.{name}"),
                              line=dict(color=colour)))
rfig.update_layout(height=340, margin=dict(l=10, r=10, t=40, b=10), title=dict(text=t("fails.fig_r1.title"), x=0),
                   xaxis_title=t("fails.fig_a.step"), yaxis=dict(title=t("fails.fig_a.distance"), type="log"),
                   legend=dict(orientation="h", y=-0.25))
st.plotly_chart(rfig, key="dirac_r1_chart")
st.caption(t("fails.fig_r1.factor", weak=theory.r1_step_factor(lr, lr / 2), strong=theory.r1_step_factor(lr, 2 * lr)))

# ---------------------------------------------------------------- (b) vanishing gradients

st.header(t("fails.b_h"))
st.markdown(t("fails.b"))
st.latex(r"\underbrace{\log(1 - D)}_{\text{minimax}} \qquad \underbrace{-\log D}_{\text{non-saturating}}"
         r"\qquad \underbrace{\tfrac12 (D - 1)^2}_{\text{least squares}} \qquad \underbrace{-D}_{\text{Wasserstein}}")
confidence = st.slider(t("fails.fig_b.confidence"), 0.5, 0.999, 0.95, 0.001, key="vanish_conf", format="%.3f")
d_now = 1.0 - confidence
d = np.linspace(0.001, 0.999, 400)
colours = {"saturating": "#d62728", "non-saturating": "#1f77b4", "least-squares": "#2ca02c", "wasserstein": "#6a3df0"}
vfig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
rows = []
for kind_name in theory.G_LOSSES:
    loss_v, grad_v = theory.generator_loss_curve(kind_name, d)
    name = t(f"fails.fig_b.names.{kind_name}")
    vfig.add_trace(go.Scatter(x=d, y=loss_v, name=name, legendgroup=kind_name, line=dict(color=colours[kind_name])),
                   row=1, col=1)
    vfig.add_trace(go.Scatter(x=d, y=np.abs(grad_v), name=name, legendgroup=kind_name, showlegend=False,
                              line=dict(color=colours[kind_name])), row=1, col=2)
    l_now, g_now = theory.generator_loss_curve(kind_name, np.array([d_now]))
    rows.append(f"| {name} | {l_now[0]:.3f} | {abs(g_now[0]):.3f} |")
for col in (1, 2):
    vfig.add_vline(x=d_now, line_dash="dash", line_color="black", row=1, col=col)
vfig.update_xaxes(title_text=t("fails.fig_b.d"))
vfig.update_yaxes(title_text=t("fails.fig_b.loss"), range=[-3, 5], row=1, col=1)
vfig.update_yaxes(title_text=t("fails.fig_b.grad"), range=[0, 1.1], row=1, col=2)
vfig.update_layout(height=400, margin=dict(l=10, r=10, t=10, b=10), legend=dict(orientation="h", y=-0.2))
st.plotly_chart(vfig, key="vanish_chart")
st.markdown(f"| D(G(z)) = {d_now:.3f} | {t('fails.fig_b.table_loss')} | {t('fails.fig_b.table_grad')} |\n"
            "|---|---|---|\n" + "\n".join(rows))
st.caption(t("fails.fig_b.caption"))
st.markdown(t("fails.b_after"))

# ---------------------------------------------------------------- (c) mode collapse

st.header(t("fails.c_h"))
st.markdown(t("fails.c"))
toy_lab("fails", default_preset="collapse")
st.markdown(t("fails.c_after"))

st.header(t("fails.space_h"))
st.markdown(t("fails.space"))
st.latex(r"x_{k+1} = x_k + h\, v(x_k), \quad J = \frac{\partial v}{\partial x}\Big|_{x^*}: \qquad "
         r"\operatorname{Re} \lambda_i(J) < 0 \ \text{for all } i \ \Rightarrow\ x_k \to x^* \ \text{near } x^* "
         r"\text{ for small } h")
st.markdown(t("fails.space_after"))

st.divider()
i18n.quiz("fails")
i18n.references("fails")
