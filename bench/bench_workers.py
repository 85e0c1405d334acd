"""Two workers against one: total iterations per second of the default preset trained at once.

    python bench/bench_workers.py                       # all set-ups, 40 s runs, ~5 min
    python bench/bench_workers.py --setups plain service --seconds 30

Each set-up trains the `fast` preset (one torch thread per run) in 1 and then in 2 runs at the same
time, each for --seconds of training, and prints every run's own rate (iterations / its training
time), their sum and the ratio sum(2) / sum(1):
  plain:    N independent `python -c` processes, each a TrainingJob run inline (no queue, no pipe,
            no poller): what the cores give two trainings at all;
  service:  N runs submitted at once to a JobService on LocalBackend(workers=N) (pre-booted
            workers, the monitor polling every run every 0.3 s, snapshots over the pipe): what the app
            gives;
  service0: the same with spares=0 (no idle spare process kept).
The load average is printed before and after each set-up; numbers from a shared machine say so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLAIN = """
import json, sys, torch
torch.set_num_threads(1)
from gan_core.jobs import TrainingJob
from gan_core.training import presets
job = TrainingJob(presets.get(presets.DEFAULT, iterations=10**6), threads=1, max_seconds=float(sys.argv[1]),
                  measure=sys.argv[2] == '1')
job.run_inline()
s = job.snapshot()
print(json.dumps({"its": s.iteration, "elapsed": s.elapsed}))
"""


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def plain(n: int, seconds: float, measure: bool) -> list[dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", PLAIN, str(seconds), "1" if measure else "0"],
                              stdout=subprocess.PIPE, env=env, text=True) for _ in range(n)]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def service(n: int, seconds: float, measure: bool, spares: int) -> list[dict]:
    from gan_core.jobs import JobService, LocalBackend
    from gan_core.training import presets

    backend = LocalBackend(workers=n, spares=spares)
    end = time.monotonic() + 60
    while time.monotonic() < end:                  # every pre-started worker has booted
        with backend._lock:
            if all(w.check_ready() for w in backend._idle):
                break
        time.sleep(0.2)
    svc = JobService(backend, max_seconds=seconds, floor_s=seconds)
    config = presets.get(presets.DEFAULT, iterations=10**6)
    handles = [svc.submit(config, owner=f"b{i}", measure=measure) for i in range(n)]
    for h in handles:
        h.wait(seconds + 120)
    rows = [{"its": h.snapshot().iteration, "elapsed": h.snapshot().elapsed} for h in handles]
    svc.close()
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setups", nargs="+", default=["plain", "service", "service0"],
                    choices=["plain", "service", "service0"])
    ap.add_argument("--seconds", type=float, default=40.0)
    ap.add_argument("--no-measure", action="store_true", help="runs without the SWD/diversity measures")
    args = ap.parse_args(argv)
    measure = not args.no_measure
    print(f"cores: {os.cpu_count()}, {args.seconds:g} s runs, measure={measure}")
    for setup in args.setups:
        totals = {}
        for n in (1, 2):
            before = load()
            if setup == "plain":
                rows = plain(n, args.seconds, measure)
            else:
                rows = service(n, args.seconds, measure, spares=0 if setup == "service0" else 1)
            rates = [r["its"] / r["elapsed"] for r in rows if r["elapsed"] > 0]
            totals[n] = sum(rates)
            print(f"  {setup:8s} N={n}: per run {' '.join(f'{x:.2f}' for x in rates)} it/s, "
                  f"total {totals[n]:.2f} it/s   (load before {before}, after {load()})", flush=True)
        print(f"  {setup:8s} ratio total(2) / total(1) = {totals[2] / totals[1]:.2f}x", flush=True)


if __name__ == "__main__":
    main()
