"""Where a training runs: the contract between the job service and its backends.

A backend runs one training per worker (a spawned process for `local`, a Ray actor for `ray`)
and hands back a `Run` that answers `snapshot()` with the same `Snapshot` the Train page has
always polled. The service (service.py) decides what starts when: it calls `start()` only while
fewer than `workers` of its runs are unfinished, and it enforces the shrinking wall-clock cap and
the closed-tab rule itself by calling `Run.stop()`.

Both backends run a `TrainingJob` inline inside the worker and answer snapshot requests with
`SnapshotPacker.pack()`; their `Run` proxies turn the answers back into Snapshots with
`SnapshotUnpacker.unpack()` (each sample grid crosses once, not on every poll) and rebuild the
trained generator with `generator_from_state()`. A worker that dies turns its run into
`dead_snapshot(...)` with one sentence from `worker_died_sentence()`.

For the queue's wait estimates (eta.py) a backend may also offer, and both do: `timing` (an
eta.Timing: its stated priors for start-up, boot and hand-back), `idle_workers()` (its idle
workers in the order `start()` takes them: None for a booted one, else seconds spent booting),
and on each Run `warm` (whether its worker had booted when it took the run) and `booting_for_s`
(how long that worker had existed). A backend without them is estimated as having a ready worker
whenever one is free.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..training.config import TrainConfig
from .job import Snapshot

WORKER_LOST = "worker"      # Snapshot.error_kind of a run whose worker died (see dead_snapshot)
BACKEND_ENV = "GAN_PLAYGROUND_BACKEND"          # "local" (default) | "ray"
WORKERS_ENV = "GAN_PLAYGROUND_WORKERS"          # local: how many worker processes
RAY_ADDRESS_ENV = "GAN_PLAYGROUND_RAY_ADDRESS"  # ray: "auto" or "ray://host:10001"


@dataclass
class RunSpec:
    """Everything a worker needs for one run; plain data, so it pickles to a process or an actor.

    dataset: None (the worker loads config.dataset through the registry) or a uint8 array
      N x C x H x W of the learner's uploaded images (it travels with the job).
    max_seconds: a hard wall-clock backstop the worker applies itself (the service stops the run
      earlier when the shrinking cap says so).
    """

    config: TrainConfig
    dataset: np.ndarray | None = None
    owner: str = ""
    label: str = ""
    max_seconds: float | None = None
    measure: bool = True
    max_grids: int = 60

    def dataset_tensor(self) -> torch.Tensor | None:
        return None if self.dataset is None else torch.from_numpy(np.ascontiguousarray(self.dataset))


@runtime_checkable
class Run(Protocol):
    """One training on a worker, seen from the web process (every method is thread-safe)."""

    error: str | None      # one sentence once the worker died (killed, out of memory, node lost); else None

    def snapshot(self) -> Snapshot:
        """The run's current Snapshot; status "error" with `error` as its text once the worker died."""

    def stop(self, reason: str = "") -> None:
        """Ask the run to end (it reports "stopped" with the reason); harmless when it has ended."""

    def alive(self) -> bool:
        """False once the worker is gone (ended normally and released, or died)."""

    def generator(self) -> torch.nn.Module | None:
        """The trained generator (eval mode, CPU) once the run has finished; None before or if lost.
        Fetching it also releases the worker (the backend recycles it)."""


@runtime_checkable
class Backend(Protocol):
    name: str              # "local" | "ray"
    workers: int           # how many runs it can train at the same time
    note: str              # "" or one sentence for the page (e.g. "Ray unreachable: using local")

    def start(self, spec: RunSpec) -> Run:
        """Start a run on a free worker (the service calls it only while one is free); must not block
        for long: a worker that is still booting answers "starting" snapshots until it is ready."""

    def close(self) -> None:
        """Stop every run and release every worker."""


# ---------------------------------------------------------------- shared by both backends

class SnapshotPacker:
    """Worker side: a Snapshot as plain data where each timeline grid is sent once.

    One packer per proxy (the worker has exactly one caller)."""

    def __init__(self):
        self._sent: set[int] = set()

    def pack(self, snap: Snapshot) -> dict:
        fields = {f.name: getattr(snap, f.name) for f in dataclasses.fields(snap)}
        timeline = fields.pop("timeline")
        fields.pop("grid")
        its = [it for it, _ in timeline]
        new = {it: g for it, g in timeline if it not in self._sent}
        self._sent = set(its)
        return {"fields": fields, "timeline_its": its, "new_grids": new}


class SnapshotUnpacker:
    """Proxy side: rebuilds full Snapshots from SnapshotPacker's answers."""

    def __init__(self):
        self._grids: dict[int, np.ndarray] = {}

    def unpack(self, packed: dict) -> Snapshot:
        self._grids.update(packed["new_grids"])
        its = packed["timeline_its"]
        self._grids = {it: self._grids[it] for it in its if it in self._grids}
        timeline = [(it, self._grids[it]) for it in its if it in self._grids]
        fields = dict(packed["fields"])
        latest = timeline[-1] if timeline else None
        fields["grid"] = None if latest is None else latest[1]
        fields["grid_iteration"] = 0 if latest is None else latest[0]
        return Snapshot(timeline=timeline, **fields)


def generator_state(generator: torch.nn.Module | None) -> dict | None:
    """Worker side: the trained generator's weights as CPU tensors (what crosses to the proxy)."""
    if generator is None:
        return None
    return {k: v.detach().cpu().clone() for k, v in generator.state_dict().items()}


def generator_from_state(config: TrainConfig, state: dict | None) -> torch.nn.Module | None:
    """Proxy side: the generator a run trained, rebuilt from its config and weights."""
    if state is None:
        return None
    from ..models import DCGenerator
    from ..models.mlp import MLPGenerator

    c = config
    g = MLPGenerator(c.noise_size, width=c.conv_dim) if c.is_toy else DCGenerator(c.noise_size, c.conv_dim, c.image_size)
    g.load_state_dict(state)
    g.eval().requires_grad_(False)
    return g


def worker_died_sentence(exitcode: int | None = None, where: str = "worker process", why: str = "") -> str:
    """The one sentence a learner reads when the worker training their run went away (`why`: the
    cause in brackets when the caller knows it better than an exit code does)."""
    if not why and exitcode is not None:
        if exitcode == -9:
            why = " (it was killed, most likely because the machine ran out of memory)"
        elif exitcode < 0:
            why = f" (it was ended by signal {-exitcode})"
        elif exitcode > 0:
            why = f" (exit code {exitcode})"
    return (f"The {where} training this run stopped unexpectedly{why}; the run ended, "
            "your place was freed and you can start again.")


def dead_snapshot(last: Snapshot | None, config: TrainConfig, sentence: str, label: str = "") -> Snapshot:
    """The run's last known state, turned into a final "error" Snapshot with `sentence`."""
    base = last if last is not None else Snapshot(status="starting", iteration=0, total=config.iterations,
                                                   config=config, label=label)
    return dataclasses.replace(base, status="error", error=sentence, error_kind=WORKER_LOST, eta_s=0.0)


def env_workers(default: int) -> int:
    try:
        return max(1, int(os.environ.get(WORKERS_ENV, default)))
    except ValueError:
        return default


class BackendUnavailable(RuntimeError):
    """A backend cannot be used (e.g. the Ray cluster cannot be reached); its text is one sentence."""
