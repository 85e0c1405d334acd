"""The Playground's "Your photo" view: upload or take a photo, find it in the
generator's latent space, edit it with the sliders, download it.

All the work is in gan_core.faces (decode, detect, crop, invert); this module
holds the widgets and the session state. The photo lives only in this
browser session's memory (st.session_state): it is never written to disk,
logged, or sent anywhere.
"""

from __future__ import annotations

import hashlib
import os
import time

import numpy as np
import streamlit as st
import torch
from PIL import Image, ImageDraw

from gan_core import faces as inv
from gan_core import playground as pg
from gan_core.viz import png_bytes, upscale
from ui import plain, uploads
from ui.i18n import t

ss = st.session_state
MAX_UPLOAD_MB = inv.MAX_PHOTO_BYTES // 2**20
REFINE_MORE_STEPS = 200
SEFA_SLIDERS = 5
# Refinement steps on upload; None: gan_core.faces's default budget. GAN_PLAYGROUND_INVERT_STEPS
# lowers it on a slow server (and in the browser tests).
STEPS = int(os.environ["GAN_PLAYGROUND_INVERT_STEPS"]) if os.environ.get("GAN_PLAYGROUND_INVERT_STEPS") else None


def named_directions(model_name: str) -> dict[str, torch.Tensor]:
    """Named directions (age, gender, ...) when this build has them (gan_core.playground.named_directions)."""
    try:
        from gan_core.playground import named_directions as nd
    except ImportError:
        return {}
    try:
        return dict(nd(model_name))
    except Exception:  # no directions shipped for this model
        return {}


def _hwc(image: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(image.permute(1, 2, 0).numpy())


def _big(image: torch.Tensor, size: int = 256) -> np.ndarray:
    return upscale(_hwc(image), size, "nearest")


def _photo_bytes(source: str):
    if source == "camera":
        shot = st.camera_input(t("photo.camera_label"), key="ph_camera")
        return (shot.getvalue(), "camera") if shot is not None else (None, None)
    upload = uploads.file_uploader(t("photo.upload_label", mb=MAX_UPLOAD_MB),
                                   type=["jpg", "jpeg", "png", "webp", "gif"], key="ph_upload",
                                   max_upload_size=MAX_UPLOAD_MB)
    return (upload.getvalue(), upload.name) if upload is not None else (None, None)


def _load(data: bytes):
    """Decode and detect once per photo (kept in the session, keyed by the bytes' hash)."""
    digest = hashlib.sha256(data).hexdigest()[:16]
    cached = ss.get("ph_photo")
    if cached is None or cached[0] != digest:
        photo = inv.decode_photo(data)          # raises PhotoError with a message for the user
        box = inv.find_face(photo.image)
        ss["ph_photo"] = (digest, photo, box)
        for k in ("ph_zoom", "ph_dx", "ph_dy"):
            ss.pop(k, None)
        ss.pop("ph_result", None)
    return ss["ph_photo"]


def _framed_preview(photo: inv.Photo, box: inv.FaceBox, zoom: float, dx: float, dy: float) -> np.ndarray:
    """The photo, small, with the crop square drawn on it."""
    img = Image.fromarray(_hwc(photo.image))
    scale = 320 / max(img.size)
    img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))))
    side = box.side / zoom
    cx, cy = box.x + dx * side, box.y + dy * side
    draw = ImageDraw.Draw(img)
    rect = [(cx - side / 2) * scale, (cy - side / 2) * scale, (cx + side / 2) * scale, (cy + side / 2) * scale]
    draw.rectangle(rect, outline=(255, 60, 60), width=3)
    return np.asarray(img)


def _run_inversion(engine, crop: torch.Tensor, key: str, start=None, steps=None):
    bar = st.progress(0.0, text=t("photo.progress"))
    t0 = time.perf_counter()
    result = inv.invert(engine.generator, crop, steps=STEPS if steps is None else steps, start=start,
                        progress=lambda f: bar.progress(min(f, 1.0), text=t("photo.progress")))
    bar.empty()
    ss["ph_result"] = (key, result, time.perf_counter() - t0)
    for k in list(ss.keys()):        # a new face: sliders back to 0
        if str(k).startswith("ph_edit_"):
            ss[k] = 0.0


def _residual_sentence(residual: inv.Residual) -> str:
    if residual.error < 6:
        return t("photo.residual_close", error=plain.num(residual.error, ".1f"))
    text = t(f"photo.residual_{residual.region}", ratio=plain.num(residual.region_ratio, ".1f"))
    if residual.colour_shift > 8:
        text += " " + t("photo.residual_colour", shift=plain.num(residual.colour_shift, ".0f"))
    return text


