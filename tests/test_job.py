"""TrainingJob: one training in a background thread (what every worker runs), without Streamlit.

The queue in front of the workers: tests/test_service.py; the workers: tests/test_local_backend.py."""

import threading
import time

import numpy as np
import pytest
import torch
from tinytrain import data16, tiny_config

from gan_core import hub
from gan_core.jobs import (
    FINAL,
    Series,
    Snapshot,
    Timeline,
    TrainingJob,
    checkpoint_zip,
    format_duration,
    model_info_for,
    timeline_gif,
)
from gan_core.training import FinalEvent, StepEvent


def tiny(**kw):
    return tiny_config(**{"sample_every": 5, "n_samples": 8, **kw})


class ScriptedTrainer:
    """Stands in for Trainer: yields the given events, optionally slowly, and honours stop()."""

    def __init__(self, events, delay=0.0, config=None):
        self.events, self.delay, self.config = events, delay, config or tiny()
        self.reference = data16(8)
        self._stop = threading.Event()
        self.generator = None

    def stop(self):
        self._stop.set()

    def run(self):
        done = 0
        for ev in self.events:
            if self._stop.is_set():
                yield FinalEvent("stopped", done, f"Training stopped at step {done}.")
                return
            time.sleep(self.delay)
            done = ev.iteration
            yield ev


def steps(n):
    return [StepEvent("step", i, d_loss_real=0.3, d_loss_fake=0.2, d_loss=0.5, g_loss=0.4, d_x=0.7, d_g_z=0.3,
                      its_per_sec=10.0) for i in range(1, n + 1)]


# ---------------------------------------------------------------- bounded histories

def test_series_stays_bounded_evenly_spaced_and_ends_at_the_latest_point():
    s = Series(max_points=50)
    for i in range(1, 10_001):
        s.add(i, g_loss=float(i))
    d = s.to_dict()
    assert len(d["x"]) < 2 * 50 + 1
    assert d["x"][0] == 1 and d["x"][-1] == 10_000          # the whole run, up to now
    gaps = np.diff(d["x"][:-1])
    assert gaps.min() == gaps.max()                          # evenly thinned
    assert d["g_loss"] == [float(x) for x in d["x"]]


def test_timeline_keeps_at_most_60_grids_first_and_latest_included():
    t = Timeline(max_frames=60)
    for i in range(1, 1001):
        t.add(i * 10, np.full((2, 2, 3), i % 256, np.uint8))
    frames = t.frames()
    assert len(frames) <= 60
    its = [i for i, _ in frames]
    assert its[0] == 10 and its[-1] == 10_000
    assert its == sorted(its) and len(set(np.diff(its[:-1]))) == 1


def test_timeline_keeps_every_grid_of_a_short_run():
    t = Timeline(max_frames=60)
    for i in range(1, 31):
        t.add(i, np.zeros((2, 2, 3), np.uint8))
    assert [i for i, _ in t.frames()] == list(range(1, 31))


def test_format_duration_reads_like_a_person():
    assert format_duration(42.4) == "42 s"
    assert format_duration(125) == "2 min 05 s"
    assert format_duration(None) == "?"


# ---------------------------------------------------------------- a real run

def test_inline_run_collects_curves_grids_metrics_and_finishes():
    job = TrainingJob(tiny(), data16(), label="tiny")
    assert job.run_inline()
    snap = job.snapshot()
    assert isinstance(snap, Snapshot)
    assert snap.status == "done" and snap.finished and "20 iterations" in snap.message
    assert snap.iteration == snap.total == 20 and snap.progress == 1.0
    assert snap.curves["x"] == list(range(1, 21))
    for key in ("d_loss_real", "d_loss_fake", "g_loss", "d_x", "d_g_z"):
        assert len(snap.curves[key]) == 20 and all(np.isfinite(snap.curves[key]))
    assert [i for i, _ in snap.timeline] == [5, 10, 15, 20]
    assert snap.grid is snap.timeline[-1][1] and snap.grid.dtype == np.uint8
    assert snap.metrics["diversity"]["x"] == [5, 10, 15, 20]
    assert all(v > 0 for v in snap.metrics["swd_grid"]["value"])
    assert snap.its_per_sec > 0 and snap.eta_s == 0.0
    assert job.generator is not None and not job.running


def test_one_image_dataset_and_a_batch_larger_than_the_data_still_train():
    job = TrainingJob(tiny(iterations=10, batch_size=8), data16(n=1))
    job.run_inline()
    snap = job.snapshot()
    assert snap.status == "done", snap.error
    assert snap.real_diversity is None and "diversity" not in snap.metrics and len(snap.timeline) == 2


def test_threaded_run_finishes():
    job = TrainingJob(tiny(iterations=10), data16())
    assert job.start()
    assert job.wait(60), "the worker did not finish"
    assert job.status == "done" and not job.running


