"""The Train page: wiring checks with AppTest, plus the page's pure helpers (ui/train/settings.py).

Most runs train synchronously: `sync_training` makes the Start callback train
inline (TrainingJob.run_inline), so one click ends with the final state. The tests
of the queue (Stop, three sessions in line) use the real job service and a worker process.
"""

import base64
import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from contentfiles import CONTENT
from PIL import Image
from streamlit.testing.v1 import AppTest

from gan_core.data import registry as datasets
from gan_core.training import TrainConfig, presets
from ui import handoff
from ui.train import charts
from ui.train import data as train_data
from ui.train import messages as msg
from ui.train import queue as train_queue
from ui.train import settings as tr

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "2_Train.py")
# A model small enough that a 30-iteration run takes about a second on a busy CPU.
TINY = {"tr_conv_dim": 8, "tr_batch_size": 8, "tr_noise_size": 16, "tr_iterations": 30, "tr_sample_every": 10}


pytestmark = pytest.mark.usefixtures("fresh_job_service")   # tests/conftest.py


def page(sync=True, query=None, **values):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["sync_training"] = sync
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in {**TINY, **values}.items():
        at.session_state[key] = value
    return at.run()


def values(trace_array):
    """A plotly JSON array: a list, or numpy's binary form {"dtype", "bdata"}."""
    if isinstance(trace_array, dict):
        return np.frombuffer(base64.b64decode(trace_array["bdata"]), dtype=trace_array["dtype"])
    return np.asarray(trace_array)


def texts(elements):
    return " ".join(str(e.value) for e in elements)


def run_until(at, done, timeout=60.0):
    end = time.monotonic() + timeout
    while not done(at.run()):
        assert time.monotonic() < end, "the page did not reach the expected state in time"
        time.sleep(0.2)
    return at


def progress_text(at):
    bars = at.get("progress")
    return bars[0].proto.text if bars else ""


def image_zip(n_images=3, n_text=2) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(n_images):
            png = io.BytesIO()
            Image.fromarray(np.full((40, 40, 3), 60 * i, np.uint8)).save(png, format="PNG")
            zf.writestr(f"faces/face{i}.png", png.getvalue())
        for i in range(n_text):
            zf.writestr(f"faces/notes{i}.txt", "not an image")
    return buf.getvalue()


# ---------------------------------------------------------------- the page

def test_page_renders_with_the_courses_defaults():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Train a GAN"
    fast = presets.PRESETS[presets.DEFAULT]
    assert at.selectbox(key="tr_preset").value == presets.DEFAULT
    assert at.selectbox(key="tr_dataset").value == "emoji"
    assert at.selectbox(key="tr_loss").value == fast.loss
    assert at.select_slider(key="tr_lr").value == fast.lr
    assert at.select_slider(key="tr_batch_size").value == fast.batch_size
    captions = texts(at.caption)
    assert "Not the course's settings" in captions
    assert "Faces usually appear after about" in captions and "Trains on this server's CPU" in captions
    # one click to the course's settings
    at.button(key="tr_use_course").click().run()
    assert at.selectbox(key="tr_preset").value == "course"
    assert at.selectbox(key="tr_loss").value == "lsgan"
    assert at.select_slider(key="tr_lr").value == 5e-4 and at.select_slider(key="tr_batch_size").value == 16
    assert at.button(key="tr_use_course").disabled
    assert not at.button(key="start").disabled and at.button(key="stop").disabled
    assert "Start training" in texts(at.info)
    # 64x64 is offered only for uploads; the online sets say why they are missing
    assert "upload" in at.selectbox(key="tr_dataset").options[2].lower()
    assert "need internet" in texts(at.caption)


def test_30_iteration_run_on_emoji_shows_curves_grid_and_finishes():
    at = page()
    at.button(key="start").click().run()
    assert not at.exception
    assert "Training finished: 30 iterations" in texts(at.success)
    assert progress_text(at).startswith("Step 30 / 30")
    charts = at.get("plotly_chart")
    assert len(charts) >= 3                                   # losses, health, quality signals
    loss = json.loads(charts[0].proto.spec)
    assert {t["name"] for t in loss["data"]} == {"D on real", "D on fake", "G"}
    assert list(values(loss["data"][0]["x"])) == list(range(1, 31))
    assert np.isfinite(values(loss["data"][2]["y"])).all()
    assert len(at.get("image")) >= 1                          # the fixed-noise grid
    # how to read the curves: what this run's loss minimises, and its health text
    assert [el.value.strip("$\n") for el in at.latex] == [tr.loss_formula("lsgan")]
    assert CONTENT["en"]["train"]["health_text"]["lsgan"] in texts(at.markdown)
    assert not at.button(key="start").disabled and at.button(key="stop").disabled
    # after the run: checkpoint, GIF, Playground, CLI
    assert len(at.get("download_button")) == 2
    assert "python -m gan_core.train --data emoji" in at.code[0].value
    assert "--iterations 30" in at.code[0].value


