"""What the web process keeps per finished run: 20 short runs through the job service, RSS after the 1st and the 20th.

    python bench/bench_run_memory.py                          # 20 runs of 5 s, sessions stay open
    python bench/bench_run_memory.py --sessions closed        # each session goes away after its run
    python bench/bench_run_memory.py --runs 10 --seconds 3 --page-copy

The process plays the web server: one JobService on LocalBackend(workers=1) (the trainings in
worker processes, as the app runs them) and, per learner, a session that submits the default
preset once (its own owner, a run capped at --seconds) and then keeps what the Train page keeps
of a finished run: the handle (its final Snapshot: curves and timeline grids) and a KeptRun
(ui.handoff.keep_run, the page's own bound: the last ui.train.run.KEPT_RUNS runs) sharing the
handle's generator. --page-copy keeps a deep copy of the generator instead, as the page did before.
--sessions open: every session stays (a class whose tabs stay open); closed: each session is
dropped after its run, as a tab closed past Streamlit's reconnect time is (ui/memory.py).

After every run: gc.collect() and malloc_trim(0) (what the server's housekeeping thread does
every 30 s), then this process's RSS and what the live sessions hold (grid and generator bytes);
printed after the 1st run and the last, with the difference. The load average is printed
before and after (the machine may be shared).
"""

from __future__ import annotations

import argparse
import copy
import ctypes
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def settle():
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def held_mb(sessions: list[dict]) -> tuple[float, float]:
    """(grid MB, generator MB) the live sessions reach, each object counted once."""
    grids, gens = {}, {}
    for state in sessions:
        from ui.handoff import kept_runs

        snaps = [state["train_job"].snapshot()] + [r.snap for r in kept_runs(state)]
        for snap in snaps:
            for _, g in snap.timeline:
                grids[id(g)] = g.nbytes
        for g in [state["train_job"].generator] + [r.generator for r in kept_runs(state)]:
            if g is not None:
                gens[id(g)] = sum(p.numel() * p.element_size() for p in g.state_dict().values())
    return sum(grids.values()) / 2**20, sum(gens.values()) / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=5.0, help="each run's cap (the default preset)")
    ap.add_argument("--sessions", choices=["open", "closed"], default="open")
    ap.add_argument("--page-copy", action="store_true", help="keep a deep copy of each generator (the page before)")
    args = ap.parse_args(argv)

    from gan_core.jobs import JobService, LocalBackend
    from gan_core.training import presets
    from ui.handoff import KeptRun, keep_run
    from ui.train.run import KEPT_RUNS

    print(f"cpus {os.cpu_count()}, load before {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.runs} runs of {args.seconds:g} s, sessions {args.sessions}, page copy {args.page_copy}")
    svc = JobService(LocalBackend(workers=1, spares=1), max_seconds=args.seconds, floor_s=args.seconds)
    config = presets.get(presets.DEFAULT)
    sessions: list[dict] = []
    rows = []
    t0 = time.monotonic()
    try:
        for i in range(args.runs):
            state: dict = {}
            h = svc.submit(config, owner=f"session-{i}", label=f"Run {i + 1}")
            h.wait(args.seconds + 120)
            state["train_job"] = h
            snap = h.snapshot()
            gen = copy.deepcopy(h.generator) if args.page_copy and h.generator is not None else h.generator
            keep_run(KeptRun(snap.label, snap, gen, h.config, snap.iteration), KEPT_RUNS, state=state)
            if args.sessions == "open":
                sessions.append(state)
            del state, h, snap, gen
            settle()
            grids, gens = held_mb(sessions)
            rows.append((rss_mb(), grids, gens))
            print(f"  after run {i + 1:2d}: RSS {rows[-1][0]:7.1f} MB   sessions hold grids {grids:5.1f} MB, "
                  f"generators {gens:5.1f} MB   ({time.monotonic() - t0:.0f} s)", flush=True)
    finally:
        svc.close()
    (r1, *_), (rn, *_) = rows[0], rows[-1]
    print(f"RSS after run 1 {r1:.0f} MB, after run {len(rows)} {rn:.0f} MB: {rn - r1:+.0f} MB "
          f"({(rn - r1) / max(1, len(rows) - 1):+.2f} MB per run); "
          f"load after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
