"""The queue's wait estimates: what a backend's runs cost beyond training, learned as they happen.

A run holds its worker for longer than it trains: the worker takes the run and builds its data and
models ("start"), a worker that was still booting (a fresh process, a fresh Ray actor) first has to
finish booting ("boot"), and after the last step the run stops, hands its generator back and frees
the worker ("tail"). Each backend states a prior for the three (`Timing`, with where it was
measured); `EtaModel` replaces each prior by what this server observes (an exponentially weighted
mean, the first observation replacing the prior) and learns each run size's iterations per second.

`forecast()` turns the queue into waits by simulating it forward with no new arrivals: every
running run ends at min(its cap, its iterations at its rate) plus the tail, where the cap follows
`CapRule` and grows as the line shortens; each end boots one replacement worker (both backends
retire a worker after one run); the first in line takes the idle worker that is ready first (a warm
spare at once, a booting one when it has booted, none: a fresh boot) and trains after start-up.
Pure functions and plain data, no threads, no Streamlit: the service (service.py) feeds it.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

EWMA_ALPHA = 0.3             # weight of each new observation once the prior has been replaced


@dataclass(frozen=True)
class Timing:
    """A backend's costs beyond training, in seconds (its stated prior, or what was learned)."""

    start_s: float = 0.5         # a booted worker takes a run -> the run's training clock starts
    boot_s: float = 5.0          # a fresh worker (process, actor) boots until it can take a run
    tail_s: float = 1.0          # the run's training ends -> its worker is free for the next run


class Ewma:
    """An exponentially weighted mean that starts at a prior; the first observation replaces it."""

    def __init__(self, prior: float | None, alpha: float = EWMA_ALPHA):
        self.value = prior
        self.alpha = alpha
        self.n = 0

    def add(self, x: float) -> None:
        if not math.isfinite(x):
            return
        self.value = x if self.n == 0 or self.value is None else (1 - self.alpha) * self.value + self.alpha * x
        self.n += 1


class EtaModel:
    """What this server has measured of its backend's runs (thread-safety: the service's lock)."""

    def __init__(self, prior: Timing | None = None):
        self.prior = prior or Timing()
        self.start = Ewma(self.prior.start_s)
        self.boot = Ewma(self.prior.boot_s)
        self.tail = Ewma(self.prior.tail_s)
        self._rates: dict[tuple, Ewma] = {}

    @property
    def timing(self) -> Timing:
        return Timing(self.start.value, self.boot.value, self.tail.value)

    def rate(self, key: tuple) -> float | None:
        e = self._rates.get(key)
        return None if e is None else e.value

    # ---- observations (service.py calls these)

    def started(self, overhead_s: float, warm: bool | None, booting_for_s: float = 0.0) -> None:
        """A run's training clock started `overhead_s` after a worker took it. warm: whether that
        worker had booted (None: the backend does not say; counted as booted). A booting worker's
        run tells the boot time: what it had booted before it was taken, plus what it still needed."""
        if warm is False:
            self.boot.add(max(0.0, booting_for_s + overhead_s - self.start.value))
        else:
            self.start.add(max(0.0, overhead_s))

    def ended(self, tail_s: float) -> None:
        self.tail.add(max(0.0, tail_s))

    def trained(self, key: tuple, its_per_sec: float) -> None:
        if its_per_sec > 0:
            self._rates.setdefault(key, Ewma(None)).add(its_per_sec)

    def overhead(self, at: float, ready_at: float) -> float:
        """Start-up of a run taken at `at` by a worker ready at `ready_at` (both absolute)."""
        return max(0.0, ready_at - at) + self.start.value


@dataclass
class Running:
    """A running run, as the forecast sees it (absolute monotonic seconds)."""

    zero: float                        # when its training clock started (or is expected to)
    its_end: float = math.inf          # when its iterations run out at its rate
    requested_s: float | None = None   # its own cap (a class link), None: the server's
    ending_at: float | None = None     # already stopping: when its worker is expected free


@dataclass
class Queued:
    train_s: float = math.inf          # its iterations at the expected rate (inf: unknown, the cap binds)
    requested_s: float | None = None


@dataclass
class Forecast:
    waits: list[float] = field(default_factory=list)     # per queued run, seconds from now


def forecast(now: float, running: list[Running], queue: list[Queued], pool: list[float] | None, workers: int,
             cap, timing: Timing) -> Forecast:
    """Seconds until a worker takes each queued run.

    pool: when each idle (pre-started) worker is ready (absolute; <= now: booted); None: the
    backend keeps no pool and every start finds a ready worker (no boot);
    cap(waiting) -> the cap of a run while `waiting` others are in line (CapRule.cap with the
    workers bound in)."""
    workers = max(1, workers)
    runs = list(running)
    boots = pool is not None
    ready = list(pool or [])
    heapq.heapify(ready)
    waits = []
    t = now
    line = list(queue)

    def end(r: Running, waiting: int) -> float:
        if r.ending_at is not None:
            return max(t, r.ending_at)
        c = cap(waiting)
        c = min(c, r.requested_s) if r.requested_s else c
        return max(t, min(r.zero + c, r.its_end) + timing.tail_s)

    while line:
        waiting = len(line)
        if len(runs) >= workers:
            ends = [end(r, waiting) for r in runs]
            i = min(range(len(runs)), key=ends.__getitem__)
            t = ends[i]
            runs.pop(i)
            if boots:
                heapq.heappush(ready, t + timing.boot_s)     # the ended run's worker is replaced
        q = line.pop(0)
        waits.append(t - now)
        worker_ready = heapq.heappop(ready) if ready else (t + timing.boot_s if boots else t)
        zero = t + max(0.0, worker_ready - t) + timing.start_s
        runs.append(Running(zero, zero + q.train_s, q.requested_s))
    return Forecast(waits)
