"""What every page needs: page setup, torch threads, cloud bounds, the model cache.

Pages stay thin: they read widgets, call gan_core, and draw the result. Shared
widgets live here (or in a module of their own in ui/) so no page copies another.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import streamlit as st
import torch

ROOT = Path(__file__).resolve().parent.parent


def configure_torch() -> int:
    """One torch thread by default: the server shares 2 cores between visitors,
    a training worker and Streamlit itself, and 2 OpenMP threads collapse ~30x
    under that kind of contention (each parallel region waits for its slowest thread;
    README "Presets" has the measurement).
    GAN_PLAYGROUND_THREADS overrides it for a dedicated machine."""
    from gan_core.device import torch_threads

    threads = torch_threads()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


def cloud_mode() -> bool:
    """True on Streamlit Community Cloud (or when forced), where training is bounded harder."""
    forced = os.environ.get("GAN_PLAYGROUND_CLOUD")
    if forced is not None:
        return forced not in ("", "0", "false", "False")
    return Path("/mount/src").exists()  # where Community Cloud checks out apps


def page_setup(title: str, icon: str = "🎛️") -> None:
    """Tab title and layout, torch threads, and the language switch (English / فارسی) in the sidebar.

    Pass the title in the current language (i18n.t(...)); the switch sets the
    right-to-left layout for Persian on every page that calls this.
    """
    from ui import i18n

    i18n.init()
    route_through_app()
    st.set_page_config(page_title=f"{title} · GAN Playground", page_icon=icon, layout="wide")
    configure_torch()
    i18n.language_switch()
    from ui.memory import start_trimmer

    start_trimmer()  # freed memory goes back to the OS (ui/memory.py says why)


def wrap_title(text: str, width: int) -> str:
    """A plotly title broken at spaces into lines of at most `width` characters (plotly's <br>), so a
    subplot's title in either language stays over its own panel instead of running into the next."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def legacy_page_list() -> bool:
    """True while Streamlit still treats this server as an old pages/-folder app.

    A relic of Streamlit's first multipage design: a fresh server that finds pages/ beside app.py
    runs each page script by itself, with a page list made from the file names (English, unaware
    of ?lang=), until some session has run app.py's st.navigation. So the first visitor who
    opens a deep link (/What_is_a_GAN?lang=fa) would get that English list. (Streamlit's AppTest
    starts every run this way.) Uses Streamlit internals: kept here, alone; if they move, this
    says False and the page runs as before."""
    try:
        from streamlit.runtime.pages_manager import PagesManager

        return PagesManager.uses_pages_directory is True
    except Exception:
        return False


def route_through_app() -> None:
    """On the legacy path (legacy_page_list), give this run app.py's navigation: the app's page list
    in the visitor's language replaces Streamlit's, page links resolve as in the app, and the server
    leaves the legacy mode for good (what any st.navigation call does). Only when this page is one
    of the app's (same address); the page itself goes on running, so no click of this run is lost.
    Call it after i18n.init() (the titles are in the settled language)."""
    if not legacy_page_list():
        return
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState
    except ImportError:   # internals moved: the page runs as before
        return

    from ui.nav import streamlit_pages

    ctx = get_script_run_ctx()
    pages = streamlit_pages()
    if ctx is None or ctx.page_script_hash not in {p._script_hash for p in pages}:
        return
    # st.navigation makes app.py the active script for what follows; this page keeps its own
    # (its widgets' ids), as when the router runs it.
    with ThreadState.scoped():
        st.navigation(pages)


@st.cache_resource(max_entries=4, show_spinner=False)
def load_model(source: str, _progress=None):
    """(generator, info) for a bundled name, folder or hf: reference; shared by all sessions.

    Generators are used read-only under torch.inference_mode(), so one instance
    serves every visitor. Bounded: at most 4 models stay in memory.
    _progress(done_bytes, total_bytes) is called during a Hub download (the
    leading underscore keeps it out of the cache key). It may run on a
    download thread, so it should record numbers, not draw Streamlit elements:
    ui.playground.picker.load_with_progress polls them and draws the bar.
    """
    from gan_core.hub import load_generator

    return load_generator(source, progress=_progress)


def session_models() -> dict:
    """Models trained in this browser session (name -> (generator, info)), e.g. from the Train page."""
    return st.session_state.setdefault("session_models", {})


def session_is_connected():
    """A thread-safe callable telling whether this browser session is still connected, or
    None outside a real server (AppTest, scripts). Uses Streamlit internals: kept here, alone."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not runtime.exists():
            return None
        rt, session_id = runtime.get_instance(), ctx.session_id
        return lambda: rt.is_active_session(session_id)
    except Exception:   # internals moved: train without the check rather than not at all
        return None
