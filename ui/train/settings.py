"""The Train page's settings: presets, the control widgets, and the TrainConfig they describe.

The training itself runs in gan_core.jobs (a queue shared by the server's sessions in
front of worker processes or Ray actors). Pure helpers (config_from_values, values_from_config, warnings_for)
take plain values so they can be tested without a running page. The rest of
the page's logic: ui/train/data.py (dataset menu, uploads), ui/train/run.py
(start/stop, the live panel, keeping and comparing runs), ui/train/charts.py
and ui/train/messages.py.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import streamlit as st

from gan_core import textsafe
from gan_core.data import registry as datasets
from gan_core.device import torch_threads
from gan_core.training import OPTIMIZERS, FormulaError, TrainConfig, check_text, presets, starting_formulas
from gan_core.training import losses as gan_losses
from ui import handoff, plain
from ui.i18n import Plain, engine_error, labels, t
from ui.train.data import DataChoice, choose_data

# ---------------------------------------------------------------- widget choices and bounds

LR_OPTIONS = presets.LR_OPTIONS
SAME_AS_G = "same as G"      # the D learning rate widget's value for "no separate lr_d" (shown translated)
LR_D_OPTIONS = (SAME_AS_G, *LR_OPTIONS)
BATCH_OPTIONS = (2, 4, 8, 16, 32, 64, 128)      # >= 2: batch norm needs two samples
NOISE_OPTIONS = (1, 2, 4, 8, 16, 32, 64, 100, 128)
CONV_DIM_OPTIONS = (8, 16, 32, 64)
SAMPLE_EVERY_OPTIONS = (5, 10, 25, 50, 100, 200, 500)
LOSSES = tuple(gan_losses.LOSSES)     # each loss's texts: gan_core.training.losses.GANLoss.CONTENT_KEYS
# EMA decays offered: short in-app runs need short averages (0.999 would still average in
# the random initial weights after a few hundred steps); 0 is off.
EMA_OPTIONS = (0.0, 0.9, 0.95, 0.99, 0.999)
N_SAMPLES = 64       # an 8x8 fixed-noise grid, as in the course
R1_OPTIONS = (0.0, 0.1, 1.0, 10.0)      # gamma; 0 is off (StyleGAN uses 10 on faces)
# Your own loss (ui/train/formula.py draws the editor): on/off and the two formulas' text.
FORMULA_KEYS = ("tr_formula_on", "tr_d_formula", "tr_g_formula")

# Widget key -> TrainConfig field. Prefixed so other pages' keys cannot collide.
FIELDS = {
    "tr_loss": "loss", "tr_lr": "lr", "tr_lr_d": "lr_d", "tr_beta1": "beta1", "tr_beta2": "beta2",
    "tr_spectral_norm": "spectral_norm", "tr_d_batch_norm": "d_batch_norm",
    "tr_d_train_iters": "d_train_iters", "tr_batch_size": "batch_size", "tr_noise_size": "noise_size",
    "tr_conv_dim": "conv_dim", "tr_iterations": "iterations", "tr_sample_every": "sample_every",
    "tr_seed": "seed", "tr_ema": "ema", "tr_optimizer": "optimizer", "tr_r1": "r1",
}


@dataclass(frozen=True)
class Bounds:
    max_iterations: int
    max_batch: int
    max_conv_dim: int
    max_seconds: float | None     # wall-clock cap of one run


def max_train_minutes(cloud: bool) -> float:
    """Wall-clock cap of one run: the workers are shared through a queue, so no visitor may hold one
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
    """A learning rate as presets.format_lr writes it; the D menu's "same as G", translated."""
    if isinstance(v, str):
        return t("train.lr_d_same") if v == SAME_AS_G else v
    return presets.format_lr(v)


def nearest(options, value):
    """The option closest to value (log scale for positive numbers), so any prefill lands on a choice."""
    numeric = [o for o in options if not isinstance(o, str)]
    if value is None or not numeric:
        return options[0]
    if value > 0 and all(o > 0 for o in numeric):
        return min(numeric, key=lambda o: abs(math.log(o) - math.log(value)))
    return min(numeric, key=lambda o: abs(o - value))


# ---------------------------------------------------------------- presets

