"""The theory pages in a real browser: Debian's chromium driven by Playwright.

Starts `streamlit run app.py` on a free port for this module and checks that
every theory page loads with its figures, that Persian text really runs right
to left while formulas stay left to right, that the language switch follows
the visitor from page to page, and that the toy lab trains by itself while
Play is on. Skips cleanly when playwright or chromium is missing
(`apt-get install -y chromium`).

With GAN_SCREENSHOTS=<folder> set, it also saves one screenshot per page
(and one of a Persian page) into that folder, e.g. docs/screenshots.
"""

import time

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from contentfiles import CONTENT  # noqa: E402
from streamlit_server import WAIT_MS, screenshot  # noqa: E402

VIEWPORT = {"width": 1280, "height": 2200}

# URL path (Streamlit derives it from the file name) -> content section
PAGES = {
    "What_is_a_GAN": "gan",
    "Why_training_fails": "fails",
    "WGAN": "wgan",
    "PGGAN": "pggan",
    "The_course_DCGAN": "course",
}


@pytest.fixture
def page(new_page):
    # A fresh session per test, so the language starts at English.
    return new_page()


def open_theory_page(page, url: str, path: str, lang: str = "en"):
    expect = sync_api.expect
    page.goto(f"{url}/{path}" + ("?lang=fa" if lang == "fa" else ""))
    title = CONTENT[lang][PAGES[path]]["title"]
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(title, timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stMain"] [data-testid="stPlotlyChart"] .main-svg', timeout=WAIT_MS)
    page.wait_for_selector('[data-testid="stMain"] .katex', timeout=WAIT_MS)


@pytest.mark.parametrize("path", list(PAGES))
def test_theory_page_loads_with_figures_and_no_error(page, app_url, path):
    open_theory_page(page, app_url, path)
    assert page.locator('[data-testid="stException"]').count() == 0
    # every page ends with its quiz and its references
    sync_api.expect(page.get_by_text(CONTENT["en"]["common"]["quiz_title"])).to_be_visible(timeout=WAIT_MS)
    assert page.locator('[data-testid="stMain"] a[href^="https://arxiv.org"], '
                        '[data-testid="stMain"] a[href^="https://"]').count() >= 3
    screenshot(page, f"theory_{PAGES[path]}.png")


def test_persian_text_runs_right_to_left_and_formulas_left_to_right(page, app_url):
    open_theory_page(page, app_url, "WGAN", lang="fa")
    directions = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const p = main.querySelector('[data-testid="stMarkdownContainer"] p');
        const formula = main.querySelector('.katex-display');
        return {text: getComputedStyle(p).direction, formula: getComputedStyle(formula).direction,
                textAlign: getComputedStyle(p).textAlign};
    }""")
    assert directions["text"] == "rtl"
    assert directions["textAlign"] in ("right", "start")
    assert directions["formula"] == "ltr"
    screenshot(page, "theory_wgan_fa.png")


def test_language_switch_follows_the_visitor_across_pages(page, app_url):
    expect = sync_api.expect
    open_theory_page(page, app_url, "What_is_a_GAN")
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label', has_text="فارسی").click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(CONTENT["fa"]["gan"]["title"],
                                                                         timeout=WAIT_MS)
    page.locator('[data-testid="stSidebarNav"] a[href$="/PGGAN"]').click()
    expect(page.locator('[data-testid="stMain"] h1').first).to_have_text(CONTENT["fa"]["pggan"]["title"],
                                                                         timeout=WAIT_MS)
    direction = page.evaluate("""() => getComputedStyle(document.querySelector(
        '[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')).direction""")
    assert direction == "rtl"


def test_toy_lab_trains_by_itself_while_playing(page, app_url):
    open_theory_page(page, app_url, "Why_training_fails")
    iteration = page.locator('[data-testid="stMetricValue"]').first
    sync_api.expect(iteration).to_have_text("0", timeout=WAIT_MS)
    page.locator(".st-key-toylab_fails_play_btn button").click()
    # No further interaction: the fragment's run_every timer must advance it.
    seen = set()
    deadline = time.monotonic() + 60
    while len(seen) < 3 and time.monotonic() < deadline:
        seen.add(int(iteration.inner_text()))
        time.sleep(0.2)
    assert len(seen) >= 3, f"the lab did not advance on its own (saw {sorted(seen)})"
    # A teacher's step button while it plays: pauses it; the click's rerun may
    # arrive while a training chunk is still running (the lab's lock handles it).
    page.locator(".st-key-toylab_fails_step_g_btn button").first.click()   # help tooltips render the button twice
    sync_api.expect(page.locator(".st-key-toylab_fails_play_btn button")).to_have_text(
        CONTENT["en"]["toylab"]["play"], timeout=WAIT_MS)
    time.sleep(2)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    screenshot(page, "theory_toylab_collapse.png")


def test_persian_numeric_answers_run_right_to_left_and_other_boxes_left_to_right(page, app_url):
    """A typed answer reads like its Persian question; a formula box (the toy lab's) stays left to right."""
    open_theory_page(page, app_url, "Why_training_fails", lang="fa")
    page.locator(".st-key-rtl_box_quiz_fails_n0 input").wait_for(timeout=WAIT_MS)
    boxes = page.evaluate("""() => {
        const main = document.querySelector('[data-testid="stMain"]');
        const style = el => [getComputedStyle(el).direction, getComputedStyle(el).textAlign];
        const inputs = [...main.querySelectorAll('input[type="text"]')];
        return {answers: inputs.filter(el => el.closest('[class*="st-key-rtl_box_quiz_"]')).map(style),
                others: inputs.filter(el => !el.closest('[class*="st-key-rtl_box_"]')).map(style)};
    }""")
    assert len(boxes["answers"]) == len(CONTENT["fa"]["fails"]["numeric"]) == 2
    assert all(d == "rtl" and a in ("right", "start") for d, a in boxes["answers"]), boxes
    assert boxes["others"], "the toy lab's formula boxes should be on the page"
    assert all(d == "ltr" for d, _ in boxes["others"]), boxes


def test_english_numeric_answers_stay_left_to_right(page, app_url):
    open_theory_page(page, app_url, "Why_training_fails")
    box = page.locator(".st-key-rtl_box_quiz_fails_n0 input")
    box.wait_for(timeout=WAIT_MS)
    assert box.evaluate("el => getComputedStyle(el).direction") == "ltr"
