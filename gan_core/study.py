"""The course's hyperparameter study, re-run with measurements instead of impressions.

The course (the CSC321 DCGAN assignment: 32x32 emoji faces, batch 16, Adam
betas (0.5, 0.999), least-squares loss) drew conclusions about the learning
rate, spectral norm and the number of discriminator steps from looking at a
few sample grids. Here the same questions are asked one factor at a time
around one base config, every run for the same number of iterations, and each
run is scored by the sliced Wasserstein distance (SWD) between 329 generated
images and the 329 training images, every 500 iterations.

    python -m gan_core.study --out results/course_study              # the whole study
    python -m gan_core.study --out results/course_study --only lr_0.01  # one run again
    python -m gan_core.study --list                                  # the run list

Output (small enough to commit):

    OUT/study.json            what was run, where, and the headline table
    OUT/records/NAME.json     one run: config, SWD per checkpoint, losses every
                              10 iterations, the first 20 losses at full precision
    OUT/grids/NAME/iter_NNNNNN.png   5x5 fixed-noise sample grid per checkpoint
    OUT/README.md             command, hardware, the table (and reading.md if present)

Runs use one torch thread: on a shared 2-core machine that is both faster and
the setting under which a rerun reproduces the committed losses.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from . import data as gdata
from . import metrics, presets
from .train import TrainConfig, Trainer

# ---------------------------------------------------------------- the study, as data

# The course's setup: gan_core.presets.COURSE (the one definition; its comment says
# what the course states and what we chose), plus this study's own bookkeeping.
STUDY_FIELDS = dict(
    n_samples=36,          # fixed noise for the grids (part of the random stream: keep it to reproduce)
    sample_every=500, metric_every=0,   # SWD is computed here, against the full set
    log_every=1, threads=1,
)
BASE_CONFIG = {
    **{k: v for k, v in presets.COURSE.to_dict().items()
       if k in ("dataset", "image_size", "noise_size", "conv_dim", "loss", "lr", "beta1", "beta2",
                "spectral_norm", "d_batch_norm", "d_activation", "d_train_iters", "batch_size", "seed")},
    **STUDY_FIELDS,
}

# One factor at a time; the first value listed that equals the base is the base run.
FACTORS = {
    "lr": [0.1, 0.01, 0.001, 0.0005],
    "spectral_norm": [False, True],
    "d_train_iters": [1, 2, 4],
    "seed": [0, 1, 2],
}

DEFAULT_ITERATIONS = 3000
CHECKPOINT_EVERY = 500     # SWD + sample grid
LOSS_EVERY = 10            # losses are stored as means over windows of this many iterations
N_FIRST_LOSSES = 20        # stored at full precision for the determinism test
GRID_SIDE = 5              # grids show the first 5x5 fixed-noise samples: a 6x6 PNG neared 100 KB
RECORDS_DIR = "records"    # one JSON per run ("runs/" is git-ignored in this repo: local training output)
EVAL_SEED = 2024           # the noise behind the 329 images scored at every checkpoint, shared by all runs


@dataclass(frozen=True)
class StudyRun:
    name: str
    factor: str            # the factor this run changes, "base" for the base run
    value: object          # the factor's value in this run (for "base": None)
    overrides: dict        # the differences from BASE_CONFIG

    def config(self, iterations: int = DEFAULT_ITERATIONS) -> TrainConfig:
        return TrainConfig(**{**BASE_CONFIG, **self.overrides, "iterations": iterations})


def _value_label(factor: str, value) -> str:
    if factor == "spectral_norm":
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_list() -> list[StudyRun]:
    """The base run, then one run per non-base value of each factor."""
    runs = [StudyRun("base", "base", None, {})]
    for factor, values in FACTORS.items():
        for value in values:
            if value == BASE_CONFIG[factor]:
                continue
            name = f"{factor}_{_value_label(factor, value)}"
            runs.append(StudyRun(name, factor, value, {factor: value}))
    return runs


# The order the full study trains in: on a shared CPU it runs for hours, and if
# it is cut short the runs that answer the most questions per minute exist first
# (lr 0.1 diverges within minutes; the seeds are the yardstick for every other
# difference; 4 D steps per iteration cost the most).
RUN_ORDER = ("base", "lr_0.1", "lr_0.01", "lr_0.001", "seed_1", "spectral_norm_on",
             "d_train_iters_2", "seed_2", "d_train_iters_4")


def run_by_name(name: str) -> StudyRun:
    for run in run_list():
        if run.name == name:
            return run
    raise ValueError(f"no study run named {name!r}; choose from {', '.join(r.name for r in run_list())}")


def factor_groups() -> dict[str, list[tuple[str, str]]]:
    """factor -> [(value label, run name)], the base run included at its value, in FACTORS order."""
    groups = {}
    for factor, values in FACTORS.items():
        rows = []
        for value in values:
            name = "base" if value == BASE_CONFIG[factor] else f"{factor}_{_value_label(factor, value)}"
            rows.append((_value_label(factor, value), name))
        groups[factor] = rows
    return groups


# ---------------------------------------------------------------- measuring one run

def _finite(x: float):
    """JSON has no NaN/inf: a diverged loss is stored as null."""
    return float(x) if math.isfinite(x) else None


class _Evaluator:
    """SWD of 329 fixed-noise samples against the 329 training images (the whole emoji set).

    The noise and the SWD's own randomness are fixed, so a checkpoint's score
    depends only on the generator's weights.
    """

    def __init__(self, config: TrainConfig):
        self.reference = gdata.emoji_faces(config.image_size)
        gen = torch.Generator().manual_seed(EVAL_SEED)
        self.z = torch.randn(len(self.reference), config.noise_size, generator=gen)

    def __call__(self, trainer: Trainer) -> metrics.SWDResult:
        fake = gdata.to_uint8(trainer.sample(self.z)).cpu()
        return metrics.swd(self.reference, fake)


def _save_grid(grid: np.ndarray, path: Path) -> int:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(grid).save(path, format="PNG", optimize=True)
    return path.stat().st_size


def run_one(spec: StudyRun, out: Path, iterations: int = DEFAULT_ITERATIONS,
            checkpoint_every: int = CHECKPOINT_EVERY, log=print) -> dict:
    """Train one run of the study, write OUT/records/NAME.json and its grids, return the record."""
    from .viz import make_grid

    out = Path(out)
    config = dataclasses.replace(spec.config(iterations), sample_every=checkpoint_every)
    grid_dir = out / "grids" / spec.name
    if grid_dir.exists():  # a rerun replaces the old grids, it does not mix with them
        for old in grid_dir.glob("*.png"):
            old.unlink()
    evaluate = _Evaluator(config)
    trainer = Trainer(config)

    start = time.perf_counter()
    first, losses, window = [], {k: [] for k in ("iteration", *_LOSS_KEYS)}, []
    checkpoints, grids = [], []
    final, last_grid_it, last_step = None, 0, 0

    def add_checkpoint(it: int, grid: np.ndarray):
        nonlocal last_grid_it
        file = grid_dir / f"iter_{it:06d}.png"
        size = _save_grid(grid, file)
        grids.append({"iteration": it, "file": str(file.relative_to(out)), "bytes": size})
        result = evaluate(trainer)
        checkpoints.append({"iteration": it, "swd": result.mean,
                            "levels": {str(k): v for k, v in result.levels.items()}})
        last_grid_it = it
        log(f"  [{spec.name}] iter {it}: SWD {result.mean:.1f}  "
            f"({time.perf_counter() - start:.0f} s, grid {size // 1024} KB)")

    def flush_window():
        if window:
            losses["iteration"].append(window[-1]["iteration"])
            for k in _LOSS_KEYS:
                values = [w[k] for w in window]
                losses[k].append(_finite(float(np.mean(values))) if all(map(math.isfinite, values)) else None)
            window.clear()

    for ev in trainer.run():
        if ev.kind == "step":
            row = {"iteration": ev.iteration, **{k: getattr(ev, k) for k in _LOSS_KEYS}}
            if len(first) < N_FIRST_LOSSES:
                first.append({k: (_finite(v) if k != "iteration" else v) for k, v in row.items()})
            window.append(row)
            if ev.iteration % LOSS_EVERY == 0:
                flush_window()
            last_step = ev.iteration
        elif ev.kind == "samples" and ev.images is not None:
            add_checkpoint(ev.iteration, make_grid(ev.images[:GRID_SIDE ** 2], nrow=GRID_SIDE))
        elif ev.kind in ("done", "stopped", "diverged"):
            final = ev
    flush_window()
    # A diverged run stops between checkpoints: score and keep what it ended with.
    if final.kind == "diverged" and last_grid_it != final.iteration:
        images = gdata.to_uint8(trainer.sample()).cpu().numpy()
        add_checkpoint(final.iteration, make_grid(images[:GRID_SIDE ** 2], nrow=GRID_SIDE))
    wall = time.perf_counter() - start

    swds = [c["swd"] for c in checkpoints if c["swd"] is not None and math.isfinite(c["swd"])]
    record = {
        "name": spec.name,
        "factor": spec.factor,
        "value": spec.value,
        "value_label": "base" if spec.factor == "base" else _value_label(spec.factor, spec.value),
        "config": config.to_dict(),
        "command": f"python -m gan_core.study --out {out} --iterations {iterations} --only {spec.name}",
        "status": final.kind,
        "message": final.message,
        "iterations_run": last_step,
        "diverged_at": final.iteration if final.kind == "diverged" else None,
        "wall_time_s": round(wall, 1),
        "its_per_sec": round(last_step / max(final.elapsed, 1e-9), 2),
        "final_swd": checkpoints[-1]["swd"] if checkpoints else None,
        "best_swd": min(swds) if swds else None,
        "best_swd_iteration": checkpoints[[c["swd"] for c in checkpoints].index(min(swds))]["iteration"] if swds else None,
        "swd": checkpoints,
        "grids": grids,
        "losses": losses,
        "losses_note": f"mean over each window of {LOSS_EVERY} iterations, labelled with the window's last iteration",
        "first_losses": first,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    path = out / RECORDS_DIR / f"{spec.name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return record


_LOSS_KEYS = ("d_loss_real", "d_loss_fake", "d_loss", "g_loss", "d_x", "d_g_z")


# ---------------------------------------------------------------- reading results back

SUMMARY_KEYS = ("name", "factor", "value_label", "final_swd", "best_swd", "best_swd_iteration",
                "status", "diverged_at", "iterations_run", "wall_time_s", "its_per_sec")


def load_runs(out) -> list[dict]:
    """Every run record under OUT/runs, in run-list order (runs not in the list last)."""
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
        tiles = grid_tiles(grid)[:GRID_SIDE ** 2]
        rows.append([g["iteration"], round(nearest_training_distance(tiles, reference), 2)])
    return rows


def live_config(record: dict, max_iterations: int = 1500) -> dict:
    """The run's config for the Train page: the same settings, a budget a browser session can afford."""
    config = dict(record["config"])
    config["iterations"] = min(int(config.get("iterations", max_iterations)), max_iterations)
    config["threads"] = 0  # the app decides its own threads
    config["metric_every"] = config.get("sample_every") or 500
    return TrainConfig.from_dict(config).to_dict()


