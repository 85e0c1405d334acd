"""Theory 4: progressive growing (PGGAN) — growth, fade-in, the lod viewer, the paper's other tricks."""

import math

import numpy as np
import plotly.graph_objects as go
import streamlit as st
import torch

from gan_core import theory
from gan_core.viz import upscale
from ui import i18n, plain
from ui.common import load_model, page_setup
from ui.i18n import t
from ui.theory.quiz import quiz

REAL_MODEL = "pggan-celebahq-1024"

i18n.init()
page_setup(t("pggan.page_title"), "🪜")

st.title(t("pggan.title"))
st.markdown(t("pggan.intro"))

# ---------------------------------------------------------------- growth and schedule

st.header(t("pggan.grow_h"))
st.markdown(t("pggan.grow"))

phases = theory.progressive_schedule(1024)
fig = go.Figure()
colours = {"stabilise": "#1f77b4", "fade-in": "#ff7f0e"}
prev = phases[0][1]
for i, (phase, res) in enumerate(phases):
    y0 = prev if phase == "fade-in" else res   # a fade-in ramps from the old resolution to the new one
    fig.add_trace(go.Scatter(x=[i, i + 1], y=[math.log2(y0), math.log2(res)], mode="lines",
                             line=dict(color=colours[phase], width=6), name=t(f"pggan.schema_phase.{phase}"),
                             legendgroup=phase, showlegend=i < 2, hoverinfo="skip"))
    if phase == "stabilise":
        fig.add_annotation(x=i + 0.5, y=math.log2(res), text=f"{res}²", showarrow=False, yshift=14)
    prev = res
fig.update_layout(
    height=300, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=t("pggan.schema_title"), x=0),
    xaxis=dict(title=t("pggan.schema_time"), showticklabels=False),
    yaxis=dict(title=t("pggan.schema_res"), tickvals=list(range(2, 11)), ticktext=[str(2**k) for k in range(2, 11)],
               range=[1.5, 11]),
    legend=dict(orientation="h", y=-0.2),
)
st.plotly_chart(fig, key="pggan_schedule_chart")

st.header(t("pggan.fade_h"))
st.markdown(t("pggan.fade"))
st.latex(r"x_{\text{out}} = \alpha \cdot \text{toRGB}_{\text{new}}(h_{2N}) + (1 - \alpha) \cdot "
         r"\text{upsample}_{\times 2}\big(\text{toRGB}_{\text{old}}(h_N)\big), \qquad \alpha: 0 \to 1")
st.markdown(t("pggan.fade_after"))

# ---------------------------------------------------------------- tiny lod viewer


@st.cache_resource(max_entries=2, show_spinner=False)
def tiny_generator():
    return theory.tiny_pggan(seed=0)


st.subheader(t("pggan.tiny_h"))
st.markdown(t("pggan.tiny"))
tiny = tiny_generator()
c1, c2 = st.columns([3, 1])
lod = c1.slider(t("pggan.tiny_lod"), 0.0, float(tiny.max_lod), 1.5, 0.05, key="tiny_lod")
seed = c2.number_input(t("pggan.tiny_seed"), 0, 9999, 0, key="tiny_seed")
z = torch.randn(1, tiny.z_dim, generator=torch.Generator().manual_seed(int(seed)))
view = theory.lod_view(tiny, z, lod)
res = view.resolution
if view.coarse_up is not None:
    blend = t("pggan.tiny_blend", alpha=view.alpha, fine=res, rest=1 - view.alpha, coarse=res // 2)
else:
    blend = t("pggan.tiny_noblend")
cols = st.columns(3)
cols[0].image(upscale(view.image, 224), caption=t("pggan.tiny_caption", lod=lod, res=res, blend=blend),
              output_format="PNG", width=224)
if view.coarse_up is not None:
    cols[1].image(upscale(view.fine, 224), caption=f"α = {view.alpha:.2f} · {res}×{res}", output_format="PNG",
                  width=224)
    cols[2].image(upscale(view.coarse_up, 224), caption=f"{1 - view.alpha:.2f} · {res // 2}×{res // 2} ↑2",
                  output_format="PNG", width=224)

# ---------------------------------------------------------------- the real model

st.subheader(t("pggan.real_h"))
st.markdown(t("pggan.real"))


@st.cache_data(max_entries=24, show_spinner=False)
def real_image(seed: int, lod: float) -> np.ndarray:
    generator, _ = load_model(REAL_MODEL)
    z = torch.randn(1, generator.z_dim, generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        return theory.lod_view(generator, z, lod).image


if st.button(t("pggan.real_button"), key="pggan_load"):
    with st.spinner(t("pggan.real_loading")):
        try:
            load_model(REAL_MODEL)
            st.session_state["pggan_real_ready"] = True
            st.session_state.pop("pggan_real_error", None)
        except Exception as exc:  # offline, a broken download, a changed file: explain, never a traceback
            st.session_state["pggan_real_error"] = str(exc) or type(exc).__name__

if st.session_state.get("pggan_real_error"):
    st.warning(plain.said("pggan.real_failed", error=plain.engine(st.session_state["pggan_real_error"])))
if st.session_state.get("pggan_real_ready"):
    c1, c2 = st.columns([3, 1])
    real_lod = c1.slider(t("pggan.real_lod"), 0.0, 8.0, 4.0, 0.25, key="real_lod")
    real_seed = int(c2.number_input(t("pggan.real_seed"), 0, 9999, 0, key="real_seed"))
    image = real_image(real_seed, real_lod)
    shown = image if image.shape[0] >= 256 else upscale(image, 256)
    st.image(shown, caption=t("pggan.real_caption", lod=real_lod, res=image.shape[0]), output_format="PNG")
st.markdown(t("pggan.stale"))

# ---------------------------------------------------------------- the other tricks

st.header(t("pggan.tricks_h"))
st.markdown(t("pggan.mbstd"))
st.latex(r"s = \frac{1}{CHW} \sum_{c, h, w} \sqrt{\frac1N \sum_{i=1}^{N} \big(a_{i,c,h,w} - \bar a_{c,h,w}\big)^2 + \epsilon}")
with torch.no_grad():
    zs = torch.randn(8, tiny.z_dim, generator=torch.Generator().manual_seed(1))
    varied = theory.minibatch_stddev(tiny.native_image(zs, 0.0))
    same = theory.minibatch_stddev(tiny.native_image(zs[:1].repeat(8, 1), 0.0))
st.caption(t("pggan.mbstd_demo", varied=varied, same=same))
st.markdown(t("pggan.eqlr"))
st.latex(r"\hat w_i = w_i \cdot \sqrt{2 / \text{fan-in}}, \qquad w_i \sim \mathcal N(0, 1)")
st.markdown(t("pggan.pixnorm"))
st.latex(r"b_{x,y} = \frac{a_{x,y}}{\sqrt{\frac1C \sum_{j=0}^{C-1} \big(a^j_{x,y}\big)^2 + \epsilon}}, \qquad \epsilon = 10^{-8}")
st.markdown(t("pggan.swd"))

st.header(t("pggan.fixes_h"))
st.markdown(t("pggan.fixes"))
st.info(f"**{t('common.correction')}.** {t('pggan.strong_fix')}")

st.header(t("pggan.next_h"))
st.markdown(t("pggan.next"))
st.latex(r"\text{projection discriminator: } D(x, y) = \psi\big(\phi(x)\big) + e(y)^{\top} \phi(x)")

st.divider()
quiz("pggan")
i18n.references("pggan")