# The presets are gan_core.training.presets.PRESETS (one definition each); the page only
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
    builtin = datasets.names(datasets.BUILTIN)
    if cfg.dataset in builtin:
        values["tr_dataset"] = cfg.dataset
    else:
        shown = textsafe.quote(cfg.dataset, textsafe.NAME_CHARS, middle=True)      # it may name an upload
        notes.append(plain.said("train.prefill_dataset", name=shown))
    if cfg.image_size != 32 and cfg.dataset in builtin:
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
        elif key == "tr_r1":
            value = nearest(R1_OPTIONS, value) if value else 0.0
        exact = None if value == SAME_AS_G else value
        if exact != getattr(cfg, name):
            notes.append(f"{name} {getattr(cfg, name)} -> {value}")
        values[key] = value
    values["tr_d_activation"] = cfg.d_activation
    start = starting_formulas(cfg.loss)
    values["tr_formula_on"] = bool(cfg.d_loss or cfg.g_loss)
    values["tr_d_formula"] = cfg.d_loss or start.d
    values["tr_g_formula"] = cfg.g_loss or start.g
    values["tr_formula_start"] = cfg.loss
    return values, notes


# Widget values of every preset, computed once from gan_core.training.presets.
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
    d_loss, g_loss = formulas_from_values(values)
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
        d_loss=d_loss, g_loss=g_loss, r1=float(values.get("tr_r1", 0.0)),
        optimizer=values.get("tr_optimizer", "adam"),
    )


def formulas_from_values(values: dict) -> tuple[str, str]:
    """("", "") for the built-in loss, or your own (D, G) formulas, each checked; a refused one
    raises ValueError with its sentence in the page's language."""
    if not values.get("tr_formula_on"):
        return "", ""
    texts = []
    for role, key in (("d", "tr_d_formula"), ("g", "tr_g_formula")):
        text = str(values.get(key) or "")
        try:
            check_text(text, role)
        except FormulaError as exc:
            raise ValueError(Plain(t("formula.invalid", role=t(f"formula.roles.{role}"), error=engine_error(exc)))) from None
        texts.append(text)
    return texts[0], texts[1]


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
    if config.penalty_with_batch_norm:
        notes.append(("warning", t("formula.gp_bn")))     # run.notes adds the one-click fix
    return notes


def fix_penalty_batch_norm():
    """The one-click fix for a gradient penalty on a batch-norm D: the critic the WGAN page advises."""
    st.session_state["tr_d_batch_norm"] = False
    mark_custom()


# ---------------------------------------------------------------- state

WIDGET_DEFAULTS = {**PRESETS[presets.DEFAULT], "tr_preset": presets.DEFAULT, "tr_image_size": 32}


def init_state(state) -> list[str]:
    """First visit: the course's settings. A configuration handed over by another page
    (ui.handoff.TrainPrefill: Experiments, the course page) overrides them once.
    Returns notes about the prefill to show the user."""
    notes = []
    for key, value in WIDGET_DEFAULTS.items():
        state.setdefault(key, value)
    prefill = handoff.take_train_prefill(state)
    if prefill is not None:
        try:
            values, diffs = values_from_config(dict(prefill.config))
        except (TypeError, ValueError) as exc:
            return [plain.said("train.prefill_failed", error=plain.engine(exc))]
        apply_values(state, values)
        # A preset's own configuration (the course page's buttons) keeps its name in the menu.
        same = [name for name, preset in PRESETS.items() if preset == values]
        state["tr_preset"] = same[0] if same else CUSTOM
        listed = plain.Plain("; ".join(plain.md(d) for d in diffs))
        adjusted = plain.said("train.prefill_adjusted", diffs=listed) if diffs else ""
        notes.append(plain.Plain(t("train.prefill_loaded") + adjusted))
    return notes


# The settings a preset sets, and where the page remembers the values it last drew them with.
PRESET_KEYS = tuple(k for k in WIDGET_DEFAULTS if k != "tr_preset")
DRAWN_VALUES = "_tr_drawn_values"


def remember_drawn(state) -> None:
    """Called when the settings are drawn: the values this run shows (preset_choice compares)."""
    state[DRAWN_VALUES] = {k: state.get(k) for k in PRESET_KEYS}


def preset_choice(state) -> None:
    """The preset menu changed: apply the chosen preset, unless the change is not a choice.

    Moving a slider sets the menu to "custom" on the server; a second move sent before the browser
    has drawn that run still carries the menu's old value, and Streamlit reports it as a change
    back. One click changes one widget, so a menu "change" in the same request as another setting's
    change is that stale value: the visitor's values stay and the menu says "custom"."""
    drawn = state.get(DRAWN_VALUES)
    if drawn is not None and any(state.get(k) != v for k, v in drawn.items()):
        state["tr_preset"] = CUSTOM
        return
    name = state.get("tr_preset")
    if name in PRESETS:
        apply_values(state, PRESETS[name])


def on_preset_change():
    preset_choice(st.session_state)


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


def mark_custom_in(state) -> None:
    if state.get("tr_preset") != CUSTOM:
        state["tr_preset"] = CUSTOM


def mark_custom():
    mark_custom_in(st.session_state)


# ---------------------------------------------------------------- the settings panel

