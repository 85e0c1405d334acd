"""The `ray` backend: each training is a Ray actor on an existing cluster (one CPU, one torch thread).

Ray is an optional install (`pip install -r requirements-cluster.txt`), so `import ray` happens
only inside this module's functions and `gan_core.jobs` does not import it; the service imports
this module when GAN_PLAYGROUND_BACKEND=ray and falls back to `local` on BackendUnavailable.

    backend = RayBackend("ray://head:10001")     # or "auto" on a machine that runs `ray start`
    run = backend.start(RunSpec(config, dataset=uploaded_uint8_array))
    run.snapshot()                               # the Snapshot the Train page polls, from a cache
    run.stop("the class is over")
    run.generator()                              # once final: the trained G; releases the actor

What travels: the RunSpec (a TrainConfig and flags) as the actor's argument, the learner's uploaded
images once through the object store (`ray.put`), then per poll only what changed of the Snapshot
(SnapshotPacker: each grid crosses once) and, at the end, the generator's state_dict. The cluster's
workers must import the same gan_core (the repository on their PYTHONPATH, docs/classroom.md).
A poller thread per run asks the actor for snapshots, so the page never waits on the network and a
dead actor (killed, out of memory) turns into one sentence within a second or two; a machine that
leaves the cluster, once Ray has missed its heartbeats (~15 s by default). While a CPU is free, one
warm spare actor waits for the next Start (as local's spare worker process does); an actor trains
one run and is killed after it, so its memory goes back.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import numpy as np
import torch

from .backends import (BackendUnavailable, RunSpec, SnapshotPacker, SnapshotUnpacker, dead_snapshot,
                       generator_from_state, generator_state, worker_died_sentence)
from .eta import Timing
from .job import Snapshot, TrainingJob

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install -r requirements-cluster.txt"
POLL_S = 0.3                 # how often a run's poller asks its actor for a snapshot
UNRESPONSIVE_S = 20.0        # an actor that answered before and then stays silent this long is lost
START_LIMIT_S = 300.0        # no answer at all within this: the cluster never gave the run a worker
CONNECT_PROBE_S = 3.0        # the TCP check of a host:port address before ray.init (fail fast, no hang)
CLIENT_TRIES = 3             # a ray:// head whose per-client server died while starting is asked again
CLIENT_RETRY_S = 2.0         # ... after this pause (the head frees that server's port meanwhile)
# What the Ray Client proxy answers when the server it starts for this one client exits or never
# answers: a hiccup of the head (seen once in CI: the server exited at birth, its log empty), not
# a wrong address, so a fresh try usually gets a working one.
CLIENT_START_FAILED = ("Starting Ray client server failed", "Proxy failed to Connect")


def _ray():
    try:
        import ray
    except ImportError as exc:
        raise BackendUnavailable(f"Ray is not installed on this server ({INSTALL_HINT}).") from exc
    return ray


# ---------------------------------------------------------------- the worker side

class TrainingActor:
    """One run inside a Ray worker process; made remote by `_actor_class()` (num_cpus=1).

    Created ahead of a Start as a warm spare (torch imported, the default preset built once), it
    trains the one run `begin()` gives it; the TrainingJob trains in its own thread, so snapshot()
    and stop() are answered while it runs.
    """

    def __init__(self):
        from .local_backend import _warm_up

        torch.set_num_threads(1)
        _warm_up()
        self.packer = SnapshotPacker()
        self.job: TrainingJob | None = None

    def ready(self) -> bool:
        return True

    def begin(self, spec: RunSpec, dataset: np.ndarray | None = None) -> None:
        if dataset is not None:
            # Object-store arrays are read-only views; the upload is small, so copy it into torch.
            spec.dataset = np.array(dataset, copy=True)
        self.job = TrainingJob(spec.config, spec.dataset_tensor(), label=spec.label,
                               max_seconds=spec.max_seconds, measure=spec.measure,
                               max_grids=spec.max_grids, threads=1)
        self.job.start()

    def snapshot(self) -> dict:
        return self.packer.pack(self.job.snapshot())

    def stop(self, reason: str = "") -> bool:
        return self.job.stop(reason)

    def generator_state(self) -> dict | None:
        return generator_state(self.job.generator) if not self.job.running else None

    def where(self) -> dict:
        """Which process and node train this run (tests kill it; the log names it)."""
        import os

        ray = _ray()
        return {"pid": os.getpid(), "node_id": ray.get_runtime_context().get_node_id()}


_ACTOR = None


def _kill(actor):
    try:
        _ray().kill(actor, no_restart=True)
    except Exception:
        log.debug("ray.kill failed (the actor is gone already?)", exc_info=True)


def _actor_class():
    global _ACTOR
    if _ACTOR is None:
        # max_restarts=0: a restarted actor would start the run again from step 0.
        _ACTOR = _ray().remote(num_cpus=1, max_restarts=0)(TrainingActor)
    return _ACTOR


# ---------------------------------------------------------------- the web-process side

def died_sentence(exc: BaseException) -> str:
    """backends.worker_died_sentence, saying why when Ray's error says (a machine gone, low memory)."""
    text = str(exc).lower()
    if "node has died" in text or "node died" in text:
        why = " (its machine left the Ray cluster)"
    elif "low on memory" in text or "memory pressure" in text:
        why = " (its machine ran low on memory)"
    else:
        why = ""
    return worker_died_sentence(where="Ray worker", why=why)


