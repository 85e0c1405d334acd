"""The deployed shape of the app: cold start and server memory, measured in a real browser.

    python bench/bench_server.py

Starts `streamlit run app.py` as Community Cloud would (one process, 1 torch thread), opens the
pages in Debian Chromium through Playwright, and reads the server's resident memory (VmRSS of the
server process; the peak is sampled every 0.1 s) at each stage:

  idle       home page rendered
  playground the bundled faces64 model loaded and one face on screen
  training   a training running on the Train page (emoji faces, default settings)
  pggan      PGGAN CelebA-HQ 1024 loaded and one 1024x1024 face rendered

The Hub is unreachable here, so the PGGAN stage serves the app a Hugging Face cache laid out as
the Hub's, holding a file of random weights in the exact layout and size (92 MB, 23.1 M float32s):
the memory is the real model's, the faces are noise.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WAIT_MS = 120_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakRSS:
    """Samples a process's RSS in the background; .peak is the largest value since reset()."""

    def __init__(self, pid):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_mb(self.pid))
            except OSError:
                return
            time.sleep(0.1)

    def reset(self):
        self.peak = rss_mb(self.pid)

    def close(self):
        self._stop.set()


def fake_pggan_cache(cache: Path):
    from gan_core.hub import pin
    from gan_core.models import pggan

    pinned = pin("pggan-celebahq-1024")
    state = pggan.PGGANGenerator().state_dict()
    torch.manual_seed(0)
    state = {k: (torch.randn_like(v) * 0.05 if v.is_floating_point() and k != "lod" else v) for k, v in state.items()}
    blob_path = cache / "tmp.bin"
    torch.save(state, blob_path)
    data = blob_path.read_bytes()
    blob_path.unlink()
    repo = cache / f"models--{pinned.repo.replace('/', '--')}"
    commit = pinned.revision if len(pinned.revision) == 40 else "0" * 40
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(commit)
    (repo / "blobs").mkdir()
    blob = repo / "blobs" / hashlib.sha256(data).hexdigest()
    blob.write_bytes(data)
    snap = repo / "snapshots" / commit
    snap.mkdir(parents=True)
    (snap / pinned.file).symlink_to(os.path.relpath(blob, snap))
    return len(data)


def main():
    from playwright.sync_api import expect, sync_playwright

    chromium = shutil.which("chromium")
    if not chromium:
        print("chromium not found: apt-get install chromium")
        return 2
    cache = Path(tempfile.mkdtemp(prefix="bench-hf-"))
    size = fake_pggan_cache(cache)
    port = free_port()
    env = dict(os.environ, HF_HUB_CACHE=str(cache), HF_HUB_OFFLINE="1", GAN_PLAYGROUND_THREADS="1")
    t_start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.05)
        t_health = time.perf_counter() - t_start
        peak = PeakRSS(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1400})

            page.goto(url + "/")
            expect(page.get_by_role("heading", name="GAN Playground")).to_be_visible(timeout=WAIT_MS)
            t_home = time.perf_counter() - t_start
            time.sleep(1)
            rows.append(("idle (home page)", rss_mb(proc.pid), peak.peak))

            peak.reset()
            t0 = time.perf_counter()
            page.goto(url + "/Playground")
            page.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT_MS)
            t_face = time.perf_counter() - t0
            time.sleep(1)
            rows.append(("playground (faces64, one face)", rss_mb(proc.pid), peak.peak))

            peak.reset()
            page.goto(url + "/Train")
            page.locator(".st-key-start button").click(timeout=WAIT_MS)
            page.wait_for_selector('[data-testid="stProgress"]', timeout=WAIT_MS)
            time.sleep(15)
            rows.append(("training (Train page, emoji, defaults)", rss_mb(proc.pid), peak.peak))
            page.locator(".st-key-stop button").click(timeout=WAIT_MS)
            time.sleep(2)

            peak.reset()
            t0 = time.perf_counter()
            page.goto(url + "/Playground?model=pggan-celebahq-1024&seed=1")
            page.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT_MS)
            # wait until the full-resolution render has replaced the preview
            page.wait_for_function("() => !document.body.innerText.includes('Rendering')", timeout=WAIT_MS)
            time.sleep(3)
            t_pggan = time.perf_counter() - t0
            rows.append(("PGGAN 1024 loaded + one face (random weights, 92 MB file)", rss_mb(proc.pid), peak.peak))
            browser.close()
        peak.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        shutil.rmtree(cache, ignore_errors=True)

    print(f"torch {torch.__version__}; PGGAN weights file {size / 1e6:.1f} MB")
    print(f"cold start: server healthy {t_health:.1f} s, home page rendered {t_home:.1f} s after `streamlit run`")
    print(f"first face: {t_face:.1f} s after opening the Playground (faces64 loaded on first use)")
    print(f"PGGAN page with one face: {t_pggan:.1f} s (from cache; a first real download adds 92 MB)")
    print("| stage | server RSS now (MB) | peak during stage (MB) |")
    print("|---|---|---|")
    for name, now, top in rows:
        print(f"| {name} | {now:.0f} | {top:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