def grid_tiles(grid: np.ndarray, tile: int = 32, padding: int = 2) -> np.ndarray:
    """The images of a make_grid grid (H, W, 3) back as (N, 3, tile, tile) uint8: the PNGs are lossless,
    so a checkpoint's samples can be analysed after the fact without the generator."""
    step = tile + padding
    rows, cols = (grid.shape[0] - padding) // step, (grid.shape[1] - padding) // step
    tiles = [grid[padding + r * step: padding + r * step + tile, padding + c * step: padding + c * step + tile]
             for r in range(rows) for c in range(cols)]
    return np.stack(tiles).transpose(0, 3, 1, 2)


def nearest_training_distance(images, reference) -> float:
    """Mean over `images` of the RMS pixel distance (0-255 scale) to the closest `reference` image.

    A memorisation check: a generator that copies training images drives it towards 0. For scale,
    compare with the same number for the training images themselves (each against the others),
    see `training_nn_distance`.
    """
    a = torch.as_tensor(np.asarray(images)).reshape(len(images), -1).double()
    b = torch.as_tensor(np.asarray(reference)).reshape(len(reference), -1).double()
    d2 = torch.cdist(a, b).pow(2) / a.shape[1]
    return float(d2.min(dim=1).values.sqrt().mean())


def training_nn_distance(reference) -> float:
    """The same distance for each training image to its closest *other* training image."""
    b = torch.as_tensor(np.asarray(reference)).reshape(len(reference), -1).double()
    d2 = torch.cdist(b, b).pow(2) / b.shape[1]
    d2.fill_diagonal_(float("inf"))
    return float(d2.min(dim=1).values.sqrt().mean())


