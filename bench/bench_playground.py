"""Server time of one latent-playground slider move, and of PGGAN renders.

    .venv/bin/python bench/bench_playground.py [--moves 30] [--threads 1] [--skip-pggan]

1. faces64, direct: engine.code + engine.render (uncached: every move is a new
   slider value) + the page's PNG (64x64: the browser enlarges it for "nearest"),
   and the Lanczos option's server-side upscale to 512 + PNG. Also a cache hit,
   and a move of the named Age slider ("keep gender" on) with SeFa on too.
2. faces64, AppTest: a full rerun of pages/1_Playground.py after moving a
   SeFa slider (the whole script: widgets, render, PNG, link), as the server
   does it for a browser.
3. PGGAN CelebA-HQ 1024 with random weights in the exact layout (speed does
   not depend on the values): full 1024, 256 preview, 128 thumbnail, full with
   psi != 1 (the truncation path), and the one-off SeFa factorisation.

Threads default to 1, like the app (ui.common.configure_torch). On a shared
2-core machine the numbers swing with load: the load average is printed;
compare runs made back to back.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402

from gan_core import playground as pg  # noqa: E402
from gan_core.viz import png_bytes, upscale  # noqa: E402


def summary(times) -> str:
    ms = sorted(1000 * t for t in times)
    p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.1f} ms   min {ms[0]:7.1f}   p90 {p90:7.1f}   (n={len(ms)})"


def bench_direct(moves: int):
    from gan_core.hub import load_generator
    from gan_core.playground import named_directions

    engine = pg.LatentEngine(load_generator("faces64")[0], named=named_directions("faces64"))
    engine.face(pg.LatentState())  # warm-up: oneDNN picks kernels on the first call
    engine.directions(engine.default_k)
    render, page_path, lanczos = [], [], []
    for i in range(moves):
        state = pg.LatentState(sefa=((0, round(-6 + 0.2 * (i % 60), 1)),), psi=1.0 - 0.01 * (i // 60))
        t0 = time.perf_counter()
        engine.face(state)
        render.append(time.perf_counter() - t0)
        state = replace(state, seed=1000 + i)  # a new latent again, now with the page's extras
        t0 = time.perf_counter()
        png_bytes(engine.face(state), compress_level=1)
        page_path.append(time.perf_counter() - t0)
        state = replace(state, seed=3000 + i)
        t0 = time.perf_counter()
        png_bytes(upscale(engine.face(state), 512, "lanczos"), compress_level=1)
        lanczos.append(time.perf_counter() - t0)
    named = []
    for i in range(moves):
        state = pg.LatentState(seed=2000 + i, named=(("age|gender", round(-5 + 0.1 * (i % 100), 1)),),
                               sefa=((0, 1.0),))
        t0 = time.perf_counter()
        png_bytes(engine.face(state), compress_level=1)
        named.append(time.perf_counter() - t0)
    hits = []
    for _ in range(moves):
        t0 = time.perf_counter()
        engine.face(pg.LatentState())
        hits.append(time.perf_counter() - t0)
    print("faces64 direct, per slider move:")
    print(f"  code + render (64x64, uncached)              {summary(render)}")
    print(f"  + PNG of the 64x64 (what the page sends)      {summary(page_path)}")
    print(f"  Lanczos instead: + upscale to 512 + PNG       {summary(lanczos)}")
    print(f"  named Age slider (keep gender) + SeFa + PNG   {summary(named)}")
    print(f"  cache hit (same latent again)                 {summary(hits)}")


def bench_apptest(moves: int):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "pages" / "1_Playground.py"), default_timeout=120)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        print("  AppTest run failed:", at.exception)
        return
    reruns = []
    for i in range(moves):
        slider = "pg_sefa_0" if i % 2 else "pg_named_age"   # alternate: a SeFa and a named slider move
        at.slider(key=slider).set_value(round(-5 + 0.2 * ((i + 1) % 50), 1))
        t0 = time.perf_counter()
        at.run()
        reruns.append(time.perf_counter() - t0)
    print("faces64 AppTest, whole page rerun after a slider move (SeFa and named Age, alternating):")
    print(f"  first run (model load, imports warm)          {1000 * first:7.1f} ms")
    print(f"  rerun                                         {summary(reruns)}")


def bench_pggan(repeats: int):
    from gan_core.models.pggan import PGGANGenerator

    torch.manual_seed(0)
    engine = pg.LatentEngine(PGGANGenerator(), cache_mb=0)  # cache off: every call renders
    t0 = time.perf_counter()
    engine.directions(engine.default_k)
    sefa_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    engine.adapter.feature_mean()
    mean_s = time.perf_counter() - t0
    print("PGGAN 1024, random weights in the exact layout, one face per call:")
    print(f"  SeFa directions (once per model)              {1000 * sefa_s:7.1f} ms")
    print(f"  feature mean for psi (once per model)         {1000 * mean_s:7.1f} ms")
    for label, quality, psi in (("full 1024x1024", "full", 1.0), ("preview 256x256 (lod 2)", "preview", 1.0),
                                ("thumb 128x128 (lod 3)", "thumb", 1.0), ("full 1024, psi 0.7", "full", 0.7)):
        engine.face(pg.LatentState(seed=0, psi=psi), quality)  # warm-up
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            engine.face(pg.LatentState(seed=i + 1, psi=psi), quality)
            times.append(time.perf_counter() - t0)
        print(f"  {label:<44}  {summary(times)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=30, help="slider moves per faces64 measurement")
    parser.add_argument("--repeats", type=int, default=3, help="PGGAN renders per measurement")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--skip-pggan", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ["GAN_PLAYGROUND_THREADS"] = str(args.threads)  # the page's configure_torch reads it
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), "
          f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    bench_direct(args.moves)
    bench_apptest(args.moves)
    if not args.skip_pggan:
        bench_pggan(args.repeats)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