def _edit_sliders(engine, model_name: str):
    """Named sliders first (when this build has them), then SeFa; returns the (1, d) edit vector."""
    d = engine.noise_size
    delta = torch.zeros(1, d)
    names = named_directions(model_name)
    r = engine.sefa_range
    if names:
        st.markdown(f"**{t('photo.named_title')}**")
        keep = st.toggle(t("photo.keep_others"), value=True, key="ph_keep_others",
                         help=t("photo.keep_others_help"))
        for name in [n for n in names if "|" not in n]:
            # "age|gender": age's direction with gender held fixed (projected out), when shipped.
            conditional = next((n for n in names if n.startswith(name + "|")), None)
            direction = names[conditional] if keep and conditional else names[name]
            ss.setdefault(f"ph_edit_named_{name}", 0.0)
            value = st.slider(name.capitalize(), -5.0, 5.0, step=0.2, key=f"ph_edit_named_{name}")
            delta += value * torch.as_tensor(direction, dtype=torch.float32).reshape(1, d)
    st.markdown(f"**{t('photo.sefa_title')}**")
    dirs, eigvals = engine.directions(SEFA_SLIDERS)
    for i in range(SEFA_SLIDERS):
        ss.setdefault(f"ph_edit_sefa_{i}", 0.0)
        value = st.slider(t("photo.sefa_slider", i=plain.num(i + 1, "02d"), eig=plain.num(float(eigvals[i]), ".1f")),
                          r.lo, r.hi, step=r.step, key=f"ph_edit_sefa_{i}")
        delta += value * dirs[i:i + 1]
    return delta


def photo_view(model, engine) -> None:
    """The whole view; called by pages/1_Playground.py inside its tab."""
    st.caption(t("photo.privacy"))
    if engine.kind != "dcgan" or engine.image_size != 64 or inv.default_encoder(engine.generator) is None:
        st.info(t("photo.needs_faces64"))
        return
    source = st.radio(t("photo.source"), ["upload", "camera"], horizontal=True, key="ph_source",
                      format_func=lambda s: t(f"photo.source_{s}"))
    data, name = _photo_bytes(source)
    if data is None:
        st.caption(t("photo.empty_hint"))
        return
    try:
        digest, photo, box = _load(data)
    except inv.PhotoError as exc:
        st.error(plain.said("photo.bad_photo", reason=plain.engine(exc)))   # in the page's language
        return
    for note in photo.notes:     # textsafe.Sentence: its key says it in the page's language
        key = getattr(note, "key", "")
        st.warning(plain.said(f"deploy.note_{key}", **note.values) if key in inv.NOTE_KEYS else plain.engine(note))
    if not box.found:
        st.warning(t("photo.no_face"))
    elif box.how.startswith("profile"):
        st.info(t("deploy.note_profile"))
    if box.count > 1:
        st.info(plain.said("deploy.faces_found", n=box.count))     # Persian digits on a Persian page

    crop_col, adjust_col = st.columns([1, 2], gap="large")
    with adjust_col.form("ph_crop_form", border=False):
        c1, c2, c3 = st.columns(3)
        zoom = c1.slider(t("photo.zoom"), 0.5, 2.5, 1.0, step=0.05, key="ph_zoom")
        dx = c2.slider(t("photo.offset_x"), -0.5, 0.5, 0.0, step=0.02, key="ph_dx")
        dy = c3.slider(t("photo.offset_y"), -0.5, 0.5, 0.0, step=0.02, key="ph_dy")
        st.form_submit_button(t("photo.apply_crop"))
    adjust_col.image(_framed_preview(photo, box, zoom, dx, dy),
                     caption=t("photo.detector", how=t(f"deploy.detector_{box.how.replace('-', '_')}")
                               if box.found else t("photo.centre_crop")))
    crop = inv.crop_face(photo.image, zoom=zoom, offset_x=dx, offset_y=dy, box=box)
    crop_col.image(_big(crop), caption=t("photo.crop_caption"), width=256)

    key = f"{digest}:{zoom:.3f}:{dx:.3f}:{dy:.3f}"
    held = ss.get("ph_result")
    if held is None or held[0] != key:
        _run_inversion(engine, crop, key)
        held = ss["ph_result"]
    _, result, seconds = held

    st.subheader(t("photo.result_title"))
    a, b, c = st.columns(3)
    a.image(_big(crop), caption=t("photo.original"), width=256)
    b.image(_big(result.image), caption=t("photo.reconstruction"), width=256)
    c.image(_big(inv.difference_image(crop, result.image)), caption=t("photo.difference"), width=256)
    residual = inv.describe_residual(crop, result.image)
    st.markdown(t("photo.error_line", error=plain.num(result.error, ".1f"), psnr=plain.num(result.psnr, ".1f"),
                  steps=result.steps, seconds=plain.num(seconds, ".1f")))
    st.markdown(_residual_sentence(residual))
    if st.button(t("photo.refine_more", steps=REFINE_MORE_STEPS), key="ph_refine"):
        _run_inversion(engine, crop, key, start=result, steps=REFINE_MORE_STEPS)
        st.rerun()

    st.subheader(t("photo.edit_title"))
    left, right = st.columns([2, 3], gap="large")
    with right:
        delta = _edit_sliders(engine, model.info.name)
    z = result.z.reshape(1, -1) + delta
    edited = inv.edit(engine.generator, result, z)
    shown = _big(edited, 256)
    left.image(shown, caption=t("photo.edited_caption"), width=256)
    png = png_bytes(shown)
    left.download_button(t("photo.download_png"), png, file_name="my_face_edited.png", mime="image/png",
                         key="ph_dl_png", on_click="ignore")
    left.download_button(t("photo.download_npy"), pg.latent_npy_bytes(z), file_name="my_face_latent.npy",
                         mime="application/octet-stream", key="ph_dl_npy", on_click="ignore",
                         help=t("photo.npy_help"))
