"""The course's hyperparameter study, re-run with measurements instead of impressions.

The study itself (base config, factors, run list) is gan_core.study.design;
this module trains its runs. Each run is scored by the sliced Wasserstein
distance (SWD) between 329 generated images and the 329 training images,
every 500 iterations. Reading the results back: gan_core.study.results; the
results folder's index and README: gan_core.study.report.

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
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .. import data as gdata
from .. import metrics
from ..training.config import TrainConfig
from ..training.events import LOSS_KEYS
from ..training.loop import Trainer

# The study's definition, here too, so `study.BASE_CONFIG`, `study.run_by_name(...)` read as before.
from .design import (
    CHECKPOINT_EVERY,
    DEFAULT_ITERATIONS,
    EVAL_SEED,
    GRID_SIDE,
    LOSS_EVERY,
    N_FIRST_LOSSES,
    RECORDS_DIR,
    RUN_ORDER,
    StudyRun,
    run_by_name,
    run_list,
    value_label,
)
from .report import hardware, write_index
from .results import load_study, validate_run

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
    from ..viz import make_grid

    out = Path(out)
    config = dataclasses.replace(spec.config(iterations), sample_every=checkpoint_every)
    grid_dir = out / "grids" / spec.name
    if grid_dir.exists():  # a rerun replaces the old grids, it does not mix with them
        for old in grid_dir.glob("*.png"):
            old.unlink()
    evaluate = _Evaluator(config)
    trainer = Trainer(config)

    start = time.perf_counter()
    first, losses, window = [], {k: [] for k in ("iteration", *LOSS_KEYS)}, []
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
            for k in LOSS_KEYS:
                values = [w[k] for w in window]
                losses[k].append(_finite(float(np.mean(values))) if all(map(math.isfinite, values)) else None)
            window.clear()

    for ev in trainer.run():
        if ev.kind == "step":
            row = {"iteration": ev.iteration, **{k: getattr(ev, k) for k in LOSS_KEYS}}
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
        "value_label": "base" if spec.factor == "base" else value_label(spec.factor, spec.value),
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
