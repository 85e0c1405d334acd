"""The `local` backend with real worker processes: two trainings at the same time, uploads travel,
workers are recycled, a killed worker gives one sentence and the queue moves on."""

import os
import time

import pytest
from tinytrain import data16, tiny_config

from gan_core.jobs import JobService, LocalBackend, RunSpec


def until(cond, timeout=90.0, every=0.1):
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        assert time.monotonic() < end, "the workers did not get there in time"
        time.sleep(every)


@pytest.fixture
def backend():
    made = []

    def make(**kw):
        b = LocalBackend(**kw)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()


def test_two_trainings_really_run_at_the_same_time_on_two_workers(backend):
    b = backend(workers=2, spares=0)
    runs = [b.start(RunSpec(tiny_config(iterations=100_000), label=name)) for name in "AB"]
    # both advance while the other is still training: two processes, not one after the other
    first = until(lambda: all(r.snapshot().iteration > 20 for r in runs) and [r.snapshot() for r in runs])
    later = until(lambda: all(r.snapshot().iteration > s.iteration + 20 for r, s in zip(runs, first))
                  and [r.snapshot() for r in runs])
    assert all(s.status == "running" for s in later)
    assert len(set(b.pids()["busy"])) == 2 and os.getpid() not in b.pids()["busy"]
    for r in runs:
        r.stop("stopped by you")
    finals = until(lambda: all(r.snapshot().finished for r in runs) and [r.snapshot() for r in runs])
    assert [s.status for s in finals] == ["stopped", "stopped"]
    assert "stopped by you" in finals[0].message


def test_an_uploaded_set_travels_with_the_run_and_the_generator_comes_back(backend):
    b = backend(workers=1, spares=0)
    run = b.start(RunSpec(tiny_config(iterations=30, sample_every=10), data16().numpy(), label="mine"))
    snap = until(lambda: run.snapshot().finished and run.snapshot())
    assert snap.status == "done" and snap.iteration == 30 and snap.label == "mine"
    assert len(snap.timeline) >= 3 and snap.grid is not None and len(snap.curves["x"]) == 30
    pid = b.pids()["busy"][0]
    g = run.generator()
    assert g is not None and not g.training and g.image_size == 16
    assert not run.alive()
    # the worker that trained it is gone (memory back); a fresh one has taken its place
    until(lambda: b.pids()["idle"] and pid not in b.pids()["idle"])


def test_a_killed_worker_gives_the_sentence_and_the_queue_moves_on():
    svc = JobService(LocalBackend(workers=1, spares=0), poll_s=0.2)
    try:
        a = svc.submit(tiny_config(iterations=100_000), owner="a")
        b = svc.submit(tiny_config(iterations=20), owner="b")
        until(lambda: a.snapshot().iteration > 5)
        assert b.snapshot().position == 1
        killed_at = time.monotonic()
        a.run.kill()
        until(lambda: not a.running, timeout=10)
        assert time.monotonic() - killed_at < 5.0                 # "within a few seconds"
        snap = a.snapshot()
        assert snap.status == "error" and snap.error_kind == "worker"
        assert "stopped unexpectedly" in snap.error and "killed" in snap.error
        assert snap.iteration > 5                                 # what the learner had is still there
        until(lambda: not b.running)                              # the next in line trained on a new worker
        assert b.snapshot().status == "done" and b.generator is not None
    finally:
        svc.close()


def test_the_wait_estimates_learn_this_machines_boot_start_up_and_hand_back():
    svc = JobService(LocalBackend(workers=1, spares=1), poll_s=0.1)
    try:
        a = svc.submit(tiny_config(iterations=30), owner="a")        # the pre-started worker still boots
        assert a.run.warm is False and a.run.booting_for_s < 5
        until(lambda: not a.running)
        until(lambda: None in svc.backend.idle_workers())            # the spare has booted
        b = svc.submit(tiny_config(iterations=30), owner="b")
        assert b.run.warm is True
        until(lambda: not b.running)
        m = svc.eta
        assert m.boot.n == 1 and 0.3 < m.boot.value < 60              # a fresh interpreter, torch, warm-up
        assert m.start.n == 1 and 0 < m.start.value < m.boot.value
        assert m.tail.n == 2 and 0 <= m.tail.value < 10
    finally:
        svc.close()


def test_workers_train_with_one_torch_thread_at_a_lower_priority_than_the_web_process(backend):
    # a slider move in the web process must not queue behind a training's next step
    own = os.getpriority(os.PRIO_PROCESS, 0)
    b = backend(workers=1, spares=0)
    info = until(lambda: b.booted_info())[0]
    assert info["threads"] == 1 and info["interop"] == 1
    assert info["nice"] == min(19, own + 10)
    plain = backend(workers=1, spares=0, nice=0)
    assert until(lambda: plain.booted_info())[0]["nice"] == own


def test_the_workers_priority_is_one_setting(monkeypatch):
    from gan_core.jobs.local_backend import worker_nice

    assert worker_nice({}) == 10
    assert worker_nice({"GAN_PLAYGROUND_WORKER_NICE": "0"}) == 0
    assert worker_nice({"GAN_PLAYGROUND_WORKER_NICE": "99"}) == 19
    assert worker_nice({"GAN_PLAYGROUND_WORKER_NICE": "lots"}) == 10
