"""Theory 2: why GAN training fails — non-convergence (Dirac-GAN), vanishing gradients, mode collapse."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core import theory
from ui import i18n
from ui.common import page_setup
from ui.i18n import t
from ui.theory import dynamics
from ui.theory.quiz import quiz
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

lr = dynamics.dirac_explorer()
dynamics.r1_figure(lr)
dynamics.eigenvalue_lab()
dynamics.wgan_gp_figure()

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
quiz("fails")
i18n.references("fails")
