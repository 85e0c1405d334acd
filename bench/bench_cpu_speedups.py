"""CPU-side speed-ups for the fast preset, measured as ratios that survive a busy machine.

    python bench/bench_cpu_speedups.py [--rounds 5] [--burst 8] [--compile]

Each variant trains the fast preset's networks (gan_core.training.presets.FAST, iterations of
one D and one G step) in short bursts, interleaved round-robin with the baseline
in the same process, so a load change hits every variant alike; the ratio
variant/baseline is the median over rounds. The load average is printed.

Variants: channels-last memory format, batch 8 / 32, conv_dim 16, 2 torch threads
(and 2 threads next to one busy process, --compete), and with --compile the time
torch.compile takes before the first compiled step (it is paid on every Start).
"""

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from gan_core.data import load_dataset  # noqa: E402
from gan_core.training import (
    Trainer,  # noqa: E402
    presets,  # noqa: E402
)


def load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def make(images, channels_last=False, **overrides):
    config = dataclasses.replace(presets.FAST, iterations=10**6, **overrides)
    trainer = Trainer(config, dataset=images)
    if channels_last:
        trainer.G.to(memory_format=torch.channels_last)
        trainer.D.to(memory_format=torch.channels_last)
    step(trainer, 2)
    return trainer


def step(trainer, n):
    for _ in range(n):
        trainer.d_step()
        trainer.g_step()


def burst(trainer, n, threads):
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    step(trainer, n)
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description="CPU speed-ups for the fast preset, as interleaved ratios.")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--burst", type=int, default=8, help="iterations per variant per round")
    p.add_argument("--compete", action="store_true", help="also: 1 vs 2 threads next to a busy process")
    p.add_argument("--compile", action="store_true", help="also time torch.compile's first step")
    args = p.parse_args()
    images = load_dataset("emoji", 32)
    print(f"# torch {torch.__version__}, {os.cpu_count()} CPUs; load average at start: {load()}")
    variants = {
        "baseline (fast preset, 1 thread)": (make(images), 1),
        "channels-last": (make(images, channels_last=True), 1),
        "batch 8": (make(images, batch_size=8), 1),
        "batch 32": (make(images, batch_size=32), 1),
        "conv_dim 16": (make(images, conv_dim=16), 1),
        "2 threads": (make(images), 2),
    }
    rates = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (trainer, threads) in variants.items():
            rates[name].append(burst(trainer, args.burst, threads))
    base = statistics.median(rates["baseline (fast preset, 1 thread)"])
    for name, r in rates.items():
        print(f"{name:34s} {statistics.median(r):6.2f} it/s  x{statistics.median(r) / base:.2f}")
    print(f"# load average after: {load()}")

    if args.compete:
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            one, two = variants["baseline (fast preset, 1 thread)"][0], variants["2 threads"][0]
            r1, r2 = [], []
            for _ in range(args.rounds):
                r1.append(burst(one, args.burst, 1))
                r2.append(burst(two, args.burst, 2))
            print(f"with one busy process: 1 thread {statistics.median(r1):.2f} it/s, "
                  f"2 threads {statistics.median(r2):.2f} it/s (load {load()})")
        finally:
            busy.kill()
            busy.wait()

    if args.compile:
        trainer = make(images)
        torch.set_num_threads(1)
        t0 = time.perf_counter()
        try:
            trainer.G = torch.compile(trainer.G)
            trainer.D = torch.compile(trainer.D)
            step(trainer, 1)
            print(f"torch.compile: first step after {time.perf_counter() - t0:.1f} s (load {load()})")
            print(f"torch.compile: {burst(trainer, args.burst * 2, 1):.2f} it/s compiled, "
                  f"{burst(variants['baseline (fast preset, 1 thread)'][0], args.burst * 2, 1):.2f} it/s eager")
        except Exception as exc:   # no compiler on this machine, unsupported op, ...
            print(f"torch.compile failed after {time.perf_counter() - t0:.1f} s: {type(exc).__name__}: {exc}"[:300])


if __name__ == "__main__":
    main()