def test_lr_0_1_diverges_with_the_explanation_and_no_exception():
    at = page(tr_lr=0.1, tr_conv_dim=16, tr_batch_size=16, tr_noise_size=100, tr_iterations=400,
              tr_sample_every=5)
    assert "expect this run to diverge" in texts(at.warning)
    at.button(key="start").click().run(timeout=240)    # up to 400 steps inline: about a minute on a busy CPU
    assert not at.exception
    errors = texts(at.error)
    assert "The run diverged" in errors and "Diverged at step" in errors
    assert "learning rate" in errors and "0.1" in errors
    assert "Traceback" not in errors


def test_stop_ends_a_running_training_and_a_second_stop_is_harmless():
    at = page(sync=False, tr_iterations=20000, tr_sample_every=5)
    at.button(key="start").click().run()
    assert not at.exception
    assert at.button(key="start").disabled and not at.button(key="stop").disabled
    run_until(at, lambda a: "Step " in progress_text(a) and not progress_text(a).startswith("Step 0 "))
    at.button(key="stop").click().run()
    assert not at.exception
    assert at.button(key="stop").disabled                      # a second press cannot happen
    run_until(at, lambda a: "Training stopped at step" in texts(a.info))
    assert "stopped by you" in texts(at.info)
    assert not at.button(key="start").disabled and at.button(key="stop").disabled


def test_three_sessions_queue_see_their_place_and_the_next_starts_by_itself():
    a = page(sync=False, tr_iterations=20000)
    b = page(sync=False)                                       # rendered before A starts: Start is enabled
    c = page(sync=False)
    a.button(key="start").click().run()
    b.button(key="start").click().run()                        # both pressed Start: B waits in line
    assert not b.exception
    assert progress_text(b).startswith("1st in line, about ")
    assert b.button(key="stop").label == "Leave the line" and b.button(key="start").disabled
    assert not b.get("plotly_chart")                          # a place in line draws no empty charts
    assert "1 worker(s): 1 training now, 1 waiting" in texts(b.caption)
    assert "while others wait, every run stops at" in texts(b.caption)
    c.button(key="start").click().run()
    assert progress_text(c).startswith("2nd in line")
    c.button(key="stop").click().run()                         # Cancel while waiting
    assert "train_job" not in c.session_state or c.session_state["train_job"] is None
    assert not c.button(key="start").disabled
    b.run()
    assert "0 training now" not in texts(b.caption) and progress_text(b).startswith("1st in line")
    run_until(a, lambda x: progress_text(x).startswith("Step ") and " it/s" in progress_text(x))
    a.button(key="stop").click().run()
    run_until(a, lambda x: "Training stopped" in texts(x.info))
    # B's run starts by itself once A's worker is free, and trains
    run_until(b, lambda x: progress_text(x).startswith("Step ") and not progress_text(x).startswith("Step 0 "))
    assert b.button(key="stop").label == "Stop"
    b.button(key="stop").click().run()
    run_until(b, lambda x: "Training stopped" in texts(x.info))


def test_a_class_link_sets_the_preset_locks_widgets_and_the_server_enforces_it():
    link = {"preset": "course", "lock": "lr,loss", "max_minutes": "3"}
    at = page(query=link)
    assert not at.exception
    assert at.selectbox(key="tr_preset").value == "course"
    assert at.select_slider(key="tr_lr").disabled and at.selectbox(key="tr_loss").disabled
    assert not at.select_slider(key="tr_batch_size").disabled
    assert "Class link" in texts(at.info) and "3 min" in texts(at.info)
    course = presets.get("course")
    for key, value in TINY.items():                           # the link set the preset's size: a short run
        at.session_state[key] = value
    at.run()
    # A tampered session: the locked settings changed behind the page's back
    at.session_state["tr_lr"] = 0.1
    at.session_state["tr_loss"] = "bce"
    at.run()
    assert at.select_slider(key="tr_lr").value == course.lr and at.selectbox(key="tr_loss").value == course.loss
    at.button(key="start").click().run()
    job = at.session_state["train_job"]
    assert job.config.lr == course.lr and job.config.loss == course.loss
    assert job.max_seconds == 180


