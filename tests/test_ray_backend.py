"""The `ray` backend on a real two-node Ray cluster started on this machine (ray.cluster_utils).

Each node has one CPU, so two runs train on two nodes at once, as on a lab's machines. The
cluster starts once for the module (~5-10 s); the waits are generous and nothing asserts a
speed, so a loaded 2-core machine passes too. Skipped only when Ray is not installed (CI
installs requirements-cluster.txt).
"""

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from tinytrain import data16, tiny_config

from gan_core import metrics
from gan_core.jobs.backends import BackendUnavailable, RunSpec

REPO = Path(__file__).resolve().parent.parent
WAIT_S = 240     # per run; a tiny run takes seconds, but the machine may be shared
needs_ray = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                               reason="Ray is not installed (pip install -r requirements-cluster.txt)")


def tiny(**kw):
    return tiny_config(**{"sample_every": 5, "n_samples": 8, **kw})


@pytest.fixture(scope="module")
def cluster():
    # Every Ray address stays on the loopback (Ray would otherwise swap 127.0.0.1 for the
    # machine's network address); read when ray is first imported, so set before it.
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    # The workers import gan_core from this checkout, as docs/classroom.md tells lab machines to.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    with socket.socket() as s:            # a free port for the head's Ray Client server (ray://)
        s.bind(("127.0.0.1", 0))
        client_port = s.getsockname()[1]
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20,
                                                      "ray_client_server_port": client_port})
    c.client_address = f"ray://127.0.0.1:{client_port}"
    c.worker = c.add_node(num_cpus=1, object_store_memory=80 * 2**20)
    c.wait_for_nodes()
    yield c
    if ray.is_initialized():
        ray.shutdown()
    c.shutdown()


@pytest.fixture(scope="module")
def backend(cluster):
    from gan_core.jobs.ray_backend import RayBackend

    b = RayBackend(address=cluster.address)
    yield b
    b.close()


