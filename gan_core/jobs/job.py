"""A training run in a background thread.

A web page cannot sit inside `for event in trainer.run()`: it has to redraw,
answer clicks and let other visitors in. So a TrainingJob starts a daemon
thread that owns the Trainer, consumes its events and keeps what a live view
needs (bounded loss curves, every sample grid up to a bound, health signals,
its/s and ETA, the final message). The page polls `snapshot()`, a copy taken
under a lock, and never touches the Trainer while it runs.

    job = TrainingJob(TrainConfig(iterations=300))
    job.start()
    ...
    snap = job.snapshot()                      # any time, from any thread
    job.stop()                                 # ends within one iteration

Nothing here imports Streamlit: the same job runs under a test, a benchmark, inside a
worker process (local_backend.py) or a Ray actor (ray_backend.py); the queue in front of
the workers is service.py, and ui/train/ and pages/2_Train.py are the page side.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
import torch

from ..device import torch_threads
from ..training.config import TrainConfig
from ..training.events import FINAL_KINDS, LOSS_KEYS
from ..training.loop import Trainer
from .series import Series, Timeline

log = logging.getLogger(__name__)

# "error" is ours: the engine never yields it, a crash in the worker does.
FINAL = (*FINAL_KINDS, "error")


# How long a job keeps training after its browser session disconnected.
# Covers network blips; tests shorten it through the environment.
GRACE_ENV = "GAN_PLAYGROUND_DISCONNECT_GRACE_S"
DEFAULT_GRACE_S = 5.0
LIVENESS_EVERY_S = 0.5
# Live quality metrics may use at most this share of the run's time.
MEASURE_BUDGET = 0.03


def disconnect_grace_s() -> float:
    try:
        return max(0.0, float(os.environ.get(GRACE_ENV, DEFAULT_GRACE_S)))
    except ValueError:
        return DEFAULT_GRACE_S


# ---------------------------------------------------------------- what the page reads

@dataclass
class Snapshot:
    """A consistent copy of a job's state. Arrays are shared, never modified after creation."""

    status: str                       # [queued] | starting | running | done | stopped | diverged | error
    iteration: int
    total: int
    message: str = ""                 # the engine's final message (divergence explanation included)
    detail: dict = field(default_factory=dict)   # the final message's facts (FinalEvent.detail)
    error: str = ""                   # for status "error": what went wrong, in words
    error_kind: str = ""              # "value" | "memory" | "crash" | "unknown" (see error_kind) | "worker" (died)
    stop_reason: str = ""
    elapsed: float = 0.0
    its_per_sec: float = 0.0
    eta_s: float | None = None
    curves: dict = field(default_factory=dict)     # Series.to_dict() of the step statistics
    metrics: dict = field(default_factory=dict)    # name -> Series.to_dict() ({"x", "value"})
    grid: np.ndarray | None = None                 # latest fixed-noise grid, uint8 HWC
    grid_iteration: int = 0
    timeline: list = field(default_factory=list)   # [(iteration, grid)], <= max_grids
    last: dict = field(default_factory=dict)       # latest step statistics
    config: TrainConfig | None = None
    label: str = ""
    real_diversity: float | None = None
    swd_floor: float | None = None                 # SWD between two real sets of the grid's size
    position: int = 0                              # queued (service.py): place in line, 1 = next
    wait_s: float | None = None                    # queued: estimated seconds until a worker takes it
    cap_s: float | None = None                     # the wall-clock cap that applies to the run now

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    @property
    def running(self) -> bool:
        return not self.finished

    @property
    def progress(self) -> float:
        return min(1.0, self.iteration / self.total) if self.total else 0.0


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, m = divmod(minutes, 60)
    return f"{hours} h {m:02d} min"


def error_kind(exc: BaseException) -> str:
    """"value" (a ValueError: gan_core wrote it for users), "memory" or "crash"."""
    if isinstance(exc, ValueError):
        return "value"
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return "memory"
    return "crash"


def describe_error(exc: BaseException) -> str:
    """One line a user can act on; ValueErrors from gan_core are already written for users."""
    kind = error_kind(exc)
    if kind == "value":
        return str(exc)
    if kind == "memory":
        return "The run ran out of memory: try a smaller batch size, a smaller conv_dim or fewer images."
    return f"The training crashed ({type(exc).__name__}: {str(exc)[:300]})."


# ---------------------------------------------------------------- the job