def test_a_tampered_class_link_cannot_lift_the_servers_limits():
    at = page(query={"preset": "nonsense", "lock": "lr,everything", "max_minutes": "100000"})
    assert not at.exception
    assert at.selectbox(key="tr_preset").value == presets.DEFAULT
    notes = texts(at.caption)
    assert "unknown preset" in notes and "cannot lock 'everything'" in notes
    for key, value in TINY.items():
        at.session_state[key] = value
    at.run()
    at.button(key="start").click().run()
    job = at.session_state["train_job"]
    assert job.max_seconds == tr.bounds(False).max_seconds          # the server's limit, not 100000 min
    assert job.config.lr == presets.get(presets.DEFAULT).lr
    for bad in ("-1", "nan", "inf", "x"):
        assert page(query={"max_minutes": bad}).session_state["train_link"].max_minutes is None


def test_class_link_enforcement_on_any_config_and_its_cap():
    from gan_core.jobs.classlink import ClassLink

    link = ClassLink.from_query({"preset": ["stable"], "lock": "lr,loss,sn,batch", "max_minutes": "3"})
    tampered = TrainConfig(lr=0.1, loss="bce", spectral_norm=False, batch_size=128, iterations=77)
    fixed = link.enforce(tampered)
    stable = presets.get("stable")
    assert (fixed.lr, fixed.loss, fixed.spectral_norm, fixed.batch_size) == (
        stable.lr, stable.loss, stable.spectral_norm, stable.batch_size)
    assert fixed.iterations == 77                                  # what is not locked stays the learner's
    assert link.cap_s(3600) == 180 and link.cap_s(60) == 60          # never above the server's limit
    assert ClassLink.from_query({"lang": "fa"}) is None              # no class link at all
    everything = ClassLink.from_query({"preset": "course", "lock": "preset"}).enforce(tampered)
    assert everything == presets.get("course", device=everything.device, threads=everything.threads)


def test_upload_zip_reports_accepted_and_rejected_files_and_previews_them():
    at = page(tr_dataset="upload")
    uploader = at.get("file_uploader")[0]
    uploader.set_value([("faces.zip", image_zip(3, 2), "application/zip")]).run()
    assert not at.exception
    assert "3 accepted, 2 rejected (not images)" in texts(at.success)
    assert len(at.get("image")) == 1                          # the preview grid
    assert "fewer than the batch size" in texts(at.info)       # 3 images, batch 8
    at.button(key="start").click().run()
    assert "Training finished: 30 iterations" in texts(at.success)
    assert "--data faces.zip" in at.code[0].value


def test_preset_fills_the_widgets():
    at = page()
    at.selectbox(key="tr_preset").set_value("diverge").run()
    assert at.select_slider(key="tr_lr").value == 0.1
    at.selectbox(key="tr_preset").set_value("stable").run()
    assert at.toggle(key="tr_spectral_norm").value is True
    assert at.select_slider(key="tr_lr").value == 2e-4
    at.select_slider(key="tr_lr").set_value(1e-3).run()
    assert at.selectbox(key="tr_preset").value == tr.CUSTOM


def test_prefill_from_the_experiments_page_sets_the_widgets():
    at = AppTest.from_file(PAGE, default_timeout=60)
    handoff.offer_train_config(TrainConfig(lr=1e-3, spectral_norm=True, d_train_iters=3, loss="hinge",
                                           iterations=700), "experiments", at.session_state)
    at.run()
    assert not at.exception
    assert "Settings loaded from the Experiments page" in texts(at.info)
    assert at.select_slider(key="tr_lr").value == 1e-3
    assert at.toggle(key="tr_spectral_norm").value is True
    assert at.slider(key="tr_d_train_iters").value == 3
    assert at.selectbox(key="tr_loss").value == "hinge"
    assert at.number_input(key="tr_iterations").value == 700


def test_open_in_playground_and_compare_two_runs():
    at = page()
    at.button(key="start").click().run()
    at.button(key="pin").click().run()
    at.select_slider(key="tr_lr").set_value(1e-3).run()
    at.button(key="start").click().run()
    assert not at.exception
    headers = texts(at.subheader)
    assert "Compare two runs" in headers
    cmp_loss = json.loads(at.get("plotly_chart")[-2].proto.spec)
    assert len({t["name"] for t in cmp_loss["data"]}) == 6    # 3 curves x 2 runs
    at.button(key="open_playground").click().run()
    models = at.session_state["session_models"]
    assert len(models) == 1
    generator, info = next(iter(models.values()))
    assert info.noise_size == 16 and info.image_size == 32 and not generator.training


