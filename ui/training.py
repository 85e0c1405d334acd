"""The Train page's Streamlit side: presets, control widgets, upload handling, charts.

The training itself runs in gan_core.job (a worker thread per run, one run per
server); this module turns widget values into a TrainConfig and snapshots into
figures. Pure helpers (config_from_values, presets, figures, handle_uploads)
take plain values so they can be tested without a running page.
"""

from __future__ import annotations

import hashlib
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from gan_core import data as gdata
from gan_core import losses as gan_losses
from gan_core import presets
from gan_core.device import torch_threads
from gan_core.job import TrainingSlot
from gan_core.train import TrainConfig
from gan_core.viz import smooth
from ui.i18n import labels, t

# ---------------------------------------------------------------- widget choices and bounds

LR_OPTIONS = presets.LR_OPTIONS
SAME_AS_G = "same as G"      # the D learning rate widget's value for "no separate lr_d" (shown translated)
LR_D_OPTIONS = (SAME_AS_G, *LR_OPTIONS)
BATCH_OPTIONS = (2, 4, 8, 16, 32, 64, 128)      # >= 2: batch norm needs two samples
NOISE_OPTIONS = (1, 2, 4, 8, 16, 32, 64, 100, 128)
CONV_DIM_OPTIONS = (8, 16, 32, 64)
SAMPLE_EVERY_OPTIONS = (5, 10, 25, 50, 100, 200, 500)
LOSSES = tuple(gan_losses.LOSSES)     # each loss's texts: gan_core.losses.GANLoss.CONTENT_KEYS
# EMA decays offered: short in-app runs need short averages (0.999 would still average in
# the random initial weights after a few hundred steps); 0 is off.
EMA_OPTIONS = (0.0, 0.9, 0.95, 0.99, 0.999)
N_SAMPLES = 64       # an 8x8 fixed-noise grid, as in the course

# Dataset labels: content "train.data.<name>".
# A visitor's upload may cost the shared server at most ~20 s of decoding: 400 million pixels is
# ~1,000 12-megapixel JPEGs at reduced-size decoding, or 24 one-bit 4096x4096 PNGs.
UPLOAD_LIMITS = gdata.Limits(max_files=5000, max_total_bytes=100 * 2**20, max_output_bytes=64 * 2**20,
                             max_total_pixels=400_000_000, max_seconds=60)

# Widget key -> TrainConfig field. Prefixed so other pages' keys cannot collide.
FIELDS = {
    "tr_loss": "loss", "tr_lr": "lr", "tr_lr_d": "lr_d", "tr_beta1": "beta1", "tr_beta2": "beta2",
    "tr_spectral_norm": "spectral_norm", "tr_d_batch_norm": "d_batch_norm",
    "tr_d_train_iters": "d_train_iters", "tr_batch_size": "batch_size", "tr_noise_size": "noise_size",
    "tr_conv_dim": "conv_dim", "tr_iterations": "iterations", "tr_sample_every": "sample_every",
    "tr_seed": "seed", "tr_ema": "ema",
}


@dataclass(frozen=True)
class Bounds:
    max_iterations: int
    max_batch: int
    max_conv_dim: int
    max_seconds: float | None     # wall-clock cap of one run


def max_train_minutes(cloud: bool) -> float:
    """Wall-clock cap of one run: the server has one training slot, so no visitor may hold it
    for hours (the largest local settings would take 15+ h). GAN_PLAYGROUND_MAX_TRAIN_MINUTES
    overrides it (a dedicated machine can allow more)."""
    default = 15.0 if cloud else 60.0
    try:
        value = float(os.environ.get("GAN_PLAYGROUND_MAX_TRAIN_MINUTES", default))
    except ValueError:
        return default
    return value if 0 < value < float("inf") else default