class RayRun:
    """One training on the cluster, seen from the web process (implements backends.Run)."""

    def __init__(self, backend: "RayBackend", spec: RunSpec, actor, warm: bool = False, booting_for_s: float = 0.0):
        self.spec = spec
        self.error: str | None = None
        self.warm = warm                      # its actor had booted when it took the run
        self.booting_for_s = booting_for_s    # how long that actor had existed
        self._backend = backend
        self._actor = actor
        self._lock = threading.Lock()
        self._unpacker = SnapshotUnpacker()
        self._last = Snapshot(status="starting", iteration=0, total=spec.config.iterations,
                              config=spec.config, label=spec.label)
        self._answered = False
        self._released = False
        self._generator = None
        self._fetched = False
        self._closing = threading.Event()
        self._poller = threading.Thread(target=self._poll, name=f"ray-run-{id(self):x}", daemon=True)
        self._poller.start()

    # ---- backends.Run

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._last

    def stop(self, reason: str = "") -> None:
        with self._lock:
            actor = None if self._released or self._last.finished else self._actor
        if actor is not None:
            try:
                actor.stop.remote(reason)
            except Exception:      # dead or disconnected: the poller reports it
                log.debug("stop() could not reach the actor", exc_info=True)

    def alive(self) -> bool:
        with self._lock:
            return not self._released and self.error is None

    def generator(self) -> torch.nn.Module | None:
        """The trained generator once the run is final; fetching it releases the actor."""
        with self._lock:
            if self._fetched or not self._last.finished:
                return self._generator
            self._fetched = True
            actor = None if self.error is not None else self._actor
        state = None
        if actor is not None:
            ray = _ray()
            try:
                state = ray.get(actor.generator_state.remote(), timeout=60)
            except Exception:
                log.warning("could not fetch the trained generator from its actor", exc_info=True)
        g = generator_from_state(self.spec.config, state) if state is not None else None
        with self._lock:
            self._generator = g
        self.release()
        return g

    # ---- ours

    def release(self):
        """Kill the actor (its worker process exits, memory goes back); idempotent."""
        self._closing.set()
        with self._lock:
            if self._released:
                return
            self._released = True
            actor, self._actor = self._actor, None
        if actor is not None:
            _kill(actor)
        self._backend._forget(self)

    def where(self, timeout: float = 60) -> dict:
        """{"pid", "node_id"} of the worker training this run (blocks until the actor exists)."""
        return _ray().get(self._actor.where.remote(), timeout=timeout)

    def _die(self, sentence: str):
        with self._lock:
            if self._last.finished:
                return
            self.error = sentence
            self._last = dead_snapshot(self._last, self.spec.config, sentence, self.spec.label)
        log.warning("ray run lost: %s", sentence)
        self.release()

    def _poll(self):
        ray = _ray()
        from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError

        started = last_answer = time.monotonic()
        ref = None
        while not self._closing.is_set():
            with self._lock:
                actor = self._actor
            if actor is None:
                return
            try:
                # One request at a time, each answer read: the packer sends each grid only once.
                if ref is None:
                    ref = actor.snapshot.remote()
                packed = ray.get(ref, timeout=2.0)
                ref = None
            except GetTimeoutError:
                packed = None
            except ActorUnavailableError:     # a transient network blip: ask again, count the silence
                ref, packed = None, None
            except RayActorError as exc:
                log.info("actor died: %s", exc)
                self._die(died_sentence(exc))
                return
            except Exception as exc:          # the cluster itself went away (client disconnected, ...)
                log.info("snapshot request failed: %r", exc)
                ref, packed = None, None
                time.sleep(1.0)
            now = time.monotonic()
            if packed is None:
                silent = now - (last_answer if self._answered else started)
                if self._answered and silent > UNRESPONSIVE_S:
                    self._die(f"The Ray worker training this run stopped answering for {silent:.0f} s "
                              "(its machine may have left the cluster); the run ended, your place was "
                              "freed and you can start again.")
                    return
                if not self._answered and silent > START_LIMIT_S:
                    self._die(f"The Ray cluster gave this run no worker within {silent:.0f} s; the run "
                              "ended, your place was freed and you can start again.")
                    return
                continue
            snap = self._unpacker.unpack(packed)
            with self._lock:
                self._last = snap
                self._answered = True
            last_answer = now
            if snap.finished:
                return                        # the actor waits for generator() (or release())
            self._closing.wait(POLL_S)


