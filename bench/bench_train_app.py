"""In-app training throughput vs the bare Trainer, on the same configuration.

"In-app" is the honest end-to-end case: `streamlit run app.py`, a headless
Chromium showing the Train page (the live panel polls every 0.5 s: progress,
three plotly charts, the sample grid), the run started by clicking
"Start training". Its it/s is the worker's own figure from the page's
"Training finished: N iterations in X s (Y it/s)" message, so it includes
everything the worker does beyond the bare loop (diversity and SWD on every
grid, snapshots under the lock) and everything the server steals (fragment
reruns, chart serialisation).

"Bare" is `Trainer(config).run()` consumed by a plain loop in this process,
1 torch thread, with the server idle. Bare runs bracket each app run
(before and after) because the machine is shared and its load drifts.

Note: the headless browser runs on the same CPU as the server here (at nice 19,
so it takes what the training leaves); a real visitor's browser does not.

    .venv/bin/python bench/bench_train_app.py                  # small and course configs
    .venv/bin/python bench/bench_train_app.py --configs course --iterations 150 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from gan_core.training import Trainer  # noqa: E402
from ui.train import settings as tr  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# name -> (widget values, keyboard moves that set them on the page)
CONFIGS = {
    # the mode-collapse preset's model size: what a visitor trying things out runs
    "small": ({"tr_conv_dim": 16, "tr_batch_size": 32, "tr_sample_every": 25},
              [("conv_dim", ["Home", "ArrowRight"], "16"), ("Batch size", ["End", "ArrowLeft", "ArrowLeft"], "32"),
               ("Sample grid every", ["Home", "ArrowRight", "ArrowRight"], "25")]),
    # the page's defaults (gan_core.training.presets.DEFAULT), as the browser sees them untouched
    "course": ({}, []),
}
DEFAULT_ITERATIONS = {"small": 200, "course": 80}


def config_for(name: str, iterations: int):
    values = {**tr.WIDGET_DEFAULTS, **CONFIGS[name][0], "tr_iterations": iterations}
    return tr.config_from_values(values)


def bare_its(config) -> tuple[float, float]:
    """(it/s, CPU seconds per iteration) of a plain loop over Trainer.run()."""
    torch.set_num_threads(1)
    trainer = Trainer(config)
    start, cpu = time.perf_counter(), time.process_time()
    for ev in trainer.run():
        pass
    assert ev.kind == "done", ev.message
    return config.iterations / (time.perf_counter() - start), (time.process_time() - cpu) / config.iterations


# CPU time from /proc, so the cost of the page can be read apart from the
# machine's load: wall-clock ratios on a shared 2-core box swing with whatever
# else runs, CPU seconds per iteration do not.
TICK = os.sysconf("SC_CLK_TCK")


def _proc_stats():
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)  # ppid, cpu s
    return out


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """(CPU s of the streamlit server, CPU s of every other process this bench started: the browser)."""
    stats = _proc_stats()
    children = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    todo, mine = [os.getpid()], set()
    while todo:
        pid = todo.pop()
        for child in children.get(pid, []):
            if child not in mine:
                mine.add(child)
                todo.append(child)
    server = stats.get(server_pid, (0, 0.0))[1]
    browser = sum(stats[p][1] for p in mine if p != server_pid and p in stats)
    return server, browser


def start_server(port: int):
    env = dict(os.environ, HF_HUB_OFFLINE="1", GAN_PLAYGROUND_TEST="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("streamlit did not start")


def app_its(ctx, url: str, name: str, iterations: int, server_pid: int) -> tuple[float, float, float]:
    """(it/s from the page, server CPU s per iteration, browser CPU s per iteration).

    Each run is a new tab (a new Streamlit session) in one browser context, whose
    caches stay warm. Measured: with a fresh context per run, the first one or two
    runs of a fresh server+browser were 2-4x slower (the headless browser used
    twice the CPU per iteration, competing for the same 2 cores); later runs were
    steady. A visitor's browser does not run on the server, so warm runs count.
    """
    from playwright.sync_api import expect

    page = ctx.new_page()
    try:
        page.goto(url + "/Train")
        start = page.locator(".st-key-start button")
        expect(start).to_be_enabled(timeout=60_000)
        for label, keys, want in CONFIGS[name][1]:
            slider = page.get_by_role("slider", name=label)
            expect(slider).to_have_count(1, timeout=60_000)   # no stale copy from a rerun in flight
            slider.focus()
            for key in keys:
                page.keyboard.press(key)
            expect(slider).to_have_attribute("aria-valuetext", want, timeout=60_000)
        box = page.locator(".st-key-tr_iterations input")
        box.fill(str(iterations))
        box.press("Enter")
        expect(page.get_by_text(f"{iterations} iterations of batch")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(1000)                       # let the rerun after the last edit settle
        server0, browser0 = cpu_seconds(server_pid)
        start.click()
        done = page.get_by_text(re.compile(r"Training finished: \d+ iterations in [\d.]+ s \(([\d.]+) it/s\)"))
        expect(done).to_be_visible(timeout=1_800_000)
        server1, browser1 = cpu_seconds(server_pid)
        its = float(re.search(r"\(([\d.]+) it/s\)", done.inner_text()).group(1))
        return its, (server1 - server0) / iterations, (browser1 - browser0) / iterations
    finally:
        page.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default="small,course")
    p.add_argument("--iterations", type=int, default=0, help="override the iterations of every config")
    p.add_argument("--repeats", type=int, default=2, help="in-app runs per config (bare runs bracket each)")
    args = p.parse_args()

    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, url = start_server(port)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2-core machine shared with other work)")
    try:
        with sync_playwright() as pw:
            # The browser runs at the lowest CPU priority: a visitor's browser is on their own
            # machine, not competing with the training thread for the server's 2 cores.
            wrapper = Path(tempfile.mkdtemp()) / "chromium-nice"
            wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 {shutil.which("chromium")} "$@"\n')
            wrapper.chmod(0o755)
            browser = pw.chromium.launch(executable_path=str(wrapper), headless=True, args=ARGS)
            # Two short runs first, discarded: a fresh server and browser pay one-time costs
            # (imports, compiling the page's JavaScript, torch's first kernels).
            ctx = browser.new_context(viewport={"width": 1400, "height": 1500})
            for _ in range(2):
                app_its(ctx, url, "small", 20, proc.pid)
            for name in args.configs.split(","):
                iterations = args.iterations or DEFAULT_ITERATIONS[name]
                config = config_for(name, iterations)
                # bare, app, bare, app, ..., bare: each app run is compared with the bare runs either side
                bare = [bare_its(config)]
                ratios, apps = [], []
                for _ in range(args.repeats):
                    apps.append(app_its(ctx, url, name, iterations, proc.pid))
                    bare.append(bare_its(config))
                    ratios.append(apps[-1][0] / statistics.mean([b[0] for b in bare[-2:]]))
                bare_cpu = statistics.median(b[1] for b in bare)
                server_cpu = statistics.median(a[1] for a in apps)
                browser_cpu = statistics.median(a[2] for a in apps)
                print(f"{name:>6}: {config.image_size}x{config.image_size}, conv_dim {config.conv_dim}, "
                      f"batch {config.batch_size}, {iterations} it, grid every {config.sample_every}\n"
                      f"        bare   it/s: {' '.join(f'{b[0]:.2f}' for b in bare)}\n"
                      f"        in-app it/s: {' '.join(f'{a[0]:.2f}' for a in apps)}\n"
                      f"        wall-clock ratio in-app / bare (neighbours): {' '.join(f'{r:.2f}' for r in ratios)}; "
                      f"median {statistics.median(ratios):.2f}\n"
                      f"        CPU ms per iteration: bare {1e3 * bare_cpu:.1f}, server (worker + Streamlit) "
                      f"{1e3 * server_cpu:.1f}, headless browser {1e3 * browser_cpu:.1f}\n"
                      f"        CPU ratio bare / server = {bare_cpu / server_cpu:.2f} (the page's cost inside the "
                      f"server); load now {os.getloadavg()[0]:.2f}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
