"""N visitors moving playground sliders at once, with and without a training running.

    python bench/bench_load.py                 # 6 sessions x 30 moves, both phases
    python bench/bench_load.py --sessions 3 --moves 10

Starts `streamlit run app.py` on 127.0.0.1 (1 torch thread, as deployed) and opens N sessions
through the app's own websocket protocol (bench/stclient.py, no browser, so the numbers are the
server's, not Chromium's). Each session opens the Playground and moves a random SeFa slider
`--moves` times, thinking 0.2-0.6 s between moves like a person. Phase 2 repeats it while a
further session trains on the Train page (default settings, emoji faces) and keeps its tab open: its
status and chart fragments rerun on their timers (0.5 s and 1 s), as in a browser.

Slider moves rerun only the fragment that drew the slider, as a browser does (--whole-page: the
whole page every time, as before the Playground's sliders became a fragment).

For every rerun it records
  server  the script's run time measured by the server (PageProfile.exec_time)
  client  send -> "script finished" at the client: server time + queueing behind other
          sessions' reruns and the training thread (the GIL) + loopback
and prints p50/p95 of each, the training's iterations/s, and the load average before and after
(the machine may be shared: compare numbers only at similar load). The training runs in the job
service's worker process (GAN_PLAYGROUND_WORKERS, GAN_PLAYGROUND_WORKER_NICE=0 for workers at the
web process's own OS priority: the comparison of docs/classroom.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stclient import Session, cpu_seconds, rss_mb, start_server, stop_server  # noqa: E402


STEP_SHOWN = re.compile(r"[1-9]\d*\s*/\s*\d+")   # the Train page's "Step N / M" line, N > 0


def pct(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def visitor(url, moves, seed, out, errors):
    rng = random.Random(seed)
    async with Session(url, "Playground") as s:
        await asyncio.sleep(rng.uniform(0, 0.5))       # visitors do not arrive in lockstep
        for _ in range(moves):
            client_s, server_s = await s.move_slider(rng, "pg_sefa")
            out.append((client_s, server_s))
            await asyncio.sleep(rng.uniform(0.2, 0.6))
        errors.extend(s.errors)


async def phase(url, sessions, moves, training: bool):
    out, errors, refreshes = [], [], []
    trainer, watching, stop = None, None, asyncio.Event()
    if training:
        trainer = Session(url, "Train")
        await trainer.__aenter__()
        await trainer.press("Start training")
        # The trainer's tab stays open: its status (0.5 s) and charts (1 s) fragments rerun on timers.
        # The sliders start once the run trains (its worker may still be booting): the page's
        # progress line shows a step.
        started = asyncio.Event()
        watching = asyncio.create_task(trainer.follow_timers(
            stop, refreshes, after=lambda: STEP_SHOWN.search(trainer.progress_text) and started.set()))
        try:
            await asyncio.wait_for(started.wait(), 60)
        except asyncio.TimeoutError:
            print("  (the training showed no step within 60 s; the sliders start anyway)")
        await asyncio.sleep(1)
    t0 = time.perf_counter()
    await asyncio.gather(*(visitor(url, moves, 1000 * training + i, out, errors) for i in range(sessions)))
    wall = time.perf_counter() - t0
    train_note = ""
    if trainer is not None:
        stop.set()
        await watching
        server = [x for _, x in refreshes if x is not None]
        print(f"  the training's own tab: {len(refreshes)} timer reruns, server p50 {1000 * pct(server, 50):.0f} ms "
              f"p95 {1000 * pct(server, 95):.0f} ms")
        # One rerun of the Train page reads the progress line ("Step N / M · X it/s").
        await trainer.rerun()
        await trainer.__aexit__(None, None, None)
        train_note = f"training at the end: {trainer.progress_text or 'no progress line'}"
    return out, errors, wall, train_note


def report(name, out, errors, wall):
    client = [c for c, _ in out]
    server = [s for _, s in out if s is not None]
    print(f"{name}: {len(out)} reruns in {wall:.1f} s, {len(errors)} exceptions on screen")
    print(f"  server time per rerun  p50 {1000 * pct(server, 50):6.0f} ms   p95 {1000 * pct(server, 95):6.0f} ms"
          f"   (n={len(server)})")
    print(f"  client-observed        p50 {1000 * pct(client, 50):6.0f} ms   p95 {1000 * pct(client, 95):6.0f} ms"
          f"   mean {1000 * statistics.fmean(client):.0f} ms")
    return pct(server, 95)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=6)
    ap.add_argument("--moves", type=int, default=30, help="slider moves per session and phase (bounded loop)")
    ap.add_argument("--no-training", action="store_true", help="skip the phase with a training running")
    ap.add_argument("--whole-page", action="store_true",
                    help="rerun the whole page on every move, ignoring the sliders' fragment (the old behaviour)")
    args = ap.parse_args(argv)
    Session.use_fragments = not args.whole_page
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", GAN_PLAYGROUND_THREADS="1")
    print(f"cpus {os.cpu_count()}, load average before: {load()}; "
          f"{'whole-page reruns' if args.whole_page else 'fragment reruns, as a browser does'}")
    proc, url = start_server(env)
    try:
        # Warm up: the first visit loads torch's kernels and the faces model.
        asyncio.run(visitor(url, 3, 99, [], []))
        print(f"server RSS after warm-up: {rss_mb(proc.pid):.0f} MB")
        cpu0 = cpu_seconds(proc.pid)
        out, errors, wall, _ = asyncio.run(phase(url, args.sessions, args.moves, training=False))
        p95 = report(f"{args.sessions} sessions, no training", out, errors, wall)
        # CPU the server spent per rerun (all threads, the websocket work included): unlike the
        # times above, this hardly depends on what else the machine is doing.
        print(f"  server CPU per rerun   {1000 * (cpu_seconds(proc.pid) - cpu0) / max(1, len(out)):6.1f} ms")
        print(f"  load average: {load()}")
        if not args.no_training:
            out, errors, wall, note = asyncio.run(phase(url, args.sessions, args.moves, training=True))
            p95 = report(f"{args.sessions} sessions + a training ({note})", out, errors, wall)
            print(f"  load average: {load()}")
        print(f"server RSS at the end: {rss_mb(proc.pid):.0f} MB")
        print(f"goal: server p95 < 200 ms with {args.sessions} sessions and a training: "
              f"{'met' if p95 < 0.2 else 'NOT met'} ({1000 * p95:.0f} ms)")
    finally:
        stop_server(proc)


if __name__ == "__main__":
    main()
