"""A teacher's class link: the settings of the day, locked, in the Train page's URL.

    ?preset=fast&lock=lr,loss&max_minutes=3
    ?preset=fast&g_loss=-softplus(d_fake)&lock=formulas

The link may carry your own loss (d_loss=, g_loss=: formulas of gan_core/training/formula.py, at most
MAX_LENGTH characters each, read by gan_core/training/links.py like every page's link); a refused one
is left out and kept in `refused` (role, FormulaError) so that the page says its one sentence.
`lock=formulas` (or d_loss, g_loss) fixes them to the link's text, enforced like any locked setting.

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
from dataclasses import dataclass, field

from ..training import links as link_values
from ..training import presets
from ..training.config import TrainConfig
from ..training.formula import FormulaError

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
    "formulas": ("d_loss", "g_loss"),
}
LINK_KEYS = ("preset", "lock", "max_minutes", "d_loss", "g_loss")
FORMULA_KEYS = (("d_loss", "d"), ("g_loss", "g"))      # link parameter = TrainConfig field, formula role


@dataclass(frozen=True)
class ClassLink:
    preset: str = presets.DEFAULT
    locked: frozenset = frozenset()      # TrainConfig field names
    max_minutes: float | None = None
    notes: tuple = ()                     # what the link asked for that could not be used, in English
    d_loss: str = ""                      # your own loss, "" = the preset's
    g_loss: str = ""
    # (role, FormulaError) of each formula the link held that cannot train; not compared: the same link
    # read again is the same link (a FormulaError is equal only to itself).
    refused: tuple = field(default=(), compare=False)

    @classmethod
    def from_query(cls, params) -> "ClassLink | None":
        """The link in a query mapping (values may be strings or lists of strings); None without one."""
        def one(key):
            return link_values.one(params, key)

        if not any(one(k) for k in LINK_KEYS):
            return None
        notes = []
        preset = one("preset") or presets.DEFAULT
        if preset not in presets.PRESETS:
            notes.append(f"unknown preset {preset[:40]!r}: using {presets.DEFAULT!r}")
            preset = presets.DEFAULT
        locked = set()
        lock = (one("lock") or "").replace("|", ",")      # "d_loss|g_loss" reads as "d_loss,g_loss"
        for name in filter(None, (part.strip().lower() for part in lock.split(","))):
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
        formulas, refused = {}, []
        for key, role in FORMULA_KEYS:
            try:
                formulas[key] = link_values.formula(params, key, role)
            except FormulaError as exc:
                formulas[key] = ""
                refused.append((role, exc))
        return cls(preset, frozenset(locked), minutes, tuple(notes), refused=tuple(refused), **formulas)

    @property
    def config(self) -> TrainConfig:
        """The preset's settings with the link's own formulas (what a locked setting is held to)."""
        base = presets.get(self.preset)
        return dataclasses.replace(base, d_loss=self.d_loss or base.d_loss, g_loss=self.g_loss or base.g_loss)

    def to_query(self) -> dict[str, str]:
        """The link's URL parameters (what the Train page's "class link for these settings" writes);
        from_query(link.to_query()) is the same link."""
        out = {"preset": self.preset}
        for key, _ in FORMULA_KEYS:
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.locked:
            if set(LOCKABLE["preset"]) <= self.locked:
                names = ["preset"]
            else:
                names = sorted(f for f in self.locked if f in LOCKABLE and LOCKABLE[f] == (f,))
                if "dataset" in self.locked:
                    names.append("dataset")
            out["lock"] = ",".join(names)
        if self.max_minutes is not None:
            out["max_minutes"] = f"{self.max_minutes:g}"
        return out

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
