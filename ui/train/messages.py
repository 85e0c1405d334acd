"""The run's messages in the page's language.

gan_core writes its messages in English (it knows nothing of the page's
language) and hands the facts alongside: Snapshot.detail for a divergence,
error_kind for a failure. These say them again from content "train".
"""

from __future__ import annotations

import math

from gan_core.training import TrainConfig
from ui import plain
from ui.i18n import formula_nonfinite, t
from ui.train.settings import format_lr


def duration(seconds: float | None) -> str:
    """gan_core.jobs.format_duration in the page's language: "42 s", "2 min 05 s", "1 h 02 min"."""
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return t("train.duration.s", s=seconds)
    minutes, s = divmod(seconds, 60)
    if minutes < 60:
        return t("train.duration.min", m=minutes, s=s)
    hours, m = divmod(minutes, 60)
    return t("train.duration.h", h=hours, m=m)


def stop_reason(reason: str, max_seconds: float | None) -> str:
    """The job's stop reasons (gan_core.jobs.TrainingJob and this page's Stop button)."""
    if reason == "stopped by you":
        return t("train.stop_reasons.by_you")
    if reason == "the browser tab was closed":
        return t("train.stop_reasons.tab_closed")
    if "time limit" in reason:
        return t("train.stop_reasons.time_limit", duration=duration(max_seconds))
    if reason == "the server shut down":
        return t("queue.server_down")
    return reason


def final_message(snap, max_seconds: float | None = None) -> str:
    """The run's last word (done / stopped / diverged) from the snapshot's facts."""
    if snap.status == "done":
        return t("train.done", n=snap.iteration, seconds=snap.elapsed,
                 rate=snap.iteration / max(snap.elapsed, 1e-9))
    if snap.status == "stopped":
        if snap.stop_reason:
            return t("train.stopped_why", n=snap.iteration, reason=stop_reason(snap.stop_reason, max_seconds))
        return t("train.stopped", n=snap.iteration)
    if snap.status == "diverged":
        return divergence_message(snap.detail) or plain.engine(snap.message)
    return plain.engine(snap.message)        # gan_core's English: plain text, marked on a Persian page


def divergence_message(detail: dict) -> str:
    """gan_core.training.Trainer's divergence explanation, from FinalEvent.detail ("" if unknown)."""
    cause = detail.get("cause")
    if cause == "formula":
        return formula_nonfinite(detail)     # your own loss: its term, its first broken part, a hint
    if cause not in ("nonfinite", "exploded", "saturated"):
        return ""
    values = dict(detail)
    if "net" in values:
        values["net"] = t(f"train.diverged.nets.{values['net']}")
    if cause == "nonfinite":
        values["value"] = t(f"train.diverged.{values['value']}")
    text = t(f"train.diverged.{cause}", **values)
    advice = detail.get("advice")
    if advice in ("lr", "sn", "generic"):
        text += " " + t(f"train.diverged.advice_{advice}", lr=detail.get("lr", 0.0))
    return text


def error_message(snap) -> str:
    """A failed run in one sentence. A ValueError's text is gan_core's own, in English."""
    if snap.error_kind == "memory":
        return t("train.error_memory")
    if snap.error_kind == "worker":      # the worker process / Ray actor died (gan_core.jobs.backends)
        return t("queue.worker_died", detail=snap.error)
    if snap.error_kind == "unknown":
        return t("train.error_unknown")
    if snap.error_kind == "crash":
        detail = snap.error.removeprefix("The training crashed (").removesuffix(").")
        return plain.said("train.error_crash", detail=detail)        # an exception's words: plain text
    if snap.error_kind == "value":
        return plain.said("train.error_config", detail=plain.engine(snap.error))
    return plain.engine(snap.error)


def run_label(config: TrainConfig, n: int) -> str:
    """A short name that says what differs: "Run 2: bce, lr 5e-3/1e-4, SN"."""
    label = f"{t('train.run_label', n=n)}: {config.loss}, lr {format_lr(config.lr)}"
    if config.lr_d:
        label += f"/{format_lr(config.lr_d)}"
    if config.spectral_norm:
        label += ", SN"
    if config.d_train_iters > 1:
        label += ", " + t("train.d_steps_label", k=config.d_train_iters)
    return label