def settings_panel(running: bool, device: str, bound: Bounds, locked=frozenset()) -> DataChoice:
    """The sidebar: preset, data, then every setting (widget keys: FIELDS). Returns the DataChoice.
    `locked`: widget keys a class link fixes (drawn disabled; ui/train/queue.py enforces them)."""
    remember_drawn(st.session_state)
    preset_picker(running or "tr_preset" in locked or set(FIELDS) <= set(locked), device)
    data = choose_data(running or "tr_dataset" in locked, on_change=mark_custom)

    def kw(key):
        return dict(key=key, disabled=running or key in locked, on_change=mark_custom, persist_state="session")

    st.selectbox(t("train.loss"), LOSSES, format_func=loss_labels(), **kw("tr_loss"),
                 help=t("train.loss_help"))
    st.select_slider(t("train.lr"), LR_OPTIONS, format_func=format_lr, **kw("tr_lr"), help=t("train.lr_help"))
    c1, c2 = st.columns(2)
    c1.select_slider("beta1", (0.0, 0.5, 0.9), **kw("tr_beta1"), help=t("train.beta1_help"))
    c2.select_slider("beta2", (0.9, 0.99, 0.999), **kw("tr_beta2"))
    st.toggle(t("train.sn"), **kw("tr_spectral_norm"), help=t("train.sn_help"))
    st.slider(t("train.d_steps"), 1, 5, **kw("tr_d_train_iters"), help=t("train.d_steps_help"))
    batches = [b for b in BATCH_OPTIONS if b <= bound.max_batch]
    st.select_slider(t("train.batch"), batches, **kw("tr_batch_size"))
    c1, c2 = st.columns(2)
    c1.select_slider(t("train.noise"), NOISE_OPTIONS, **kw("tr_noise_size"), help=t("train.noise_help"))
    c2.select_slider("conv_dim", [c for c in CONV_DIM_OPTIONS if c <= bound.max_conv_dim], **kw("tr_conv_dim"),
                     help=t("train.conv_dim_help"))
    st.number_input(t("train.iterations"), 10, bound.max_iterations, step=50, **kw("tr_iterations"))
    c1, c2 = st.columns(2)
    c1.select_slider(t("train.sample_every"), SAMPLE_EVERY_OPTIONS, **kw("tr_sample_every"),
                     help=t("train.sample_every_help"))
    c2.number_input(t("train.seed"), 0, 2**31 - 1, **kw("tr_seed"))
    off = t("train.ema_off")
    st.select_slider(t("train.ema"), EMA_OPTIONS, format_func=lambda v: f"{v:g}" if v else off,
                     **kw("tr_ema"), help=t("train.ema_help"))
    st.selectbox(t("formula.optimizer"), OPTIMIZERS, format_func=labels("formula.optimizers"),
                 **kw("tr_optimizer"), help=t("formula.optimizer_help"))
    r1_off = t("formula.r1_off")
    st.select_slider(t("formula.r1"), R1_OPTIONS, format_func=lambda v: f"{v:g}" if v else r1_off,
                     **kw("tr_r1"), help=t("formula.r1_help"))
    with st.expander(t("train.more_d")):
        same = t("train.lr_d_same")
        st.select_slider(t("train.lr_d"), LR_D_OPTIONS, **kw("tr_lr_d"), help=t("train.lr_d_help"),
                         format_func=lambda v: same if v == SAME_AS_G else format_lr(v))
        st.toggle(t("train.d_bn"), **kw("tr_d_batch_norm"), help=t("train.d_bn_help"))
        st.radio(t("train.d_act"), ("relu", "leaky"), horizontal=True, **kw("tr_d_activation"),
                 format_func=labels("train.d_acts"))
    return data


def config_or_error(values, data: DataChoice, bound: Bounds, device: str) -> tuple[TrainConfig | None, str]:
    """(the run the widgets describe, "") or (None, why it cannot run)."""
    try:
        return config_from_values(values, data.name, data.image_size, bound, device=device), ""
    except (ValueError, TypeError) as exc:       # a Plain message (ours) stays Plain: it is shown as it is
        return None, exc.args[0] if exc.args and isinstance(exc.args[0], Plain) else str(exc)


# ---------------------------------------------------------------- a loss's texts (gan_core.training.losses)


def loss_labels():
    """The loss menu's format_func (the language pinned when drawn, see i18n.labels)."""
    return labels(lambda loss: gan_losses.loss_class(loss).content_key("label"))


def health_text(loss: str) -> str:
    """How to read the health chart of a run with this loss, in the page's language."""
    return t(gan_losses.loss_class(loss).content_key("health"))


def loss_formula(loss: str) -> str:
    """What D and G minimise, in LaTeX (the same in both languages)."""
    return gan_losses.loss_class(loss).formula