def connect(address: str = "auto", **init_kwargs) -> None:
    """ray.init(address) or BackendUnavailable with one sentence; a host:port is probed first (seconds)."""
    ray = _ray()
    target = address[len("ray://"):] if address.startswith("ray://") else address
    if target != "auto":
        host, _, port = target.rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=CONNECT_PROBE_S).close()
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"The Ray cluster at {address} cannot be reached "
                                     f"({type(exc).__name__}: {exc}).") from exc
    tries = CLIENT_TRIES if address.startswith("ray://") else 1
    for attempt in range(1, tries + 1):
        try:
            ray.init(address=address, **{"logging_level": logging.WARNING, **init_kwargs})
            return
        except Exception as exc:
            if attempt < tries and any(s in str(exc) for s in CLIENT_START_FAILED):
                log.warning("the Ray Client server for this app failed to start (try %d of %d); "
                            "asking again", attempt, tries)
                time.sleep(CLIENT_RETRY_S)
                continue
            raise BackendUnavailable(f"The Ray cluster at {address} cannot be used "
                                     f"({type(exc).__name__}: {str(exc)[:200]}).") from exc


class RayBackend:
    """Trainings as Ray actors on an existing cluster (implements backends.Backend).

    address: "auto" (the cluster this machine joined with `ray start`), "ray://host:10001" (Ray
      Client to a head node) or a GCS "host:6379". Unreachable: BackendUnavailable, within seconds.
    workers: runs at the same time; None: the cluster's CPUs (each run takes one), re-read as
      machines join or leave.
    spares: warm actors kept ahead of the next Start while a CPU is free (torch imported, data
      and models built once: Start -> first step ~0.5 s instead of ~4 s); each holds its CPU.
    init_kwargs: passed on to ray.init (tests: nothing; a head with a password: _redis_password).
    """

    name = "ray"
    # Priors for the queue's estimates until this server has measured its own (eta.py), from a
    # two-node local cluster on the 2-core machine (bench/bench_ray_backend.py): Start -> first step
    # 0.36 s on a warm spare actor, 4.84 s on a fresh one; runs held their actor 22.3 s for a 15 s cap
    # (bench/bench_classroom.py, reduced run), ~2.5 s of it after the last step.
    timing = Timing(start_s=0.4, boot_s=4.5, tail_s=2.5)

    def __init__(self, address: str = "auto", workers: int | None = None, spares: int = 1, **init_kwargs):
        ray = _ray()
        self.address = (address or "auto").strip()
        self.note = ""
        self._workers = workers
        self._lock = threading.Lock()
        self._runs: list[RayRun] = []
        self.spares = max(0, spares)
        self._spares: list[tuple] = []      # (actor, its ready() ref, when created), oldest first
        self._closed = False
        self._cpus = (float("-inf"), 0)     # (when read, CPUs)
        self._owns = not ray.is_initialized()
        if self._owns:
            connect(self.address, **init_kwargs)
        if self.workers < 1:
            self.close()
            raise BackendUnavailable(f"The Ray cluster at {self.address} has no CPU to train on.")
        log.info("ray backend: %s, %d workers", self.address, self.workers)
        with self._lock:
            self._refill()

    @property
    def workers(self) -> int:
        if self._workers is not None:
            return self._workers
        when, cpus = self._cpus
        if time.monotonic() - when > 5.0:
            try:
                cpus = int(_ray().cluster_resources().get("CPU", 0))
                self._cpus = (time.monotonic(), cpus)
            except Exception:      # keep the last count while the cluster does not answer
                log.debug("cluster_resources() failed", exc_info=True)
        return cpus

    def start(self, spec: RunSpec) -> RayRun:
        ray = _ray()
        dataset_ref = None
        if spec.dataset is not None:
            dataset_ref = ray.put(np.ascontiguousarray(spec.dataset))
        plain = RunSpec(**{**spec.__dict__, "dataset": None})     # the images travel as the object ref
        with self._lock:
            if self._closed:
                raise RuntimeError("this backend is closed")
            actor, warm, age = self._take_spare(ray) or (_actor_class().remote(), False, 0.0)
            actor.begin.remote(plain, dataset_ref)
            run = RayRun(self, spec, actor, warm, age)
            self._runs.append(run)
            self._refill()
        return run

    def wait_warm(self, timeout: float = 60.0) -> bool:
        """Block until every spare has booted (benchmarks; the app need not wait). True if they did."""
        ray = _ray()
        with self._lock:
            refs = [ref for _, ref, _ in self._spares]
        done, _ = ray.wait(refs, num_returns=len(refs), timeout=timeout) if refs else ([], [])
        return len(done) == len(refs)

    def _take_spare(self, ray):
        """(actor, warm, seconds since created) of a warm spare (a booting one if none is warm yet),
        or None; spares that died are dropped (lock held)."""
        booting = []
        for spare in list(self._spares):
            actor, ref, created = spare
            done, _ = ray.wait([ref], timeout=0)
            if not done:
                booting.append(spare)
                continue
            self._spares.remove(spare)
            try:
                ray.get(actor.ready.remote(), timeout=2.0)   # alive now, not only when it booted
                return actor, True, time.monotonic() - created
            except Exception:          # it died while waiting (its machine left, ...) or hangs: drop it
                log.info("a spare Ray actor was lost", exc_info=True)
                _kill(actor)
        if booting:
            spare = booting[0]
            self._spares.remove(spare)
            return spare[0], False, time.monotonic() - spare[2]
        return None

    def idle_workers(self) -> list[float | None]:
        """The spares in the order start() takes them: None for a booted one, else the seconds it
        has been booting (the queue's estimates)."""
        ray = _ray()
        now = time.monotonic()
        with self._lock:
            spares = list(self._spares)
        ready, booting = [], []
        for _, ref, created in spares:
            try:
                done, _ = ray.wait([ref], timeout=0)
            except Exception:          # the cluster does not answer: count it as still booting
                done = []
            (ready if done else booting).append(None if done else now - created)
        return ready + booting

    def _refill(self):
        """Boot spares while a CPU is free for them: runs + spares never exceed workers (lock held)."""
        while (not self._closed and len(self._spares) < self.spares
               and len(self._runs) + len(self._spares) < self.workers):
            actor = _actor_class().remote()
            self._spares.append((actor, actor.ready.remote(), time.monotonic()))

    def _forget(self, run: RayRun):
        with self._lock:
            if run in self._runs:
                self._runs.remove(run)
            self._refill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            runs, spares, self._spares = list(self._runs), self._spares, []
        for run in runs:
            run.release()
        for actor, _, _ in spares:
            _kill(actor)
        if self._owns:
            try:
                _ray().shutdown()
            except Exception:
                log.debug("ray.shutdown failed", exc_info=True)
            self._owns = False
