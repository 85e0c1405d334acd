"""The Train page in a real browser: Debian's chromium driven by Playwright.

Starts `streamlit run app.py` on a free port for this module, shrinks the model
with the keyboard (as a user would), clicks "Start training", watches the
progress bar move by itself and a sample grid appear, then clicks "Stop".
A second test checks the queue across two browsers (one worker): both press Start
within a second, one trains, the other shows its place in line and starts by itself
when the first run ends.

Skips cleanly when playwright or chromium is missing (`apt-get install -y chromium`).
Set GAN_PLAYGROUND_SCREENSHOTS=DIR to save a mid-run screenshot as DIR/train.png.
"""

import os
import re
import time
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import WAIT_MS, settle  # noqa: E402

GRACE_S = 2       # the server's disconnect grace period in this test (production: 5 s)
APP_ENV = dict(GAN_PLAYGROUND_TEST="1", GAN_PLAYGROUND_DISCONNECT_GRACE_S=str(GRACE_S),
               GAN_PLAYGROUND_WORKERS="1")
VIEWPORT = {"width": 1400, "height": 1500}


def open_train_page(new_page, app_url):
    page = new_page()
    page.goto(app_url + "/Train")
    sync_api.expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    return page


def press_slider(page, label, *keys):
    slider = page.get_by_role("slider", name=label)
    sync_api.expect(slider).to_have_count(1, timeout=WAIT_MS)    # no stale copy from a rerun in flight
    slider.focus()
    for key in keys:
        page.keyboard.press(key)


def settled(page):
    """Wait until the server has finished the rerun a widget change started: the page's
    values are then the session's, and Start trains with what the sliders show."""
    page.wait_for_timeout(300)
    settle(page)


def make_it_small(page):
    """A model that trains fast on a busy CPU: keyboard on the sliders, as a user would."""
    expect = sync_api.expect
    press_slider(page, "conv_dim", "Home")                        # 8
    expect(page.get_by_role("slider", name="conv_dim")).to_have_attribute("aria-valuetext", "8",
                                                                          timeout=WAIT_MS)
    settled(page)
    press_slider(page, "Batch size", "Home", "ArrowRight", "ArrowRight")   # 8
    expect(page.get_by_role("slider", name="Batch size")).to_have_attribute("aria-valuetext", "8",
                                                                            timeout=WAIT_MS)
    settled(page)
    press_slider(page, "Sample grid every", "Home")               # 5
    expect(page.get_by_role("slider", name="Sample grid every")).to_have_attribute("aria-valuetext", "5",
                                                                                   timeout=WAIT_MS)
    settled(page)
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)


def step_of(page) -> int:
    text = page.locator('[data-testid="stProgress"]').first.inner_text(timeout=WAIT_MS)
    m = re.search(r"Step (\d+) /", text)
    return int(m.group(1)) if m else -1


def wait_for_step_above(page, n, timeout_s=60) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        step = step_of(page)
        if step > n:
            return step
        page.wait_for_timeout(250)
    pytest.fail(f"the progress bar stayed at or below step {n} for {timeout_s} s")


def test_start_watch_the_progress_and_grid_then_stop(new_page, app_url):
    expect = sync_api.expect
    page = open_train_page(new_page, app_url)
    make_it_small(page)
    page.locator(".st-key-start button").click()
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible(timeout=WAIT_MS)
    first = wait_for_step_above(page, 0)
    # Nobody clicks: the live panel must advance on its own.
    later = wait_for_step_above(page, first)
    assert later > first
    expect(page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first).to_be_visible(
        timeout=WAIT_MS)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=WAIT_MS)
    shots = os.environ.get("GAN_PLAYGROUND_SCREENSHOTS")
    if shots:
        wait_for_step_above(page, later + 20)
        page.wait_for_timeout(1500)
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / "train.png"))
    page.locator(".st-key-stop button").click()
    expect(page.get_by_text(re.compile(r"Training stopped at step \d+"))).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(".st-key-start button")).to_be_enabled(timeout=WAIT_MS)
    # (a download button with a tooltip renders two <button>s in Streamlit 1.67)
    download = page.locator(".st-key-dl_ckpt button").first
    expect(download).to_be_visible(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as info:
        download.click()
    from gan_core.hub import load_checkpoint_zip

    generator, model = load_checkpoint_zip(Path(info.value.path()).read_bytes(), name="downloaded")
    assert model.image_size == 32 and generator.conv_dim == 8


def test_two_browsers_press_start_together_one_trains_the_other_waits_then_starts_by_itself(new_page, app_url):
    expect = sync_api.expect
    a, b = open_train_page(new_page, app_url), open_train_page(new_page, app_url)
    for page in (a, b):
        make_it_small(page)
        press_slider(page, "Sample grid every", "End")           # no grids needed here
    a.locator(".st-key-start button").click()
    b.locator(".st-key-start button").click()                     # within a second of A
    in_line = re.compile(r"1st in line")
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:                                                   # whoever the server served second waits
        if b.get_by_text(in_line).count():
            first, second = a, b
            break
        if a.get_by_text(in_line).count():
            first, second = b, a
            break
        assert time.monotonic() < deadline, "neither page shows a place in line"
        a.wait_for_timeout(200)
    expect(second.get_by_text(re.compile(r"1st in line(, about \d)?"))).to_be_visible(timeout=WAIT_MS)
    expect(second.locator(".st-key-stop button")).to_have_text("Leave the line")
    expect(second.get_by_text(re.compile(r"1 worker\(s\): 1 training now, 1 waiting"))).to_be_visible(
        timeout=WAIT_MS)
    wait_for_step_above(first, 0)
    first.locator(".st-key-stop button").click()
    expect(first.get_by_text(re.compile(r"Training stopped at step \d+"))).to_be_visible(timeout=WAIT_MS)
    # nobody touches the second page: its run starts by itself on the freed worker
    wait_for_step_above(second, 0)
    expect(second.get_by_text(in_line)).to_have_count(0)
    expect(second.locator(".st-key-stop button")).to_have_text("Stop")
    second.locator(".st-key-stop button").click()
    expect(second.get_by_text(re.compile(r"Training stopped at step \d+"))).to_be_visible(timeout=WAIT_MS)
