"""Theory 1: what a GAN is — the players, the minimax game, the optimal discriminator, JSD."""

import plotly.graph_objects as go
import streamlit as st

from gan_core import theory
from ui import i18n
from ui.common import page_setup
from ui.i18n import t
from ui.theory.derivations import derivation
from ui.theory.modes import mode_seeking_figure
from ui.theory.quiz import quiz

i18n.init()
page_setup(t("gan.page_title"), "📘")

st.title(t("gan.title"))
st.markdown(t("gan.intro"))

st.header(t("gan.players_h"))
st.markdown(t("gan.players"))
st.info(f"**{t('common.correction')}.** {t('gan.recurrent_fix')}")

st.header(t("gan.value_h"))
st.markdown(t("gan.value"))
st.latex(r"\min_G \max_D \; V(D, G) = \mathbb{E}_{x \sim p_{\text{data}}}\big[\log D(x)\big]"
         r" + \mathbb{E}_{z \sim p_z}\big[\log\big(1 - D(G(z))\big)\big]")
st.markdown(t("gan.value_after"))

st.header(t("gan.optd_h"))
st.markdown(t("gan.optd"))
st.latex(r"D^*_G(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}")
st.markdown(t("gan.optd_after"))
derivation("optd")

c1, c2 = st.columns(2)
g_mean = c1.slider(t("gan.fig.mean"), -4.0, 4.0, 2.5, 0.1, key="gan_mean")
g_std = c2.slider(t("gan.fig.std"), 0.2, 3.0, 0.6, 0.05, key="gan_std")
res = theory.optimal_d_1d(g_mean, g_std)

fig = go.Figure()
fig.add_trace(go.Scatter(x=res.x, y=res.p_data, name=t("gan.fig.p_data"), fill="tozeroy",
                         line=dict(color="#1b7f3b")))
fig.add_trace(go.Scatter(x=res.x, y=res.p_g, name=t("gan.fig.p_g"), fill="tozeroy", line=dict(color="#6a3df0")))
fig.add_trace(go.Scatter(x=res.x, y=res.d_star, name=t("gan.fig.d_star"), yaxis="y2",
                         line=dict(color="#d62728", width=3)))
fig.add_hline(y=0.5, line_dash="dash", line_color="#d62728", opacity=0.4, yref="y2")
fig.update_layout(
    height=380, margin=dict(l=10, r=10, t=10, b=10), xaxis=dict(title=t("gan.fig.x"), range=[-6, 6]),
    yaxis=dict(title=t("gan.fig.density")), legend=dict(orientation="h", y=1.08),
    yaxis2=dict(title=t("gan.fig.d_star"), range=[0, 1.05], overlaying="y", side="right", showgrid=False,
                tickvals=[0, 0.25, 0.5, 0.75, 1]),
)
st.plotly_chart(fig, key="gan_optd_chart")
m1, m2, m3 = st.columns(3)
m1.metric(t("gan.fig.jsd"), f"{res.jsd:.3f} {t('common.nats')}")
m2.metric(t("gan.fig.value"), f"{res.value:.3f}")
m3.metric(t("gan.fig.w1"), f"{res.w1:.2f}")
direct = theory.gan_value(res.d_star, res.p_data, res.p_g, res.x)
st.caption(t("gan.fig.caption") + " " + t("gan.fig.identity", direct=direct, formula=res.value))

st.header(t("gan.jsd_h"))
st.markdown(t("gan.jsd"))
st.latex(r"V(G, D^*_G) = -\log 4 + \mathrm{KL}\!\left(p_{\text{data}} \,\middle\|\, \tfrac{p_{\text{data}} + p_g}{2}\right)"
         r" + \mathrm{KL}\!\left(p_g \,\middle\|\, \tfrac{p_{\text{data}} + p_g}{2}\right)"
         r" = -\log 4 + 2\,\mathrm{JSD}(p_{\text{data}} \,\|\, p_g)")
st.markdown(t("gan.jsd_after"))
derivation("jsd")

st.header(t("gan.gloss_h"))
st.markdown(t("gan.gloss"))
st.latex(r"\text{saturating: } \min_G \ \mathbb{E}_z \log\big(1 - D(G(z))\big)"
         r"\qquad \text{non-saturating: } \min_G \ -\mathbb{E}_z \log D(G(z))")
st.markdown(t("gan.gloss_after"))
i18n.page_link("pages/5_Why_training_fails.py", t("fails.title"), icon="⚠️")

st.header(t("gan.fdiv_h"))
st.markdown(t("gan.fdiv"))
st.latex(r"D_f(P \,\|\, Q) = \int q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) dx \;\ge\; "
         r"\sup_T \ \mathbb{E}_{x \sim P}\big[T(x)\big] - \mathbb{E}_{x \sim Q}\big[f^*(T(x))\big]")
st.markdown(t("gan.ns"))
st.latex(r"\mathrm{KL}(p_g \,\|\, p_{\text{data}}) - 2\,\mathrm{JSD}(p_{\text{data}} \,\|\, p_g)")
st.markdown(t("gan.ns_after"))
derivation("ns")
mode_seeking_figure()

st.header(t("gan.algo_h"))
st.markdown(t("gan.algo"))
st.latex(r"\theta_D \leftarrow \theta_D + \eta_D \nabla_{\theta_D} \tfrac1m \sum_{i=1}^m "
         r"\Big[\log D(x_i) + \log\big(1 - D(G(z_i))\big)\Big] \quad (k \text{ times})")
st.latex(r"\theta_G \leftarrow \theta_G - \eta_G \nabla_{\theta_G} \tfrac1m \sum_{i=1}^m -\log D(G(z_i))")

st.header(t("gan.dcgan_h"))
st.markdown(t("gan.dcgan"))
i18n.page_link("pages/8_The_course_DCGAN.py", t("course.page_title"), icon="🧱")

st.divider()
quiz("gan")
i18n.references("gan")
