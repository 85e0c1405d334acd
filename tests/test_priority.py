"""The training worker yields the CPU to page reruns (gan_core.device.lower_thread_priority)."""

import os
import sys
import threading

import pytest
import torch

from gan_core.device import lower_thread_priority
from gan_core.job import TrainingJob
from gan_core.train import TrainConfig

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def tiny_job(**kw):
    config = TrainConfig(dataset="shapes", image_size=16, conv_dim=4, noise_size=8, batch_size=8,
                         iterations=5, sample_every=5, n_samples=8, seed=0)
    data = torch.randint(0, 256, (16, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    return TrainingJob(config, data, **kw)


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
