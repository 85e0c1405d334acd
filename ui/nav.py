"""The app's pages, in one place: the navigation (app.py) and the home page's cards read this list.

Titles and blurbs live in content/<lang>.json under nav.<key> and home.blurbs.<key>,
so the sidebar follows the language switch. url_path keeps the addresses the
app had before st.navigation (/Playground, /WGAN ...), so old links still work.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    key: str          # nav.<key> is the title, home.blurbs.<key> the one-line summary
    path: str         # relative to the repository root (app.py's folder)
    url_path: str     # "" for the home page
    icon: str


HOME = PageInfo("home", "pages/0_Home.py", "", "🏠")
PAGES = (
    PageInfo("playground", "pages/1_Playground.py", "Playground", "🎚️"),
    PageInfo("train", "pages/2_Train.py", "Train", "🏋️"),
    PageInfo("experiments", "pages/3_Experiments.py", "Experiments", "🧪"),
    PageInfo("gan", "pages/4_What_is_a_GAN.py", "What_is_a_GAN", "📘"),
    PageInfo("fails", "pages/5_Why_training_fails.py", "Why_training_fails", "⚠️"),
    PageInfo("wgan", "pages/6_WGAN.py", "WGAN", "🚚"),
    PageInfo("pggan", "pages/7_PGGAN.py", "PGGAN", "🪜"),
    PageInfo("course", "pages/8_The_course_DCGAN.py", "The_course_DCGAN", "🧱"),
)
ALL = (HOME, *PAGES)


def streamlit_pages() -> list:
    """The st.Page of every page, titled in the current language: app.py's navigation (and
    ui.common.route_through_app's, on a fresh server's first deep link)."""
    import streamlit as st

    from ui import i18n

    return [st.Page(p.path, title=i18n.t(f"nav.{p.key}"), icon=p.icon, url_path=p.url_path or None,
                    default=p is HOME) for p in ALL]