def bounds(cloud: bool) -> Bounds:
    """Community Cloud shares at most 2 cores between every visitor: keep runs short there."""
    seconds = 60 * max_train_minutes(cloud)
    if cloud:
        return Bounds(max_iterations=3000, max_batch=64, max_conv_dim=32, max_seconds=seconds)
    return Bounds(max_iterations=20000, max_batch=128, max_conv_dim=64, max_seconds=seconds)


def format_lr(v) -> str:
    if isinstance(v, str):
        return t("train.lr_d_same") if v == SAME_AS_G else v
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{v:g}" if v >= 1e-3 else f"{mantissa}e-{int(exponent[1:])}"


def nearest(options, value):
    """The option closest to value (log scale for positive numbers), so any prefill lands on a choice."""
    numeric = [o for o in options if not isinstance(o, str)]
    if value is None or not numeric:
        return options[0]
    if value > 0 and all(o > 0 for o in numeric):
        return min(numeric, key=lambda o: abs(math.log(o) - math.log(value)))
    return min(numeric, key=lambda o: abs(o - value))


# ---------------------------------------------------------------- presets

# The presets are gan_core.presets.PRESETS (one definition each); the page only
# turns them into widget values (values_from_config, below). Labels and
# descriptions are in content/*.json "presets".
CUSTOM = "custom"


def apply_values(state, values: dict):
    """Write widget values into session state (before the widgets are drawn, e.g. in a callback)."""
    for key, value in values.items():
        state[key] = value


def values_from_config(config: dict) -> tuple[dict, list[str]]:
    """Widget values from a TrainConfig dict (the Experiments page's "Re-run this config live").

    Returns (values, notes): values snap to the nearest offered choice, and each
    setting the page cannot reproduce exactly is named in a note.
    """
    cfg = TrainConfig.from_dict(config)
    notes = []
    values = {"tr_dataset": "emoji"}
    if cfg.dataset in ("emoji", "shapes"):
        values["tr_dataset"] = cfg.dataset
    else:
        notes.append(t("train.prefill_dataset", name=repr(cfg.dataset)))
    if cfg.image_size != 32 and cfg.dataset in ("emoji", "shapes"):
        notes.append(t("train.prefill_size", size=cfg.image_size))
    for key, name in FIELDS.items():
        value = getattr(cfg, name)
        if key == "tr_lr_d":
            value = SAME_AS_G if value is None else nearest(LR_OPTIONS, value)
        elif key == "tr_ema":
            value = nearest(EMA_OPTIONS, value)
        elif key == "tr_lr":
            value = nearest(LR_OPTIONS, value)
        elif key == "tr_batch_size":
            value = nearest(BATCH_OPTIONS, value)
        elif key == "tr_noise_size":
            value = nearest(NOISE_OPTIONS, value)
        elif key == "tr_conv_dim":
            value = nearest(CONV_DIM_OPTIONS, value)
        elif key == "tr_sample_every":
            value = nearest(SAMPLE_EVERY_OPTIONS, value) if value else 50
        elif key == "tr_d_train_iters":
            value = min(5, max(1, value))
        exact = None if value == SAME_AS_G else value
        if exact != getattr(cfg, name):
            notes.append(f"{name} {getattr(cfg, name)} -> {value}")
        values[key] = value
    values["tr_d_activation"] = cfg.d_activation
    return values, notes


# Widget values of every preset, computed once from gan_core.presets.
PRESETS = {name: values_from_config(config.to_dict())[0] for name, config in presets.PRESETS.items()}


