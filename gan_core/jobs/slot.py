"""One training per server: the slot every session's job must claim before it starts."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .job import TrainingJob, format_duration

# ---------------------------------------------------------------- one training per server

@dataclass
class SlotStatus:
    busy: bool
    seconds_left: float | None = None
    iteration: int = 0
    total: int = 0
    label: str = ""

    @property
    def message(self) -> str:
        if not self.busy:
            return "No training is running on this server."
        left = ("its time left is not known yet" if self.seconds_left is None
                else f"about {format_duration(self.seconds_left)} left")
        return (f"Another training is running on this server ({left}). This app trains one model at a "
                "time so that every visitor gets a usable share of the CPU: wait, or look at your own last results.")


class TrainingSlot:
    """At most one running job per server process (share one instance between all sessions)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._job: TrainingJob | None = None

    def try_claim(self, job: TrainingJob) -> bool:
        with self._lock:
            current = self._job
            if current is not None and current is not job and current.running:
                return False
            self._job = job
            return True

    def release(self, job: TrainingJob):
        with self._lock:
            if self._job is job:
                self._job = None

    def current(self) -> TrainingJob | None:
        """The running job, if any (for reading only)."""
        with self._lock:
            job = self._job
        return job if job is not None and job.running else None

    def status(self, for_job: TrainingJob | None = None) -> SlotStatus:
        """Whether someone else's training holds the slot (`for_job` is never "someone else")."""
        job = self.current()
        if job is None or job is for_job:
            return SlotStatus(busy=False)
        snap = job.snapshot()
        return SlotStatus(busy=True, seconds_left=snap.eta_s, iteration=snap.iteration,
                          total=snap.total, label=snap.label)