class TrainingJob:
    """One run: a Trainer consumed by a daemon thread, observed through snapshot().

    config, dataset: as for Trainer (dataset: an optional uint8 tensor, e.g. uploads).
    is_alive: optional callable, False once the browser session that started the
      run is gone; the worker then stops after `grace_s` seconds.
    threads: torch threads for the worker; None: gan_core.device.torch_threads() (1 unless
      GAN_PLAYGROUND_THREADS says otherwise: 2 OpenMP threads collapse when the cores are
      shared). Set in the worker thread itself: OpenMP's thread count is per thread.
    measure: compute sample diversity (and a small SWD) on every grid.
    max_seconds: wall-clock cap; the run stops itself after it (shared servers).
    trainer_factory: builds the Trainer (tests inject failing ones).
    """

    def __init__(self, config: TrainConfig, dataset: torch.Tensor | None = None, *,
                 label: str = "", is_alive=None, grace_s: float | None = None, threads: int | None = None,
                 max_grids: int = 60, curve_points: int = 500, measure: bool = True,
                 max_seconds: float | None = None, trainer_factory=None):
        self.config = config
        self.dataset = dataset
        self.label = label
        self.is_alive = is_alive
        self.grace_s = disconnect_grace_s() if grace_s is None else grace_s
        self.threads = torch_threads() if threads is None else threads
        self.measure = measure
        self.max_seconds = max_seconds
        self.archived = False            # for the page: whether it has kept this run's results
        self._factory = trainer_factory or Trainer

        self._lock = threading.Lock()
        self._done = threading.Event()
        self._stop_requested = threading.Event()
        self.thread: threading.Thread | None = None
        self.trainer: Trainer | None = None
        self.created = time.time()

        # Guarded by _lock.
        self._status = "starting"
        self._iteration = 0
        self._message = ""
        self._detail = {}
        self._error_kind = ""
        self._error = ""
        self._stop_reason = ""
        self._elapsed = 0.0
        self._started_at: float | None = None
        self._rate = 0.0
        self._curves = Series(curve_points)
        self._metrics: dict[str, Series] = {}
        self._timeline = Timeline(max_grids)
        self._last: dict = {}
        self._recent = collections.deque()      # (time, iteration) of the last few seconds
        self._real_diversity: float | None = None
        self._swd_reference = None
        self._swd_floor: float | None = None
        self._measure_s = 0.0                   # time spent on SWD so far

    # ---- control

    def start(self) -> bool:
        """Start the worker thread (True)."""
        self._claim()
        self.thread = threading.Thread(target=self._work, name=f"gan-training-{id(self):x}", daemon=True)
        self.thread.start()
        return True

    def run_inline(self) -> bool:
        """Run the whole job in the calling thread (tests, scripts, a worker)."""
        self._claim()
        self._work()
        return True

    def _claim(self) -> None:
        if self.thread is not None or self._done.is_set():
            raise RuntimeError("a TrainingJob runs once; create a new one for another run")

    def stop(self, reason: str = "") -> bool:
        """Ask the run to end (any thread, any number of times). True if this call asked first."""
        with self._lock:
            if self._status in FINAL or self._stop_requested.is_set():
                return False
            self._stop_requested.set()
            self._stop_reason = reason
            trainer = self.trainer
        if trainer is not None:
            trainer.stop()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has ended; True if it did within `timeout`."""
        return self._done.wait(timeout)

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return not self._done.is_set() and self.status not in FINAL

    @property
    def stopping(self) -> bool:
        return self._stop_requested.is_set() and self.running

    @property
    def generator(self):
        """The trained generator (the EMA copy when EMA is on); None before the trainer exists."""
        return None if self.trainer is None else self.trainer.generator

    def seconds_left(self) -> float | None:
        with self._lock:
            return self._eta()

    # ---- the worker

    def _work(self):
        try:
            if self.threads:
                torch.set_num_threads(self.threads)
            trainer = self._factory(self.config, self.dataset)
            with self._lock:
                self.trainer = trainer
                self._status = "running"
                self._started_at = time.perf_counter()
            if self._stop_requested.is_set():          # Stop pressed while the data was loading
                trainer.stop()
            self._prepare_measures(trainer)
            next_check = time.monotonic() + LIVENESS_EVERY_S
            gone_since = None
            t0 = time.monotonic()
            for event in trainer.run():
                self._apply(event)
                if self.max_seconds and time.monotonic() - t0 > self.max_seconds:
                    self.stop(f"the {format_duration(self.max_seconds)} time limit for one run was reached")
                if self.is_alive is not None and time.monotonic() >= next_check:
                    next_check = time.monotonic() + LIVENESS_EVERY_S
                    if self._alive():
                        gone_since = None
                    else:
                        gone_since = gone_since or time.monotonic()
                        if time.monotonic() - gone_since >= self.grace_s:
                            self.stop("the browser tab was closed")
        except Exception as exc:  # the page shows the message; the log keeps the traceback
            log.error("training job failed:\n%s", traceback.format_exc())
            with self._lock:
                self._status = "error"
                self._error = describe_error(exc)
                self._error_kind = error_kind(exc)
        finally:
            with self._lock:
                if self._status not in FINAL:
                    self._status = "error"
                    self._error = "The training loop ended without reporting how (this is a bug)."
                    self._error_kind = "unknown"
                if self._started_at is not None:
                    self._elapsed = time.perf_counter() - self._started_at
            self._done.set()

    def _alive(self) -> bool:
        try:
            return bool(self.is_alive())
        except Exception:   # a broken check must not end a run: assume the browser is there
            return True

    def _prepare_measures(self, trainer):
        """Reference numbers for the live metrics, from the real images the trainer measures against."""
        if not self.measure or trainer.config.is_toy:
            return
        from .. import metrics

        ref = trainer.reference.cpu()
        if len(ref) >= 2:
            self._real_diversity = metrics.diversity(ref).fake
        # SWD of the fixed-noise grid against as many real images: small and noisy, but
        # ~0.1 s instead of seconds; _measure still keeps it within MEASURE_BUDGET.
        side = ref.shape[-1]
        if side >= 16 and side & (side - 1) == 0 and len(ref) >= 2:
            n = min(len(ref), trainer.config.n_samples)
            perm = torch.randperm(len(ref), generator=torch.Generator().manual_seed(0))
            self._swd_reference = ref[perm[:n]]
            if len(ref) >= 2 * n:
                # What two real sets of this size score against each other: the best a grid can do.
                self._swd_floor = self._small_swd(self._swd_reference, ref[perm[n:2 * n]])

    @staticmethod
    def _small_swd(a, b) -> float:
        from .. import metrics

        return metrics.swd(a, b, n_descriptors=64, n_projections=128, n_repeats=1).mean

    def _measure(self, images: np.ndarray) -> dict[str, float]:
        from .. import metrics

        out = {}
        if len(images) >= 2 and self._real_diversity:   # relative to the data; a 1-image set has no level
            out["diversity"] = metrics.diversity(images).fake / self._real_diversity
        # SWD costs ~0.1 s: with small models and frequent grids that would be a large
        # share of the run, so it is skipped whenever measuring has used its budget.
        spent_ok = self._measure_s <= MEASURE_BUDGET * max(self._elapsed, 1e-9)
        if self._swd_reference is not None and len(images) >= 2 and (spent_ok or not self._metrics.get("swd_grid")):
            t0 = time.perf_counter()
            try:
                out["swd_grid"] = self._small_swd(self._swd_reference, images)
            except ValueError:
                pass
            self._measure_s += time.perf_counter() - t0
        return out

    def _apply(self, ev):
        kind = ev.kind
        measured = {}
        if kind == "samples" and ev.images is not None and self.measure:
            measured = self._measure(ev.images)   # outside the lock: the page must not wait for it
        with self._lock:
            self._iteration = max(self._iteration, ev.iteration)
            now = time.perf_counter()
            if self._started_at is not None:
                self._elapsed = now - self._started_at
            if kind == "step":
                stats = {k: ev.__dict__[k] for k in LOSS_KEYS}
                self._last = stats
                self._curves.add(ev.iteration, **stats)
                self._recent.append((now, ev.iteration))
                while len(self._recent) > 2 and now - self._recent[0][0] > 3.0:
                    self._recent.popleft()
                self._rate = self._rate_from_recent() or ev.its_per_sec
            elif kind == "samples":
                if ev.grid is not None:
                    self._timeline.add(ev.iteration, ev.grid)
                for name, value in measured.items():
                    self._metrics.setdefault(name, Series(500)).add(ev.iteration, value=value)
            elif kind == "metric":
                self._metrics.setdefault(ev.name, Series(500)).add(ev.iteration, value=ev.value)
            elif kind in FINAL_KINDS:
                self._status = kind
                self._message = ev.message
                self._detail = dict(ev.detail)
                if kind == "stopped" and self._stop_reason:
                    self._message = f"{ev.message.rstrip('.')} ({self._stop_reason})."

    def _rate_from_recent(self) -> float:
        if len(self._recent) < 2:
            return 0.0
        (t0, i0), (t1, i1) = self._recent[0], self._recent[-1]
        return (i1 - i0) / (t1 - t0) if t1 > t0 else 0.0

    def _eta(self) -> float | None:
        if self._status in FINAL:
            return 0.0
        if self._rate <= 0:
            return None
        return (self.config.iterations - self._iteration) / self._rate

    # ---- what the page reads

    def snapshot(self) -> Snapshot:
        with self._lock:
            latest = self._timeline.latest
            return Snapshot(
                status=self._status, iteration=self._iteration, total=self.config.iterations,
                message=self._message, detail=dict(self._detail), error=self._error,
                error_kind=self._error_kind, stop_reason=self._stop_reason,
                elapsed=self._elapsed, its_per_sec=self._rate, eta_s=self._eta(),
                curves=self._curves.to_dict(),
                metrics={name: s.to_dict() for name, s in self._metrics.items()},
                grid=None if latest is None else latest[1],
                grid_iteration=0 if latest is None else latest[0],
                timeline=self._timeline.frames(), last=dict(self._last),
                config=self.config, label=self.label, real_diversity=self._real_diversity,
                swd_floor=self._swd_floor,
            )
