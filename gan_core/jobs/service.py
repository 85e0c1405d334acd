"""The job service: one fair queue in front of a backend's workers, shared by every session.

    service = JobService(LocalBackend(workers=2), max_seconds=15 * 60)
    handle = service.submit(config, dataset, owner="browser-session-id", is_alive=connected)
    handle.snapshot()       # status "queued" with .position / .wait_s, then the run's own Snapshot
    handle.stop()           # Cancel while waiting, Stop while training
    service.close()

Rules (the Train page states them):
* first come, first served; at most one queued-or-running training per owner (browser session);
* a run may train for `max_seconds` (the server's limit, or less if the run asked for less);
  while others wait, every run's cap shrinks to `CapRule.cap()`: the limit divided by
  (1 + people waiting per worker), never below `floor_s`, so nobody holds a worker in front of a class;
* a session whose browser tab has been closed for longer than the disconnect grace period leaves
  the queue (or its run stops);
* the estimated wait (eta.py) simulates the line forward: the running runs' progress and rates,
  the cap rule, the backend's idle (warm or booting) workers, and what this server has measured of
  this backend's start-up, boot and hand-back times and of each run size's speed (priors until then).

A monitor thread polls every running run (`Run.snapshot()`), applies the caps and the closed-tab
rule, collects finished runs (their generator) and starts the next in line. Pages read the
handle's last snapshot and never touch a worker themselves. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import statistics
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..training.config import TrainConfig
from .backends import BACKEND_ENV, RAY_ADDRESS_ENV, Backend, BackendUnavailable, RunSpec, env_workers
from .eta import EtaModel, Queued, Running, forecast
from .job import Snapshot, disconnect_grace_s, format_duration

log = logging.getLogger(__name__)

POLL_S = 0.3                 # how often the monitor looks at every run and at the queue


class AlreadyInLine(RuntimeError):
    """This owner already has a training queued or running (one per browser session)."""

    def __init__(self, handle: "Handle"):
        super().__init__("you already have a training queued or running")
        self.handle = handle


@dataclass(frozen=True)
class CapRule:
    """The wall-clock cap of one run: `limit_s` alone, shorter while others wait."""

    limit_s: float               # the server's limit for one run (seconds)
    floor_s: float = 120.0       # the cap never shrinks below this (nor above limit_s)

    def cap(self, waiting: int, workers: int = 1) -> float:
        if waiting <= 0:
            return self.limit_s
        share = self.limit_s / (1.0 + waiting / max(1, workers))
        return max(min(self.floor_s, self.limit_s), share)


# ---------------------------------------------------------------- one learner's place

class Handle:
    """A learner's training: queued, then running on a worker, then finished.

    Reads like a TrainingJob (snapshot(), stop(), running, stopping, generator, config,
    max_seconds, archived), so the page treats both the same."""

    def __init__(self, service: "JobService", number: int, config: TrainConfig, dataset, owner: str,
                 label: str, max_seconds: float | None, is_alive, measure: bool):
        self.service = service
        self.number = number
        self.config = config
        self.dataset = dataset
        self.owner = owner
        self.label = label
        self.requested_s = max_seconds            # what this run asked for (class link), None: the server's
        self.is_alive = is_alive
        self.measure = measure
        self.archived = False
        self.submitted_at = time.monotonic()
        self.started_at: float | None = None      # when a worker took it
        self.zero_at: float | None = None         # when its training clock started (now - snapshot.elapsed)
        self.expected_zero: float | None = None   # when the estimate expects it to start (while starting)
        self.stop_at: float | None = None         # when a stop was asked for
        self.ended_at: float | None = None
        self.run = None
        self.position = 0                         # 1-based while queued
        self.wait_s: float | None = None          # estimated seconds until a worker takes it
        self.promised_wait_s: float | None = None  # the estimate shown when it was submitted (benchmarks)
        self._state = "queued"                    # queued | running | finished
        self._last: Snapshot | None = None
        self._final: Snapshot | None = None
        self._generator = None
        self._stop_reason = ""
        self._cap_stop_sent = False
        self._cap_used: float | None = None
        self._gone_since: float | None = None
        self._done = threading.Event()

    # ---- what the page reads

    @property
    def max_seconds(self) -> float | None:
        """The cap that applies to this run now (it shrinks while others wait); the one that
        stopped it, once it has."""
        if self._cap_used is not None:
            return self._cap_used
        return self.service.cap_for(self)

    @property
    def state(self) -> str:
        return self._state

    @property
    def queued(self) -> bool:
        return self._state == "queued"

    @property
    def running(self) -> bool:
        return self._state != "finished"

    @property
    def stopping(self) -> bool:
        return self._state == "running" and bool(self._stop_reason)

    @property
    def generator(self):
        return self._generator

    def snapshot(self) -> Snapshot:
        svc = self.service
        with svc._lock:
            if self._final is not None:
                return self._final
            if self._state == "queued":
                return Snapshot(status="queued", iteration=0, total=self.config.iterations, config=self.config,
                                label=self.label, position=self.position, wait_s=self.wait_s,
                                cap_s=svc.cap_for(self))
            snap = self._last or Snapshot(status="starting", iteration=0, total=self.config.iterations,
                                          config=self.config, label=self.label)
            return dataclasses.replace(snap, cap_s=svc.cap_for(self))

    def stop(self, reason: str = "") -> bool:
        """Cancel (queued) or stop (running). True if this call asked first."""
        return self.service._stop(self, reason)

    def cancel(self) -> bool:
        return self.stop("you left the queue")

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def seconds_left(self) -> float | None:
        return self.snapshot().eta_s


@dataclass
class QueueStatus:
    backend: str
    workers: int
    running: int
    waiting: int
    note: str = ""
    limit_s: float = 0.0
    floor_s: float = 0.0
    cap_now_s: float = 0.0


# ---------------------------------------------------------------- the service

class JobService:
    """A FIFO queue shared by all sessions in front of `backend` (see the module docstring)."""

    def __init__(self, backend: Backend, *, max_seconds: float = 3600.0, floor_s: float = 120.0,
                 grace_s: float | None = None, poll_s: float = POLL_S):
        self.backend = backend
        self.rule = CapRule(max_seconds, floor_s)
        self.grace_s = disconnect_grace_s() if grace_s is None else grace_s
        self.poll_s = poll_s
        self._lock = threading.RLock()
        self._queue: list[Handle] = []
        self._running: list[Handle] = []
        self._owners: dict[str, Handle] = {}
        self._numbers = itertools.count(1)
        self.eta = EtaModel(getattr(backend, "timing", None))   # learned start-up, boot, hand-back, speeds
        self._closed = False
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._monitor, name="gan-job-service", daemon=True)
        self._thread.start()

    # ---- what sessions call

    def submit(self, config: TrainConfig, dataset=None, owner: str = "", *, label: str = "",
               max_seconds: float | None = None, is_alive=None, measure: bool = True) -> Handle:
        """Join the queue (and start at once when a worker is free). Raises AlreadyInLine."""
        if dataset is not None and not isinstance(dataset, np.ndarray):
            dataset = dataset.numpy()           # a torch uint8 tensor from the uploads
        with self._lock:
            if self._closed:
                raise RuntimeError("the job service is closed")
            current = self._owners.get(owner) if owner else None
            if current is not None and current.running:
                raise AlreadyInLine(current)
            h = Handle(self, next(self._numbers), config, dataset, owner, label, max_seconds, is_alive, measure)
            self._queue.append(h)
            if owner:
                self._owners[owner] = h
            self._dispatch()
            self._estimate()
            h.promised_wait_s = 0.0 if h.state == "running" else h.wait_s
        self._wake.set()
        return h

    def handle_of(self, owner: str) -> Handle | None:
        with self._lock:
            h = self._owners.get(owner)
            return h if h is not None and h.running else None

    def status(self) -> QueueStatus:
        with self._lock:
            waiting = len(self._queue)
            return QueueStatus(self.backend.name, self.backend.workers, len(self._running), waiting,
                               getattr(self.backend, "note", ""), self.rule.limit_s, self.rule.floor_s,
                               self.rule.cap(waiting, self.backend.workers))

    def cap_for(self, h: Handle) -> float:
        """The cap of h's run under the rule, now: shorter while others wait."""
        with self._lock:
            waiting = len(self._queue) - (1 if h in self._queue else 0)
            cap = self.rule.cap(waiting, self.backend.workers)
            return min(cap, h.requested_s) if h.requested_s else cap

    def close(self):
        with self._lock:
            self._closed = True
            queued, self._queue = self._queue, []
            for h in queued:
                self._finish_queued(h, "the server shut down")
        self._wake.set()
        self._thread.join(5.0)
        self.backend.close()

    # ---- inside (the lock is held by the callers of _methods)

    def _stop(self, h: Handle, reason: str) -> bool:
        with self._lock:
            if h.state == "queued":
                self._queue.remove(h)
                self._finish_queued(h, reason or "you left the queue")
                self._estimate()
                return True
            if h.state == "finished" or h._stop_reason:
                return False
            h._stop_reason = reason or "stopped"
            h.stop_at = time.monotonic()
            run = h.run
        if run is not None:
            run.stop(reason)
        self._wake.set()
        return True

    def _forget(self, h: Handle):
        """A finished run is the session's alone: the service keeps no reference to it, so its
        grids and generator go when the session lets them go (a closed tab's included)."""
        if h.owner and self._owners.get(h.owner) is h:
            del self._owners[h.owner]

    def _finish_queued(self, h: Handle, reason: str):
        h._state = "finished"
        h.ended_at = time.monotonic()
        h.position, h.wait_s = 0, None
        h._final = Snapshot(status="stopped", iteration=0, total=h.config.iterations, config=h.config,
                            label=h.label, stop_reason=reason, message=f"Left the queue ({reason}).")
        h.dataset = None
        self._forget(h)
        h._done.set()

    def _dispatch(self):
        """Start the first in line while a worker is free."""
        while self._queue and len(self._running) < self.backend.workers and not self._closed:
            h = self._queue.pop(0)
            spec = RunSpec(h.config, h.dataset, owner=h.owner, label=h.label,
                           max_seconds=h.requested_s or self.rule.limit_s, measure=h.measure)
            try:
                h.run = self.backend.start(spec)
            except Exception as exc:   # a backend that cannot start a run: this run fails, not the queue
                log.error("backend could not start a run: %s", exc)
                h._state = "finished"
                h._final = Snapshot(status="error", iteration=0, total=h.config.iterations, config=h.config,
                                    label=h.label, error=f"The run could not be started ({exc}).",
                                    error_kind="crash")
                self._forget(h)
                h._done.set()
                continue
            h.dataset = None                # it travelled with the spec
            h._state = "running"
            h.started_at = now = time.monotonic()
            warm, age = getattr(h.run, "warm", None), getattr(h.run, "booting_for_s", 0.0)
            ready_at = now + max(0.0, self.eta.boot.value - age) if warm is False else now
            h.expected_zero = now + self.eta.overhead(now, ready_at)
            h.position, h.wait_s = 0, 0.0
            self._running.append(h)

    def _monitor(self):
        while not self._closed:
            self._wake.wait(self.poll_s)
            self._wake.clear()
            try:
                self._tick()
            except Exception:   # the monitor must outlive any one run's surprise
                log.exception("job service tick failed")
        for h in list(self._running):   # closing: stop what still trains
            if h.run is not None:
                h.run.stop("the server shut down")

    def _tick(self):
        now = time.monotonic()
        with self._lock:
            running = list(self._running)
        finished = []
        for h in running:                     # pipe/actor calls outside the service lock
            snap = h.run.snapshot()
            if h.zero_at is None and snap.elapsed > 0 and snap.status != "error":
                with self._lock:
                    h.zero_at = time.monotonic() - snap.elapsed
                    self.eta.started(h.zero_at - h.started_at, getattr(h.run, "warm", None),
                                     getattr(h.run, "booting_for_s", 0.0))
            if snap.finished:
                finished.append((h, snap))
                continue
            with self._lock:
                h._last = snap
            cap = self.cap_for(h)
            if snap.status == "running" and snap.elapsed > cap and not h._cap_stop_sent:
                h._cap_stop_sent = True
                h._cap_used = cap
                h.stop_at = h.stop_at or now
                h._stop_reason = h._stop_reason or "time limit"
                h.run.stop(f"the {format_duration(cap)} time limit for one run was reached")
            if self._gone(h, now) and not h._stop_reason:
                h._stop_reason = "the browser tab was closed"
                h.stop_at = h.stop_at or now
                h.run.stop("the browser tab was closed")
        for h, snap in finished:
            gen = h.run.generator() if snap.status != "error" or h.run.error is None else None
            free_at = time.monotonic()          # the worker is free now (its generator is back)
            with self._lock:
                if snap.iteration > 0 and snap.elapsed > 0 and snap.status in ("done", "stopped"):
                    self.eta.trained(_speed_key(h.config), snap.iteration / snap.elapsed)
                if h.zero_at is not None and snap.status != "error":
                    trained = h._cap_used if h._cap_used is not None else snap.elapsed
                    self.eta.ended(free_at - (h.zero_at + trained))
                h._generator = gen
                h._final = h._last = snap
                h._state = "finished"
                h.ended_at = free_at
                self._running.remove(h)
                self._forget(h)
                h._done.set()
        with self._lock:
            for h in list(self._queue):
                if self._gone(h, now):
                    self._queue.remove(h)
                    self._finish_queued(h, "the browser tab was closed")
            self._dispatch()
            self._estimate()

    def _gone(self, h: Handle, now: float) -> bool:
        """h's browser tab has been closed for longer than the grace period."""
        if h.is_alive is None:
            return False
        try:
            alive = bool(h.is_alive())
        except Exception:
            alive = True
        if alive:
            h._gone_since = None
            return False
        h._gone_since = h._gone_since or now
        return now - h._gone_since >= self.grace_s

    # ---- estimates

    def _rate_for(self, config: TrainConfig) -> float | None:
        """Expected it/s of a run of `config`: learned from finished runs of its size, else the live
        rates of running ones; None: unknown (its cap is assumed to bind)."""
        key = _speed_key(config)
        learned = self.eta.rate(key)
        if learned is not None:
            return learned
        live = [h._last.its_per_sec for h in self._running
                if h._last is not None and h._last.its_per_sec > 0 and _speed_key(h.config) == key]
        return statistics.median(live) if live else None

    def _pool(self, now: float) -> list[float] | None:
        """When each idle worker of the backend will be ready (None: the backend keeps no pool and
        every start finds a ready worker)."""
        idle = getattr(self.backend, "idle_workers", None)
        if idle is None:
            return None
        boot = self.eta.boot.value
        return [now if age is None else now + max(0.0, boot - age) for age in idle()]

    def _estimate(self):
        """Positions and waits: the line simulated forward (eta.forecast)."""
        now = time.monotonic()
        timing = self.eta.timing
        running = []
        for h in self._running:
            snap = h._last
            if h.stop_at is not None or (snap is not None and snap.finished):
                running.append(Running(now, ending_at=(h.stop_at or now) + timing.tail_s))
                continue
            zero = h.zero_at if h.zero_at is not None else max(now, h.expected_zero or now)
            if snap is not None and snap.iteration > 0 and snap.its_per_sec > 0:
                its_end = now + max(0, snap.total - snap.iteration) / snap.its_per_sec
            else:
                rate = self._rate_for(h.config)
                its_end = zero + h.config.iterations / rate if rate else float("inf")
            running.append(Running(zero, its_end, h.requested_s))
        queue = []
        for h in self._queue:
            rate = self._rate_for(h.config)
            queue.append(Queued(h.config.iterations / rate if rate else float("inf"), h.requested_s))
        workers = self.backend.workers
        waits = forecast(now, running, queue, self._pool(now), workers,
                         lambda waiting: self.rule.cap(waiting, workers), timing).waits
        for i, (h, wait) in enumerate(zip(self._queue, waits)):
            h.position, h.wait_s = i + 1, wait


