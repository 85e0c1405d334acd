"""Reading the course study's results back: run records, their checks, and the Train page's runs.

A study record is the JSON gan_core.study writes per run (OUT/records/NAME.json).
The Experiments page also compares the user's own runs from the Train page with
them; `user_runs` turns those into the same shape, so one page and one set of
helpers (grids, config differences) serve both.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..metrics.stats import nearest_training_distance
from ..training.config import TrainConfig
from ..training.events import LOSS_KEYS
from .design import GRID_SIDE, N_FIRST_LOSSES, RECORDS_DIR, run_list

SUMMARY_KEYS = ("name", "factor", "value_label", "final_swd", "best_swd", "best_swd_iteration",
                "status", "diverged_at", "iterations_run", "wall_time_s", "its_per_sec")


def load_runs(out) -> list[dict]:
    """Every run record under OUT/records, in run-list order (runs not in the list last)."""
    folder = Path(out) / RECORDS_DIR
    if not folder.is_dir():
        return []
    records = {}
    for path in folder.glob("*.json"):
        try:
            records[path.stem] = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # a half-written file from an interrupted run is not a result
    order = [r.name for r in run_list()]
    return sorted(records.values(), key=lambda r: (order.index(r["name"]) if r["name"] in order else len(order),
                                                   r["name"]))


def load_study(out) -> dict | None:
    path = Path(out) / "study.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def validate_run(record: dict) -> list[str]:
    """Problems with one run record (empty = fine): what the page and the tests rely on."""
    problems = []
    for key in ("name", "config", "status", "swd", "losses", "first_losses", "grids"):
        if key not in record:
            problems.append(f"missing {key!r}")
    if problems:
        return problems
    try:
        TrainConfig.from_dict(record["config"])
    except (TypeError, ValueError) as exc:
        problems.append(f"config does not load: {exc}")
    if record["status"] == "diverged":
        if not isinstance(record.get("diverged_at"), int):
            problems.append("diverged without a divergence step")
    elif not record["swd"]:
        problems.append("no SWD checkpoints")
    if len(record["first_losses"]) != min(N_FIRST_LOSSES, record.get("iterations_run", N_FIRST_LOSSES)):
        problems.append(f"expected {N_FIRST_LOSSES} first losses, got {len(record['first_losses'])}")
    lengths = {len(v) for v in record["losses"].values()}
    if len(lengths) != 1:
        problems.append("loss columns differ in length")
    return problems


def summary_row(record: dict) -> dict:
    return {k: record.get(k) for k in SUMMARY_KEYS}


def live_config(record: dict, max_iterations: int = 1500) -> dict:
    """The run's config for the Train page: the same settings, a budget a browser session can afford."""
    config = dict(record["config"])
    config["iterations"] = min(int(config.get("iterations", max_iterations)), max_iterations)
    config["threads"] = 0  # the app decides its own threads
    config["metric_every"] = config.get("sample_every") or 500
    return TrainConfig.from_dict(config).to_dict()


# ---------------------------------------------------------------- the sample grids

def grid_tiles(grid: np.ndarray, tile: int = 32, padding: int = 2) -> np.ndarray:
    """The images of a make_grid grid (H, W, 3) back as (N, 3, tile, tile) uint8: the PNGs are lossless,
    so a checkpoint's samples can be analysed after the fact without the generator."""
    step = tile + padding
    rows, cols = (grid.shape[0] - padding) // step, (grid.shape[1] - padding) // step
    tiles = [grid[padding + r * step: padding + r * step + tile, padding + c * step: padding + c * step + tile]
             for r in range(rows) for c in range(cols)]
    return np.stack(tiles).transpose(0, 3, 1, 2)


def grid_nearest_training(grid: np.ndarray, reference) -> float:
    """The memorisation check of one checkpoint: its grid's samples against the training images
    (metrics.nearest_training_distance)."""
    return nearest_training_distance(grid_tiles(grid)[:GRID_SIDE ** 2], reference)


def nearest_training_by_checkpoint(out, record: dict, reference) -> list[list]:
    """[[iteration, mean distance of the grid's samples to their closest training image]] from the PNGs."""
    from PIL import Image

    rows = []
    for g in record.get("grids", []):
        try:
            with Image.open(Path(out) / g["file"]) as im:
                grid = np.asarray(im.convert("RGB"))
        except OSError:
            continue
        rows.append([g["iteration"], round(grid_nearest_training(grid, reference), 2)])
    return rows


