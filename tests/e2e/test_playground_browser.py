"""The latent playground in a real browser: Debian's chromium driven by Playwright.

Starts `streamlit run app.py` on a free port for this module, opens the
Playground page, moves a semantic slider with the keyboard, checks that the
face and the link change, and downloads the face as a PNG. Skips cleanly when
playwright or chromium is missing (`apt-get install -y chromium`).
"""

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import WAIT_MS  # noqa: E402


def face_src(page) -> str:
    return page.locator('[data-testid="stImage"] img').first.get_attribute("src")


def test_keyboard_slider_changes_the_face_and_the_png_downloads(page, app_url, tmp_path):
    expect = sync_api.expect
    page.goto(app_url + "/Playground")
    page.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT_MS)
    slider = page.get_by_role("slider", name=re.compile(r"Semantic 01"))
    expect(slider).to_have_value("0", timeout=WAIT_MS)
    before = face_src(page)

    slider.focus()
    for _ in range(10):          # ten 0.2 steps: a clearly different face
        page.keyboard.press("ArrowRight")
    expect(slider).to_have_value("2", timeout=WAIT_MS)
    page.wait_for_function(
        """before => {
            const img = document.querySelector('[data-testid="stImage"] img');
            return img && img.getAttribute('src') !== before;
        }""", arg=before, timeout=WAIT_MS)
    assert face_src(page) != before
    page.wait_for_url(re.compile(r"sefa=0%3A2|sefa=0:2"), timeout=WAIT_MS)  # the link follows the slider

    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name=re.compile("Face \\(PNG\\)")).click()
    download = info.value
    assert download.suggested_filename == "faces64_seed8.png"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = saved.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000

    # The download is the face at the shown size (made when clicked), while the page sends the
    # generator's own 64x64 and lets the browser enlarge it without smoothing.
    from io import BytesIO

    from PIL import Image
    assert Image.open(BytesIO(data)).size == (512, 512)
    img = page.locator('[data-testid="stImage"] img').first
    assert img.evaluate("el => getComputedStyle(el).imageRendering") == "pixelated"
    assert img.evaluate("el => el.naturalWidth") == 64
    assert abs(img.bounding_box()["width"] - 512) < 2


def test_a_grid_tiles_button_sets_the_seed_outside_the_sliders_fragment(page, app_url):
    """The grid lives in the sliders' fragment, the seed control outside it: a tile's button
    must still update the seed box and open the face view (a whole-page rerun)."""
    expect = sync_api.expect
    page.goto(app_url + "/Playground")
    page.get_by_role("tab", name="Grid").click()
    button = page.get_by_role("button", name=re.compile(r"Use seed \d+")).nth(1)
    button.wait_for(timeout=WAIT_MS)
    seed = re.search(r"\d+", button.inner_text()).group(0)
    button.click()
    expect(page.get_by_role("spinbutton").first).to_have_value(seed, timeout=WAIT_MS)
    expect(page.get_by_role("tab", name="Face")).to_have_attribute("aria-selected", "true", timeout=WAIT_MS)
    page.wait_for_url(re.compile(rf"seed={seed}"), timeout=WAIT_MS)
