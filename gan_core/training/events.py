"""What `Trainer.run()` yields: step, samples and metric events, then one final event (done,
stopped or diverged). The app's worker, the CLI and the study consume the same stream.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Event:
    kind: str
    iteration: int


@dataclass
class StepEvent(Event):
    d_loss_real: float = 0.0        # D's loss term on real images
    d_loss_fake: float = 0.0        # D's loss term on generated images
    d_loss: float = 0.0
    g_loss: float = 0.0
    d_x: float = 0.0                # mean D output on real images (sigmoid for BCE)
    d_g_z: float = 0.0              # mean D output on generated images
    its_per_sec: float = 0.0
    elapsed: float = 0.0


# What a step reports about the two networks: StepEvent's fields but its bookkeeping. They are
# the live loss curves' columns (gan_core.jobs) and the study's stored losses (gan_core.study).
LOSS_KEYS = tuple(f.name for f in dataclasses.fields(StepEvent)
                  if f.name not in ("kind", "iteration", "its_per_sec", "elapsed"))


@dataclass
class SamplesEvent(Event):
    images: np.ndarray | None = None   # uint8 (N, 3, H, W), fixed noise, whole run
    grid: np.ndarray | None = None     # uint8 (H, W, 3) grid of `images`
    points: np.ndarray | None = None   # float32 (N, 2) for the 2-D toys


@dataclass
class MetricEvent(Event):
    name: str = ""
    value: float = 0.0
    details: dict = field(default_factory=dict)


@dataclass
class FinalEvent(Event):
    message: str = ""
    elapsed: float = 0.0
    # The message's facts as data, so a page can say it in another language:
    # {"cause": "nonfinite" | "exploded" | "saturated", "advice": "lr" | "sn" | "generic", ...}
    detail: dict = field(default_factory=dict)


FINAL_KINDS = ("done", "stopped", "diverged")
