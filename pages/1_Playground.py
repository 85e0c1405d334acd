"""Latent playground: pick a face generator and move through its latent space.

Widgets come from ui.playground, every number from gan_core.playground; this
file only lays them out. The URL always carries model, seed, ψ and sliders, so
the address bar is the share link.
"""

import numpy as np
import streamlit as st

from ui import i18n
from ui.common import page_setup

i18n.init()
page_setup(i18n.t("playground.page_title"), "🎚️")

from gan_core import playground as pg  # noqa: E402  (after set_page_config)
from gan_core.hub import REGISTRY  # noqa: E402
from gan_core.viz import gif_bytes, make_grid, png_bytes, upscale  # noqa: E402
from ui import playground as ui  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.photo import photo_view  # noqa: E402

ss = st.session_state
DISPLAY_SIZES = [256, 384, 512, 768, 1024]


def show(image: np.ndarray, size: int, method: str) -> np.ndarray:
    """Enlarge small images on the server (the user picks nearest or Lanczos); never shrink."""
    return upscale(image, size, method) if image.shape[0] < size else image


def strip(images: np.ndarray) -> np.ndarray:
    return make_grid(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), nrow=len(images))


def use_seed(seed: int) -> None:
    """A grid tile's button: make it the current face, unedited, and show it."""
    ss["pg_seed"] = int(seed)
    ui.reset_sliders("pg", psi=False)
    ss["pg_view"] = ui.view_label("face")


def dismiss_notes() -> None:
    ss.pop("pg_notes", None)


def on_request(key: str, signature, n: int, quality: str) -> bool:
    """Should a multi-image view render now? DCGAN views always do (milliseconds).

    PGGAN faces take about a second each on a CPU, so those views wait for a
    button; once rendered they stay (from the engine's cache) until one of
    their inputs, the signature, changes.
    """
    if engine.kind == "dcgan" or ss.get(key) == signature:
        return True
    size = engine.size_for(quality)
    if st.button(t("playground.render", n=n, size=size, seconds=engine.estimate_seconds(n, quality)),
                 key=f"{key}_go", type="primary"):
        ss[key] = signature
        return True
    st.caption(t("playground.render_caption"))
    return False


st.title(t("playground.title"))
st.caption(t("playground.intro"))

# A shared link: read once per browser session, before any widget is drawn.
link_state = ui.first_run_state(known_models=list(REGISTRY))

try:
    with st.sidebar:
        model = ui.model_picker("pg", on_switch=lambda old, new: ui.forget_sliders("pg"))
        engine = ui.engine_for(model)
        if link_state is not None:
            fitted, more = engine.fit_state(link_state)
            ss["pg_notes"] = ss.get("pg_notes", []) + more
            ui.apply_state(fitted)

        st.subheader(t("playground.seed"))
        curated = pg.curated_seeds(model.info.name)
        seed = ui.seed_control("pg", curated, default=pg.default_seed(model.info.name))
        state = ui.latent_controls(engine, model.source, seed)
        st.caption(ui.dims_caption(engine, state))
    code = engine.code(state)
    link = ui.sync_link(state, engine, model.shareable)
except Exception as exc:  # no traceback on screen: say what failed and stop here
    st.error(t("playground.start_failed", error=f"{type(exc).__name__}: {str(exc)[:300]}"))
    st.stop()

if ss.get("pg_notes"):
    st.warning(t("playground.link_notes") + "\n\n" + "\n".join(f"- {ui.link_note(n)}" for n in ss["pg_notes"]))
    st.button(t("playground.dismiss"), key="pg_notes_ok", on_click=dismiss_notes)

st.markdown(t("playground.model_line", label=model.label, arch=model.info.architecture.upper(),
              size=engine.image_size, n=engine.noise_size))
licence = ui.licence_note(model.info)
if licence:
    st.caption(f"{t('playground.licence_title')} {licence}")
ui.bias_audit(model.source if model.shareable else "")


# -- the four views (they read model, engine, state and code from above) -------------


