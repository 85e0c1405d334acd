"""A visitor's tour in a real browser: every page of the app opens without an error or a
traceback, and a screenshot of each is saved under test-output/screenshots/.

The deeper browser checks (a slider that changes the face, Start/Stop of a training, the
Persian right-to-left text) live beside this file; this one makes sure no page is broken.
"""

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import ROOT, WAIT_MS, settle  # noqa: E402

OUT = ROOT / "test-output" / "screenshots"

# (url path, a heading the page must show)
PAGES = [
    ("", "GAN Playground"),
    ("Playground", "Latent playground"),
    ("Train", None),
    ("Experiments", None),
    ("What_is_a_GAN", None),
    ("Why_training_fails", None),
    ("WGAN", None),
    ("PGGAN", None),
    ("The_course_DCGAN", None),
]


@pytest.mark.parametrize("path,heading", PAGES, ids=[p or "home" for p, _ in PAGES])
def test_every_page_opens_without_errors(page, app_url, path, heading):
    page.goto(f"{app_url}/{path}")
    title = page.get_by_role("heading", name=heading) if heading else page.locator("h1").first
    sync_api.expect(title).to_be_visible(timeout=WAIT_MS)
    settle(page)   # the script run has finished: judge the page it drew
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, f"a traceback on /{path}:\n" + "\n".join(errors.all_inner_texts())
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{path or 'home'}.png"))
