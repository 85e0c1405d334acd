"""Theory 3: Wasserstein GAN — the EM distance, parallel lines, the critic, clipping vs gradient penalty."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from gan_core import theory
from ui import i18n
from ui.common import page_setup
from ui.i18n import t
from ui.theory.derivations import derivation
from ui.theory.quiz import quiz
from ui.theory.toylab import toy_lab

i18n.init()
page_setup(t("wgan.page_title"), "🚚")

st.title(t("wgan.title"))
st.markdown(t("wgan.intro"))

st.header(t("wgan.em_h"))
st.markdown(t("wgan.em"))
st.latex(r"W(P_r, P_g) = \inf_{\gamma \in \Pi(P_r, P_g)} \; \mathbb{E}_{(x, y) \sim \gamma}\big[\,\|x - y\|\,\big]")
st.markdown(t("wgan.em_after"))

# ---------------------------------------------------------------- parallel lines

st.header(t("wgan.lines_h"))
st.markdown(t("wgan.lines"))
theta = st.slider(t("wgan.fig.theta"), -2.0, 2.0, 1.0, 0.05, key="wgan_theta")
now = theory.parallel_lines(theta)
thetas = np.linspace(-2.0, 2.0, 401)
curve = theory.parallel_lines(thetas)

fig = make_subplots(rows=1, cols=2, column_widths=[0.62, 0.38], horizontal_spacing=0.1,
                    subplot_titles=("", t("wgan.fig.sketch_title")))
fig.add_trace(go.Scatter(x=thetas, y=curve.w1, name=t("wgan.fig.w"), line=dict(color="#6a3df0", width=3)), 1, 1)
# JS jumps at theta = 0: draw it as two flat pieces plus the single point, not as a steep line.
for side in (thetas < 0, thetas > 0):
    fig.add_trace(go.Scatter(x=thetas[side], y=curve.jsd[side], name=t("wgan.fig.js"), legendgroup="js",
                             showlegend=bool(side[0]), line=dict(color="#d62728", width=3)), 1, 1)
fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", legendgroup="js", showlegend=False,
                         marker=dict(color="#d62728", size=9)), 1, 1)
fig.add_trace(go.Scatter(x=[theta, theta], y=[float(now.w1), float(now.jsd)], mode="markers",
                         marker=dict(color="black", size=10, symbol="diamond"), showlegend=False), 1, 1)
fig.add_vline(x=theta, line_dash="dot", line_color="black", row=1, col=1)
fig.add_trace(go.Scatter(x=[0, 0], y=[0, 1], mode="lines", name=t("wgan.fig.p0"),
                         line=dict(color="#1b7f3b", width=6)), 1, 2)
fig.add_trace(go.Scatter(x=[theta, theta], y=[0, 1], mode="lines", name=t("wgan.fig.ptheta"),
                         line=dict(color="#6a3df0", width=6)), 1, 2)
fig.update_xaxes(title_text=t("wgan.fig.theta"), row=1, col=1)
fig.update_yaxes(title_text=t("wgan.fig.distance"), range=[-0.05, 2.1], row=1, col=1)
fig.update_xaxes(range=[-2.2, 2.2], zeroline=False, row=1, col=2)
fig.update_yaxes(range=[-0.2, 1.2], zeroline=False, row=1, col=2)
fig.update_layout(height=380, margin=dict(l=10, r=10, t=30, b=10), legend=dict(orientation="h", y=-0.2))
st.plotly_chart(fig, key="wgan_lines_chart")
st.markdown(t("wgan.fig.readout", theta=theta, w=float(now.w1), js=float(now.jsd),
              w_hat=theory.parallel_lines_w1_estimate(theta)))
st.markdown(t("wgan.lines_after"))

# ---------------------------------------------------------------- the critic

st.header(t("wgan.kr_h"))
st.markdown(t("wgan.kr"))
st.latex(r"W(P_r, P_g) = \sup_{\|f\|_L \le 1} \; \mathbb{E}_{x \sim P_r}[f(x)] - \mathbb{E}_{x \sim P_g}[f(x)]")
st.latex(r"\max_{f \ \text{1-Lipschitz}} \ \mathbb{E}_{x}[f(x)] - \mathbb{E}_{z}[f(G(z))] \qquad "
         r"\min_G \ -\mathbb{E}_{z}[f(G(z))]")
st.markdown(t("wgan.kr_after"))
derivation("kr")

st.header(t("wgan.lip_h"))
st.markdown(t("wgan.lip"))
st.latex(r"L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)] + \lambda\, \mathbb{E}_{\hat x}"
         r"\big[(\|\nabla_{\hat x} f(\hat x)\|_2 - 1)^2\big], \quad \hat x = \epsilon x + (1 - \epsilon) G(z),"
         r"\ \epsilon \sim U[0, 1]")
st.markdown(t("wgan.lip_after"))

st.header(t("wgan.track_h"))
st.markdown(t("wgan.track"))

st.header(t("wgan.fix_h"))
st.info(f"**{t('common.correction')}.** {t('wgan.fix1')}")
st.info(f"**{t('common.correction')}.** {t('wgan.fix2')}")
st.info(f"**{t('common.correction')}.** {t('wgan.fix3')}")

st.header(t("wgan.lab_h"))
st.markdown(t("wgan.lab"))
toy_lab("wgan", default_preset="healthy")

st.header(t("wgan.knobs_h"))
st.markdown(t("wgan.knobs"))
st.latex(r"\text{hinge: } L_D = \mathbb{E}_x\big[\max(0, 1 - D(x))\big] + \mathbb{E}_z\big[\max(0, 1 + D(G(z)))\big]"
         r"\qquad \text{R1: } \frac{\gamma}{2}\, \mathbb{E}_{x \sim p_{\text{data}}}\big[\|\nabla_x D(x)\|^2\big]")

st.divider()
quiz("wgan")
i18n.references("wgan")