def face_view():
    left, right = st.columns([3, 2], gap="large")
    size = right.select_slider(t("playground.display_size"), DISPLAY_SIZES, value=512, key="pg_display")
    method = right.radio(t("playground.upscaling"), ["nearest", "lanczos"], horizontal=True, key="pg_upscale",
                         format_func=i18n.labels("playground.upscalers"), help=t("playground.upscaling_help"))
    full = True
    if engine.kind == "pggan":
        side = engine.image_size
        full = right.toggle(t("playground.render_full", side=side), value=True, key="pg_full",
                            help=t("playground.render_full_help", full=engine.estimate_seconds(1, "full"),
                                   preview=engine.size_for("preview"),
                                   preview_s=engine.estimate_seconds(1, "preview")))
    slot = left.empty()
    label = t("playground.face_label", seed=seed, psi=state.psi, named=len(state.named), sefa=len(state.sefa),
              raw=len(state.dims))
    if engine.kind == "pggan" and full and not engine.is_cached(code, state.psi, "full"):
        # Quick look first, from the 256×256 toRGB head, then the full image replaces it.
        preview, secs = ui.timed(engine.face, state, "preview")
        side = preview.shape[0]
        slot.image(show(preview, size, method), width=size, output_format="PNG",
                   caption=t("playground.preview_caption", label=label, side=side, secs=secs,
                             size=engine.image_size, full=engine.estimate_seconds(1, "full")))
    quality = "full" if full else "preview"
    face, secs = ui.timed(engine.face, state, quality)
    shown = show(face, size, method)
    png = png_bytes(shown)
    slot.image(png, width=size, output_format="PNG",
               caption=t("playground.face_caption", label=label, h=face.shape[0], w=face.shape[1], ms=1000 * secs))
    d1, d2 = right.columns(2)
    d1.download_button(t("playground.dl_face"), png, file_name=f"{model.info.name}_seed{seed}.png",
                       mime="image/png", key="pg_dl_png", on_click="ignore", width="stretch")
    d2.download_button(t("playground.dl_latent"), pg.latent_npy_bytes(code), key="pg_dl_npy",
                       file_name=f"{model.info.name}_seed{seed}_latent.npy",
                       mime="application/octet-stream", on_click="ignore", width="stretch",
                       help=t("playground.dl_latent_help"))
    right.markdown(t("playground.link_title"))
    right.code(link, language=None, wrap_lines=True)
    if not model.shareable:
        right.caption(t("playground.not_shareable"))
    right.caption(t("playground.try"))


def grid_view():
    c1, c2, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
    n = c1.select_slider(t("playground.faces"), [4, 8, 12, 16], value=8 if engine.kind == "dcgan" else 4, key="pg_grid_n")
    c2.button(t("playground.new_faces"), key="pg_grid_new",
              on_click=lambda: ss.__setitem__("pg_grid_batch", ss.get("pg_grid_batch", 0) + 1))
    seeds = pg.grid_seeds(ss.get("pg_grid_batch", 0), n, curated)
    if not on_request("pg_grid_done", (tuple(seeds), state.psi), len(seeds), "thumb"):
        return
    images, secs = ui.timed(engine.grid, seeds, state.psi, "thumb")
    st.caption(t("playground.grid_caption", psi=state.psi, n=len(seeds), secs=secs))
    for row in range(0, len(seeds), 4):
        cols = st.columns(4)
        for col, s, img in zip(cols, seeds[row:row + 4], images[row:row + 4]):
            col.image(show(img, 192, "nearest"), width=192, output_format="PNG")
            col.button(t("playground.use_seed", seed=s), key=f"pg_use_{row}_{s}", on_click=use_seed, args=(s,))


