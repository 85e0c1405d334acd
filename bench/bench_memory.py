"""Replay a long series of visits against a real server and print its memory before and after.

    python bench/bench_memory.py                # 60 visits, 3 at a time
    python bench/bench_memory.py --visits 20

Each visit is a fresh browser session (bench/stclient.py, the app's websocket protocol):
the Playground with 10 slider moves, a theory page, and every 10th visit a training that the
visitor abandons after 2 s by closing the tab (the server stops it once the session is gone).
The server's RSS is printed after warm-up, every 10 visits, and after an idle pause, so growth
per visit (a leak) shows apart from caches filling up to their bounds (a plateau).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stclient import Session, rss_mb, start_server, stop_server  # noqa: E402

THEORY = ["What_is_a_GAN", "Why_training_fails", "WGAN", "PGGAN", "The_course_DCGAN", "Experiments"]


async def visit(url, n):
    rng = random.Random(n)
    async with Session(url, "Playground") as s:
        for _ in range(10):
            await s.move_slider(rng, "pg_")
    async with Session(url, THEORY[n % len(THEORY)]):
        pass
    if n % 10 == 9:
        async with Session(url, "Train") as t:
            await t.press("Start training")
            await asyncio.sleep(2)


async def batch(url, start, count, parallel):
    for i in range(start, start + count, parallel):
        await asyncio.gather(*(visit(url, j) for j in range(i, min(start + count, i + parallel))))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--visits", type=int, default=60)
    ap.add_argument("--parallel", type=int, default=3)
    ap.add_argument("--idle", type=float, default=30, help="seconds of idle before the last reading")
    args = ap.parse_args(argv)
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", GAN_PLAYGROUND_THREADS="1")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    proc, url = start_server(env)
    try:
        asyncio.run(batch(url, 0, 2, 1))                # warm-up: torch kernels, the faces model
        time.sleep(3)
        before = rss_mb(proc.pid)
        print(f"after warm-up: {before:.0f} MB")
        done = 0
        while done < args.visits:
            step = min(10, args.visits - done)
            asyncio.run(batch(url, 2 + done, step, args.parallel))
            done += step
            print(f"after {done:3d} visits: {rss_mb(proc.pid):.0f} MB", flush=True)
        time.sleep(args.idle)
        after = rss_mb(proc.pid)
        print(f"after {args.idle:.0f} s idle: {after:.0f} MB ({after - before:+.0f} MB over {args.visits} visits, "
              f"{(after - before) / max(1, args.visits):+.1f} MB per visit)")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
