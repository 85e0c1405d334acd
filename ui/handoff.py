"""What one page hands to another through the session: one small dataclass per hand-off.

This module owns the session-state keys of the hand-offs; pages call the functions
below and never spell a key. Three hand-offs exist:

* a configuration for the Train page to load once (`TrainPrefill`): offered by the
  Experiments page ("re-run live") and the course page ("open in Train");
* the Train page's finished runs (`KeptRun`): kept for downloads and side-by-side
  comparison, and read by the Experiments page, which compares them with the study.

* a model for the Playground's picker to open (`request_model`): the Train page's
  "Open in Playground" and a share link naming a model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

TRAIN_PREFILL = "handoff_train_prefill"
TRAIN_RUNS = "handoff_train_runs"


def _state(state):
    return st.session_state if state is None else state


# ---------------------------------------------------------------- a config for the Train page


@dataclass(frozen=True)
class TrainPrefill:
    config: dict            # TrainConfig.to_dict(), or the config of a study record
    source: str = ""        # who offered it ("experiments", "course"): for messages and tests


def offer_train_config(config, source: str, state=None) -> None:
    """Leave a configuration (a TrainConfig or its dict) for the Train page's next run."""
    config = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    _state(state)[TRAIN_PREFILL] = TrainPrefill(config, source)


def take_train_prefill(state=None) -> TrainPrefill | None:
    """The waiting configuration, consumed: a later visit starts from the user's own widgets."""
    prefill = _state(state).pop(TRAIN_PREFILL, None)
    return prefill if isinstance(prefill, TrainPrefill) else None


def pending_train_prefill(state=None) -> TrainPrefill | None:
    """The waiting configuration, left in place (for tests and the caller's own messages)."""
    prefill = _state(state).get(TRAIN_PREFILL)
    return prefill if isinstance(prefill, TrainPrefill) else None


# ---------------------------------------------------------------- the Train page's finished runs


@dataclass(eq=False)        # compared by identity: "is this the pinned run?"
class KeptRun:
    label: str
    snap: Any               # gan_core.jobs.Snapshot at the end of the run
    generator: Any          # a frozen copy of the trained generator
    config: Any             # gan_core.training.TrainConfig
    iteration: int
    downloads: dict = field(default_factory=dict)   # built on first click: "zip", "gif"

    def as_record(self) -> dict:
        """The form gan_core.study.results.user_runs reads (it does not know this class)."""
        return {"label": self.label, "snap": self.snap, "config": self.config}


def kept_runs(state=None) -> list[KeptRun]:
    return [r for r in _state(state).get(TRAIN_RUNS, []) if isinstance(r, KeptRun)]


def keep_run(run: KeptRun, limit: int, state=None) -> None:
    """Keep a finished run; only the last `limit` stay."""
    runs = kept_runs(state) + [run]
    _state(state)[TRAIN_RUNS] = runs[-limit:]


# ---------------------------------------------------------------- a model for the Playground

def request_model(source: str, key: str = "pg") -> None:
    """Ask the Playground's picker to switch to `source` on its next run (e.g. the Train page's
    "Open in Playground": put the model in session_models(), call
    request_model("session:" + name), then st.switch_page("pages/1_Playground.py"))."""
    st.session_state[model_request_key(key)] = source


def model_request_key(key: str = "pg") -> str:
    """The session key the picker reads (ui.playground.picker pops it)."""
    return f"{key}_request"