def config_from_values(values: dict, dataset: str = "emoji", image_size: int = 32,
                       bound: Bounds | None = None, device: str = "cpu") -> TrainConfig:
    """The TrainConfig the widgets describe; raises ValueError with a message for the user."""
    bound = bound or bounds(False)
    iterations = int(values["tr_iterations"])
    if iterations > bound.max_iterations:
        raise ValueError(t("train.too_many_iterations", n=bound.max_iterations))
    if values["tr_batch_size"] > bound.max_batch or values["tr_conv_dim"] > bound.max_conv_dim:
        raise ValueError(t("train.too_large", batch=bound.max_batch, conv_dim=bound.max_conv_dim))
    lr_d = values.get("tr_lr_d", SAME_AS_G)
    return TrainConfig(
        dataset=dataset, image_size=image_size, noise_size=int(values["tr_noise_size"]),
        conv_dim=int(values["tr_conv_dim"]), loss=values["tr_loss"], lr=float(values["tr_lr"]),
        lr_d=None if lr_d == SAME_AS_G else float(lr_d),
        beta1=float(values["tr_beta1"]), beta2=float(values["tr_beta2"]),
        spectral_norm=bool(values["tr_spectral_norm"]), d_batch_norm=bool(values["tr_d_batch_norm"]),
        d_activation=values.get("tr_d_activation", "relu"),
        d_train_iters=int(values["tr_d_train_iters"]), batch_size=int(values["tr_batch_size"]),
        iterations=iterations, sample_every=int(values["tr_sample_every"]), n_samples=N_SAMPLES,
        ema=float(values["tr_ema"]), seed=int(values["tr_seed"]), threads=torch_threads(), device=device,
    )


def warnings_for(config: TrainConfig, n_images: int | None) -> list[tuple[str, str]]:
    """(level, text) notes about a configuration before it runs: what to expect, in plain words."""
    notes = []
    lr = max(config.lr, config.lr_d or 0)
    if lr >= 1e-2:
        notes.append(("warning", t("train.warn_lr", lr=format_lr(lr))))
    if n_images is not None:
        if n_images == 1:
            notes.append(("warning", t("train.warn_one_image")))
        elif n_images < config.batch_size:
            notes.append(("info", t("train.warn_few_images", n=n_images, batch=config.batch_size)))
    d_steps_note = gan_losses.loss_class(config.loss).d_steps_note
    if d_steps_note and config.d_train_iters == 1:
        notes.append(("info", t(d_steps_note)))
    return notes


# ---------------------------------------------------------------- state

WIDGET_DEFAULTS = {**PRESETS[presets.DEFAULT], "tr_preset": presets.DEFAULT, "tr_image_size": 32}


def init_state(state) -> list[str]:
    """First visit: the course's settings. A "train_prefill" config (set by the Experiments page)
    overrides them once. Returns notes about the prefill to show the user."""
    notes = []
    for key, value in WIDGET_DEFAULTS.items():
        state.setdefault(key, value)
    prefill = state.get("train_prefill")
    if prefill:
        state["train_prefill"] = None     # consumed: a later visit starts from the user's own widgets
        try:
            values, diffs = values_from_config(dict(prefill))
        except (TypeError, ValueError) as exc:
            return [t("train.prefill_failed", error=exc)]
        apply_values(state, values)
        # A preset's own configuration (the course page's buttons) keeps its name in the menu.
        same = [name for name, preset in PRESETS.items() if preset == values]
        state["tr_preset"] = same[0] if same else CUSTOM
        notes.append(t("train.prefill_loaded") + (t("train.prefill_adjusted", diffs="; ".join(diffs)) if diffs else ""))
    return notes


def on_preset_change():
    name = st.session_state.get("tr_preset")
    if name in PRESETS:
        apply_values(st.session_state, PRESETS[name])


def use_preset(name: str):
    """A button's callback: switch the widgets to preset `name` (e.g. "the course's settings")."""
    st.session_state["tr_preset"] = name
    apply_values(st.session_state, PRESETS[name])


