"""The latent playground's four generator views (face, grid, interpolation, SeFa walk).

Each view draws one tab from a `Scene`: the model, its engine, the seed and the
latent state the sidebar sliders describe. The page runs them inside a fragment
(see pages/1_Playground.py), so a slider move re-executes the sliders and the
open view, not the whole page.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from gan_core import playground as pg
from gan_core.viz import gif_bytes, make_grid, png_bytes, upscale
from ui import i18n
from ui.i18n import t
from ui.playground import controls, picker, share

DISPLAY_SIZES = [256, 384, 512, 768, 1024]
FULL_RERUN = "pg_full_rerun"
# The face's box when "nearest" is chosen: the browser enlarges the small PNG without smoothing.
PIXELATED_CSS = "<style>.st-key-pg_face_px img { image-rendering: pixelated; }</style>"   # set by a view's callback that changes what lives outside the fragment


@dataclass
class Scene:
    model: picker.ActiveModel
    engine: pg.LatentEngine
    seed: int
    curated: tuple
    state: pg.LatentState
    code: torch.Tensor
    link: str


def show(image: np.ndarray, size: int, method: str) -> np.ndarray:
    """Enlarge small images on the server (the user picks nearest or Lanczos); never shrink."""
    return upscale(image, size, method) if image.shape[0] < size else image


def strip(images: np.ndarray) -> np.ndarray:
    return make_grid(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), nrow=len(images))


def use_seed(seed: int) -> None:
    """A grid tile's button: make it the current face, unedited, and show it.

    The seed control lives outside the views' fragment, so this asks for a whole-page rerun."""
    ss = st.session_state
    ss["pg_seed"] = int(seed)
    controls.reset_sliders("pg", psi=False)
    ss["pg_view"] = share.view_label("face")
    ss[FULL_RERUN] = True


def on_request(engine: pg.LatentEngine, key: str, signature, n: int, quality: str) -> bool:
    """Should a multi-image view render now? DCGAN views always do (milliseconds).

    PGGAN faces take about a second each on a CPU, so those views wait for a
    button; once rendered they stay (from the engine's cache) until one of
    their inputs, the signature, changes.
    """
    ss = st.session_state
    if engine.kind == "dcgan" or ss.get(key) == signature:
        return True
    size = engine.size_for(quality)
    if st.button(t("playground.render", n=n, size=size, seconds=engine.estimate_seconds(n, quality)),
                 key=f"{key}_go", type="primary"):
        ss[key] = signature
        return True
    st.caption(t("playground.render_caption"))
    return False


def face_view(s: Scene) -> None:
    engine, state = s.engine, s.state
    left, right = st.columns([3, 2], gap="large")
    size = right.select_slider(t("playground.display_size"), DISPLAY_SIZES, value=512, key="pg_display")
    method = right.radio(t("playground.upscaling"), ["nearest", "lanczos"], horizontal=True, key="pg_upscale",
                         format_func=i18n.labels("playground.upscalers"), help=t("playground.upscaling_help"))
    full = True
    if engine.kind == "pggan":
        full = right.toggle(t("playground.render_full", side=engine.image_size), value=True, key="pg_full",
                            help=t("playground.render_full_help", full=engine.estimate_seconds(1, "full"),
                                   preview=engine.size_for("preview"),
                                   preview_s=engine.estimate_seconds(1, "preview")))
    # Nearest-neighbour enlarging is left to the browser (CSS below): the PNG sent on
    # every slider move is the generator's own 64x64, ~1 ms to encode instead of ~10 ms
    # at 512x512. Lanczos is computed here; the download is made only when clicked.
    nearest = method == "nearest"
    st.markdown(PIXELATED_CSS, unsafe_allow_html=True)
    slot = left.container(key="pg_face_px" if nearest else "pg_face").empty()

    def sent(image):
        return image if nearest else show(image, size, method)

    label = t("playground.face_label", seed=s.seed, psi=state.psi, named=len(state.named), sefa=len(state.sefa),
              raw=len(state.dims))
    if engine.kind == "pggan" and full and not engine.is_cached(s.code, state.psi, "full"):
        # Quick look first, from the 256×256 toRGB head, then the full image replaces it.
        preview, secs = share.timed(engine.face, state, "preview")
        slot.image(sent(preview), width=size, output_format="PNG",
                   caption=t("playground.preview_caption", label=label, side=preview.shape[0], secs=secs,
                             size=engine.image_size, full=engine.estimate_seconds(1, "full")))
    face, secs = share.timed(engine.face, state, "full" if full else "preview")
    slot.image(png_bytes(sent(face), compress_level=1), width=size, output_format="PNG",
               caption=t("playground.face_caption", label=label, h=face.shape[0], w=face.shape[1], ms=1000 * secs))
    name, code = s.model.info.name, s.code
    d1, d2 = right.columns(2)
    d1.download_button(t("playground.dl_face"), lambda: png_bytes(show(face, size, method)),
                       file_name=f"{name}_seed{s.seed}.png",
                       mime="image/png", key="pg_dl_png", on_click="ignore", width="stretch")
    d2.download_button(t("playground.dl_latent"), lambda: pg.latent_npy_bytes(code), key="pg_dl_npy",
                       file_name=f"{name}_seed{s.seed}_latent.npy",
                       mime="application/octet-stream", on_click="ignore", width="stretch",
                       help=t("playground.dl_latent_help"))
    right.markdown(t("playground.link_title"))
    right.code(s.link, language=None, wrap_lines=True)
    if not s.model.shareable:
        right.caption(t("playground.not_shareable"))
    right.caption(t("playground.try"))


