"""GAN Playground: the entry point. `streamlit run app.py`.

A router: it settles the language (from ?lang= or the session), names every
page in that language and runs the chosen one. Each page then calls
ui.common.page_setup, which draws the language switch.
"""

# numpy, pandas and PIL.Image are imported here, before any page runs, on purpose. Plotly looks for
# them with a bare sys.modules lookup; while one session's thread is still importing one
# (Streamlit imports pandas lazily, e.g. for st.dataframe), another session's figure finds
# it half-built and fails with "partially initialized module 'pandas' has no attribute
# 'Series'". A real import waits for the module to finish, so each session gets a whole one.
import numpy  # noqa: F401
import pandas  # noqa: F401
import PIL.Image  # noqa: F401
import streamlit as st

from ui import i18n
from ui.nav import streamlit_pages

i18n.init()
current = st.navigation(streamlit_pages())
i18n.sync_url()
current.run()
