"""The "Your photo" view's notes about the picture, read on the page in English and Persian
(AppTest): several faces (the largest is used, and how many there were), a face seen from the
side (the profile cascade, on the photo or on its mirror image, and the note that the generator
turns it frontal), and an animated image (only its first frame is used).

The detection and decoding behind them are tested in tests/test_photo_edges.py; here the page's
sentences are. The pictures are generated faces64 faces (tests/photos.py), never a person's photo.
"""

import io
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from contentfiles import CONTENT  # noqa: E402
from photos import encoded, face_photo, side_on_picture, two_faces_picture  # noqa: E402

from gan_core.faces import photo as photo_mod  # noqa: E402

PAGE = str(ROOT / "pages" / "1_Playground.py")
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.skipif(photo_mod._cascade("profile") is None, reason="OpenCV's cascades are not installed")]


def said(lang: str, key: str, **values) -> str:
    """content's deploy.<key> in `lang`, its numbers in that language's digits."""
    text = CONTENT[lang]["deploy"][key]
    return text.format(**{k: str(v).translate(FA_DIGITS) if lang == "fa" else str(v) for k, v in values.items()})


def animated_gif() -> bytes:
    """Three frames: a generated face photo first, then two others."""
    first = Image.open(io.BytesIO(face_photo(3, 200, (300, 300), (50, 50), noise_seed=0, noise=(70, 110), fmt="PNG")))
    rest = [Image.fromarray(np.full((300, 300, 3), 40 * (i + 1), np.uint8)) for i in range(2)]
    buf = io.BytesIO()
    first.save(buf, format="GIF", save_all=True, append_images=rest, duration=100, loop=0)
    return buf.getvalue()


@pytest.fixture
def page(monkeypatch, request):
    from ui.playground import photo

    monkeypatch.setattr(photo, "STEPS", 2)          # wiring, not quality
    # AppTest calls a widget's format_func in the test's own thread, outside the page's session,
    # where ui.i18n.current() would answer English: the page's radio options are Persian, the
    # formatted value English, and AppTest fails to find it. The whole process speaks the language.
    from ui import i18n

    monkeypatch.setattr(i18n, "current", lambda: request.param)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = request.param
    at.session_state["pg_view"] = "Your photo"
    return at.run(), request.param


def upload(at, name: str, data: bytes, mime: str = "image/png"):
    at.file_uploader(key="ph_upload").upload(name, data, mime).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def captions(at) -> list[str]:
    return [img.caption for el in at.image for img in el.proto.imgs]


def notes(at) -> list[str]:
    return [m.value for m in [*at.info, *at.warning]]


@pytest.mark.parametrize("page", ["en", "fa"], indirect=True)
def test_several_faces_the_largest_is_used_and_the_page_says_how_many(page):
    at, lang = page
    upload(at, "two.png", encoded(two_faces_picture()))
    assert said(lang, "faces_found", n=2) in notes(at)
    assert said(lang, "note_profile") not in notes(at)
    assert any(CONTENT[lang]["deploy"]["detector_haar"] in c for c in captions(at))


@pytest.mark.parametrize("page", ["en", "fa"], indirect=True)
def test_a_side_on_face_is_found_both_ways_and_the_page_says_it_is_a_profile(page):
    at, lang = page
    picture = side_on_picture()
    upload(at, "side.png", encoded(picture))                       # turned one way: found on the mirror
    assert said(lang, "note_profile") in notes(at)
    assert CONTENT[lang]["photo"]["no_face"] not in notes(at)       # not the centre-crop fallback
    assert said(lang, "faces_found", n=1) not in notes(at)          # one face: no count
    assert any(CONTENT[lang]["deploy"]["detector_profile_mirrored"] in c for c in captions(at))
    upload(at, "other-side.png", encoded(picture[:, ::-1]))         # turned the other way: found directly
    assert said(lang, "note_profile") in notes(at)
    shown = captions(at)
    assert any(CONTENT[lang]["deploy"]["detector_profile"] in c for c in shown)
    assert not any(CONTENT[lang]["deploy"]["detector_profile_mirrored"] in c for c in shown)


@pytest.mark.parametrize("page", ["en", "fa"], indirect=True)
def test_an_animated_image_is_used_by_its_first_frame_and_the_page_says_so(page):
    at, lang = page
    upload(at, "moving.gif", animated_gif(), "image/gif")
    assert said(lang, "note_animated", frames=3) in [w.value for w in at.warning]
    assert at.session_state["ph_result"][1].image.shape == (3, 64, 64)     # the first frame was inverted


@pytest.mark.parametrize("page", ["en"], indirect=True)
def test_a_still_frontal_photo_has_none_of_these_notes(page):
    at, lang = page
    upload(at, "me.png", face_photo(3, 200, (480, 640), (400, 60), noise_seed=0, noise=(70, 110), fmt="PNG"))
    shown = notes(at)
    assert not any(n.startswith(("This is an animated", "The face is seen from the side")) or "faces were found" in n
                   for n in shown), shown
