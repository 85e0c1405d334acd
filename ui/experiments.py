"""The Experiments page's logic: loading the study's records, grids, tables and figures.

gan_core.study.results reads and compares the runs (gan_core.study.design says
what the study is); this module caches them for Streamlit, puts them in the
page's language and draws the curves; pages/3_Experiments.py only lays them out.
Labels come from content/<lang>.json (section "experiments").
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from gan_core.metrics import training_nn_distance
from gan_core.study import design, headline_cells, results
from gan_core.viz import smooth, upscale
from ui import handoff
from ui.common import ROOT
from ui.i18n import current, t

COLOURS = qualitative.Plotly
STATUSES = ("done", "diverged", "stopped", "error")  # experiments.status.<kind> names each


def results_dir() -> Path:
    return Path(os.environ.get("GAN_PLAYGROUND_STUDY_DIR", ROOT / "results" / "course_study"))


def _signature(folder: Path) -> tuple:
    """Changes whenever a run file is (re)written, so a finished run shows up without a restart."""
    records = folder / design.RECORDS_DIR
    files = sorted(records.glob("*.json")) if records.is_dir() else []
    extra = [folder / "study.json", folder / "reading.md", folder / "reading.fa.md"]
    return tuple((str(p), p.stat().st_mtime_ns) for p in [*files, *extra] if p.exists())


@st.cache_data(max_entries=2, show_spinner=False)
def _load(folder: str, signature: tuple):
    records = results.load_runs(folder)
    readings = {}
    for lang, name in (("en", "reading.md"), ("fa", "reading.fa.md")):
        path = Path(folder, name)
        readings[lang] = path.read_text(encoding="utf-8") if path.is_file() else None
    return records, results.load_study(folder), readings


def load(folder: Path):
    """(records, study meta, {"en": reading or None, "fa": reading or None}) for a results folder."""
    return _load(str(folder), _signature(folder))


def reading_body(text: str | None) -> str | None:
    """reading.md is also part of the results README, where it carries its own title: drop it here."""
    if not text:
        return None
    lines = text.strip().splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("#") else lines)


@st.cache_data(max_entries=64, show_spinner=False)
def grid_png(path: str) -> np.ndarray | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except OSError:
        return None


def raw_grid(run: dict, iteration: int, folder: Path) -> np.ndarray | None:
    for it, item in results.grid_list(run):
        if it == iteration:
            return item if isinstance(item, np.ndarray) else grid_png(str(folder / item))
    return None


def grid_image(run: dict, iteration: int, folder: Path) -> np.ndarray | None:
    """The run's sample grid at `iteration`, enlarged 2x so 32x32 faces are visible."""
    grid = raw_grid(run, iteration, folder)
    if grid is None:
        return None
    return upscale(grid, 2 * grid.shape[0]) if grid.shape[0] == grid.shape[1] else grid


@st.cache_data(max_entries=1, show_spinner=False)
def training_nn() -> tuple[np.ndarray, float]:
    from gan_core.data import emoji_faces

    reference = emoji_faces(design.BASE_CONFIG["image_size"]).numpy()
    return reference, training_nn_distance(reference)


def missing_runs(records: list[dict], meta: dict | None) -> tuple[list[str], int]:
    """(the planned runs with no record yet, how many were planned)."""
    planned = (meta or {}).get("planned") or [r.name for r in design.run_list()]
    done = {r["name"] for r in records}
    return [n for n in planned if n not in done], len(planned)


def how_text(meta: dict | None) -> str:
    """How the study was run, in the page's language."""
    base = design.BASE_CONFIG
    return t("experiments.how", conv_dim=base["conv_dim"], noise=base["noise_size"],
             batch=base["batch_size"], lr=f"{base['lr']:g}", beta1=base["beta1"], beta2=base["beta2"],
             iterations=(meta or {}).get("iterations", "?"), side=design.GRID_SIDE,
             every=design.CHECKPOINT_EVERY, loss_every=design.LOSS_EVERY)


TABLE_COLUMNS = ("run", "factor", "final", "best", "diverged", "iterations", "wall")


