"""Paint with units in a real browser: draw a region with the mouse, the face changes.

Opens the Playground, the "Paint with units" tab, drags a lasso over the feature map's grid
(a plotly chart with Streamlit's own selection events), and checks that the painted cells are
reported and the edited face changes. (docs/screenshots/dissect.png comes from
scripts/screenshot_playground.py.)
"""

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import WAIT_MS  # noqa: E402


def after_src(page) -> str:
    return page.locator('[data-testid="stImage"] img').last.get_attribute("src")


def test_painting_a_region_with_the_mouse_changes_the_face(page, app_url):
    expect = sync_api.expect
    page.goto(app_url + "/Playground")
    page.get_by_role("tab", name="Paint with units").click()
    expect(page.get_by_text(re.compile(r"^Region: hair"))).to_be_visible(timeout=WAIT_MS)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=WAIT_MS)
    before = after_src(page)

    box = page.locator('[data-testid="stPlotlyChart"] .nsewdrag').first.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    # a lasso around the lower middle of the face (the mouth and chin)
    path = [(0.3, 0.6), (0.7, 0.6), (0.75, 0.8), (0.5, 0.95), (0.25, 0.8), (0.3, 0.6)]
    page.mouse.move(x0 + path[0][0] * w, y0 + path[0][1] * h)
    page.mouse.down()
    for fx, fy in path[1:]:
        page.mouse.move(x0 + fx * w, y0 + fy * h, steps=8)
    page.mouse.up()

    expect(page.get_by_text(re.compile(r"^Painted: \d+ cells"))).to_be_visible(timeout=WAIT_MS)
    page.wait_for_function(
        """before => {
            const imgs = document.querySelectorAll('[data-testid="stImage"] img');
            return imgs.length && imgs[imgs.length - 1].getAttribute('src') !== before;
        }""", arg=before, timeout=WAIT_MS)
    assert after_src(page) != before