MAX_CURVE_POINTS = 1000


def _columns_from_steps(steps: list[dict]) -> dict:
    """Per-step dicts -> loss columns, averaged over consecutive chunks to at most MAX_CURVE_POINTS."""
    steps = [s for s in steps if isinstance(s, dict) and isinstance(s.get("iteration"), (int, float))]
    chunk = max(1, math.ceil(len(steps) / MAX_CURVE_POINTS))
    columns = {k: [] for k in ("iteration", *_LOSS_KEYS)}
    for i in range(0, len(steps), chunk):
        part = steps[i:i + chunk]
        columns["iteration"].append(int(part[-1]["iteration"]))
        for k in _LOSS_KEYS:
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
    steps = [{"iteration": x, **{k: curves[k][j] for k in _LOSS_KEYS if k in curves and j < len(curves[k])}}
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
    """The Train page's runs (st.session_state["train_runs"]) in the shape of a study record.

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


# ---------------------------------------------------------------- environment and README

def hardware() -> dict:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        lscpu = "\n".join(lscpu.splitlines()[:10])
    except (OSError, subprocess.SubprocessError):
        lscpu = platform.processor() or "unknown"
    try:
        load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        load = "unknown"
    return {"lscpu_head": lscpu, "torch": torch.__version__, "python": platform.python_version(),
            "platform": platform.platform(), "threads": 1, "load_average_at_start": load}


def _fmt(x, digits=1):
    return "–" if x is None else f"{x:.{digits}f}"


def headline_table(records: list[dict], nearest: dict | None = None) -> str:
    """Markdown table; `nearest` (run name -> distance at the last checkpoint) adds a memorisation column."""
    nearest = nearest or {}
    lines = ["| run | factor changed | final SWD | best SWD (at iter) | diverged? | iterations | wall time "
             "| closest-training distance (end) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in records:
        factor = "— (base)" if r["factor"] == "base" else f"{r['factor']} = {r['value_label']}"
        diverged = f"yes, at step {r['diverged_at']}" if r.get("diverged_at") else "no"
        best = f"{_fmt(r.get('best_swd'))} ({r.get('best_swd_iteration')})" if r.get("best_swd") is not None else "–"
        lines.append(f"| {r['name']} | {factor} | {_fmt(r.get('final_swd'))} | {best} | {diverged} | "
                     f"{r.get('iterations_run')} | {_fmt(r.get('wall_time_s') / 60 if r.get('wall_time_s') else None)} min "
                     f"| {_fmt(nearest.get(r['name']))} |")
    return "\n".join(lines)


def write_index(out: Path, meta: dict) -> None:
    """study.json (metadata + summary rows of whatever runs exist) and README.md."""
    out = Path(out)
    records = load_runs(out)
    reference = gdata.emoji_faces(BASE_CONFIG["image_size"]).numpy()
    rows = []
    for r in records:
        row = summary_row(r)
        row["nearest_training"] = nearest_training_by_checkpoint(out, r, reference)
        rows.append(row)
    meta = {**meta, "runs": rows,
            "training_nn_distance": round(training_nn_distance(reference), 2),
            "planned": [r.name for r in run_list()],
            "base_config": BASE_CONFIG, "factors": FACTORS,
            "checkpoint_every": CHECKPOINT_EVERY, "loss_every": LOSS_EVERY, "eval_seed": EVAL_SEED}
    (out / "study.json").write_text(json.dumps(meta, indent=1) + "\n")

    hw = meta.get("hardware", {})
    speeds = [r["its_per_sec"] for r in records if r.get("its_per_sec")]
    missing = [n for n in meta["planned"] if n not in {r["name"] for r in records}]
    reading = out / "reading.md"
    text = [
        "# The course's hyperparameter study, re-run",
        "",
        "Generated by `gan_core/study.py` (the reading at the end is written by hand from these numbers).",
        "",
        "## How it was run",
        "",
        "```",
        meta.get("command", ""),
        "```",
        "",
        f"* {meta.get('iterations')} iterations per run (one iteration = `d_train_iters` D steps + 1 G step), "
        f"batch {BASE_CONFIG['batch_size']}, emoji faces 32x32 (329 images), the course DCGAN "
        "(conv_dim 32, noise 100, D with batch norm + ReLU), least-squares loss, Adam betas (0.5, 0.999).",
        "* Base config: lr 5e-4, spectral norm off, 1 D step per G step, seed 0. The course assignment's "
        "own default lr is 3e-4 (its argparse default), which is not one of the values its report compares; "
        "5e-4 is the studied value nearest to it, and the smallest one, i.e. the one the report's "
        "'smaller is better' favours.",
        f"* Score: SWD x1e3 (Karras et al. 2018, `gan_core.metrics.swd`) of 329 images from fixed noise "
        f"(seed {EVAL_SEED}, the same for every run) against all 329 training images, every "
        f"{CHECKPOINT_EVERY} iterations. Lower is better (identical sets score 0). The base config's spread "
        "across its three seeds is the yardstick for what counts as a difference.",
        f"* Hardware: torch {hw.get('torch')}, Python {hw.get('python')}, {hw.get('threads')} torch thread, "
        f"CPU only, machine shared with other jobs (load average at start {hw.get('load_average_at_start')}), "
        "so wall times are slow and noisy"
        + (f" ({min(speeds):.1f}–{max(speeds):.1f} it/s across runs)." if speeds else "."),
        f"* Total wall time: {_fmt(meta.get('wall_time_s', 0) / 60)} min." if meta.get("wall_time_s") else "",
        "",
        "```",
        hw.get("lscpu_head", ""),
        "```",
        "",
        "## Results",
        "",
        headline_table(records, {row["name"]: row["nearest_training"][-1][1]
                                 for row in rows if row["nearest_training"]}),
        "",
        "SWD x1e3 against the 329 training images, lower is better. *Closest-training distance*: mean RMS "
        "pixel distance (0-255) from each of the 25 grid samples to its nearest training image, a "
        "memorisation check: copies of training images would score near 0; the training images themselves "
        f"score {meta['training_nn_distance']:.1f} against each other. Wall times are on a shared CPU.",
        "",
    ]
    if missing:
        text += [f"Not run yet: {', '.join(missing)}.", ""]
    if reading.is_file():
        text += [reading.read_text().strip(), ""]
    (out / "README.md").write_text("\n".join(t for t in text if t is not None) + "\n")


# ---------------------------------------------------------------- CLI

def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gan_core.study", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="results/course_study")
    p.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS)
    p.add_argument("--only", action="append", default=[], metavar="NAME",
                   help="run only these runs (repeatable, or comma-separated)")
    p.add_argument("--checkpoint-every", type=int, default=CHECKPOINT_EVERY, help=argparse.SUPPRESS)
    p.add_argument("--list", action="store_true", help="print the run list and exit")
    p.add_argument("--index-only", action="store_true", help="rewrite study.json and README.md from the runs on disk")
    args = p.parse_args(argv)

    if args.list:
        for r in run_list():
            print(f"{r.name:20s} {r.factor:15s} {r.overrides}")
        return 0
    names = [n for item in args.only for n in item.split(",") if n]
    try:
        specs = [run_by_name(n) for n in (names or RUN_ORDER)]
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)

    previous = load_study(out) or {}
    full_command = "python -m gan_core.study " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    meta = {k: previous[k] for k in ("command", "hardware", "iterations", "wall_time_s") if k in previous}
    if not names and not args.index_only:
        meta = {"command": full_command, "hardware": hardware(), "iterations": args.iterations}
    meta.setdefault("iterations", args.iterations)
    meta.setdefault("hardware", hardware())
    meta.setdefault("command", full_command)
    if args.index_only:
        write_index(out, meta)
        return 0

    start = time.perf_counter()
    failed = False
    for i, spec in enumerate(specs, 1):
        print(f"[{i}/{len(specs)}] {spec.name}: {spec.overrides or 'base config'}", flush=True)
        record = run_one(spec, out, args.iterations, args.checkpoint_every,
                         log=lambda m: print(m, flush=True))
        print(f"  -> {record['status']}: {record['message']}", flush=True)
        problems = validate_run(record)
        if problems:
            print(f"  !! {spec.name}: {'; '.join(problems)}", flush=True)
            failed = True
        if not names:
            meta["wall_time_s"] = round(time.perf_counter() - start, 1)
        write_index(out, meta)
    print(f"study written to {out} in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