def results_table(records: list[dict]) -> tuple[list[dict], dict]:
    """The headline table (gan_core.study.report's cells, in the page's language) and its column formats."""
    col = {k: t(f"experiments.table.{k}") for k in TABLE_COLUMNS}
    words = {k: t(f"experiments.table.{k}") for k in ("base", "diverged_yes", "diverged_no")}
    rows = [{col[k]: v for k, v in headline_cells(r, **words).items() if k in col} for r in records]
    number = st.column_config.NumberColumn(format="%.1f")
    return rows, {col["final"]: number, col["best"]: number}


def run_label(run: dict) -> str:
    """A run in the run picker: its name and how it ended."""
    status = run["status"]
    return f"{run['name']} ({t('experiments.status.' + status) if status in STATUSES else status})"


def nearest_training(grid: np.ndarray) -> tuple[float, float]:
    """(the checkpoint's samples' distance to their closest training image, the training images' own)."""
    reference, train_nn = training_nn()
    return results.grid_nearest_training(grid, reference), train_nn


def compare_choices(records: list[dict]) -> dict[str, dict]:
    """Label -> run for the comparison pickers: the study's runs, then the Train page's (ui.handoff)."""
    choices = {f"{t('experiments.prefix_study')}: {r['name']}": r for r in records}
    yours = results.user_runs([run.as_record() for run in handoff.kept_runs()])
    choices.update({f"{t('experiments.prefix_yours')}: {r['name']}": r for r in yours})
    return choices


def diff_table(a: dict, b: dict) -> dict[str, list[str]] | None:
    """The settings two runs differ in, as a table (None if they are the same)."""
    diff = results.config_diff(a["config"], b["config"])
    if not diff:
        return None
    return {t("experiments.diff_setting"): [k for k, _, _ in diff], "A": [str(v) for _, v, _ in diff],
            "B": [str(v) for _, _, v in diff]}


def curves_figure(runs: list[dict], labels: list[str], smoothing: int) -> go.Figure:
    """SWD, D loss and G loss against iteration, one colour per run; x marks a divergence."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=(t("experiments.fig.swd"), t("experiments.fig.d_loss"),
                                                        t("experiments.fig.g_loss")))
    for i, (run, label) in enumerate(zip(runs, labels)):
        colour = COLOURS[i % len(COLOURS)]
        swd = run.get("swd") or []
        if swd:
            fig.add_trace(go.Scatter(x=[c["iteration"] for c in swd], y=[c["swd"] for c in swd],
                                     mode="lines+markers", name=label, legendgroup=label,
                                     line=dict(color=colour)), row=1, col=1)
        losses = run.get("losses") or {}
        its = losses.get("iteration", [])
        for col, key in ((2, "d_loss"), (3, "g_loss")):
            if its and key in losses:
                fig.add_trace(go.Scatter(x=its, y=smooth(losses[key], smoothing), mode="lines", name=label,
                                         legendgroup=label, showlegend=not swd and col == 2,
                                         line=dict(color=colour, width=1.5)), row=1, col=col)
        if run.get("diverged_at") and its:
            y = next((v for v in reversed(losses.get("d_loss", [])) if v is not None), None)
            if y is not None:
                fig.add_trace(go.Scatter(x=[run["diverged_at"]], y=[y], mode="markers", showlegend=False,
                                         legendgroup=label, hovertext=t("experiments.fig.diverged", run=label),
                                         marker=dict(symbol="x", size=12, color=colour)), row=1, col=2)
    fig.update_xaxes(title_text=t("experiments.fig.iteration"))
    # Log scale: the first iterations' losses (and lr 0.1's) are 100x the settled values.
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.2))
    return fig


def rerun_live(run: dict, key: str) -> None:
    """Hand the run's config to the Train page and go there."""
    if st.button(t("experiments.rerun"), key=key, icon="🏋️", help=t("experiments.rerun_help")):
        handoff.offer_train_config(results.live_config(run), "experiments")
        try:
            st.switch_page("pages/2_Train.py")
        except st.errors.StreamlitAPIException:
            st.info(t("experiments.rerun_stored"))


def run_message(run: dict) -> str:
    """Why a run stopped, in the current language (the record's own message is English)."""
    if current() == "en" and run.get("message"):
        return run["message"]
    return t("experiments.diverged_msg", step=run["diverged_at"], lr=run.get("config", {}).get("lr", "?"))
