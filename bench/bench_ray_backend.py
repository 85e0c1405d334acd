"""What the `ray` backend costs: start-up, Start -> first step, and it/s through an actor vs the others.

    python bench/bench_ray_backend.py                      # fast preset, 150 steps per run, ~3 min
    python bench/bench_ray_backend.py --iterations 60 --skip-local

Starts a two-node Ray cluster on this machine (ray.cluster_utils, two 1-CPU nodes, loopback only)
and runs the same short training (the `fast` preset, seed 0) one at a time on:
  thread: a TrainingJob in a thread of this process (the Train page before issue 23);
  local:  gan_core.jobs.local_backend (a spawned worker process, started ahead);
  ray:    gan_core.jobs.ray_backend (an actor on the cluster);
then two at once on ray (one per node). For each: Start -> first step, Start -> done, and the
run's own it/s (iterations / training time). Also the bytes one snapshot poll carries (the packed
delta) against a whole pickled Snapshot. Needs requirements-cluster.txt. Numbers depend on what
else runs on the machine: the load average is printed before and after.
"""

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")       # every Ray address on 127.0.0.1
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)

from gan_core.jobs import TrainingJob  # noqa: E402
from gan_core.jobs.backends import RunSpec, SnapshotPacker  # noqa: E402
from gan_core.training import presets  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


class ThreadRun:
    """A TrainingJob in this process, behind the Run methods the bench uses."""

    def __init__(self, spec):
        self.job = TrainingJob(spec.config, label=spec.label, threads=1)
        self.job.start()

    def snapshot(self):
        return self.job.snapshot()

    def generator(self):
        return self.job.generator


def timed(starts, poll=0.05):
    """Start every run at once; per run (first step s, done s, its/s of its own training)."""
    t0 = time.perf_counter()
    runs = [start() for start in starts]
    first, done, snaps = [None] * len(runs), [None] * len(runs), [None] * len(runs)
    while any(d is None for d in done):
        for i, run in enumerate(runs):
            if done[i] is not None:
                continue
            snap = run.snapshot()
            now = time.perf_counter() - t0
            if first[i] is None and snap.iteration > 0:
                first[i] = now
            if snap.finished:
                done[i], snaps[i] = now, snap
        time.sleep(poll)
    for run in runs:
        run.generator()
    rows = []
    for f, d, s in zip(first, done, snaps):
        assert s.status == "done", s.error or s.message
        rows.append((f, d, s.iteration / s.elapsed if s.elapsed else 0.0))
    return rows, snaps


def report(name, rows):
    for f, d, rate in rows:
        print(f"| {name} | {f:.2f} | {d:.1f} | {rate:.2f} | {load()} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="fast")
    ap.add_argument("--iterations", type=int, default=150)
    ap.add_argument("--skip-local", action="store_true", help="no local-backend row (it spawns a worker)")
    args = ap.parse_args()
    config = presets.get(args.preset, iterations=args.iterations)
    spec = RunSpec(config, label="bench")
    print(f"preset {args.preset}, {args.iterations} iterations, 1 torch thread; load before: {load()}")

    print("| backend | Start -> first step (s) | Start -> done (s) | its/s of the run | load after |")
    print("|---|---|---|---|---|")
    rows, snaps_thread = timed([lambda: ThreadRun(spec)])
    report("thread", rows)

    full = len(pickle.dumps(snaps_thread[0]))
    packer = SnapshotPacker()
    first_poll = len(pickle.dumps(packer.pack(snaps_thread[0])))
    next_poll = len(pickle.dumps(packer.pack(snaps_thread[0])))

    if not args.skip_local:
        from gan_core.jobs.local_backend import LocalBackend

        local = LocalBackend(workers=1)
        time.sleep(8.0)                    # its worker boots ahead of the first Start, as in the app
        rows, _ = timed([lambda: local.start(spec)])
        report("local", rows)
        local.close()

    import ray
    from ray.cluster_utils import Cluster

    from gan_core.jobs.ray_backend import RayBackend

    t0 = time.perf_counter()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20})
    cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
    cluster.wait_for_nodes()
    t1 = time.perf_counter()
    backend = RayBackend(address=cluster.address)
    t2 = time.perf_counter()
    backend.wait_warm()                    # its spare actor boots ahead of the first Start, as in the app
    t3 = time.perf_counter()
    try:
        rows, _ = timed([lambda: backend.start(spec)])
        report("ray (1 run)", rows)
        backend.wait_warm()
        rows, _ = timed([lambda: backend.start(spec), lambda: backend.start(RunSpec(config, label="bench 2"))])
        report("ray (2 at once, 2 nodes)", rows)
        print(f"\nray: two-node cluster up in {t1 - t0:.1f} s, RayBackend connected in {t2 - t1:.1f} s "
              f"({backend.workers} workers), its spare actor warm {t3 - t2:.1f} s later")
    finally:
        backend.close()
        if ray.is_initialized():
            ray.shutdown()
        cluster.shutdown()
    grids = len(snaps_thread[0].timeline)
    print(f"one Snapshot of the finished run ({grids} grids): {full / 1024:.0f} KiB pickled whole; packed, the "
          f"first poll carries {first_poll / 1024:.0f} KiB, a poll with no new grid {next_poll / 1024:.1f} KiB "
          "(each grid crosses once)")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
