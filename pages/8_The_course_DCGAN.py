"""Theory 5: the course's DCGAN layer by layer, the LSGAN labels, spectral norm, d_train_iters."""

import streamlit as st

from gan_core import theory
from ui import handoff, i18n
from ui.common import page_setup
from ui.i18n import t
from ui.theory import course, metrics
from ui.theory.derivations import derivation
from ui.theory.quiz import quiz

i18n.init()
page_setup(t("course.page_title"), "🧱")

st.title(t("course.title"))
st.markdown(t("course.intro"))


st.header(t("course.arch_h"))
st.markdown(t("course.arch"))
net = st.radio(t("course.net"), ["G", "D"], format_func=i18n.labels("course.nets"), horizontal=True,
               key="course_net")
rows = course.layer_rows(net)
first = (100,) if net == "G" else (3, 32, 32)
st.plotly_chart(course.diagram(rows, first), key="course_diagram")
st.dataframe(course.layer_frame(rows), hide_index=True, key="course_table")
st.caption(t("course.total_params", n=sum(r.params for r in rows)))

# ---------------------------------------------------------------- LSGAN and its labels

st.header(t("course.loss_h"))
st.markdown(t("course.loss"))
st.latex(r"\min_D \ \tfrac12\, \mathbb{E}_{x}\big[(D(x) - b)^2\big] + \tfrac12\, \mathbb{E}_{z}\big[(D(G(z)) - a)^2\big]"
         r"\qquad \min_G \ \tfrac12\, \mathbb{E}_{z}\big[(D(G(z)) - c)^2\big]")
st.markdown(t("course.loss_after"))
st.info(f"**{t('common.correction')}.** {t('course.labels_fix')}")
st.markdown(course.labels_table())

# ---------------------------------------------------------------- spectral norm

st.header(t("course.sn_h"))
st.markdown(t("course.sn"))
st.latex(r"W_{\text{SN}} = \frac{W}{\sigma(W)}, \qquad \sigma(W) = \max_{\|h\| \le 1} \|W h\|_2, \qquad "
         r"v \leftarrow \frac{W^\top u}{\|W^\top u\|},\ u \leftarrow \frac{W v}{\|W v\|},\ \sigma(W) \approx u^\top W v")
st.markdown(t("course.sn_after"))

st.plotly_chart(course.power_iteration_figure(), key="course_power_chart")
derivation("power")

st.subheader(t("course.sv_title"))
st.markdown(t("course.sv"))


if st.button(t("course.sv_button"), key="course_sv_button"):
    with st.spinner(t("course.sv_running")):
        st.session_state["course_sv"] = {"on": course.singular_values(True), "off": course.singular_values(False)}
if "course_sv" in st.session_state:
    st.plotly_chart(course.singular_values_figure(st.session_state["course_sv"]), key="course_sv_chart")
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
metrics.metrics_lab()

st.header(t("course.open_h"))
st.markdown(t("course.open"))
c1, c2 = st.columns(2)
choice = None
with c1:
    if st.button(t("course.open_course"), key="open_course", type="primary"):
        choice = theory.course_train_config()
    st.caption(course.preset_blurb("course.open_course_blurb", theory.course_train_config()))
with c2:
    if st.button(t("course.open_stable"), key="open_stable"):
        choice = theory.stable_train_config()
    st.caption(course.preset_blurb("course.open_stable_blurb", theory.stable_train_config()))
if choice is not None:
    handoff.offer_train_config(choice, "course")
    try:
        st.switch_page("pages/2_Train.py")
    except st.errors.StreamlitAPIException:
        pass  # the Train page is not part of this app run; the prefill waits in the session
i18n.page_link("pages/3_Experiments.py", t("course.experiments_link"), icon="🧪")

st.divider()
quiz("course")
i18n.references("course")
