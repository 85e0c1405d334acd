"""gan_core.training.presets: one definition per preset, read by the Train page, the study, the theory
page and the CLI; the device choice (GPU when present) checked without a GPU."""

import dataclasses
import json
from pathlib import Path

import pytest
import torch

from gan_core import device as gdevice
from gan_core import study, theory
from gan_core.cli import config_from_args, parse_args
from gan_core.training import TrainConfig, Trainer, presets
from ui import handoff
from ui.train import settings as tr

ROOT = Path(__file__).resolve().parent.parent
TRAINING_FIELDS = ("dataset", "image_size", "noise_size", "conv_dim", "loss", "lr", "lr_d", "beta1", "beta2",
                   "spectral_norm", "d_batch_norm", "d_activation", "d_train_iters", "batch_size", "ema", "seed")


def training_values(config) -> dict:
    d = config.to_dict() if isinstance(config, TrainConfig) else config
    return {k: d.get(k, getattr(TrainConfig(), k)) for k in TRAINING_FIELDS}


def test_the_courses_settings_are_one_definition_everywhere():
    course = presets.PRESETS["course"]
    assert (course.loss, course.lr, course.batch_size, course.spectral_norm) == ("lsgan", 5e-4, 16, False)
    page = tr.config_from_values(tr.PRESETS["course"])
    assert training_values(page) == training_values(course)
    assert training_values(study.BASE_CONFIG) == training_values(course)
    assert study.run_by_name("base").config(course.iterations) == dataclasses.replace(
        course, n_samples=36, sample_every=500, threads=1)
    assert theory.course_train_config(iterations=course.iterations) == course
    assert theory.stable_train_config(iterations=300) == dataclasses.replace(presets.PRESETS["stable"], iterations=300)


def test_the_study_base_is_still_what_the_committed_study_ran():
    committed = json.loads((ROOT / "results/course_study/study.json").read_text())["base_config"]
    assert study.BASE_CONFIG == committed


def test_every_preset_reaches_the_page_exactly_and_fits_the_cloud_bounds():
    for name, config in presets.PRESETS.items():
        values, notes = tr.values_from_config(config.to_dict())
        assert notes == [], name
        page = tr.config_from_values(values, bound=tr.bounds(cloud=True))
        assert dataclasses.replace(page, threads=config.threads) == config, name


def test_every_presets_learning_rates_are_on_the_sliders():
    # One grid of learning rates for the Train page's sliders and the toy lab's: a preset whose lr
    # were not on it would open with a snapped, different value.
    from gan_core.theory import PRESETS as TOY_PRESETS

    for config in (*presets.PRESETS.values(), *TOY_PRESETS.values()):
        assert config.lr in presets.LR_OPTIONS and config.lr_d in (None, *presets.LR_OPTIONS), config
    assert list(presets.LR_OPTIONS) == sorted(presets.LR_OPTIONS)
    assert tr.LR_OPTIONS is presets.LR_OPTIONS


def test_the_default_is_fast_not_the_courses_and_says_so():
    assert presets.DEFAULT in presets.PRESETS and presets.DEFAULT != presets.COURSE_NAME
    fast = presets.PRESETS[presets.DEFAULT]
    # the course's architecture: same networks, only settings differ
    course = presets.COURSE
    assert (fast.image_size, fast.noise_size, fast.conv_dim, fast.dataset) == (
        course.image_size, course.noise_size, course.conv_dim, course.dataset)
    assert fast.sample_every and Trainer.FIRST_GRID_AT <= 10   # the first grid after ~10 iterations
    assert "Not the course's settings" in presets.DESCRIPTIONS[presets.DEFAULT]
    assert tr.WIDGET_DEFAULTS["tr_preset"] == presets.DEFAULT


def test_page_text_matches_the_descriptions_in_both_languages():
    en = json.loads((ROOT / "content/en.json").read_text(encoding="utf-8"))["presets"]
    fa = json.loads((ROOT / "content/fa.json").read_text(encoding="utf-8"))["presets"]
    assert en["descriptions"] == presets.DESCRIPTIONS
    assert set(fa["descriptions"]) == set(presets.PRESETS)
    assert set(en["names"]) == set(fa["names"]) == {*presets.PRESETS, tr.CUSTOM}


def test_unknown_preset_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown preset 'nope'"):
        presets.get("nope")


def test_fast_preset_shows_a_grid_at_iteration_10():
    config = presets.get(presets.DEFAULT, iterations=12, conv_dim=8, n_samples=4, threads=1)
    events = list(Trainer(config).run())
    assert [e.iteration for e in events if e.kind == "samples"][0] == 10
    assert events[-1].kind == "done"


def test_measured_speed_is_positive():
    config = presets.get("collapse", conv_dim=8, batch_size=4, threads=1)
    assert presets.measure_its_per_sec(config, seconds=0.05) > 0


