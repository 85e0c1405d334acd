"""Your own loss, measured: refusing bad formulas, training speed, and what a formula changes on ring8.

    .venv/bin/python bench/bench_formula.py                 # everything (about 3 minutes on 2 busy cores)
    .venv/bin/python bench/bench_formula.py --only speed --seconds 5

Prints (docs/formula-losses.md keeps the numbers):
  * refuse: the slowest and the median time to refuse each hostile input of tests/test_formula.py;
  * loss call: the microseconds of D's + G's loss and their backward, built in vs formula;
  * speed: iterations/s of the `fast` preset with its least-squares loss built in and typed as its
    formula (BUILTIN_FORMULAS["lsgan"]), alternated `--rounds` times, and their ratio;
  * ring8: the toy lab on the 8-Gaussian ring with D learning 10x faster than G (lr_d 1e-3, lr 1e-4,
    BCE's D loss): modes covered (the lab's measure) after `--steps` steps with G's loss the built-in
    non-saturating one, the same typed as a formula, and the saturating minimax formula, per seed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import torch  # noqa: E402

from gan_core.theory import ToyLab, ToyLabConfig  # noqa: E402
from gan_core.training import BUILTIN_FORMULAS, FormulaError, check_text, presets  # noqa: E402


def refuse() -> None:
    from test_formula import HOSTILE

    times = []
    for text, _ in HOSTILE:
        best = float("inf")
        for _ in range(20):
            start = time.perf_counter()
            try:
                check_text(text, "g")
            except FormulaError:
                pass
            best = min(best, time.perf_counter() - start)
        times.append((best, text))
    times.sort()
    slow, text = times[-1]
    print(f"refuse: {len(times)} hostile inputs; median {statistics.median(t for t, _ in times) * 1e3:.3f} ms, "
          f"slowest {slow * 1e3:.3f} ms ({text[:40]!r}{'...' if len(text) > 40 else ''})")


def speed(seconds: float, rounds: int) -> None:
    start = BUILTIN_FORMULAS["lsgan"]
    base = presets.get("fast", threads=1)
    typed = presets.get("fast", threads=1, d_loss=start.d, g_loss=start.g)
    torch.set_num_threads(1)
    a, b = [], []
    for _ in range(rounds):
        a.append(presets.measure_its_per_sec(base, seconds))
        b.append(presets.measure_its_per_sec(typed, seconds))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"speed: fast preset, 1 thread, {rounds} alternating rounds of {seconds:g} s: built in {ma:.2f} it/s, "
          f"formula {mb:.2f} it/s (median), formula/built-in = {mb / ma:.3f}")
    print(f"       rounds built in {[round(v, 2) for v in a]}, formula {[round(v, 2) for v in b]}")


def loss_call(calls: int = 2000) -> None:
    """The loss alone, D's and G's, on batch-16 logits with backward: built in vs its formula."""
    from gan_core.training import FormulaLoss, LSGANLoss

    start = BUILTIN_FORMULAS["lsgan"]
    torch.set_num_threads(1)
    out = {}
    for name, loss in (("built in", LSGANLoss()), ("formula", FormulaLoss(start.d, start.g, like="lsgan"))):
        real, fake = torch.randn(16, requires_grad=True), torch.randn(16, requires_grad=True)
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(calls):
                (loss.d_loss(real, fake) + loss.g_loss(fake)).backward()
            best = min(best, (time.perf_counter() - t0) / calls)
        out[name] = best
    print(f"loss call: D + G loss + backward, batch 16, best of 5 x {calls}: built in {out['built in'] * 1e6:.0f} us, "
          f"formula {out['formula'] * 1e6:.0f} us (+{(out['formula'] - out['built in']) * 1e6:.0f} us per iteration)")


def ring8(steps: int, seeds: list[int]) -> None:
    torch.set_num_threads(1)
    bce = BUILTIN_FORMULAS["bce"]
    cases = {
        "non-saturating, built in": {},
        "non-saturating, formula": {"d_loss": bce.d, "g_loss": bce.g},
        "minimax (saturating), formula": {"d_loss": bce.d, "g_loss": BUILTIN_FORMULAS["minimax"].g},
    }
    print(f"ring8: bce D loss, lr 1e-4 (G), lr_d 1e-3 (D 10x faster), batch 128, width 64, {steps} steps")
    for name, extra in cases.items():
        modes, quality = [], []
        start = time.perf_counter()
        for seed in seeds:
            config = ToyLabConfig(dataset="ring8", loss="bce", lr=1e-4, lr_d=1e-3, beta1=0.5, beta2=0.999,
                                  d_train_iters=1, width=64, batch_size=128, seed=seed, **extra)
            lab = ToyLab(config)
            lab.step(steps)
            cov = lab.coverage()
            modes.append(cov.modes)
            quality.append(cov.quality)
        print(f"  {name:32s} modes covered per seed {modes} (mean {statistics.mean(modes):.2f} / 8), "
              f"high-quality share mean {statistics.mean(quality):.2f} ({time.perf_counter() - start:.0f} s)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["refuse", "speed", "ring8"], default=None)
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = p.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}, torch {torch.__version__}")
    if args.only in (None, "refuse"):
        refuse()
    if args.only in (None, "speed"):
        loss_call()
        speed(args.seconds, args.rounds)
    if args.only in (None, "ring8"):
        ring8(args.steps, args.seeds)


if __name__ == "__main__":
    main()
