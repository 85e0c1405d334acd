"""A class presses Start: 30 learners on the Train page of one real server, 12 visitors on the Playground.

    python bench/bench_classroom.py --backend local --workers 2             # the issue's run: 30 x 60 s
    python bench/bench_classroom.py --backend local --workers 1
    python bench/bench_classroom.py --backend ray                           # a two-node ray.cluster_utils.Cluster
    python bench/bench_classroom.py --learners 4 --run-s 20 --spread 5 --sliders 3   # a quick check

What happens: `streamlit run app.py` on a free loopback port (bench/stclient.py), the backend
chosen by the app's own settings (GAN_PLAYGROUND_BACKEND, GAN_PLAYGROUND_WORKERS,
GAN_PLAYGROUND_RAY_ADDRESS; for `ray` the bench first starts a cluster of two 1-CPU nodes on
this machine and points the server at its address). A teacher's tab opens the Train page (the
server's job service starts its workers) and --boot-s seconds later the class arrives: every
learner has the teacher's class link open, the Train page with `?max_minutes=<run-s / 60>` (the
app's own run cap; the default preset), and presses "Start training" at a seeded random moment
within --spread seconds. Each learner's tab then does what a browser tab does: it reruns the
page's fragments on their run_every timers (0.5 s status, 1 s charts) and reads what they draw.
Meanwhile --sliders other sessions move Playground SeFa sliders with 0.2-0.6 s between moves, as
in bench/bench_load.py, until the last learner's run has ended.

Per learner, all read from the page as the learner sees it (to the 0.5 s of the status timer):
  wait        Start -> the page stops showing a place in line (its run has a worker)
  first grid  Start -> the first "Fixed noise at iteration N" grid drawn
  run         the run's start -> the page shows it ended ("… in all")
  estimate    the wait the page showed right after Start ("3rd in line, about 1 min 40 s"),
              compared with the real wait, for learners who waited more than 5 s
Per set-up: median / p95 / max of each; server time (PageProfile.exec_time) and client time
per slider move, p50 / p95; the server's RSS (the streamlit process alone, and with its child
processes: the local workers) after each run ends, reported after the 1st and the 20th; total
iterations per second (every run's last step, over the first Start -> the last run's end).
--json writes every learner's numbers. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stclient import ROOT, Session, rss_mb, start_server, stop_server  # noqa: E402

EN = json.loads((ROOT / "content" / "en.json").read_text(encoding="utf-8"))


def _between(template: str, field: str) -> tuple[str, str]:
    before, after = template.split("{" + field + "}", 1)
    return before, after


# What the page says, from the page's own English content (so a change of wording moves the bench too).
IN_LINE = _between(EN["queue"]["position_unknown"], "ordinal")[1]          # " in line"
WAIT_AT = _between(EN["queue"]["position"], "wait")[0].split("}", 1)[1]     # " in line, about "
IN_ALL = _between(EN["train"]["in_all"], "duration")[1]                     # " in all"
GRID = _between(EN["train"]["grid_caption"], "it")[0]                       # "Fixed noise at iteration "
STEP = re.compile(re.escape(_between(EN["train"]["step"], "i")[0]) + r"(\d+)")
START = EN["train"]["start"]


def _duration_patterns():
    """ "{m} min {s:02d} s" -> (regex, seconds per field), the longest units first."""
    scale = {"h": 3600, "m": 60, "s": 1}
    out = []
    for key in ("h", "min", "s"):
        template = EN["train"]["duration"][key]
        field = re.compile(r"\{(\w+)(?::\w+)?\}")
        pattern = r"(\d+)".join(re.escape(part) for part in field.split(template)[::2])
        out.append((re.compile(pattern), [scale[f] for f in field.findall(template)]))
    return out


DURATIONS = _duration_patterns()


def parse_duration(text: str) -> float | None:
    for pattern, scale in DURATIONS:
        m = pattern.search(text)
        if m:
            return float(sum(int(g) * k for g, k in zip(m.groups(), scale)))
    return None


def pct(values, q):
    values = sorted(v for v in values if v == v)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (/proc, no psutil)."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p and c not in tree]
        tree.update(kids)
        frontier.extend(kids)
    total = 0.0
    for p in tree:
        try:
            total += rss_mb(p)
        except OSError:
            pass
    return total


@dataclass
class Learner:
    n: int
    press_at: float                 # seconds after the class arrived
    shown: str = ""                 # the page's text right after Start
    shown_wait: float | None = None  # the wait it showed (0: the run started at once; None: no estimate)
    wait: float | None = None
    first_grid: float | None = None
    run: float | None = None
    iterations: int = 0
    end_text: str = ""
    ended_at: float | None = None   # seconds after the class arrived
    problem: str = ""


async def learner(url, query, rec: Learner, t0, deadline, on_end, sem):
    s = Session(url, "Train", timeout=120, query=query)
    try:
        async with sem:                     # the class's tabs open a few at a time, before it arrives
            await s.__aenter__()
        try:
            await asyncio.sleep(max(0.0, t0 + rec.press_at - time.monotonic()))
            s.progress_text, s.captions = "", []
            pressed = time.monotonic()
            await s.press(START)
            started = None
            text = s.progress_text
            rec.shown = text
            if IN_LINE in text:
                rec.shown_wait = parse_duration(text.split(WAIT_AT, 1)[1]) if WAIT_AT in text else None
            else:
                rec.shown_wait = 0.0
            stop = asyncio.Event()

            def look():
                nonlocal started
                now = time.monotonic()
                text = s.progress_text
                if started is None and text and IN_LINE not in text:
                    started = now
                    rec.wait = now - pressed
                if rec.first_grid is None and any(c.startswith(GRID) for c in s.captions):
                    rec.first_grid = now - pressed
                if started is not None and IN_ALL in text:
                    rec.run = now - started
                    m = STEP.search(text)
                    rec.iterations = int(m.group(1)) if m else 0
                    rec.end_text = text
                    rec.ended_at = now - t0
                    on_end(rec)
                    stop.set()
                elif now > deadline:
                    rec.problem = f"no end by the deadline; last: {text!r}"
                    stop.set()

            look()
            if not stop.is_set():
                await s.follow_timers(stop, [], after=look)
            if not stop.is_set():
                rec.problem = f"the page stopped updating itself before showing the run's end; last: {s.progress_text!r}"
            if s.errors:
                rec.problem += f" exceptions on screen: {s.errors}"
            if s.dropped:
                rec.problem += f" {s.dropped} timer rerun(s) dropped by the server, page reloaded {s.reloads}x"
        finally:
            await s.__aexit__(None, None, None)
    except Exception as exc:        # one learner's failure is reported, the class goes on
        rec.problem += (f" {type(exc).__name__}: {exc} (waiting for {getattr(s, 'last_request', None)}, "
                        f"after {getattr(s, 'last_seen', None)}; page said {s.progress_text!r})")
        on_end(rec)


async def slider_visitor(url, seed, go: asyncio.Event, stop: asyncio.Event, out: list, errors: list, sem):
    rng = random.Random(seed)
    s = Session(url, "Playground")
    async with sem:
        await s.__aenter__()
    try:
        await go.wait()
        await asyncio.sleep(rng.uniform(0, 0.5))
        while not stop.is_set():
            out.append(await s.move_slider(rng, "pg_sefa"))
            await asyncio.sleep(rng.uniform(0.2, 0.6))
        errors.extend(s.errors)
    finally:
        await s.__aexit__(None, None, None)


async def classroom(url, args, server_pid):
    # The teacher's tab: the page names the backend and its workers; the job service boots them now.
    async with Session(url, "Train", timeout=120) as teacher:
        backend_line = next((x for x in teacher.texts if "worker" in x.lower()), "(no backend line)")
    print(f"  the page says: {backend_line[:200]}")
    async with Session(url, "Playground") as warm:          # first Playground visit loads the faces model
        for _ in range(3):
            await warm.move_slider(random.Random(99), "pg_sefa")
    await asyncio.sleep(args.boot_s)
    rng = random.Random(args.seed)
    learners = [Learner(i, at) for i, at in enumerate(sorted(rng.uniform(0, args.spread)
                                                           for _ in range(args.learners)))]
    query = f"max_minutes={args.run_s / 60:g}"
    go, stop = asyncio.Event(), asyncio.Event()
    moves, slider_errors, rss = [], [], []

    def on_end(rec):
        rss.append((len(rss) + 1, rec.n, rss_mb(server_pid), tree_rss_mb(server_pid)))

    # Every tab is open before the class arrives: the sessions connect a few at a time.
    sem = asyncio.Semaphore(3)
    lead = 5.0 + 1.0 * (args.learners + args.sliders)
    t0 = time.monotonic() + lead
    deadline = t0 + args.spread + 600 + args.learners * (args.run_s + 30) / max(1, args.workers or 1)
    sliders = [asyncio.create_task(slider_visitor(url, 1000 + i, go, stop, moves, slider_errors, sem))
               for i in range(args.sliders)]
    tasks = [asyncio.create_task(learner(url, query, rec, t0, deadline, on_end, sem)) for rec in learners]
    await asyncio.sleep(max(0.0, t0 - time.monotonic()))
    go.set()
    print(f"  class arrives: load {load()}; server RSS {rss_mb(server_pid):.0f} MB, "
          f"with children {tree_rss_mb(server_pid):.0f} MB")
    await asyncio.gather(*tasks)
    stop.set()
    await asyncio.gather(*sliders, return_exceptions=True)
    return learners, moves, slider_errors, rss, backend_line


def summary(name, values):
    values = [v for v in values if v is not None]
    if not values:
        return f"  {name:11s} (none)"
    return (f"  {name:11s} median {statistics.median(values):6.1f} s   p95 {pct(values, .95):6.1f} s   "
            f"max {max(values):6.1f} s   (n={len(values)})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=("local", "ray"), default="local")
    ap.add_argument("--workers", type=int, default=None,
                    help="local: GAN_PLAYGROUND_WORKERS (default: the app's own); ray: the cluster's nodes (2)")
    ap.add_argument("--learners", type=int, default=30)
    ap.add_argument("--run-s", type=float, default=60.0, help="each run's cap, as the class link's max_minutes")
    ap.add_argument("--spread", type=float, default=30.0, help="every learner presses Start within this many s")
    ap.add_argument("--sliders", type=int, default=12, help="Playground sessions moving sliders meanwhile")
    ap.add_argument("--boot-s", type=float, default=10.0, help="teacher's tab open -> the class arrives")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write every learner's numbers here")
    args = ap.parse_args(argv)

    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", GAN_PLAYGROUND_THREADS="1",
               GAN_PLAYGROUND_BACKEND=args.backend)
    env.pop("GAN_PLAYGROUND_WORKERS", None)
    cluster = None
    if args.backend == "ray":
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")   # keep Ray on 127.0.0.1
        # The actors import gan_core from this checkout, as docs/classroom-ray.md tells lab machines to.
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        from ray.cluster_utils import Cluster

        nodes = args.workers or 2
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20})
        for _ in range(nodes - 1):
            cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20)
        cluster.wait_for_nodes()
        env.update(os.environ)
        env.update(GAN_PLAYGROUND_BACKEND="ray", GAN_PLAYGROUND_RAY_ADDRESS=cluster.address)
        args.workers = nodes
    elif args.workers:
        env["GAN_PLAYGROUND_WORKERS"] = str(args.workers)
    print(f"cpus {os.cpu_count()}, load average before: {load()}")
    print(f"backend={args.backend} workers={args.workers or 'default'} learners={args.learners} "
          f"run_s={args.run_s:g} spread={args.spread:g} sliders={args.sliders} seed={args.seed}")
    proc, url = start_server(env)
    try:
        t_begin = time.monotonic()
        learners, moves, slider_errors, rss, backend_line = asyncio.run(classroom(url, args, proc.pid))
        wall = time.monotonic() - t_begin
    finally:
        stop_server(proc)
        if cluster is not None:
            cluster.shutdown()

    print(f"results ({wall:.0f} s in all):")
    print(summary("wait", [r.wait for r in learners]))
    print(summary("first grid", [r.first_grid for r in learners]))
    print(summary("run", [r.run for r in learners]))
    waited = [r for r in learners if r.wait is not None and r.wait > 5]
    errs = [abs(r.shown_wait - r.wait) / r.wait if r.shown_wait is not None else float("inf") for r in waited]
    within = sum(e <= 0.25 for e in errs)
    finite = [e for e in errs if e != float("inf")]
    print(f"  estimate    within ±25 % of the real wait: {within} of {len(errs)} learners who waited > 5 s "
          f"(median error {100 * statistics.median(finite) if finite else float('nan'):.0f} %, "
          f"{len(errs) - len(finite)} shown without an estimate)")
    server = [x for _, x in moves if x is not None]
    client = [c for c, _ in moves]
    print(f"  sliders     {len(moves)} moves by {args.sliders} sessions, {len(slider_errors)} exceptions on screen; "
          f"server p50 {1000 * pct(server, .5):.0f} ms p95 {1000 * pct(server, .95):.0f} ms; "
          f"client p50 {1000 * pct(client, .5):.0f} ms p95 {1000 * pct(client, .95):.0f} ms")
    for k in (1, 20, len(rss)):
        if 0 < k <= len(rss):
            _, n, own, tree = rss[k - 1]
            print(f"  RSS after run {k:2d} ended (learner {n}): server {own:.0f} MB, with children {tree:.0f} MB")
    ended = [r for r in learners if r.ended_at is not None]
    if ended:
        span = max(r.ended_at for r in ended) - min(r.press_at for r in learners)
        its = sum(r.iterations for r in ended)
        print(f"  total       {its} iterations in {span:.0f} s (first Start -> last end) = {its / span:.2f} it/s; "
              f"{len(ended)} of {len(learners)} runs ended")
    problems = [r for r in learners if r.problem]
    for r in problems:
        print(f"  learner {r.n}: {r.problem.strip()}")
    print(f"load average after: {load()}")
    if args.json:
        args.json.write_text(json.dumps(dict(args={k: str(v) for k, v in vars(args).items()}, backend=backend_line,
                                             learners=[asdict(r) for r in learners], rss=rss,
                                             moves=moves), indent=1))


if __name__ == "__main__":
    main()
