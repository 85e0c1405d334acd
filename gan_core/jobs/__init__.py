"""Trainings run for the app, away from the page that shows them (no Streamlit here).

* job.py: `TrainingJob`, a run in a background thread, and the `Snapshot` a page polls.
* backends.py: where a training runs: the `Backend` / `Run` / `RunSpec` contract of the job service.
* local_backend.py: `LocalBackend`, trainings in spawned worker processes on this machine.
* service.py: `JobService`, the fair queue every session shares in front of a backend; `make_backend`
  and `local_settings` (the local backend's workers and spares, on Cloud and elsewhere).
* eta.py: the queue's wait estimates: `EtaModel` (a backend's start-up, boot and hand-back times and
  run speeds, learned from priors) and `forecast()` (the line simulated forward under the cap rule).
* ray_backend.py: the `ray` backend, each training a Ray actor on a cluster (optional install,
  requirements-cluster.txt; not imported here, so gan_core imports without Ray).
* series.py: bounded loss curves and the timeline of sample grids.
* results.py: what a finished run hands on (a frozen generator, a checkpoint zip, a GIF, the
  memorisation check).
"""

from .series import Series, Thinned, Timeline
from .job import (DEFAULT_GRACE_S, FINAL, GRACE_ENV, LIVENESS_EVERY_S, MEASURE_BUDGET, Snapshot,
                  TrainingJob, describe_error, disconnect_grace_s, error_kind, format_duration)
from .results import (Memorisation, checkpoint_zip, memorisation_check, model_info_for, timeline_gif,
                      trained_copy)
from .backends import Backend, BackendUnavailable, Run, RunSpec
from .local_backend import LocalBackend, default_workers
from .service import (AlreadyInLine, BackendChoice, CapRule, Handle, JobService, QueueStatus, local_settings,
                      make_backend)

__all__ = [
    "Thinned", "Series", "Timeline", "FINAL", "GRACE_ENV", "DEFAULT_GRACE_S", "LIVENESS_EVERY_S",
    "MEASURE_BUDGET", "disconnect_grace_s", "Snapshot", "format_duration", "error_kind", "describe_error",
    "TrainingJob", "trained_copy", "checkpoint_zip", "timeline_gif",
    "model_info_for", "Memorisation", "memorisation_check", "Backend", "BackendUnavailable", "Run", "RunSpec",
    "LocalBackend", "default_workers",
    "AlreadyInLine", "BackendChoice", "CapRule", "Handle", "JobService", "QueueStatus", "local_settings",
    "make_backend"
]
