"""A teacher's class link: the settings of the day, locked, in the Train page's URL.

    ?preset=fast&lock=lr,loss&max_minutes=3

`ClassLink.from_query(params)` reads it (anything it cannot use becomes a note, never an error);
`link.enforce(config)` puts every locked setting back to the preset's value, and
`link.cap_s(server_limit_s)` is the run's wall-clock cap. Both run on the server when Start is
pressed, whatever the widgets (or a hand-made request) say: a tampered link or session can lower
the cap but never lift it past the server's own limit, and a locked setting cannot be changed
from the browser. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from ..training import presets
from ..training.config import TrainConfig

# What `lock=` may name: short names and TrainConfig fields -> the TrainConfig fields they lock.
LOCKABLE = {
    "preset": tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name not in ("device", "threads")),
    "lr": ("lr",), "lr_d": ("lr_d",), "loss": ("loss",), "beta1": ("beta1",), "beta2": ("beta2",),
    "betas": ("beta1", "beta2"), "sn": ("spectral_norm",), "spectral_norm": ("spectral_norm",),
    "d_batch_norm": ("d_batch_norm",), "d_activation": ("d_activation",),
    "d_steps": ("d_train_iters",), "d_train_iters": ("d_train_iters",),
    "batch": ("batch_size",), "batch_size": ("batch_size",), "noise": ("noise_size",),
    "noise_size": ("noise_size",), "conv_dim": ("conv_dim",), "iterations": ("iterations",),
    "sample_every": ("sample_every",), "seed": ("seed",), "ema": ("ema",),
    "dataset": ("dataset", "image_size"), "data": ("dataset", "image_size"),
    **{name: (name,) for name in ("optimizer", "r1", "d_loss", "g_loss") if name in TrainConfig.__dataclass_fields__},
}
LINK_KEYS = ("preset", "lock", "max_minutes")


@dataclass(frozen=True)
class ClassLink:
    preset: str = presets.DEFAULT
    locked: frozenset = frozenset()      # TrainConfig field names
    max_minutes: float | None = None
    notes: tuple = ()                     # what the link asked for that could not be used, in English

    @classmethod
    def from_query(cls, params) -> "ClassLink | None":
        """The link in a query mapping (values may be strings or lists of strings); None without one."""
        def one(key):
            value = params.get(key)
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else None
            return None if value is None else str(value).strip()

        if not any(one(k) for k in LINK_KEYS):
            return None
        notes = []
        preset = one("preset") or presets.DEFAULT
        if preset not in presets.PRESETS:
            notes.append(f"unknown preset {preset[:40]!r}: using {presets.DEFAULT!r}")
            preset = presets.DEFAULT
        locked = set()
        for name in filter(None, (part.strip().lower() for part in (one("lock") or "").split(","))):
            if name in LOCKABLE:
                locked.update(LOCKABLE[name])
            else:
                notes.append(f"cannot lock {name[:40]!r}")
        minutes = None
        raw = one("max_minutes")
        if raw:
            try:
                minutes = float(raw)
            except ValueError:
                minutes = None
            if minutes is None or not math.isfinite(minutes) or minutes <= 0:
                notes.append(f"max_minutes {raw[:20]!r} is not a number of minutes above 0")
                minutes = None
        return cls(preset, frozenset(locked), minutes, tuple(notes))

    @property
    def config(self) -> TrainConfig:
        return presets.get(self.preset)

    def enforce(self, config: TrainConfig) -> TrainConfig:
        """`config` with every locked setting set back to the preset's value."""
        base = self.config
        return dataclasses.replace(config, **{f: getattr(base, f) for f in self.locked})

    def cap_s(self, server_limit_s: float | None) -> float | None:
        """The run's cap: the link's minutes, never more than the server's limit."""
        mine = None if self.max_minutes is None else 60.0 * self.max_minutes
        if server_limit_s is None:
            return mine
        return server_limit_s if mine is None else min(mine, server_limit_s)