def preset_picker(running: bool, device: str) -> None:
    """The preset menu, what the chosen preset is, one click to the course's settings, and when
    faces usually appear on this server. Always the same elements: a layout that keeps its shape
    rerenders without stale duplicates."""
    ss = st.session_state
    st.selectbox(t("presets.label"), [*PRESETS, CUSTOM], format_func=labels("presets.names"),
                 key="tr_preset", on_change=on_preset_change, disabled=running, persist_state="session")
    name = ss["tr_preset"]
    st.caption(t(f"presets.descriptions.{name}" if name in PRESETS else "presets.custom_blurb"))
    is_course = name == presets.COURSE_NAME
    st.caption(t("presets.is_course") if is_course else t("presets.not_course"))
    st.button(t("presets.use_course"), key="tr_use_course", on_click=use_preset, args=(presets.COURSE_NAME,),
              disabled=running or is_course, use_container_width=True)
    seconds = faces_after_seconds(name, device)
    st.caption(t("presets.faces_after", seconds=seconds) if seconds is not None else "")


def faces_after_seconds(name: str, device: str) -> int | None:
    """"Faces usually appear after about N s on this server": the benchmark's iteration count for
    this preset over the iterations per second measured here (None when unknown)."""
    iterations = presets.FIRST_FACES_ITERATION.get(name)
    if iterations is None:
        return None
    rate = server_its_per_sec(name, device)
    if not rate:
        return None
    return max(5, int(round(iterations / rate / 5.0) * 5))     # to 5 s: it is an estimate


@st.cache_data(ttl=900, show_spinner=False, max_entries=16)
def server_its_per_sec(name: str, device: str) -> float:
    """Iterations per second of preset `name` on this server, measured (about 1 s) once per 15 min."""
    import torch

    threads = torch.get_num_threads()
    return presets.measure_its_per_sec(presets.get(name, threads=threads, device=device))


def mark_custom():
    if st.session_state.get("tr_preset") != CUSTOM:
        st.session_state["tr_preset"] = CUSTOM


@st.cache_resource(show_spinner=False)
def training_slot() -> TrainingSlot:
    """One per server process, shared by every session: at most one training at a time."""
    return TrainingSlot()


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


# ---------------------------------------------------------------- data

def handle_uploads(files, size: int = 32, progress=None, should_stop=None) -> gdata.LoadReport:
    """Browser uploads [(name, bytes)] -> LoadReport (images + what was rejected and why).

    progress(seen, total) and should_stop() as in gan_core.data.load_images_from_uploads.
    """
    return gdata.load_images_from_uploads(list(files), size=size, limits=UPLOAD_LIMITS,
                                          progress=progress, should_stop=should_stop)