def grid_view(s: Scene) -> None:
    ss, engine = st.session_state, s.engine
    c1, c2, _ = st.columns([2, 1, 2], vertical_alignment="bottom")
    n = c1.select_slider(t("playground.faces"), [4, 8, 12, 16], value=8 if engine.kind == "dcgan" else 4,
                         key="pg_grid_n")
    c2.button(t("playground.new_faces"), key="pg_grid_new",
              on_click=lambda: ss.__setitem__("pg_grid_batch", ss.get("pg_grid_batch", 0) + 1))
    seeds = pg.grid_seeds(ss.get("pg_grid_batch", 0), n, s.curated)
    if not on_request(engine, "pg_grid_done", (tuple(seeds), s.state.psi), len(seeds), "thumb"):
        return
    images, secs = share.timed(engine.grid, seeds, s.state.psi, "thumb")
    st.caption(t("playground.grid_caption", psi=s.state.psi, n=len(seeds), secs=secs))
    for row in range(0, len(seeds), 4):
        cols = st.columns(4)
        for col, seed, img in zip(cols, seeds[row:row + 4], images[row:row + 4]):
            col.image(show(img, 192, "nearest"), width=192, output_format="PNG")
            col.button(t("playground.use_seed", seed=seed), key=f"pg_use_{row}_{seed}", on_click=use_seed,
                       args=(seed,))


def interp_view(s: Scene) -> None:
    ss, engine, seed, psi = st.session_state, s.engine, s.seed, s.state.psi
    c1, c2, c3 = st.columns(3)
    ss.setdefault("pg_seed_b", next((c for c in s.curated if c != seed), seed + 1 if seed < pg.MAX_SEED else 0))
    seed_b = c1.number_input(t("playground.to_seed"), 0, pg.MAX_SEED, step=1, key="pg_seed_b")
    cheap = engine.kind == "dcgan"
    frames = c2.slider(t("playground.frames"), 3, 24 if cheap else 12, 8 if cheap else 5, key="pg_frames")
    duration = c3.slider(t("playground.frame_ms"), 40, 500, 120, step=20, key="pg_frame_ms")
    a, b = s.code, engine.prior_code(int(seed_b), psi)
    if not on_request(engine, "pg_interp_done", (a.numpy().tobytes(), int(seed_b), frames, psi), 2 * frames,
                      "thumb"):
        return
    cols = st.columns(2)
    norms = {}
    for col, method, title in ((cols[0], "lerp", t("playground.lerp")), (cols[1], "slerp", t("playground.slerp"))):
        images, norms[method] = engine.interpolation(a, b, frames, method, psi, "thumb")
        gif = gif_bytes([show(f, 256, ss.get("pg_upscale", "nearest")) for f in images], duration)
        col.markdown(f"**{title}**")
        col.image(gif, width=256)
        col.image(strip(images), width="stretch", output_format="PNG")
        col.download_button(t("playground.dl_gif", method=method), gif,
                            file_name=f"{method}_seed{seed}_to_{seed_b}.gif",
                            mime="image/gif", key=f"pg_dl_{method}", on_click="ignore")
    st.line_chart({"lerp": norms["lerp"], "slerp": norms["slerp"]}, x_label=t("playground.frame_axis"), y_label="|z|",
                  height=220)
    st.caption(t("playground.interp_pggan" if engine.kind == "pggan" else "playground.interp_dcgan"))


def walk_view(s: Scene) -> None:
    ss, engine, state = st.session_state, s.engine, s.state
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
    if not on_request(engine, "pg_walk_done", (s.code.numpy().tobytes(), int(index), steps, distance, state.psi),
                      steps, "thumb"):
        return
    images, alphas = engine.sefa_walk(s.code, int(index), steps, distance, state.psi, "thumb")
    walk = strip(images)
    st.image(walk, width="stretch", output_format="PNG",
             caption=t("playground.walk_caption", alphas="   ".join(f"{a:+.1f}" for a in alphas)))
    st.download_button(t("playground.dl_walk"), png_bytes(walk), file_name=f"sefa{index + 1}_seed{s.seed}.png",
                       mime="image/png", key="pg_dl_walk", on_click="ignore")
    st.caption(t("playground.walk_text"))


# The generator views, in tab order; the page adds the photo view (ui.playground.photo) after them.
VIEWS = {"face": face_view, "grid": grid_view, "interp": interp_view, "walk": walk_view}
