"""Theory 5: the course's DCGAN layer by layer, the LSGAN labels, spectral norm, d_train_iters."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from gan_core import theory
from gan_core.models import DCDiscriminator, DCGenerator
from ui import handoff, i18n
from ui.common import page_setup
from ui.i18n import t

i18n.init()
page_setup(t("course.page_title"), "🧱")

st.title(t("course.title"))
st.markdown(t("course.intro"))


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


st.header(t("course.arch_h"))
st.markdown(t("course.arch"))
net = st.radio(t("course.net"), ["G", "D"], format_func=i18n.labels("course.nets"), horizontal=True,
               key="course_net")
rows = layer_rows(net)
first = (100,) if net == "G" else (3, 32, 32)
st.plotly_chart(diagram(rows, first), key="course_diagram")
table = pd.DataFrame({
    t("course.col_layer"): [r.name for r in rows],
    t("course.col_type"): [r.kind for r in rows],
    t("course.col_in"): [shape_text(r.in_shape) for r in rows],
    t("course.col_out"): [shape_text(r.out_shape) for r in rows],
    t("course.col_params"): [r.params for r in rows],
})
st.dataframe(table, hide_index=True, key="course_table")
st.caption(t("course.total_params", n=sum(r.params for r in rows)))

# ---------------------------------------------------------------- LSGAN and its labels

st.header(t("course.loss_h"))
st.markdown(t("course.loss"))
st.latex(r"\min_D \ \tfrac12\, \mathbb{E}_{x}\big[(D(x) - b)^2\big] + \tfrac12\, \mathbb{E}_{z}\big[(D(G(z)) - a)^2\big]"
         r"\qquad \min_G \ \tfrac12\, \mathbb{E}_{z}\big[(D(G(z)) - c)^2\big]")
st.markdown(t("course.loss_after"))
st.info(f"**{t('common.correction')}.** {t('course.labels_fix')}")
rng = np.random.default_rng(0)
d_real, d_fake = rng.uniform(-0.2, 1.2, 16), rng.uniform(-0.2, 1.2, 16)
course_row = (theory.lsgan_d_loss(d_real, d_fake, a=1.0, b=0.0), theory.lsgan_g_loss(d_fake, c=0.0))
standard_row = (theory.lsgan_d_loss(1 - d_real, 1 - d_fake, a=0.0, b=1.0), theory.lsgan_g_loss(1 - d_fake, c=1.0))
lt = "course.labels_table"
st.markdown(f"| {t(lt + '.coding')} | {t(lt + '.d_loss')} | {t(lt + '.g_loss')} |\n|---|---|---|\n"
            f"| {t(lt + '.course')} | {course_row[0]:.6f} | {course_row[1]:.6f} |\n"
            f"| {t(lt + '.standard')} | {standard_row[0]:.6f} | {standard_row[1]:.6f} |")

# ---------------------------------------------------------------- spectral norm

st.header(t("course.sn_h"))
st.markdown(t("course.sn"))
st.latex(r"W_{\text{SN}} = \frac{W}{\sigma(W)}, \qquad \sigma(W) = \max_{\|h\| \le 1} \|W h\|_2, \qquad "
         r"v \leftarrow \frac{W^\top u}{\|W^\top u\|},\ u \leftarrow \frac{W v}{\|W v\|},\ \sigma(W) \approx u^\top W v")
st.markdown(t("course.sn_after"))

torch.manual_seed(0)
kernel = DCDiscriminator().conv2[0].weight.detach().numpy()
estimates = theory.power_iteration(kernel, n_iter=12)
exact = theory.top_singular_value(torch.from_numpy(kernel))
pfig = go.Figure()
pfig.add_trace(go.Scatter(x=np.arange(1, len(estimates) + 1), y=estimates, mode="lines+markers",
                          name=t("course.power_est")))
pfig.add_hline(y=exact, line_dash="dash", annotation_text=t("course.power_true"))
pfig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("course.power_title"), x=0),
                   xaxis_title=t("course.power_iters"), yaxis_title="σ", showlegend=False)
st.plotly_chart(pfig, key="course_power_chart")

st.subheader(t("course.sv_title"))
st.markdown(t("course.sv"))


@st.cache_data(show_spinner=False, max_entries=4)
def singular_values(spectral_norm: bool) -> list[float]:
    return theory.spectral_norms_after_training(spectral_norm, iterations=30, batch_size=16, seed=0)


if st.button(t("course.sv_button"), key="course_sv_button"):
    with st.spinner(t("course.sv_running")):
        st.session_state["course_sv"] = {"on": singular_values(True), "off": singular_values(False)}
if "course_sv" in st.session_state:
    sv = st.session_state["course_sv"]
    layers = [f"conv{i + 1}" for i in range(len(sv["on"]))]
    sfig = go.Figure()
    sfig.add_trace(go.Bar(x=layers, y=sv["off"], name=t("course.sv_off"), marker_color="#d62728",
                          text=[f"{v:.2f}" for v in sv["off"]], textposition="outside"))
    sfig.add_trace(go.Bar(x=layers, y=sv["on"], name=t("course.sv_on"), marker_color="#1b7f3b",
                          text=[f"{v:.2f}" for v in sv["on"]], textposition="outside"))
    sfig.update_layout(height=320, margin=dict(l=10, r=10, t=10, b=10), barmode="group",
                       xaxis_title=t("course.sv_layer"), yaxis_title=t("course.sv_value"),
                       legend=dict(orientation="h", y=1.1))
    st.plotly_chart(sfig, key="course_sv_chart")
    st.markdown(t("course.sv_after"))
st.info(f"**{t('common.correction')}.** {t('course.sn_fix')}")

# ---------------------------------------------------------------- d_train_iters and the Train page

st.header(t("course.diters_h"))
st.markdown(t("course.diters"))
st.info(f"**{t('common.correction')}.** {t('course.lr_fix')}")

st.header(t("course.eval_h"))
st.markdown(t("course.eval"))
st.latex(r"\mathrm{FID} = \|\mu_r - \mu_g\|^2 + \operatorname{Tr}\big(\Sigma_r + \Sigma_g - 2(\Sigma_r \Sigma_g)^{1/2}\big)"
         r"\qquad \mathrm{SWD}(A, B) = \mathbb{E}_{\omega \sim U(S^{d-1})}\, W_1\big(\omega^{\top}\! A,\ \omega^{\top}\! B\big)")
st.warning(t("course.eval_blind"))

st.header(t("course.open_h"))
st.markdown(t("course.open"))
c1, c2 = st.columns(2)
choice = None
with c1:
    if st.button(t("course.open_course"), key="open_course", type="primary"):
        choice = theory.course_train_config()
    st.caption(t("course.open_course_blurb"))
with c2:
    if st.button(t("course.open_stable"), key="open_stable"):
        choice = theory.stable_train_config()
    st.caption(t("course.open_stable_blurb"))
if choice is not None:
    handoff.offer_train_config(choice, "course")
    try:
        st.switch_page("pages/2_Train.py")
    except st.errors.StreamlitAPIException:
        pass  # the Train page is not part of this app run; the prefill waits in the session
i18n.page_link("pages/3_Experiments.py", t("course.experiments_link"), icon="🧪")

st.divider()
i18n.quiz("course")
i18n.references("course")
