"""Latent playground: pick a face generator and move through its latent space.

Widgets come from ui.playground, every number from gan_core.playground; this
file only lays them out. The URL always carries model, seed, ψ and sliders, so
the address bar is the share link.
"""

import streamlit as st

from ui import i18n
from ui.common import page_setup

i18n.init()
page_setup(i18n.t("playground.page_title"), "🎚️")

from gan_core import playground as pg  # noqa: E402  (after set_page_config)
from gan_core.hub import REGISTRY  # noqa: E402
from ui import plain  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.playground import (
    controls,  # noqa: E402
    custom,  # noqa: E402
    dissect,  # noqa: E402
    picker,  # noqa: E402
    share,  # noqa: E402
    views,  # noqa: E402
)
from ui.playground.photo import photo_view  # noqa: E402

ss = st.session_state
# The generator views (inside the sliders' fragment): the four of ui.playground.views, then
# "Make a slider" and "Paint with units"; the photo view follows, outside the fragment.
VIEWS = {**views.VIEWS, "myslider": custom.slider_view, "dissect": dissect.dissect_view}


@st.fragment
def latent_views(tabs: dict) -> None:
    """The latent sliders (in the sidebar) and the open generator view, as one fragment.

    A slider move reruns only this: the sliders, the code, the link and the open
    view. The model picker, seed, header and audit above are drawn by whole-page
    runs only (a seed or model change, a language or tab switch).
    """
    if ss.pop(views.FULL_RERUN, False):
        st.rerun()                     # a view changed the seed: the controls outside must follow
    try:
        with st.sidebar:
            state = controls.latent_controls(engine, model.source, seed)
            st.caption(controls.dims_caption(engine, state))
        scene = views.Scene(model, engine, seed, curated, state, engine.code(state),
                            share.sync_link(state, engine, model.shareable))
    except Exception as exc:  # no traceback on screen: say what failed and stop here
        st.error(plain.said("playground.start_failed", error=f"{type(exc).__name__}: {str(exc)[:300]}"))
        return
    for view, tab in tabs.items():
        if tab.open:
            with tab, share.errors_shown(share.view_name(view)):
                VIEWS[view](scene)


st.title(t("playground.title"))
st.caption(t("playground.intro"))

# A shared link: read once per browser session, before any widget is drawn.
link_state = share.first_run_state(known_models=list(REGISTRY))

try:
    with st.sidebar:
        model = picker.model_picker("pg", on_switch=lambda old, new: controls.forget_sliders("pg"))
        engine = picker.engine_for(model)
        if link_state is not None:
            fitted, more = engine.fit_state(link_state)
            ss["pg_notes"] = ss.get("pg_notes", []) + more
            controls.apply_state(fitted)

        st.subheader(t("playground.seed"))
        curated = pg.curated_seeds(model.info.name)
        seed = controls.seed_control("pg", curated, default=pg.default_seed(model.info.name))
except Exception as exc:  # no traceback on screen: say what failed and stop here
    st.error(plain.said("playground.start_failed", error=f"{type(exc).__name__}: {str(exc)[:300]}"))
    st.stop()

if ss.get("pg_notes"):
    st.warning(t("playground.link_notes") + "\n\n" + plain.notes(ss["pg_notes"], share.link_note))
    st.button(t("playground.dismiss"), key="pg_notes_ok", on_click=lambda: ss.pop("pg_notes", None))

st.markdown(plain.said("playground.model_line", label=model.label, arch=model.info.architecture.upper(),
              size=engine.image_size, n=engine.noise_size))
licence = share.licence_note(model.info)
if licence:
    st.caption(t("playground.licence_title") + " " + licence)        # share.licence_note: plain text
if share.hub_source_note(model.info):
    st.caption(share.hub_source_note(model.info))
controls.bias_audit(model.source if model.shareable else "")

VIEW_KEYS = [*VIEWS, "photo"]
share.settle_view(VIEW_KEYS)      # a view chosen in the other language (or by a button) opens here too
# Only the open tab runs (on_change="rerun"); a tab switch is a whole-page run.
tabs = dict(zip(VIEW_KEYS, st.tabs([share.view_label(v) for v in VIEW_KEYS], key="pg_view", on_change="rerun")))
photo_tab = tabs.pop("photo")
if photo_tab.open:             # the photo view has its own sliders: it does not read the sidebar's
    with photo_tab, share.errors_shown(t("playground.view_names.photo")):
        photo_view(model, engine)
latent_views(tabs)
