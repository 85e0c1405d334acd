"""What the Playground says around the face: the share link (state <-> URL, notes on ignored
values), the licence line, the views' labels in the page's language, and the error boundary.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from functools import lru_cache
from urllib.parse import urlencode

import streamlit as st

from gan_core import playground as pg
from gan_core.hub import ModelInfo
from ui import i18n, plain
from ui.handoff import request_model

# -----------------------------------------------------------------------------
# links


def first_run_state(known_models, key: str = "pg"):
    """On a session's first run: the state in the URL (or None) and the notes about ignored values."""
    ss = st.session_state
    if ss.get(f"{key}_link_read"):
        return None
    ss[f"{key}_link_read"] = True
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if not params:
        return None
    state, notes = pg.decode_query_params(params, known_models)
    ss[f"{key}_notes"] = notes
    if state.model != pg.DEFAULT_MODEL:
        request_model(state.model, key)
    return state


@lru_cache(maxsize=1)
def _note_patterns() -> tuple:
    """gan_core's link notes, as regular expressions made from their English templates
    (content/en.json playground.notes mirrors gan_core.playground's wording; a test checks it)."""
    out = []
    english = i18n.load_content(i18n.DEFAULT)
    notes = list(english["playground"]["notes"].items())            # key "seed" = playground.notes.seed
    notes += [(f"myslider.notes.{k}", v) for k, v in english["myslider"]["notes"].items()]
    for key, template in notes:
        parts = re.split(r"\{(\w+)\}", template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
        out.append((key, re.compile(regex, re.S)))
    return tuple(out)


def link_note(note: str) -> plain.Plain:
    """One of gan_core's notes about an ignored link value, in the page's language, as plain text
    (the values it repeats come from whoever wrote the link)."""
    if i18n.current() == i18n.DEFAULT:
        return plain.md(note)
    for key, pattern in _note_patterns():
        match = pattern.fullmatch(note)
        if match:
            return plain.said(key if "." in key else f"playground.notes.{key}", **match.groupdict())
    return plain.engine(note)        # a note this page does not know yet: gan_core's own words


def sync_link(state: pg.LatentState, engine: pg.LatentEngine, shareable: bool) -> str:
    """Write the state into the URL (the address bar is the share link); return the link text."""
    params = pg.encode_query_params(state, default_k=engine.default_k, shareable_model=shareable)
    if i18n.current() != i18n.DEFAULT:
        params["lang"] = i18n.current()     # the link opens in the language it was copied in
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    base = (st.context.url or "").split("?")[0]
    query = urlencode(params)
    return f"{base}?{query}" if query else (base or "?")


def licence_note(info: ModelInfo) -> plain.Plain:
    """gan_core.playground.licence_note in the page's language (a model card's own licence as written:
    an uploaded checkpoint's config.json says it, so it is shown as plain text)."""
    english = pg.licence_note(info.name, info.architecture, info.licence)
    if info.architecture == "pggan":
        return plain.Plain(i18n.t("playground.licence.pggan"))
    if english and english == pg.FACES64_LICENCE_NOTE:
        return plain.Plain(i18n.t("playground.licence.faces64"))
    return plain.md(english) if english else plain.Plain("")


def hub_source_note(info: ModelInfo) -> plain.Plain:
    """Where a Hub model came from: its repo, revision and the commit its files belong to ("" otherwise)."""
    if not info.commit:
        return ""
    repo = info.config.get("repo_id") or info.name
    if info.revision == info.commit:
        return plain.said("deploy.hub_pinned", repo=repo, commit=info.commit)       # a Hub id: plain text
    return plain.said("deploy.hub_branch", repo=repo, revision=info.revision or "main", commit=info.commit[:12])


# -----------------------------------------------------------------------------
# the views (tabs): their value is their label, so it is kept in the current language


OWN_LABEL_VIEWS = ("photo", "myslider", "dissect")     # views that name themselves in their own section


def _view_key(view: str) -> str:
    return f"{view}.tab" if view in OWN_LABEL_VIEWS else f"playground.views.{view}"


def view_label(view: str) -> str:
    """The tab label of a view ("face", "grid" ... "photo") in the current language."""
    return i18n.t(_view_key(view))


def view_name(view: str) -> str:
    """A view's name inside sentences ("... failed"): playground.view_names, or a tab that names itself."""
    if view in OWN_LABEL_VIEWS and view != "photo":
        return i18n.t(f"{view}.tab")
    return i18n.t(f"playground.view_names.{view}")


def settle_view(views, key: str = "pg_view") -> None:
    """Before the tabs are drawn: a view remembered in the other language (or set by a button)
    becomes the same view's label in this one, so a language switch keeps the open tab."""
    ss = st.session_state
    current = ss.get(key)
    if current is None:
        return
    for view in views:
        if current in {i18n.text_in(lang, _view_key(view)) for lang in i18n.LANGS}:
            ss[key] = view_label(view)
            return


@contextmanager
def errors_shown(what: str, where=None):
    """Run a block; an unexpected error becomes one st.error line, never a traceback on screen."""
    try:
        yield
    except Exception as exc:  # Streamlit's rerun/stop signals are BaseExceptions and pass through
        (where or st).error(plain.said("playground.failed", what=plain.Plain(what),
                                       error=f"{type(exc).__name__}: {str(exc)[:300]}"))


def timed(fn, *args, **kwargs):
    """(result, seconds): for the captions that say how long a render took."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0
