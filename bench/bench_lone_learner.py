"""A lone learner on the local backend: Start -> the first grid, and -> the step the default preset shows faces at.

    python bench/bench_lone_learner.py                     # cold and warm, once each
    python bench/bench_lone_learner.py --starts warm --repeat 2
    GAN_PLAYGROUND_WORKER_NICE=0 python bench/bench_lone_learner.py --starts warm

No page and no browser: the process plays the web server, with the app's local settings on this
machine (LocalBackend with gan_core.jobs.local_settings(): workers and 1 spare) and one
JobService, and submits the default preset (owner "lone") the way the Train page's Start does.
  cold: Start right after the backend is made (a learner whose Start comes as the Train page
        first opens: the pre-started workers are still booting);
  warm: Start once every pre-started worker has booted (a learner who read the page first).
From the handle's snapshots (the service polls its run every 0.3 s; this script reads every 0.1 s)
it prints the seconds from submit to: the run training (its first step), the first grid, and
the step at which the preset's samples read as faces (presets.FIRST_FACES_ITERATION, 250 for
`fast`), with the iterations per second then. Each run is then stopped. The load average is
printed: on a shared 2-core machine the time to faces is mostly the training's own speed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def one(start: str) -> dict:
    from gan_core.jobs import JobService, LocalBackend, local_settings
    from gan_core.training import presets

    workers, spares = local_settings()
    backend = LocalBackend(workers=workers, spares=spares)
    if start == "warm":
        end = time.monotonic() + 120
        while len(backend.booted_info()) < workers + spares and time.monotonic() < end:
            time.sleep(0.2)
    svc = JobService(backend)
    faces_at = presets.FIRST_FACES_ITERATION.get(presets.DEFAULT, 250)
    t0 = time.monotonic()
    h = svc.submit(presets.get(presets.DEFAULT), owner="lone")
    out = {"start": start, "workers": workers, "nice": backend.nice}
    try:
        while time.monotonic() - t0 < 300:
            s = h.snapshot()
            now = time.monotonic() - t0
            if "training" not in out and s.iteration > 0:
                out["training"] = now
            if "grid" not in out and s.timeline:
                out["grid"] = now
            if s.iteration >= faces_at:
                out["faces"], out["rate"] = now, s.its_per_sec
                break
            if s.finished:
                break
            time.sleep(0.1)
    finally:
        h.stop("benchmark over")
        svc.close()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", nargs="+", default=["cold", "warm"], choices=["cold", "warm"])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    print(f"cpus {os.cpu_count()}, load before {load()}")
    for _ in range(args.repeat):
        for start in args.starts:
            r = one(start)
            fmt = lambda k: f"{r[k]:5.1f} s" if k in r else "   -  "   # noqa: E731
            print(f"  {start:4s} (workers {r['workers']}, nice {r['nice']}): Start -> training {fmt('training')}, "
                  f"first grid {fmt('grid')}, step 250 (faces) {fmt('faces')} at {r.get('rate', 0):.1f} it/s"
                  f"   (load {load()})", flush=True)


if __name__ == "__main__":
    main()
