"""How fast the toy lab trains and redraws, without a browser.

    .venv/bin/python bench/bench_toylab.py            # all presets, 1 torch thread (the app's setting)
    .venv/bin/python bench/bench_toylab.py --seconds 3 --chunk 5

For each preset it prints:
  * training iterations/s (one iteration = d_train_iters D updates + 1 G update)
    and updates/s (D + G updates);
  * view(): the time to compute one frame (D's surface on a 48x48 grid, the
    generator's gradient at 512 fake points, coverage history);
  * figures: the time to build the three plotly figures of a frame and
    serialise them to JSON, which is what the Streamlit server does per tick;
  * frames/s with a chunk of `--chunk` iterations per frame: engine only
    (step + view) and engine + figures (the server-side bound on visual
    updates per second; the browser's drawing comes on top).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import plotly.io as pio  # noqa: E402
import torch  # noqa: E402

# ui.theory.toylab's figure builders read the language from the (absent) Streamlit
# session; that falls back to English, with a warning per call we silence.
logging.getLogger("streamlit").setLevel(logging.ERROR)

from gan_core.theory import PRESETS, ToyLab  # noqa: E402
from ui.theory.toylab import coverage_figure, loss_figure, surface_figure  # noqa: E402


def timed(fn, seconds: float, min_calls: int = 3) -> tuple[float, int]:
    """Mean seconds per call of fn, calling it for about `seconds` (at least min_calls times)."""
    calls, start = 0, time.perf_counter()
    while calls < min_calls or time.perf_counter() - start < seconds:
        fn()
        calls += 1
    return (time.perf_counter() - start) / calls, calls


def figures(lab: ToyLab) -> int:
    view = lab.view()
    cov = lab.latest_coverage()
    figs = [surface_figure(view, lab.config.loss), loss_figure(view.history, lab.config.loss),
            coverage_figure(view.history, cov.modes is not None, cov.n_modes)]
    return sum(len(pio.to_json(f, validate=False)) for f in figs)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    p.add_argument("--chunk", type=int, default=5, help="iterations per frame (the lab's default)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# toy lab bench: torch {torch.__version__}, {args.threads} thread(s), {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}, load average {load:.2f} at start")
    print(f"{'preset':<10} {'it/s':>7} {'upd/s':>7} {'view ms':>8} {'figs ms':>8} {'JSON kB':>8} "
          f"{'fps engine':>11} {'fps +figs':>10}")
    for name, config in PRESETS.items():
        lab = ToyLab(config)
        lab.step(20)   # warm-up: allocator, first Adam steps
        per_it, _ = timed(lambda: lab.step(1), args.seconds)
        per_view, _ = timed(lab.view, args.seconds / 2)
        size = figures(lab)
        per_frame_figs, _ = timed(lambda: figures(lab), args.seconds / 2)
        per_figs = max(per_frame_figs - per_view, 0.0)   # figures() includes one view()
        engine = args.chunk * per_it + per_view
        print(f"{name:<10} {1 / per_it:7.1f} {(config.d_train_iters + 1) / per_it:7.1f} {1e3 * per_view:8.1f} "
              f"{1e3 * per_figs:8.1f} {size / 1e3:8.0f} {1 / engine:11.1f} {1 / (engine + per_figs):10.1f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# load average {load:.2f} at the end; fps = frames per second with {args.chunk} iterations per frame")


if __name__ == "__main__":
    main()
