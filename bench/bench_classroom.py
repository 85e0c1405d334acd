"""A class presses Start: simulated learners submit the default preset to one JobService.

Each learner joins within --spread seconds, its run is capped at --run-s seconds; reported per
set-up: each learner's wait (submit -> a worker takes it), Start -> first grid, run time
(median, p95, max), the shown wait estimate against the real wait, and total iterations per
second. The learners call the service directly (not through AppTest/stclient pages), and the
12-slider-session server p95 of the issue is NOT measured here (see docs/classroom.md).

    python bench/bench_classroom.py --backend local --workers 1 --learners 30 --run-s 60 --spread 30
    python bench/bench_classroom.py --backend local --workers 2 --learners 6 --run-s 15 --spread 5
    python bench/bench_classroom.py --backend ray --workers 2 ...   # a two-node ray.cluster_utils.Cluster
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=("local", "ray"), default="local")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--learners", type=int, default=30)
    ap.add_argument("--run-s", type=float, default=60.0)
    ap.add_argument("--spread", type=float, default=30.0)
    args = ap.parse_args(argv)

    from gan_core.jobs import JobService, LocalBackend
    from gan_core.training import presets

    cluster = None
    if args.backend == "ray":
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
        from ray.cluster_utils import Cluster

        from gan_core.jobs.ray_backend import RayBackend

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        for _ in range(args.workers - 1):
            cluster.add_node(num_cpus=1)
        backend = RayBackend(address=cluster.address, workers=args.workers)
    else:
        backend = LocalBackend(workers=args.workers)
    time.sleep(8.0)                          # workers boot before the class arrives (pre-started)
    service = JobService(backend, max_seconds=args.run_s, floor_s=args.run_s)
    config = presets.get(presets.DEFAULT)
    rng = random.Random(0)
    arrivals = sorted(rng.uniform(0, args.spread) for _ in range(args.learners))
    t0 = time.monotonic()
    handles = []
    for i, at in enumerate(arrivals):
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        handles.append((time.monotonic(), service.submit(config, owner=f"learner-{i}", label=f"L{i}")))
    first_grid = {}
    while any(h.running for _, h in handles):
        for sub, h in handles:
            if id(h) not in first_grid and h.snapshot().timeline:
                first_grid[id(h)] = time.monotonic() - sub
        time.sleep(0.2)
    rows = []
    for sub, h in handles:
        snap = h.snapshot()
        wait = (h.started_at - h.submitted_at) if h.started_at else float("nan")
        rows.append(dict(wait=wait, promised=h.promised_wait_s or 0.0, first=first_grid.get(id(h), float("nan")),
                         run=(h.ended_at - h.started_at) if h.started_at and h.ended_at else float("nan"),
                         its=snap.iteration, elapsed=snap.elapsed, status=snap.status))
    total_s = max(h.ended_at for _, h in handles) - min(h.submitted_at for _, h in handles)
    its = sum(r["its"] for r in rows)
    print(f"backend={backend.name} workers={args.workers} learners={args.learners} run_s={args.run_s:g} "
          f"spread={args.spread:g}")
    for name in ("wait", "first", "run"):
        values = [r[name] for r in rows if r[name] == r[name]]
        print(f"  {name:6s} median {statistics.median(values):6.1f} s  p95 {pct(values, .95):6.1f} s  "
              f"max {max(values):6.1f} s")
    errs = [abs(r["promised"] - r["wait"]) / r["wait"] for r in rows if r["wait"] > 5]
    within = sum(e <= 0.25 for e in errs)
    print(f"  estimate at submit within ±25 % of the real wait: {within}/{len(errs)} learners who waited > 5 s"
          f" (median error {statistics.median(errs) * 100 if errs else 0:.0f} %)")
    print(f"  total {its} iterations in {total_s:.1f} s = {its / total_s:.1f} it/s overall; "
          f"statuses {sorted(set(r['status'] for r in rows))}")
    print("  load:", os.getloadavg())
    service.close()
    if cluster is not None:
        cluster.shutdown()


if __name__ == "__main__":
    main()
