"""GAN Playground: the home page (app.py routes to it by default)."""

import streamlit as st

from ui import i18n
from ui.common import page_setup
from ui.i18n import t
from ui.nav import PAGES

page_setup(t("home.page_title"), "🎛️")

st.title(t("home.title"))
st.markdown(t("home.intro"))

cols = st.columns(2)
for i, p in enumerate(PAGES):
    with cols[i % 2].container(border=True):
        i18n.page_link(p.path, label=t(f"nav.{p.key}"), icon=p.icon)
        st.caption(t(f"home.blurbs.{p.key}"))

st.subheader(t("home.start_h"))
st.markdown(t("home.start"))

with st.expander(t("home.credits_h")):
    st.markdown(t("home.credits"))