def _speed_key(config: TrainConfig) -> tuple:
    """Runs with the same key train at about the same iterations per second."""
    return (config.image_size, config.conv_dim, config.batch_size, config.d_train_iters, config.spectral_norm,
            config.device)


# ---------------------------------------------------------------- choosing the backend

@dataclass
class BackendChoice:
    name: str = "local"           # "local" | "ray"
    workers: int | None = None    # None: the backend's default
    ray_address: str = "auto"

    @classmethod
    def from_env(cls, env=None, secrets=None) -> "BackendChoice":
        """GAN_PLAYGROUND_BACKEND / _WORKERS / _RAY_ADDRESS, from the environment or a secrets mapping
        (the environment wins)."""
        env = os.environ if env is None else env
        secrets = secrets or {}

        def get(key):
            value = env.get(key)
            return value if value not in (None, "") else secrets.get(key)

        name = (get(BACKEND_ENV) or "local").strip().lower()
        workers = get("GAN_PLAYGROUND_WORKERS")
        try:
            workers = max(1, int(workers)) if workers is not None else None
        except (TypeError, ValueError):
            workers = None
        return cls(name if name in ("local", "ray") else "local", workers, str(get(RAY_ADDRESS_ENV) or "auto"))


def local_settings(choice: BackendChoice | None = None, cloud: bool = False) -> tuple[int, int]:
    """(workers, spares) of the local backend: on Community Cloud 1 worker and no spare, whatever
    the choice says; elsewhere the choice's workers (else GAN_PLAYGROUND_WORKERS, else one per core
    less one) and 1 spare.

    On Cloud no spare: an idle booted worker holds torch and a warmed-up trainer (~0.6 GB), and the
    cloud emulation measured 2.71 GB with one, over the 2.7 GB cap; a run pays the boot instead
    (docs/deploy.md, "Memory under load")."""
    from .local_backend import default_workers

    choice = choice or BackendChoice.from_env()
    if cloud:
        return 1, 0
    return choice.workers or env_workers(default_workers()), 1


def make_backend(choice: BackendChoice | None = None, cloud: bool = False) -> Backend:
    """The backend the choice names; Ray that cannot be reached (or is not installed) falls back to
    local, with the reason in `backend.note`. On Community Cloud local has 1 worker."""
    choice = choice or BackendChoice.from_env()
    from .local_backend import LocalBackend

    note = ""
    if choice.name == "ray":
        try:
            from .ray_backend import RayBackend

            return RayBackend(address=choice.ray_address, workers=choice.workers)
        except ImportError:
            note = "Ray is not installed on this server (requirements-cluster.txt), so trainings run here instead."
        except BackendUnavailable as exc:
            note = f"{exc} Trainings run on this server instead."
        except Exception as exc:   # any other failure to connect is the same for the page
            note = (f"The Ray cluster at {choice.ray_address} could not be reached ({type(exc).__name__}), "
                    "so trainings run on this server instead.")
    workers, spares = local_settings(choice, cloud)
    backend = LocalBackend(workers=workers, spares=spares)
    backend.note = note
    return backend