# ---------------------------------------------------------------- helpers (no page)

def test_handle_uploads_counts_images_and_text_files():
    report = train_data.handle_uploads([("faces.zip", image_zip(3, 2))], size=32)
    assert report.summary() == "3 accepted, 2 rejected (not images)"
    assert tuple(report.images.shape) == (3, 3, 32, 32)
    one = train_data.handle_uploads([("a.png", zipfile.ZipFile(io.BytesIO(image_zip(1, 0))).read("faces/face0.png"))])
    assert one.accepted == 1
    assert tr.warnings_for(TrainConfig(batch_size=64), 1)[0][1].startswith("Only one training image")


def test_course_preset_widgets_give_the_courses_config():
    config = tr.config_from_values(tr.PRESETS["course"])
    course = presets.COURSE
    for name in ("dataset", "image_size", "noise_size", "conv_dim", "loss", "lr", "beta1", "beta2",
                 "spectral_norm", "d_batch_norm", "d_train_iters", "batch_size", "ema"):
        assert getattr(config, name) == getattr(course, name), name
    assert config.threads == 1


def test_cloud_bounds_refuse_long_runs_with_a_message():
    values = {**tr.PRESETS["course"], "tr_iterations": 10_000}
    with pytest.raises(ValueError, match="at most 3000 iterations"):
        tr.config_from_values(values, bound=tr.bounds(cloud=True))
    assert tr.config_from_values(values, bound=tr.bounds(cloud=False)).iterations == 10_000


def test_prefill_values_snap_to_offered_choices_and_say_so():
    values, notes = tr.values_from_config(TrainConfig(lr=1.5e-4, batch_size=50, dataset="ring8").to_dict())
    assert values["tr_lr"] == 2e-4 and values["tr_batch_size"] == 64 and values["tr_dataset"] == "emoji"
    assert any("ring8" in n for n in notes)


def test_learning_rate_choices_and_labels():
    for lr in (0.1, 0.01, 0.001, 0.0005, 2e-4):
        assert lr in tr.LR_OPTIONS
    assert tr.format_lr(2e-4) == "2e-4" and tr.format_lr(0.1) == "0.1"


def test_online_probe_is_bounded_and_uses_a_local_copy(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(datasets, "_reachable", lambda host, port, timeout: calls.append(timeout) or False)
    assert datasets.probe_online(tmp_path, timeout=1.5) == {"mnist": False, "cifar10": False}
    assert all(t <= 1.5 for t in calls)
    (tmp_path / "MNIST").mkdir()
    assert datasets.probe_online(tmp_path)["mnist"] is True


def test_online_sets_become_uint8_rgb_at_the_training_size(tmp_path, monkeypatch):
    import torch
    import torchvision

    class FakeMNIST:
        def __init__(self, root, train, download):
            self.data = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)

    monkeypatch.setattr(torchvision.datasets, "MNIST", FakeMNIST)
    x = datasets.load_online("mnist", 32, root=tmp_path, max_images=4)
    assert x.dtype == torch.uint8 and tuple(x.shape) == (4, 3, 32, 32)

    class Offline:
        def __init__(self, *a, **k):
            raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", Offline)
    with pytest.raises(ValueError, match="needs internet"):
        datasets.load_online("cifar10", 32, root=tmp_path)


def test_every_preset_is_a_valid_config_within_the_cloud_bounds():
    for name, values in tr.PRESETS.items():
        config = tr.config_from_values(values, bound=tr.bounds(cloud=True))
        assert config.dataset == "emoji", name
    collapse = tr.config_from_values(tr.PRESETS["collapse"])
    assert collapse.lr == 5e-3 and collapse.lr_d == 1e-4 and collapse.loss == "bce"


def test_charts_draw_before_the_first_step_and_with_missing_values():
    for fig in (charts.loss_figure([("a", {"x": []})]), charts.health_figure([("a", {})], "bce"), charts.metrics_figure({})):
        assert fig["data"]
    fig = charts.metrics_figure({"diversity": {"x": [5, 10], "value": [0.5, None]}})
    assert np.isnan(fig["data"][0]["y"][1])


