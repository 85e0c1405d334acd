"""The training worker yields the CPU to page reruns (gan_core.device.lower_thread_priority)."""

import os
import sys
import threading

import pytest

from gan_core.device import lower_thread_priority
from gan_core.job import TrainingJob
from tinytrain import data16, tiny_config

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def tiny_job(**kw):
    return TrainingJob(tiny_config(iterations=5, sample_every=5, n_samples=8), data16(16), **kw)


@linux
def test_a_started_training_runs_niced_and_the_server_thread_keeps_its_priority(monkeypatch):
    monkeypatch.delenv("GAN_PLAYGROUND_TRAINING_NICE", raising=False)
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job = tiny_job()
    assert job.start()
    job.thread.join(60)
    assert job.snapshot().status == "done"
    assert job.nice == min(19, before + 10)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


@linux
def test_run_inline_leaves_the_callers_priority_alone():
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    job = tiny_job()
    assert job.run_inline()
    assert job.nice == 0
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


@linux
def test_the_increment_comes_from_the_environment_and_zero_turns_it_off(monkeypatch):
    out = {}

    def probe():
        out["nice"] = lower_thread_priority()

    monkeypatch.setenv("GAN_PLAYGROUND_TRAINING_NICE", "0")
    t = threading.Thread(target=probe)
    t.start(), t.join()
    assert out["nice"] == 0

    monkeypatch.setenv("GAN_PLAYGROUND_TRAINING_NICE", "3")
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=probe)
    t.start(), t.join()
    assert out["nice"] == min(19, before + 3)
