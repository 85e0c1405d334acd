"""Your photo, in a real browser: upload a JPEG through the file input, get the
reconstruction, move a slider, download the edited face.

The photo is a generated face pasted off-centre into a bigger noisy picture
(never a real person's photo in the repository). A screenshot of the result goes
to test-output/photo.png. Skips cleanly without playwright or chromium.
"""

import re
import sys
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
from streamlit_server import ROOT  # noqa: E402

sys.path.insert(0, str(ROOT))
from photos import face_photo  # noqa: E402

WAIT_MS = 120_000
APP_ENV = dict(GAN_PLAYGROUND_INVERT_STEPS="20")
VIEWPORT = {"width": 1400, "height": 2200}


def photo_file(tmp_path) -> Path:
    path = tmp_path / "selfie.jpg"
    path.write_bytes(face_photo(11, 260, (720, 960), (620, 90), noise_seed=1, noise=(70, 120), quality=92))
    return path


def test_upload_reconstruct_edit_download(page, app_url, tmp_path):
    expect = sync_api.expect
    page.goto(app_url + "/Playground")
    page.wait_for_selector('[data-testid="stImage"] img', timeout=WAIT_MS)
    page.get_by_role("tab", name="Your photo").click()
    expect(page.get_by_text("never written to disk")).to_be_visible(timeout=WAIT_MS)

    page.get_by_test_id("stTabs").locator('input[type="file"]').set_input_files(str(photo_file(tmp_path)))
    expect(page.get_by_text("Reconstruction error")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("No face was found")).to_have_count(0)
    assert page.locator('[data-testid="stException"]').count() == 0

    edited = page.locator('[data-testid="stImage"] img').last
    before = edited.get_attribute("src")
    slider = page.get_by_test_id("stTabs").get_by_role("slider", name=re.compile(r"Semantic 01"))
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        """before => {
            const imgs = document.querySelectorAll('[data-testid="stImage"] img');
            return imgs.length && imgs[imgs.length - 1].getAttribute('src') !== before;
        }""", arg=before, timeout=WAIT_MS)

    out = ROOT / "test-output"
    out.mkdir(exist_ok=True)
    page.screenshot(path=str(out / "photo.png"), full_page=True)

    with page.expect_download(timeout=WAIT_MS) as info:
        page.get_by_role("button", name=re.compile(r"Edited face \(PNG\)")).click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