def wait_final(run, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = run.snapshot()
        if snap.finished:
            return snap
        time.sleep(0.2)
    raise AssertionError(f"the run did not finish within {timeout} s (last: {run.snapshot().status})")


def wait_training(run, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = run.snapshot()
        assert not snap.finished, snap.error or snap.message
        if snap.status == "running" and snap.iteration > 0:
            return snap
        time.sleep(0.2)
    raise AssertionError(f"the run did not start training within {timeout} s")


# ---------------------------------------------------------------- without a cluster

def test_gan_core_imports_and_says_so_without_ray():
    """Ray is optional: gan_core.jobs imports without it, and the backend names the install."""
    code = ("import sys; sys.modules['ray'] = None\n"
            "import gan_core.jobs, gan_core.jobs.ray_backend as rb\n"
            "from gan_core.jobs.backends import BackendUnavailable\n"
            "try:\n    rb.RayBackend('auto')\nexcept BackendUnavailable as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "requirements-cluster.txt" in out.stdout


@needs_ray
def test_an_unreachable_cluster_is_one_sentence_within_seconds():
    from gan_core.jobs.ray_backend import connect

    with socket.socket() as s:            # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    with pytest.raises(BackendUnavailable, match="cannot be reached"):
        connect(f"ray://127.0.0.1:{port}")
    with pytest.raises(BackendUnavailable, match="cannot be reached"):
        connect(f"127.0.0.1:{port}")
    assert time.monotonic() - t0 < 30


def _head_whose_client_server_fails(monkeypatch, failures):
    """A listening port (the probe passes) and a ray.init that fails `failures` times as the CI head did."""
    import ray

    from gan_core.jobs import ray_backend

    calls = []

    def init(address, **kw):
        calls.append(address)
        if len(calls) <= failures:
            raise ConnectionAbortedError("Initialization failure from server:\nRuntimeError: Starting Ray "
                                         "client server failed. See ray_client_server_23000.err for "
                                         "detailed logs.")

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray_backend, "CLIENT_RETRY_S", 0.0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener, f"ray://127.0.0.1:{listener.getsockname()[1]}", calls


@needs_ray
def test_a_client_server_that_dies_at_birth_is_asked_for_again(monkeypatch):
    from gan_core.jobs.ray_backend import connect

    listener, address, calls = _head_whose_client_server_fails(monkeypatch, failures=1)
    with listener:
        connect(address)                       # no error: the second try got a server
    assert calls == [address, address]


@needs_ray
def test_a_head_that_never_starts_a_client_server_is_one_sentence_after_three_tries(monkeypatch):
    from gan_core.jobs.ray_backend import CLIENT_TRIES, connect

    listener, address, calls = _head_whose_client_server_fails(monkeypatch, failures=99)
    with listener, pytest.raises(BackendUnavailable, match=f"(?s)The Ray cluster at {address} cannot be used "
                                                             r"\(ConnectionAbortedError: .*Starting Ray client"):
        connect(address)
    assert len(calls) == CLIENT_TRIES == 3


@needs_ray
def test_an_unreachable_cluster_falls_back_to_local_with_the_sentence(monkeypatch):
    import ray

    from gan_core.jobs.service import BackendChoice, make_backend

    monkeypatch.setattr(ray, "is_initialized", lambda: False)   # as in a fresh server process
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = make_backend(BackendChoice("ray", 1, f"ray://127.0.0.1:{port}"))
    try:
        assert backend.name == "local" and backend.workers == 1
        assert f"ray://127.0.0.1:{port} cannot be reached" in backend.note
    finally:
        backend.close()


# ---------------------------------------------------------------- on the cluster

def test_the_workers_are_the_clusters_cpus(backend):
    assert backend.name == "ray"
    assert backend.workers == 2


def test_an_app_on_another_machine_trains_through_ray_client(cluster):
    """GAN_PLAYGROUND_RAY_ADDRESS=ray://head:10001, in a process of its own (as the app would be)."""
    code = ("import sys, time\n"
            "from gan_core.jobs.backends import RunSpec\n"
            "from gan_core.jobs.ray_backend import RayBackend\n"
            "from gan_core.training import TrainConfig\n"
            f"b = RayBackend({cluster.client_address!r}, spares=0)\n"
            "run = b.start(RunSpec(TrainConfig(dataset='shapes', image_size=16, conv_dim=4, noise_size=8,\n"
            "                                  batch_size=8, iterations=10, sample_every=5, n_samples=8)))\n"
            "while not run.snapshot().finished:\n    time.sleep(0.2)\n"
            "s = run.snapshot()\n"
            "print(s.status, s.iteration, len(s.timeline), type(run.generator()).__name__)\n"
            "b.close()\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=WAIT_S)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["done", "10", "2", "DCGenerator"]


def test_a_tiny_run_trains_end_to_end_on_an_actor(backend):
    run = backend.start(RunSpec(config=tiny(), label="tiny"))
    assert run.snapshot().status in ("starting", "running")     # start() returns at once
    snap = wait_final(run)
    assert snap.status == "done", snap.error or snap.message
    assert run.error is None
    assert snap.iteration == snap.total == 20 and snap.label == "tiny"
    assert len(snap.curves["x"]) > 0 and snap.curves["g_loss"]
    its = [it for it, _ in snap.timeline]
    assert its[-1] == 20 and len(its) >= 4                       # every 5 steps, each grid crossed once
    assert snap.grid is snap.timeline[-1][1] and snap.grid.dtype == np.uint8 and snap.grid_iteration == 20
    assert run.alive()                                           # the actor waits for generator()
    g = run.generator()
    assert isinstance(g, torch.nn.Module) and not g.training
    with torch.no_grad():
        assert g(torch.randn(2, 8)).shape == (2, 3, 16, 16)
    assert not run.alive()                                       # fetching it released the actor
    assert run.generator() is g and run.snapshot().status == "done"


def test_two_runs_train_at_once_on_the_two_nodes(backend):
    runs = [backend.start(RunSpec(config=tiny(iterations=100_000, seed=i))) for i in range(2)]
    try:
        for run in runs:
            wait_training(run)
        assert all(run.snapshot().status == "running" for run in runs)   # both at the same time
        nodes = {run.where()["node_id"] for run in runs}
        assert len(nodes) == 2
    finally:
        for run in runs:
            run.stop("the test is over")
    for run in runs:
        assert wait_final(run).status == "stopped"
        run.generator()


def test_the_uploaded_images_travel_with_the_run(backend):
    images = data16(24, seed=7).numpy()
    run = backend.start(RunSpec(config=tiny(iterations=10), dataset=images))
    snap = wait_final(run)
    assert snap.status == "done", snap.error or snap.message
    # The live metrics' reference level is measured on the training images: the upload's, not "shapes".
    assert snap.real_diversity == pytest.approx(metrics.diversity(torch.from_numpy(images)).fake, rel=1e-4)
    run.generator()


def test_stop_ends_the_run_with_its_reason(backend):
    run = backend.start(RunSpec(config=tiny(iterations=100_000)))
    wait_training(run)
    run.stop("the class is over")
    snap = wait_final(run)
    assert snap.status == "stopped" and "the class is over" in snap.message
    assert 0 < snap.iteration < 100_000
    assert isinstance(run.generator(), torch.nn.Module)          # a stopped run keeps what it learnt
    run.stop("again")                                            # harmless once ended


def test_a_killed_worker_ends_the_run_with_one_sentence_and_the_next_run_trains(backend):
    run = backend.start(RunSpec(config=tiny(iterations=100_000)))
    before = wait_training(run)
    os.kill(run.where()["pid"], signal.SIGKILL)                   # as the out-of-memory killer would
    snap = wait_final(run, timeout=60)
    assert snap.status == "error" and snap.error_kind == "worker"
    assert run.error and snap.error == run.error and "Ray worker" in run.error
    assert run.error.count(". ") == 0 and run.error.endswith(".")  # one sentence
    assert snap.iteration >= before.iteration and snap.config == before.config
    assert not run.alive() and run.generator() is None
    assert run.snapshot() is snap                                # final: it stays as it is
    again = backend.start(RunSpec(config=tiny(iterations=10)))  # the worker's place is free again
    assert wait_final(again).status == "done"
    again.generator()


def test_a_machine_leaving_the_cluster_ends_its_run_and_the_other_goes_on(cluster, backend):
    """Ray notices a lost node by its missed heartbeats (~15 s with Ray's defaults)."""
    runs = [backend.start(RunSpec(config=tiny(iterations=100_000, seed=i))) for i in range(2)]
    for run in runs:
        wait_training(run)
    on_worker = [run for run in runs if run.where()["node_id"] == cluster.worker.node_id]
    assert len(on_worker) == 1
    victim, other = on_worker[0], next(run for run in runs if run is not on_worker[0])
    cluster.remove_node(cluster.worker, allow_graceful=False)
    snap = wait_final(victim, timeout=120)
    assert snap.status == "error" and "left the Ray cluster" in victim.error
    assert other.snapshot().status == "running"                  # the other machine trains on
    other.stop("the test is over")
    assert wait_final(other).status == "stopped"
    other.generator()
    deadline = time.monotonic() + 30
    while backend.workers != 1 and time.monotonic() < deadline:      # the count follows the cluster
        time.sleep(0.5)
    assert backend.workers == 1
    cluster.worker = cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)   # as it was
    cluster.wait_for_nodes()
    while backend.workers != 2 and time.monotonic() < deadline + 30:
        time.sleep(0.5)
    assert backend.workers == 2


def test_the_job_service_queues_a_class_onto_the_cluster(backend, monkeypatch):
    """Three learners, two machines: two train at once, the third waits its turn, then trains."""
    from gan_core.jobs.service import JobService

    monkeypatch.setattr(backend, "close", lambda: None)     # the module's backend outlives this service
    service = JobService(backend, max_seconds=600)
    try:
        handles = [service.submit(tiny(iterations=30, seed=i), data16(24, seed=i) if i == 2 else None,
                                  owner=f"learner-{i}") for i in range(3)]
        assert [h.state for h in handles] == ["running", "running", "queued"]
        assert handles[2].snapshot().status == "queued" and handles[2].snapshot().position == 1
        for h in handles:
            assert h.wait(WAIT_S)
        for h in handles:
            snap = h.snapshot()
            assert snap.status == "done" and snap.iteration == 30, snap.error or snap.message
            assert isinstance(h.generator, torch.nn.Module)
        assert handles[2].started_at >= min(h.ended_at for h in handles[:2]) - 1.0
    finally:
        service.close()
