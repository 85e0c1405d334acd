"""GAN Playground: the entry point. `streamlit run app.py`.

A router: it settles the language (from ?lang= or the session), names every
page in that language and runs the chosen one. Each page then calls
ui.common.page_setup, which draws the language switch.
"""

import streamlit as st

from ui import i18n
from ui.nav import ALL, HOME

i18n.init()
pages = [st.Page(p.path, title=i18n.t(f"nav.{p.key}"), icon=p.icon, url_path=p.url_path or None,
                 default=p is HOME) for p in ALL]
current = st.navigation(pages)
i18n.sync_url()
current.run()