def grid_list(record: dict) -> list[tuple[int, object]]:
    """(iteration, grid) pairs: a file path relative to the results folder (study runs)
    or a uint8 HWC array (the Train page's runs), in iteration order."""
    pairs = []
    for g in record.get("grids") or []:
        item = g.get("image") if g.get("image") is not None else g.get("file")
        if item is not None:
            pairs.append((int(g["iteration"]), item))
    return sorted(pairs, key=lambda p: p[0])


def common_grid_iterations(a: dict, b: dict) -> list[int]:
    return sorted({it for it, _ in grid_list(a)} & {it for it, _ in grid_list(b)})


def config_diff(a: dict, b: dict) -> list[tuple[str, object, object]]:
    """(field, a's value, b's value) for every config field that differs."""
    keys = list(dict.fromkeys([*a, *b]))
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


# ---------------------------------------------------------------- the Train page's runs

MAX_CURVE_POINTS = 1000


def _columns_from_steps(steps: list[dict]) -> dict:
    """Per-step dicts -> loss columns, averaged over consecutive chunks to at most MAX_CURVE_POINTS."""
    steps = [s for s in steps if isinstance(s, dict) and isinstance(s.get("iteration"), (int, float))]
    chunk = max(1, math.ceil(len(steps) / MAX_CURVE_POINTS))
    columns = {k: [] for k in ("iteration", *LOSS_KEYS)}
    for i in range(0, len(steps), chunk):
        part = steps[i:i + chunk]
        columns["iteration"].append(int(part[-1]["iteration"]))
        for k in LOSS_KEYS:
            values = [s.get(k) for s in part]
            ok = [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
            columns[k].append(float(np.mean(ok)) if ok and len(ok) == len(values) else None)
    return columns


def _from_job_record(item: dict) -> dict | None:
    """The Train page's archived run ({"label", "snap": job.Snapshot, "config": TrainConfig, ...})
    in the plain form below. Read by attribute, so a snapshot missing a field costs that field only."""
    snap = item.get("snap")
    curves = getattr(snap, "curves", None) or {}
    xs = curves.get("x") or []
    steps = [{"iteration": x, **{k: curves[k][j] for k in LOSS_KEYS if k in curves and j < len(curves[k])}}
             for j, x in enumerate(xs)]
    swd = (getattr(snap, "metrics", None) or {}).get("swd") or {}
    metrics = [{"iteration": x, "name": "swd", "value": v}
               for x, v in zip(swd.get("x") or [], swd.get("value") or []) if v is not None]
    config = item.get("config") if item.get("config") is not None else getattr(snap, "config", None)
    config = config.to_dict() if hasattr(config, "to_dict") else config
    status = getattr(snap, "status", "")
    return {"name": item.get("label") or getattr(snap, "label", ""), "config": config, "steps": steps,
            "grids": list(getattr(snap, "timeline", None) or []), "metrics": metrics, "status": status,
            "diverged_at": getattr(snap, "iteration", None) if status == "diverged" else None}


def user_runs(raw) -> list[dict]:
    """The Train page's runs (ui.handoff.KeptRun.as_record()) in the shape of a study record.

    Expected, per run: {"name": str, "config": TrainConfig dict, "steps": [{"iteration", "d_loss",
    "g_loss", ...}], "grids": [(iteration, HWC uint8 array)]}; optional "metrics" ([{"iteration",
    "name": "swd", "value"}]), "status" and "diverged_at". Anything malformed is skipped, never raised.
    """
    runs = []
    for i, item in enumerate(raw if isinstance(raw, (list, tuple)) else []):
        if isinstance(item, dict) and "snap" in item:
            item = _from_job_record(item)
        if not isinstance(item, dict):
            continue
        grids = []
        for g in item.get("grids") or []:
            it, image = (g.get("iteration"), g.get("grid")) if isinstance(g, dict) else (tuple(g) + (None, None))[:2]
            image = np.asarray(image) if image is not None else None
            if isinstance(it, (int, np.integer)) and image is not None and image.ndim == 3 and image.dtype == np.uint8:
                grids.append({"iteration": int(it), "image": image})
        swd = [{"iteration": int(m["iteration"]), "swd": float(m["value"])}
               for m in item.get("metrics") or []
               if isinstance(m, dict) and m.get("name") == "swd" and isinstance(m.get("iteration"), int)
               and isinstance(m.get("value"), (int, float))]
        config = item.get("config") if isinstance(item.get("config"), dict) else {}
        runs.append({
            "name": str(item.get("name") or f"run {i + 1}"),
            "source": "train_page",
            "config": config,
            "status": item.get("status", ""),
            "diverged_at": item.get("diverged_at"),
            "losses": _columns_from_steps(item.get("steps") or []),
            "swd": swd,
            "grids": grids,
        })
    return runs
