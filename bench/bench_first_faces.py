"""How soon each training preset shows faces: SWD after 10/20/30/60/120 s of training, and it/s.

    python bench/bench_first_faces.py                       # every preset, ~12 min on 2 CPU cores
    python bench/bench_first_faces.py --presets fast,course --seconds 10,20,30
    python bench/bench_first_faces.py --presets fast --its-only --seconds 20 --threads 2 --compete 1

Each preset of gan_core.training.presets trains on the 329 emoji faces (seed 0, the preset's own
grid frequency, as on the Train page) until the training clock reaches each checkpoint;
there the score is the SWD (x1e3; gan_core.metrics.swd, as the Trainer's metric: 329
images from fixed noise vs the 329 emoji; lower is better; emoji are recognisable from
about 70). The clock counts training only (grids included), not the scoring.

Timings depend on the machine and on what else runs on it: the load average is printed
at the start and end of every preset. On a busy machine the SWD at a given *iteration*
is still right (fixed seed); bench/search_fast_default.py works in iterations for that.

--threads N  torch threads for the training (the app's worker uses 1).
--compete K  start K busy-looping processes during the measurement (what a shared server
             does to OpenMP threads), stopped at the end.
--its-only   measure iterations per second only (no SWD), for --seconds' largest value.
--device     auto (GPU when present), cpu or cuda.
"""

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from gan_core import data as gdata  # noqa: E402
from gan_core import metrics
from gan_core.data import load_dataset  # noqa: E402
from gan_core.device import device_name, resolve_device  # noqa: E402
from gan_core.training import (
    Trainer,  # noqa: E402
    presets,  # noqa: E402
)

FACES_SWD = 70.0    # below this the emoji read as faces (issue 14)


def load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def score(trainer, z) -> float:
    """SWD of the generator's samples from fixed noise `z` against the trainer's reference (all emoji)."""
    fake = torch.cat([gdata.to_uint8(trainer.sample(z[i:i + 256])) for i in range(0, len(z), 256)])
    if fake.is_cuda:
        fake = fake.cpu()
    return float(metrics.swd(trainer.reference.cpu(), fake).mean)


def run_preset(name, checkpoints, images, threads, device, its_only=False):
    config = presets.get(name, iterations=10**7, metric_every=0, threads=threads, device=device)
    trainer = Trainer(config, dataset=images)
    torch.set_num_threads(threads)
    z = torch.randn(len(trainer.reference), config.noise_size,
                    generator=torch.Generator().manual_seed(config.seed + 2)).to(device)
    rows, train_s, iteration, ended = [], 0.0, 0, ""
    targets = list(checkpoints)
    events = trainer.run()
    while targets:
        t0 = time.perf_counter()
        ev = next(events, None)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        train_s += time.perf_counter() - t0
        if ev is None:
            break
        iteration = max(iteration, ev.iteration)
        if ev.kind in ("diverged", "stopped", "done"):
            ended = f"{ev.kind} at iteration {ev.iteration}"
            break
        while targets and train_s >= targets[0]:
            value = None if its_only else score(trainer, z)
            rows.append((targets.pop(0), iteration, value))
    trainer.stop()
    return rows, iteration / max(train_s, 1e-9), ended


def main():
    p = argparse.ArgumentParser(description="SWD after N seconds of training, for every preset.")
    p.add_argument("--presets", default=",".join(presets.PRESETS),
                   help=f"comma-separated, from: {', '.join(presets.PRESETS)}")
    p.add_argument("--seconds", default="10,20,30,60,120", help="training-time checkpoints")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--compete", type=int, default=0, help="busy processes to run alongside")
    p.add_argument("--its-only", action="store_true")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    names = [n.strip() for n in args.presets.split(",") if n.strip()]
    for n in names:
        presets.get(n)     # unknown names fail before anything runs
    checkpoints = sorted(float(s) for s in args.seconds.split(","))
    if args.its_only:
        checkpoints = checkpoints[-1:]
    device = resolve_device(args.device)
    torch.set_num_threads(args.threads)
    images = load_dataset("emoji", 32)

    print(f"# bench_first_faces: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, torch {torch.__version__}, "
          f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {args.threads} torch thread(s), "
          f"device: {device_name(device)}, competing busy processes: {args.compete}")
    print(f"# load average at start: {load()}")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.compete)]
    table = []
    try:
        for name in names:
            before = load()
            rows, its, ended = run_preset(name, checkpoints, images, args.threads, device, args.its_only)
            after = load()
            for t, it, value in rows:
                swd = "" if value is None else f" SWD {value:6.1f}"
                print(f"{name:10s} {t:5.0f} s  iteration {it:5d}{swd}", flush=True)
            print(f"{name:10s} {its:.2f} it/s{'; ' + ended if ended else ''} (load {before} -> {after})",
                  flush=True)
            table.append((name, {t: (it, v) for t, it, v in rows}, its, ended, before, after))
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()

    print()
    head = " | ".join(f"{t:g} s" for t in checkpoints)
    print(f"| preset | {head} | it/s | load before → after |")
    print("|---" * (len(checkpoints) + 3) + "|")
    for name, by_t, its, ended, before, after in table:
        cells = []
        for t in checkpoints:
            if t not in by_t:
                cells.append(ended.split(" at ")[0] if ended else "—")
            else:
                it, v = by_t[t]
                cells.append(f"{it} it" if v is None else f"**{v:.0f}** ({it} it)" if v <= FACES_SWD
                             else f"{v:.0f} ({it} it)")
        print(f"| {name} | {' | '.join(cells)} | {its:.1f} | {before} → {after} |")
    print(f"\nSWD x1e3 vs the 329 emoji (lower is better; bold: <= {FACES_SWD:g}, faces). "
          f"Load average at the end: {load()}")


if __name__ == "__main__":
    main()
