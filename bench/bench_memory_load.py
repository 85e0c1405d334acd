"""The server's memory under load, against Community Cloud's 2.7 GB: the whole process tree.

    python bench/bench_memory_load.py                       # 6 sessions, PGGAN in one, a training
    python bench/bench_memory_load.py --sessions 6 --moves 30 --trainings 2

Starts `streamlit run app.py` as deployed on Cloud (GAN_PLAYGROUND_CLOUD=1, one torch thread),
with PGGAN CelebA-HQ 1024 in an offline Hub cache laid out as the Hub's (random weights of the
real shapes: the same memory). Then, at the same time (bench/stclient.py, the app's websocket
protocol, no browser):

  * `--trainings` sessions press Start training on the Train page (the app's default preset)
    and keep their tabs open, their live fragments rerunning on timers as in a browser; a
    server that runs one training at a time shows the others its "another training" message;
  * one session opens the Playground on PGGAN and moves its SeFa sliders (a 1024x1024 render
    per move);
  * the remaining sessions move the bundled faces model's sliders.

The RSS of the server and all its children (training workers included, when the app has them)
is summed every 0.2 s (scripts/cloud_emulation.py's sampler). Prints the peak, when it happened,
the end value, the load average, and whether the peak stays under the limit. Exit status 1 when
it does not.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_server import fake_pggan_cache  # noqa: E402
from stclient import Session, start_server, stop_server  # noqa: E402

_spec = importlib.util.spec_from_file_location("cloud_emulation", HERE.parent / "scripts" / "cloud_emulation.py")
emu = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = emu
_spec.loader.exec_module(emu)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def mover(url, page, query, moves, seed, sampler, label, errors):
    rng = random.Random(seed)
    async with Session(url, page, timeout=180, query=query) as s:
        sampler.phase = sampler.phase if sampler.phase != "warm-up" else label
        await asyncio.sleep(rng.uniform(0, 0.5))
        for _ in range(moves):
            await s.move_slider(rng, "pg_sefa")
            await asyncio.sleep(rng.uniform(0.2, 0.6))
        errors.extend(f"{label}: {e}" for e in s.errors)


async def trainer(url, stop, out, errors):
    async with Session(url, "Train", timeout=180) as s:
        await s.press("Start training")
        refreshes = []
        await s.follow_timers(stop, refreshes)
        await s.rerun()
        out.append(s.progress_text or "no progress line")
        errors.extend(f"training: {e}" for e in s.errors)


async def scenario(url, args, sampler):
    stop, progress, errors = asyncio.Event(), [], []
    trainers = [asyncio.create_task(trainer(url, stop, progress, errors)) for _ in range(args.trainings)]
    await asyncio.sleep(3)                       # the training is past its data loading
    sampler.phase = f"{args.trainings} training(s) + {args.sessions} sessions"
    movers = [mover(url, "Playground", "model=pggan-celebahq-1024", args.moves, 0, sampler, "pggan", errors)]
    movers += [mover(url, "Playground", "", args.moves, i, sampler, f"faces64 #{i}", errors)
               for i in range(1, args.sessions)]
    t0 = time.perf_counter()
    await asyncio.gather(*movers)
    wall = time.perf_counter() - t0
    stop.set()
    await asyncio.gather(*trainers)
    return wall, progress, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=6, help="Playground sessions (one on PGGAN)")
    ap.add_argument("--moves", type=int, default=20, help="slider moves per session")
    ap.add_argument("--trainings", type=int, default=1, help="sessions that press Start training")
    ap.add_argument("--limit-gb", type=float, default=emu.CLOUD_LIMIT_GB)
    args = ap.parse_args(argv)
    cache = Path(tempfile.mkdtemp(prefix="bench-hf-"))
    fake_pggan_cache(cache)
    env = dict(os.environ, HF_HUB_CACHE=str(cache), HF_HUB_OFFLINE="1", GAN_PLAYGROUND_CLOUD="1",
               OMP_NUM_THREADS="1", GAN_PLAYGROUND_THREADS="1")
    print(f"cpus {os.cpu_count()}, load average before: {load()}; {args.sessions} sessions "
          f"(1 on PGGAN), {args.moves} moves each, {args.trainings} training session(s), cloud mode")
    t_start = time.perf_counter()
    proc, url = start_server(env)
    sampler = emu.PeakSampler(proc.pid).start()
    sampler.phase = "warm-up"
    try:
        asyncio.run(mover(url, "Playground", "", 2, 99, sampler, "warm-up", []))
        warm = emu.tree_rss_bytes(proc.pid)
        wall, progress, errors = asyncio.run(scenario(url, args, sampler))
        time.sleep(1)
        end = sampler.sample()
    finally:
        sampler.stop()
        n_procs = len(emu.process_tree(proc.pid))
        stop_server(proc)
    limit = args.limit_gb * 1e9
    print(f"server tree after warm-up: {emu.mb(warm):,.0f} MiB")
    print(f"under load ({wall:.0f} s): peak {emu.mb(sampler.peak):,.0f} MiB during '{sampler.peak_phase}', "
          f"{emu.mb(end):,.0f} MiB at the end ({n_procs} process(es) in the tree at the end, "
          f"{sampler.samples} samples every {emu.SAMPLE_S} s, {time.perf_counter() - t_start:.0f} s in all)")
    for text in progress:
        print(f"  a training tab at the end: {text}")
    print(f"  exceptions on screen: {len(errors)}" + (f" ({'; '.join(errors[:5])})" if errors else ""))
    print(f"  load average after: {load()}")
    ok = sampler.peak <= limit and not errors
    print(f"limit {args.limit_gb:g} GB ({emu.mb(limit):,.0f} MiB): {'under' if sampler.peak <= limit else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