def test_snapshot_is_a_copy_the_worker_does_not_change():
    job = TrainingJob(tiny(iterations=10), data16())
    job.run_inline()
    snap = job.snapshot()
    snap.curves["x"].append(999)
    assert job.snapshot().curves["x"][-1] == 10


# ---------------------------------------------------------------- stopping

def test_stop_ends_a_threaded_run_and_a_second_stop_is_a_no_op():
    job = TrainingJob(tiny(), trainer_factory=lambda c, d: ScriptedTrainer(steps(10_000), delay=0.001))
    job.start()
    deadline = time.monotonic() + 30
    while job.snapshot().iteration < 3:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert job.stop("stopped by you") is True
    assert job.stop("stopped by you") is False                 # pressed twice
    assert job.wait(30)
    snap = job.snapshot()
    assert snap.status == "stopped"
    assert snap.message.startswith("Training stopped at step") and "stopped by you" in snap.message
    assert job.stop() is False                                  # after the end, too


def test_stop_while_the_data_is_still_loading_stops_at_step_0():
    loading = threading.Event()

    def slow_factory(config, dataset):
        loading.wait(10)
        return ScriptedTrainer(steps(100))

    job = TrainingJob(tiny(), trainer_factory=slow_factory)
    job.start()
    assert job.snapshot().status == "starting"
    job.stop()
    loading.set()
    assert job.wait(10)
    assert job.status == "stopped" and job.snapshot().iteration == 0


def test_worker_stops_itself_when_the_browser_session_is_gone():
    alive = {"v": True}
    job = TrainingJob(tiny(), trainer_factory=lambda c, d: ScriptedTrainer(steps(100_000), delay=0.001),
                      is_alive=lambda: alive["v"], grace_s=0.2)
    job.start()
    time.sleep(0.3)
    assert job.running
    alive["v"] = False
    assert job.wait(10), "the job kept training for a closed browser"
    snap = job.snapshot()
    assert snap.status == "stopped" and "browser tab was closed" in snap.message


def test_time_limit_stops_the_run():
    job = TrainingJob(tiny(), trainer_factory=lambda c, d: ScriptedTrainer(steps(100_000), delay=0.001),
                      max_seconds=0.3)
    job.start()
    assert job.wait(10)
    assert job.status == "stopped" and "time limit" in job.snapshot().message


# ---------------------------------------------------------------- failures

def test_a_crashing_trainer_gives_an_error_message():
    def boom(config, dataset):
        raise RuntimeError("kaboom")

    job = TrainingJob(tiny(), trainer_factory=boom)
    assert job.start() and job.wait(10)
    snap = job.snapshot()
    assert snap.status == "error" and "kaboom" in snap.error and "Traceback" not in snap.error


def test_a_bad_dataset_is_reported_in_the_engines_words():
    job = TrainingJob(tiny(image_size=32), data16())       # 16x16 images for a 32x32 model
    job.run_inline()
    snap = job.snapshot()
    assert snap.status == "error" and "16x16" in snap.error and "image_size is 32" in snap.error


def test_a_run_that_ends_without_a_final_event_is_an_error_not_a_hang():
    job = TrainingJob(tiny(), trainer_factory=lambda c, d: ScriptedTrainer(steps(3)))
    job.run_inline()
    assert job.status == "error" and "without reporting" in job.snapshot().error


def test_divergence_is_a_final_status_with_the_engines_explanation():
    events = steps(5) + [FinalEvent("diverged", 5, "Diverged at step 5: the generator's loss became NaN. "
                                                      "The likely cause is the learning rate: 0.1 ...")]
    job = TrainingJob(tiny(lr=0.1), trainer_factory=lambda c, d: ScriptedTrainer(events))
    job.run_inline()
    snap = job.snapshot()
    assert snap.status == "diverged" and snap.status in FINAL
    assert "learning rate" in snap.message and snap.error == ""


# ---------------------------------------------------------------- after a run

def test_checkpoint_zip_loads_back_with_the_same_outputs():
    job = TrainingJob(tiny(iterations=5), data16())
    job.run_inline()
    data = checkpoint_zip(job.generator, job.config, 5)
    generator, info = hub.load_checkpoint_zip(data, name="mine")
    z = torch.randn(2, 8)
    job.generator.eval()
    with torch.no_grad():
        torch.testing.assert_close(generator(z), job.generator(z))
    assert info.config["train_config"]["iterations"] == 5 and info.config["iterations_trained"] == 5


def test_timeline_gif_and_model_info():
    job = TrainingJob(tiny(iterations=10), data16())
    job.run_inline()
    snap = job.snapshot()
    gif = timeline_gif(snap.timeline)
    assert gif[:6] == b"GIF89a"
    info = model_info_for(job.generator, job.config, "Run 1", 10)
    assert info.name == "Run 1" and info.noise_size == 8 and info.image_size == 16
    with pytest.raises(ValueError):
        timeline_gif([])
