"""The in-app check of issue 14: press Start on the Train page's default preset in a real
browser; how good is the sample grid the page shows 10, 20, 30 and 60 s later?

    .venv/bin/python bench/bench_first_faces_browser.py                 # ~2.5 min on 2 CPU cores
    .venv/bin/python bench/bench_first_faces_browser.py --seconds 5 --no-repro   # a quick dry run
    .venv/bin/python bench/bench_first_faces_browser.py --save-grids /tmp/grids

What happens: `streamlit run app.py` on a free loopback port (tests/e2e/streamlit_server.py),
Debian's chromium (headless, driven by Playwright) opens the Train page, leaves every setting
as it is (the default preset, gan_core.training.presets.DEFAULT) and clicks "Start training". At each
checkpoint (wall-clock seconds after the click, so the worker's start-up counts, as it does
for a visitor) the script reads what the page shows: the step on the progress bar, the grid's
caption ("Fixed noise at iteration N") and the exact PNG bytes of the grid's <img> (fetched
from its src inside the page). Then it clicks Stop and shuts the server down.

The score, as in bench/bench_first_faces.py: SWD x1e3 (gan_core.metrics.swd, lower is
better, emoji read as faces from about 70) against the Trainer's reference (all 329 emoji).
The page's grid holds only 64 samples, and SWD reads higher for fewer samples (swd()
subsamples the 329 emoji to 64 to pair them one to one), so the browser's number is not
directly the benchmark's. To make them comparable the script then replays the same run in
this process (the page's own config, same seed, 1 torch thread: training is deterministic)
up to each iteration the page showed, checks that its grid is pixel-identical to the
browser's, and prints next to the browser's 64-sample SWD:
  bench329: bench_first_faces' score at that iteration (329 samples from its fixed noise),
  bench64:  the same method with the first 64 of those samples.
--no-repro skips the replay (the browser numbers only).

The headless browser runs on the same 2 cores as the server; a visitor's browser does not,
so it runs at nice 19 (--nice 0 to disable), as in bench/bench_train_app.py. Timings depend
on the load: the load average is printed at the start, at each checkpoint and at the end.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
from streamlit_server import CHROMIUM_ARGS, streamlit_app  # noqa: E402

from gan_core import data as gdata  # noqa: E402
from gan_core import metrics
from gan_core.training import (
    Trainer,  # noqa: E402
    presets,  # noqa: E402
)

FACES_SWD = 70.0
WAIT_MS = 60_000          # any single wait on the page (a busy 2-core machine)

# One round trip inside the page: what it shows right now, and the grid's exact bytes.
# Reading the src and fetching it in the same call keeps them together: the live panel
# redraws every second, and the server forgets an image once the page has replaced it.
CAPTURE_JS = """
async () => {
  const main = document.querySelector('[data-testid="stMain"]');
  const bar = main.querySelector('[data-testid="stProgress"]');
  const img = main.querySelector('[data-testid="stImage"] img');
  const out = {progress: bar ? bar.innerText : '', caption: '', src: '', b64: ''};
  if (!img) return out;
  const box = img.closest('[data-testid="stImage"]') || img.parentElement;
  out.caption = (box.parentElement || box).innerText;
  out.src = img.src;
  const r = await fetch(img.src);
  if (!r.ok) return out;
  const bytes = new Uint8Array(await r.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  out.b64 = btoa(s);
  return out;
}
"""


def load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def first_int(pattern: str, text: str) -> int | None:
    m = re.search(pattern, text or "")
    return int(m.group(1)) if m else None


def tiles(grid: np.ndarray, n: int, size: int = 32, padding: int = 2) -> torch.Tensor:
    """The (n, 3, size, size) uint8 samples of a gan_core.viz.make_grid image (H, W, 3)."""
    nrow = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / nrow))
    expected = (rows * (size + padding) + padding, nrow * (size + padding) + padding, 3)
    if grid.shape != expected:
        raise ValueError(f"the page's grid is {grid.shape}, expected {expected} (resized by the page?)")
    out = []
    for i in range(n):
        r, c = divmod(i, nrow)
        y, x = padding + r * (size + padding), padding + c * (size + padding)
        out.append(grid[y:y + size, x:x + size].transpose(2, 0, 1))
    return torch.from_numpy(np.stack(out))


def swd(reference, fake) -> float:
    return float(metrics.swd(reference.cpu(), fake.cpu()).mean)


def launch_browser(p, nice: int):
    chromium = shutil.which("chromium")
    if not chromium:
        raise SystemExit("chromium is not installed (apt-get install -y chromium)")
    if nice:
        wrapper = Path(tempfile.mkdtemp()) / "chromium-nice"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n {nice} {chromium} "$@"\n')
        wrapper.chmod(0o755)
        chromium = str(wrapper)
    return p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)


def capture(page, t0: float) -> dict:
    """What the page shows now; retried if the grid was replaced between reading and fetching."""
    for _ in range(5):
        shot = page.evaluate(CAPTURE_JS)
        shot["t"] = time.monotonic() - t0
        if shot["b64"] or not shot["src"]:
            break
        page.wait_for_timeout(100)
    shot["step"] = first_int(r"Step (\d+) /", shot["progress"])
    shot["grid_it"] = first_int(r"iteration (\d+)", shot["caption"])
    shot["grid"] = (np.asarray(Image.open(io.BytesIO(base64.b64decode(shot["b64"]))).convert("RGB"))
                    if shot["b64"] else None)
    shot["load"] = load()
    return shot


def run_in_browser(checkpoints: list[float], nice: int) -> list[dict]:
    """Start the default preset on the Train page untouched; what the page shows at each checkpoint."""
    from playwright.sync_api import expect, sync_playwright

    shots = []
    with streamlit_app() as url, sync_playwright() as p:
        browser = launch_browser(p, nice)
        try:
            page = browser.new_context(viewport={"width": 1400, "height": 1500}).new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(url + "/Train")
            start = page.locator(".st-key-start button")
            expect(start).to_be_enabled(timeout=WAIT_MS)
            # Let the first full run of the page finish (the preset's it/s estimate included).
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=WAIT_MS)
            preset = page.locator(".st-key-tr_preset input").input_value(timeout=WAIT_MS)
            print(f"# preset on the page: {preset}; load at the click: {load()}", flush=True)
            start.click()
            t0 = time.monotonic()
            for cp in checkpoints:
                time.sleep(max(0.0, t0 + cp - time.monotonic()))
                shot = capture(page, t0)
                shot["checkpoint"] = cp
                shots.append(shot)
                print(f"  {cp:4.0f} s (read at {shot['t']:.1f} s): progress step {shot['step']}, "
                      f"grid of iteration {shot['grid_it']}, load {shot['load']}", flush=True)
            page.locator(".st-key-stop button").click()
            expect(page.get_by_text(re.compile(r"Training stopped at step \d+"))).to_be_visible(timeout=WAIT_MS)
        finally:
            browser.close()
    return shots


def replay(shots: list[dict]) -> tuple[dict[int, dict], torch.Tensor]:
    """The page's run again in this process, scored at each iteration whose grid the page showed."""
    # The page's own widget defaults -> its exact TrainConfig. (Imported outside a page, ui/'s
    # st.cache_data prints two harmless "No runtime found" warnings at exit.)
    from ui.train import settings as tr

    config = tr.config_from_values(dict(tr.WIDGET_DEFAULTS))
    wanted = sorted({s["grid_it"] for s in shots if s["grid_it"]})
    trainer = Trainer(config)
    torch.set_num_threads(1)
    z = torch.randn(len(trainer.reference), config.noise_size,
                    generator=torch.Generator().manual_seed(config.seed + 2))      # as bench_first_faces
    out = {}
    for ev in trainer.run():
        if ev.kind in ("diverged", "stopped", "done") or not wanted:
            break
        if ev.kind == "samples" and ev.iteration in wanted:
            wanted.remove(ev.iteration)
            fake = torch.cat([gdata.to_uint8(trainer.sample(z[i:i + 256])) for i in range(0, len(z), 256)])
            out[ev.iteration] = {"grid": ev.grid, "bench329": swd(trainer.reference, fake),
                                 "bench64": swd(trainer.reference, fake[:64])}
    trainer.stop()
    return out, trainer.reference


def main():
    p = argparse.ArgumentParser(description="SWD of the Train page's grid N s after Start, in a real browser.")
    p.add_argument("--seconds", default="10,20,30,60", help="checkpoints, seconds after the click")
    p.add_argument("--nice", type=int, default=19, help="the browser's nice level (0: not reniced)")
    p.add_argument("--no-repro", action="store_true", help="skip the in-process replay (bench329/bench64)")
    p.add_argument("--save-grids", metavar="DIR", help="save the page's grids as DIR/grid_<s>s.png")
    args = p.parse_args()
    checkpoints = sorted(float(s) for s in args.seconds.split(","))
    torch.set_num_threads(1)

    print(f"# bench_first_faces_browser: {' '.join(sys.argv[1:]) or '(defaults)'}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}, torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs, default preset {presets.DEFAULT!r}, browser at nice {args.nice}")
    print(f"# load average at start: {load()}", flush=True)
    shots = run_in_browser(checkpoints, args.nice)
    print(f"# load average after the browser run: {load()}", flush=True)

    if args.save_grids:
        Path(args.save_grids).mkdir(parents=True, exist_ok=True)
        for s in shots:
            if s["grid"] is not None:
                Image.fromarray(s["grid"]).save(Path(args.save_grids) / f"grid_{s['checkpoint']:g}s.png")

    n = presets.PRESETS[presets.DEFAULT].n_samples
    replayed, reference = ({}, None) if args.no_repro else replay(shots)
    if reference is None:     # the reference bench_first_faces scores against, without the replay
        reference = Trainer(presets.get(presets.DEFAULT)).reference

    print()
    print("| after Start | progress step | grid of iteration | SWD, page's 64 | bench329 | bench64 "
          "| replayed grid == page's | load at capture |")
    print("|---|---|---|---|---|---|---|---|")
    for s in shots:
        if s["grid"] is None:
            print(f"| {s['checkpoint']:g} s | {s['step']} | no grid yet | | | | | {s['load']} |")
            continue
        page_swd = swd(reference, tiles(s["grid"], n))
        r = replayed.get(s["grid_it"])
        same = "" if r is None else ("yes" if np.array_equal(r["grid"], s["grid"]) else "NO")
        b329 = "" if r is None else f"{r['bench329']:.1f}"
        b64 = "" if r is None else f"{r['bench64']:.1f}"
        mark = "**" if page_swd <= FACES_SWD else ""
        print(f"| {s['checkpoint']:g} s | {s['step']} | {s['grid_it']} | {mark}{page_swd:.1f}{mark} | {b329} "
              f"| {b64} | {same} | {s['load']} |")
    print(f"\nSWD x1e3 vs the 329 emoji (lower is better; bold: <= {FACES_SWD:g}). 'page's 64': the grid the "
          f"page showed; bench329/bench64: bench_first_faces' score of the replayed run at that iteration, "
          f"from 329 / the first 64 of its fixed-noise samples.")
    print(f"# load average at the end: {load()}")


if __name__ == "__main__":
    main()
