"""What the browser tests share: `streamlit run app.py` on a free port, where Chromium is and how it
runs, how long to wait, and waiting for a rerun (the fixtures built on them are in conftest.py)."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Debian chromium in a container: no sandbox, no GPU, and none of the background
# connections a closed network would refuse (a CI machine may have no internet).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CHROMIUM = shutil.which("chromium")
WAIT_MS = 60_000   # a shared 2-core machine: the first torch import in the server alone can take 6 s
SHOTS = os.environ.get("GAN_SCREENSHOTS")   # a folder: the tests that take screenshots save them there


def settle(page, timeout_ms: int = WAIT_MS):
    """Wait until the server has finished its script run (Streamlit's running indicator is gone)."""
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                           timeout=timeout_ms)


def open_in_persian(page, url: str, title_key: str, nav_keys):
    """Go to `url` (a ?lang=fa link) and wait until the content's Persian title of `title_key` heads the
    page and the sidebar names each of `nav_keys` in Persian; returns the sidebar's page list."""
    from playwright.sync_api import expect

    from contentfiles import CONTENT

    fa = CONTENT["fa"]
    page.goto(url)
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(fa[title_key]["title"], timeout=WAIT_MS)
    nav = page.locator('[data-testid="stSidebarNav"]')
    for key in nav_keys:
        expect(nav.get_by_text(fa["nav"][key], exact=True)).to_be_visible(timeout=WAIT_MS)
    return nav


def screenshot(page, name: str):
    """Save `name` in GAN_SCREENSHOTS, if set (the README shows them from docs/screenshots)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        time.sleep(1.5)  # let plotly and the fonts finish their first layout pass
        page.screenshot(path=str(Path(SHOTS) / name))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_app(start_timeout: float = 60, **env_extra):
    """Yield the URL of a fresh app server; the Hub is offline so a forgotten download fails in ms."""
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", **env_extra)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start within {start_timeout:.0f} s") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