def test_long_curves_are_drawn_smoothed_over_the_faint_raw_values():
    x = list(range(1, 1001))
    noisy = [1.0 + (-1) ** i for i in x]                       # 0, 2, 0, 2 ...: mean 1
    fig = charts.loss_figure([("a", {"x": x, "g_loss": noisy})])
    raw, smoothed = fig["data"]
    assert raw["opacity"] < 1 and raw["showlegend"] is False
    assert np.allclose(smoothed["y"][50:-50], 1.0, atol=0.05) and smoothed["name"] == "G"
    short = charts.loss_figure([("a", {"x": x[:30], "g_loss": noisy[:30]})])
    assert len(short["data"]) == 1


# ---------------------------------------------------------------- the run's messages, in both languages

def engine_messages():
    """(message, detail) pairs straight from the Trainer's own divergence checks, one per cause and advice."""
    from gan_core.training import SamplesEvent, Trainer

    out = []
    for config in (TrainConfig(lr=0.1), TrainConfig(loss="bce"), TrainConfig()):
        trainer = Trainer(config, dataset=torch.zeros((4, 3, 32, 32), dtype=torch.uint8))
        nan = {"d_loss": float("nan"), "g_loss": 1.0}
        out.append((trainer._divergence(nan, 7), dict(trainer._problem)))
        inf = {"d_loss": 0.1, "g_loss": float("inf")}
        out.append((trainer._divergence(inf, 8), dict(trainer._problem)))
        huge = {"d_loss": 0.1, "g_loss": 1e9}
        message = None
        while message is None:
            message = trainer._divergence(huge, 9)
        out.append((message, dict(trainer._problem)))
        white = SamplesEvent("samples", 60, images=np.full((8, 3, 32, 32), 255, np.uint8))
        message = None
        while message is None:
            message = trainer._saturation(white, 60)
        out.append((message, dict(trainer._problem)))
    return out


def test_divergence_messages_are_said_again_from_the_engines_facts(monkeypatch):
    """The page rebuilds gan_core's English divergence message from FinalEvent.detail: word for word in
    English, and in Persian without English prose (so the facts, not the wording, cross the boundary)."""
    from tests.test_bilingual import english_prose
    from ui import i18n

    pairs = engine_messages()
    assert {d["cause"] for _, d in pairs} == {"nonfinite", "exploded", "saturated"}
    assert {d["advice"] for _, d in pairs} == {"lr", "sn", "generic"}
    for message, detail in pairs:
        assert msg.divergence_message(detail) == message
    monkeypatch.setattr(i18n, "current", lambda: "fa")
    for message, detail in pairs:
        persian = msg.divergence_message(detail)
        assert persian and english_prose(persian) == [], persian
        assert i18n.local_digits(str(detail["step"]), "fa") in persian     # Persian digits (issue 28)


def test_a_tab_in_line_asks_for_its_place_once_a_second_and_draws_no_charts():
    from ui.train import run

    # (status, charts) timers of an open tab: in front of a class most tabs wait in line, and
    # each of their reruns is CPU the sliders of other visitors and the workers share.
    assert run.poll_seconds(running=True, queued=True) == (1.0, None)
    assert run.poll_seconds(running=True, queued=False) == (0.5, 1.0)
    assert run.poll_seconds(running=False, queued=False) == (None, None)


def test_durations_queue_places_and_upload_summaries_follow_the_language(monkeypatch):
    from gan_core.jobs import Snapshot, format_duration
    from tests.test_bilingual import english_prose
    from ui import i18n

    for seconds in (None, 42.4, 125, 7300):
        assert msg.duration(seconds) == format_duration(seconds)
    queued = Snapshot(status="queued", iteration=0, total=10, position=3, wait_s=100)
    assert train_queue.position_text(queued) == "3rd in line, about 1 min 40 s"
    assert [train_queue.ordinal(n) for n in (1, 2, 4, 11, 21, 22, 103)] == [
        "1st", "2nd", "4th", "11th", "21st", "22nd", "103rd"]
    report = train_data.handle_uploads([("faces.zip", image_zip(3, 2))], size=32)
    assert train_data.upload_summary(report) == report.summary()
    monkeypatch.setattr(i18n, "current", lambda: "fa")
    assert msg.duration(125) == "۲ دقیقه و ۰۵ ثانیه"          # Persian digits (issue 28)
    assert train_queue.position_text(queued) == "نفر سوم صف، حدود ۱ دقیقه و ۴۰ ثانیه انتظار"
    assert english_prose(train_queue.position_text(queued)) == []
    assert train_data.upload_summary(report) == "۳ پذیرفته، ۲ ردشده (تصویر نیستند)"   # Persian digits (issue 28)