def interp_view():
    c1, c2, c3 = st.columns(3)
    ss.setdefault("pg_seed_b", next((s for s in curated if s != seed), seed + 1 if seed < pg.MAX_SEED else 0))
    seed_b = c1.number_input(t("playground.to_seed"), 0, pg.MAX_SEED, step=1, key="pg_seed_b")
    cheap = engine.kind == "dcgan"
    frames = c2.slider(t("playground.frames"), 3, 24 if cheap else 12, 8 if cheap else 5, key="pg_frames")
    duration = c3.slider(t("playground.frame_ms"), 40, 500, 120, step=20, key="pg_frame_ms")
    a, b = code, engine.prior_code(int(seed_b), state.psi)
    if not on_request("pg_interp_done", (a.numpy().tobytes(), int(seed_b), frames, state.psi), 2 * frames, "thumb"):
        return
    cols = st.columns(2)
    norms = {}
    for col, method_name, title in ((cols[0], "lerp", t("playground.lerp")), (cols[1], "slerp", t("playground.slerp"))):
        images, norms[method_name] = engine.interpolation(a, b, frames, method_name, state.psi, "thumb")
        gif = gif_bytes([show(f, 256, ss.get("pg_upscale", "nearest")) for f in images], duration)
        col.markdown(f"**{title}**")
        col.image(gif, width=256)
        col.image(strip(images), width="stretch", output_format="PNG")
        col.download_button(t("playground.dl_gif", method=method_name), gif, file_name=f"{method_name}_seed{seed}_to_{seed_b}.gif",
                            mime="image/gif", key=f"pg_dl_{method_name}", on_click="ignore")
    st.line_chart({"lerp": norms["lerp"], "slerp": norms["slerp"]}, x_label=t("playground.frame_axis"), y_label="|z|", height=220)
    if engine.kind == "pggan":
        st.caption(t("playground.interp_pggan"))
    else:
        st.caption(t("playground.interp_dcgan"))


def walk_view():
    r = engine.sefa_range
    _, eigvals = engine.directions(int(state.k))
    if ss.get("pg_walk_dir", 0) >= state.k:
        ss["pg_walk_dir"] = 0
    c1, c2, c3 = st.columns(3)
    names = [t("playground.semantic", i=i + 1, value=float(eigvals[i])) for i in range(int(state.k))]
    index = c1.selectbox(t("playground.direction"), list(range(int(state.k))), key="pg_walk_dir",
                         format_func=names.__getitem__)
    steps = c2.slider(t("playground.steps"), 3, 15, 9 if engine.kind == "dcgan" else 5, step=2, key="pg_walk_steps")
    distance = c3.slider(t("playground.distance"), r.step, r.hi, r.hi, step=r.step, key="pg_walk_dist")
    if not on_request("pg_walk_done", (code.numpy().tobytes(), int(index), steps, distance, state.psi),
                      steps, "thumb"):
        return
    images, alphas = engine.sefa_walk(code, int(index), steps, distance, state.psi, "thumb")
    walk = strip(images)
    st.image(walk, width="stretch", output_format="PNG",
             caption=t("playground.walk_caption", alphas="   ".join(f"{a:+.1f}" for a in alphas)))
    st.download_button(t("playground.dl_walk"), png_bytes(walk), file_name=f"sefa{index + 1}_seed{seed}.png",
                       mime="image/png", key="pg_dl_walk", on_click="ignore")
    st.caption(t("playground.walk_text"))


VIEW_KEYS = ["face", "grid", "interp", "walk", "photo"]
ui.settle_view(VIEW_KEYS)      # a view chosen in the other language (or by a button) opens here too
face_tab, grid_tab, interp_tab, walk_tab, photo_tab = st.tabs(
    [ui.view_label(v) for v in VIEW_KEYS], key="pg_view", on_change="rerun")

# Only the open tab runs (on_change="rerun"): a slider move re-renders one view.
VIEWS = [(face_tab, face_view, t("playground.view_names.face")), (grid_tab, grid_view, t("playground.view_names.grid")),
         (interp_tab, interp_view, t("playground.view_names.interp")),
         (walk_tab, walk_view, t("playground.view_names.walk")),
         (photo_tab, lambda: photo_view(model, engine), t("playground.view_names.photo"))]
for tab, view, what in VIEWS:
    if tab.open:
        with tab, ui.errors_shown(what):
            view()