# ---------------------------------------------------------------- the CLI

def test_cli_preset_with_overriding_flags():
    config = config_from_args(parse_args(["--preset", "course", "--lr", "1e-3", "--out", "x"]))
    assert config.lr == 1e-3 and config.batch_size == 16 and config.loss == "lsgan"
    fast = config_from_args(parse_args(["--preset", "fast", "--spectral-norm", "--batch-size", "8", "--out", "x"]))
    assert (fast.lr, fast.ema, fast.sample_every) == (presets.FAST.lr, presets.FAST.ema, presets.FAST.sample_every)
    assert fast.spectral_norm and fast.batch_size == 8
    plain = config_from_args(parse_args(["--out", "x"]))
    assert training_values(plain) == training_values(TrainConfig())


# ---------------------------------------------------------------- the device (no GPU needed)

def test_auto_picks_cuda_only_when_available(monkeypatch):
    monkeypatch.setattr(gdevice, "cuda_available", lambda: True)
    assert gdevice.resolve_device("auto") == "cuda"
    assert config_from_args(parse_args(["--preset", "fast", "--out", "x"])).device == "cuda"
    from gan_core.playground import render_device

    assert render_device("pggan") == "cuda" and render_device("dcgan") == "cpu"
    monkeypatch.setattr(gdevice, "cuda_available", lambda: False)
    assert gdevice.resolve_device("auto") == "cpu" == render_device("pggan")
    assert config_from_args(parse_args(["--out", "x"])).device == "cpu"
    with pytest.raises(ValueError, match="no GPU"):
        gdevice.resolve_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        gdevice.resolve_device("tpu")


def test_cuda_available_survives_a_broken_driver(monkeypatch):
    def broken():
        raise RuntimeError("driver mismatch")

    monkeypatch.setattr(torch.cuda, "is_available", broken)
    assert gdevice.resolve_device("auto") == "cpu"


def test_worker_threads_default_to_one_and_follow_the_environment(monkeypatch):
    from gan_core.jobs import TrainingJob

    monkeypatch.delenv(gdevice.THREADS_ENV, raising=False)
    assert TrainingJob(TrainConfig()).threads == 1
    monkeypatch.setenv(gdevice.THREADS_ENV, "2")
    assert TrainingJob(TrainConfig()).threads == 2
    assert tr.config_from_values(tr.PRESETS["fast"]).threads == 2
    monkeypatch.setenv(gdevice.THREADS_ENV, "lots")
    assert gdevice.torch_threads() == 1


def test_the_course_pages_buttons_open_the_named_preset():
    state = {}
    handoff.offer_train_config(theory.course_train_config(), "course", state)
    tr.init_state(state)
    assert state["tr_preset"] == "course" and state["tr_lr"] == 5e-4 and state["tr_batch_size"] == 16
    state = {}
    handoff.offer_train_config(presets.get("course", lr=1e-3), "course", state)
    tr.init_state(state)
    assert handoff.pending_train_prefill(state) is None      # consumed
    assert state["tr_preset"] == tr.CUSTOM


def test_every_learning_rate_label_reads_back_as_its_value():
    # the Train page, the toy lab and the experiment labels all write lrs with format_lr: a label
    # typed into the CLI's --lr must give the same run, and two choices never share a label
    labels = [presets.format_lr(v) for v in presets.LR_OPTIONS]
    assert [float(s) for s in labels] == list(presets.LR_OPTIONS)
    assert len(set(labels)) == len(labels)
    assert presets.format_lr(5e-4) == "5e-4" and presets.format_lr(0.001) == "0.001"


def test_a_second_slider_move_sent_before_the_page_redrew_keeps_the_first():
    """A visitor moves conv_dim, then Batch size before the browser has drawn the menu's "custom":
    the second request carries the menu's old value. That is not a choice of that preset, and the
    first move must survive (it used to reset every setting to the preset's)."""
    state = {}
    tr.init_state(state)
    tr.remember_drawn(state)                       # the page drew the defaults
    state["tr_conv_dim"] = 8
    tr.mark_custom_in(state)                       # the first move's callback
    state["tr_batch_size"] = 8                     # the second move, in a request whose menu
    state["tr_preset"] = presets.DEFAULT           # still holds the old preset
    tr.preset_choice(state)
    assert state["tr_conv_dim"] == 8 and state["tr_batch_size"] == 8 and state["tr_preset"] == tr.CUSTOM
    # A real choice (only the menu changed since the page was drawn) applies the preset.
    tr.remember_drawn(state)
    state["tr_preset"] = presets.DEFAULT
    tr.preset_choice(state)
    assert state["tr_conv_dim"] == tr.PRESETS[presets.DEFAULT]["tr_conv_dim"]
    assert state["tr_batch_size"] == tr.PRESETS[presets.DEFAULT]["tr_batch_size"]
