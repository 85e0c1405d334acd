"""The whole app in Persian, in a real browser (Debian's chromium driven by Playwright).

A share link with ?lang=fa opens in Persian; the sidebar names every page in
Persian (the entry page is خانه, not "app"); the language survives a click to
another page and stays in the address bar; Persian prose runs right to left.

With GAN_SCREENSHOTS=<folder> set it saves home_fa.png, experiments_fa.png and
train_fa.png (mid-run, after GAN_SCREENSHOT_STEPS steps, default 150) there (the
README shows them from docs/screenshots).
"""

import os
import re
import time

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from contentfiles import CONTENT  # noqa: E402
from streamlit_server import SHOTS, WAIT_MS, open_in_persian, screenshot, settle  # noqa: E402

VIEWPORT = {"width": 1280, "height": 1500}


def test_a_persian_link_names_every_page_in_persian_and_keeps_the_language(page, app_url):
    expect = sync_api.expect
    fa = CONTENT["fa"]
    nav = open_in_persian(page, f"{app_url}/?lang=fa", "home",
                          ("home", "playground", "train", "experiments", "gan", "pggan"))
    assert nav.get_by_text("app", exact=True).count() == 0
    settle(page)
    direction = page.evaluate("""() => getComputedStyle(document.querySelector(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).direction""")
    assert direction == "rtl"
    screenshot(page, "home_fa.png")

    nav.get_by_text(fa["nav"]["experiments"], exact=True).click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(fa["experiments"]["title"],
                                                                         timeout=WAIT_MS)
    settle(page)
    page.wait_for_function("() => location.search.includes('lang=fa')", timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "experiments_fa.png")


def test_switching_back_to_english_renames_the_pages_and_drops_lang_from_the_link(page, app_url):
    expect = sync_api.expect
    page.goto(f"{app_url}/Experiments?lang=fa")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(CONTENT["fa"]["experiments"]["title"],
                                                                         timeout=WAIT_MS)
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label', has_text="English").click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(CONTENT["en"]["experiments"]["title"],
                                                                         timeout=WAIT_MS)
    nav = page.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text(CONTENT["en"]["nav"]["home"], exact=True)).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function("() => !location.search.includes('lang=')", timeout=WAIT_MS)


def persian_step(page) -> int:
    """The step in the Persian progress text "گام ۱۲ از ۵۰۰ · …" (-1 before the first step; \\d and int()
    read Persian digits too)."""
    text = page.locator('[data-testid="stProgress"]').first.inner_text(timeout=WAIT_MS)
    m = re.search(r"گام (\d+) از", text)
    return int(m.group(1)) if m else -1


def test_train_page_in_persian_trains_and_reads_right_to_left(page, app_url):
    """Start a run in Persian, watch it advance, stop it: every message the run produces is Persian."""
    expect = sync_api.expect
    fa = CONTENT["fa"]["train"]
    page.goto(f"{app_url}/Train?lang=fa")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(fa["title"], timeout=WAIT_MS)
    start = page.locator(".st-key-start button")
    expect(start).to_have_text(fa["start"], timeout=WAIT_MS)
    expect(start).to_be_enabled(timeout=WAIT_MS)
    settle(page)
    start.click()
    expect(page.locator('[data-testid="stProgress"]')).to_be_visible(timeout=WAIT_MS)
    wanted = int(os.environ.get("GAN_SCREENSHOT_STEPS", "150")) if SHOTS else 1
    deadline = time.monotonic() + (600 if SHOTS else 120)
    while persian_step(page) < wanted:
        assert time.monotonic() < deadline, "the Persian progress bar did not advance"
        page.wait_for_timeout(500)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=WAIT_MS)
    direction = page.evaluate("""() => getComputedStyle(document.querySelector(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).direction""")
    assert direction == "rtl"
    screenshot(page, "train_fa.png")
    page.locator(".st-key-stop button").click()
    expect(page.get_by_text(re.compile(r"آموزش در گام [0-9۰-۹]+ متوقف شد"))).to_be_visible(timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_playground_in_persian_keeps_the_language_in_its_share_link(page, app_url):
    expect = sync_api.expect
    fa = CONTENT["fa"]["playground"]
    page.goto(f"{app_url}/Playground?lang=fa")
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(fa["title"], timeout=WAIT_MS)
    expect(page.locator('[data-testid="stMain"] [data-testid="stImage"] img').first).to_be_visible(timeout=WAIT_MS)
    settle(page)
    slider = page.get_by_role("slider", name=re.compile(r"معنایی ۰۱"))
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('sefa=') && location.search.includes('lang=fa')",
                           timeout=WAIT_MS)
    settle(page)
    expect(page.locator('[data-testid="stMain"] code').filter(has_text="lang=fa").first).to_be_visible(
        timeout=WAIT_MS)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "playground_fa.png")