def uploads_key(files, size: int) -> str:
    h = hashlib.sha256(str(size).encode())
    for name, data in files:
        h.update(name.encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def upload_dataset_name(files) -> str:
    """What the CLI command should name: the zip the user uploaded, or a folder of their files."""
    names = [name for name, _ in files]
    if len(names) == 1 and names[0].lower().endswith(".zip"):
        return names[0]
    return "my_images/"


def preview_grid(images, n: int = 32) -> np.ndarray:
    from gan_core.viz import make_grid

    images = images[:n].numpy() if hasattr(images, "numpy") else np.asarray(images[:n])
    return make_grid(images, nrow=min(8, len(images)))


# Online-only datasets: shown only when they can actually be fetched. A dead
# network must cost at most ~1.5 s, once per 10 minutes, not torchvision's retries.
ONLINE = {
    "mnist": ("ossci-datasets.s3.amazonaws.com", 443, "MNIST"),
    "cifar10": ("www.cs.toronto.edu", 443, "cifar-10-batches-py"),
}
ONLINE_ROOT = Path(os.environ.get("GAN_PLAYGROUND_DATA", Path.home() / ".cache" / "gan_playground" / "torchvision"))
ONLINE_MAX_IMAGES = 10_000


def _reachable(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def probe_online(root: Path = ONLINE_ROOT, timeout: float = 1.5) -> dict[str, bool]:
    """name -> usable: already downloaded under root, or its server answers within `timeout` seconds."""
    out = {}
    deadline = time.monotonic() + timeout
    for name, (host, port, folder) in ONLINE.items():
        if (Path(root) / folder).exists():
            out[name] = True
            continue
        left = deadline - time.monotonic()
        out[name] = left > 0.05 and _reachable(host, port, left)
    return out


@st.cache_data(ttl=600, show_spinner=False)
def online_datasets() -> dict[str, bool]:
    if os.environ.get("GAN_PLAYGROUND_TEST") or os.environ.get("HF_HUB_OFFLINE") == "1":
        return {name: (ONLINE_ROOT / folder).exists() for name, (_, _, folder) in ONLINE.items()}
    return probe_online()


def load_online(name: str, size: int = 32, root: Path = ONLINE_ROOT, max_images: int = ONLINE_MAX_IMAGES):
    """MNIST / CIFAR-10 through torchvision (downloads once), as uint8 (N, 3, size, size)."""
    import torch
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "cifar10": torchvision.datasets.CIFAR10}[name]
    try:
        ds = cls(str(root), train=True, download=True)
    except Exception as exc:
        raise ValueError(f"could not download {name} ({type(exc).__name__}); it needs internet access") from None
    x = torch.as_tensor(np.asarray(ds.data[:max_images]))
    if x.dim() == 3:                      # MNIST: (N, 28, 28) grey
        x = x[:, None].expand(-1, 3, -1, -1)
    else:                                 # CIFAR: (N, 32, 32, 3)
        x = x.permute(0, 3, 1, 2)
    if x.shape[-1] != size:
        x = torch.nn.functional.interpolate(x.float(), size=(size, size), mode="bilinear",
                                            antialias=True, align_corners=False).round().clamp(0, 255)
    return x.to(torch.uint8).contiguous()


def trainer_factory(dataset: str):
    """For the online sets, a factory that downloads inside the worker (the page stays responsive)."""
    if dataset not in ONLINE:
        return None

    def build(config, _):
        from gan_core.train import Trainer

        return Trainer(config, load_online(dataset, config.image_size))

    return build


def run_label(config: TrainConfig, n: int) -> str:
    """A short name that says what differs: "Run 2: bce, lr 5e-3/1e-4, SN"."""
    label = f"{t('train.run_label', n=n)}: {config.loss}, lr {format_lr(config.lr)}"
    if config.lr_d:
        label += f"/{format_lr(config.lr_d)}"
    if config.spectral_norm:
        label += ", SN"
    if config.d_train_iters > 1:
        label += ", " + t("train.d_steps_label", k=config.d_train_iters)
    return label


@dataclass
class DataChoice:
    name: str                     # TrainConfig.dataset
    image_size: int = 32
    images: object = None         # uint8 tensor for uploads; None: the Trainer loads `name`
    n_images: int | None = None
    ready: bool = True
    notes: list = field(default_factory=list)


# ---------------------------------------------------------------- charts

COLOURS = {"d_loss_real": "#1f77b4", "d_loss_fake": "#ff7f0e", "g_loss": "#2ca02c",
           "d_x": "#1f77b4", "d_g_z": "#d62728"}
# Trace names: content "train.charts.<key>".


# Figures are plain dicts with numpy arrays: st.plotly_chart validates them into a
# plotly Figure either way, but building go.Figure objects trace by trace from
# Python lists costs ~5x more (about 50 ms against 11 ms per chart with 1,000
# points on the 2-core machine), and that time is taken from the training
# thread on every live update. numpy arrays also travel as compact binary.

def _line(x, y, name, colour, dash="solid", yaxis="y", mode="lines"):
    return {"type": "scatter", "x": np.asarray(x, dtype=np.float64),
            "y": np.asarray([np.nan if v is None else v for v in y], dtype=np.float64),
            "name": name, "mode": mode, "yaxis": yaxis, "line": {"color": colour, "dash": dash}}


def _figure(traces, title, yaxis=None, height=300, **layout):
    # The legend sits under the axis title, not on it; uirevision keeps zoom across live updates.
    if not traces:   # before the first step; plotly refuses a figure without traces
        traces = [{"type": "scatter", "x": [], "y": [], "showlegend": False}]
    return {"data": traces, "layout": {
        "title": {"text": title, "font": {"size": 14}}, "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.32, "yanchor": "top"},
        "xaxis": {"title": {"text": t("train.charts.iteration")}}, "yaxis": {"title": {"text": yaxis}},
        "uirevision": "keep", **layout}}


# Per-step GAN losses are noisy enough to hide their trend: a long curve is drawn faint, under
# a centred moving average over 1/SMOOTH_POINTS of its length.
SMOOTH_POINTS = 40


def _curve_traces(runs, keys):
    traces = []
    for i, (label, curves) in enumerate(runs):
        dash = "solid" if i == 0 else "dash"
        for key in keys:
            if key not in curves:
                continue
            name = t(f"train.charts.{key}") if len(runs) == 1 else f"{t(f'train.charts.{key}')} · {label}"
            if len(curves["x"]) > 2 * SMOOTH_POINTS:
                raw = _line(curves["x"], curves[key], name, COLOURS[key], dash)
                raw.update(opacity=0.25, showlegend=False, hoverinfo="skip")
                traces.append(raw)
                smoothed = smooth(curves[key], len(curves[key]) // SMOOTH_POINTS, centred=True)
                traces.append(_line(curves["x"], smoothed, name, COLOURS[key], dash))
            else:
                traces.append(_line(curves["x"], curves[key], name, COLOURS[key], dash))
    return traces


def loss_figure(runs) -> dict:
    """runs: [(label, curves)]; one run draws solid lines, a second one dashed (comparison)."""
    return _figure(_curve_traces(runs, ("d_loss_real", "d_loss_fake", "g_loss")), t("train.charts.losses"),
                   t("train.charts.loss_axis"))


def health_figure(runs, loss: str) -> dict:
    axis = t("train.charts.critic_score") if gan_losses.loss_class(loss).is_critic else t("train.charts.d_output")
    return _figure(_curve_traces(runs, ("d_x", "d_g_z")), t("train.charts.health"), axis)


def loss_labels():
    """The loss menu's format_func (the language pinned when drawn, see i18n.labels)."""
    return labels(lambda loss: gan_losses.loss_class(loss).content_key("label"))


def health_text(loss: str) -> str:
    """How to read the health chart of a run with this loss, in the page's language."""
    return t(gan_losses.loss_class(loss).content_key("health"))


def loss_formula(loss: str) -> str:
    """What D and G minimise, in LaTeX (the same in both languages)."""
    return gan_losses.loss_class(loss).formula


def metrics_figure(metrics: dict, swd_floor: float | None = None) -> dict:
    traces, shapes = [], []
    if "diversity" in metrics:
        m = metrics["diversity"]
        traces.append(_line(m["x"], m["value"], t("train.charts.diversity"), "#9467bd", mode="lines+markers"))
        shapes.append({"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 1, "y1": 1,
                       "line": {"color": "#9467bd", "dash": "dot", "width": 1}})
    if "swd_grid" in metrics:
        m = metrics["swd_grid"]
        traces.append(_line(m["x"], m["value"], t("train.charts.swd"), "#8c564b",
                            yaxis="y2", mode="lines+markers"))
        if swd_floor is not None and m["x"]:
            traces.append(_line([m["x"][0], m["x"][-1]], [swd_floor, swd_floor], t("train.charts.swd_floor"),
                                "#8c564b", dash="dot", yaxis="y2"))
    return _figure(traces, t("train.charts.quality"), t("train.charts.diversity_axis"), height=330, shapes=shapes,
                   yaxis2={"title": {"text": "SWD"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                           "showgrid": False})


# ---------------------------------------------------------------- the run's messages, in the page's language
# gan_core writes its messages in English (it knows nothing of the page's
# language) and hands the facts alongside: Snapshot.detail for a divergence,
# error_kind for a failure. These say them again from content "train".

def duration(seconds: float | None) -> str:
    """gan_core.job.format_duration in the page's language: "42 s", "2 min 05 s", "1 h 02 min"."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return t("train.duration.s", s=seconds)
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return t("train.duration.min", m=minutes, s=s)
    hours, m = divmod(minutes, 60)
    return t("train.duration.h", h=hours, m=m)


def busy_message(status) -> str:
    """gan_core.job.SlotStatus.message: someone else's run holds the server."""
    left = (t("train.busy_unknown") if status.seconds_left is None
            else t("train.busy_left", duration=duration(status.seconds_left)))
    return t("train.busy", left=left)


def stop_reason(reason: str, max_seconds: float | None) -> str:
    """The job's stop reasons (gan_core.job.TrainingJob and this page's Stop button)."""
    if reason == "stopped by you":
        return t("train.stop_reasons.by_you")
    if reason == "the browser tab was closed":
        return t("train.stop_reasons.tab_closed")
    if "time limit" in reason:
        return t("train.stop_reasons.time_limit", duration=duration(max_seconds))
    return reason


def final_message(snap, max_seconds: float | None = None) -> str:
    """The run's last word (done / stopped / diverged) from the snapshot's facts."""
    if snap.status == "done":
        return t("train.done", n=snap.iteration, seconds=snap.elapsed,
                 rate=snap.iteration / max(snap.elapsed, 1e-9))
    if snap.status == "stopped":
        if snap.stop_reason:
            return t("train.stopped_why", n=snap.iteration, reason=stop_reason(snap.stop_reason, max_seconds))
        return t("train.stopped", n=snap.iteration)
    if snap.status == "diverged":
        return divergence_message(snap.detail) or snap.message
    return snap.message


def divergence_message(detail: dict) -> str:
    """gan_core.train.Trainer's divergence explanation, from FinalEvent.detail ("" if unknown)."""
    cause = detail.get("cause")
    if cause not in ("nonfinite", "exploded", "saturated"):
        return ""
    values = dict(detail)
    if "net" in values:
        values["net"] = t(f"train.diverged.nets.{values['net']}")
    if cause == "nonfinite":
        values["value"] = t(f"train.diverged.{values['value']}")
    text = t(f"train.diverged.{cause}", **values)
    advice = detail.get("advice")
    if advice in ("lr", "sn", "generic"):
        text += " " + t(f"train.diverged.advice_{advice}", lr=detail.get("lr", 0.0))
    return text


def error_message(snap) -> str:
    """A failed run in one sentence. A ValueError's text is gan_core's own, in English."""
    if snap.error_kind == "memory":
        return t("train.error_memory")
    if snap.error_kind == "unknown":
        return t("train.error_unknown")
    if snap.error_kind == "crash":
        detail = snap.error.removeprefix("The training crashed (").removesuffix(").")
        return t("train.error_crash", detail=detail)
    if snap.error_kind == "value":
        return t("train.error_config", detail=snap.error)
    return snap.error


def upload_reason(reason: str, count: int = 1) -> str:
    """One of gan_core.data's rejection reasons ("not an image" ...), singular or plural."""
    try:
        return t(f"train.reasons.{'many' if count > 1 else 'one'}.{reason}")
    except KeyError:            # a reason this page does not know yet: gan_core's own words
        return reason


def upload_summary(report) -> str:
    """gan_core.data.LoadReport.summary in the page's language: "3 accepted, 2 rejected (not images)"."""
    phrase = upload_reason
    text = t("train.summary", accepted=report.accepted, rejected=report.total_rejected)
    reasons = sorted(report.rejected.items(), key=lambda item: (-item[1], item[0]))
    if len(reasons) == 1:
        text += f" ({phrase(*reasons[0])})"
    elif reasons:
        text += " (" + ", ".join(f"{count} {phrase(reason, count)}" for reason, count in reasons) + ")"
    return text
