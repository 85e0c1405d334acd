"""The last edges of "Your photo", tried as a hostile or unlucky user would, directly against
gan_core.faces: animated images (the first frame is used, and the user is told), several faces
(the largest is used, and the count is given), and faces turned sideways (OpenCV's profile
cascade, on the photo and on its mirror image, before the centre-crop fallback)."""

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contentfiles import CONTENT  # noqa: E402
from photos import generated_face, noise_canvas, side_on_picture, two_faces_picture  # noqa: E402

from gan_core import faces as inv  # noqa: E402
from gan_core.faces import photo as photo_mod  # noqa: E402

needs_opencv = pytest.mark.skipif(photo_mod._cascade() is None, reason="opencv-python-headless is not installed")


def frames(n: int, side: int = 96) -> list[Image.Image]:
    """n frames of different solid colours (frame 0 red), with some texture so encoders keep them."""
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        a = np.zeros((side, side, 3), np.uint8)
        a[..., i % 3] = 200
        a += rng.integers(0, 20, a.shape, dtype=np.uint8)
        out.append(Image.fromarray(a))
    return out


def animated(fmt: str, n: int = 3, **kw) -> bytes:
    buf = io.BytesIO()
    first, *rest = frames(n)
    first.save(buf, format=fmt, save_all=True, append_images=rest, duration=100, loop=0, **kw)
    return buf.getvalue()


# ----------------------------------------------------------------------------- animated images

@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_an_animated_image_is_read_by_its_first_frame_and_says_so(fmt):
    photo = inv.decode_photo(animated(fmt, 3, **({"lossless": True} if fmt == "WEBP" else {})))
    assert photo.frames == 3
    note = next(n for n in photo.notes if n.key == "animated")
    assert note == "This is an animated image (3 frames): only its first frame is used." and note.values == {"frames": 3}
    # the pixels are frame 0's (red)
    mean = photo.image.float().mean(dim=(1, 2))
    assert mean[0] > 150 and mean[1] < 60 and mean[2] < 60


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_a_still_image_in_the_same_formats_has_no_such_note(fmt):
    buf = io.BytesIO()
    frames(1)[0].save(buf, format=fmt)
    photo = inv.decode_photo(buf.getvalue())
    assert photo.frames == 1 and all(n.key != "animated" for n in photo.notes)


def test_every_note_has_words_in_both_languages_with_its_placeholders():
    import re

    samples = {"animated": animated("GIF", 2)}
    gray = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (50, 50)).astype(np.uint8)).save(gray, format="PNG")
    photo = inv.decode_photo(gray.getvalue())       # black-and-white and small
    keys = {n.key: n.values for n in [*photo.notes, *inv.decode_photo(samples["animated"]).notes]}
    assert set(keys) == set(inv.NOTE_KEYS)
    for lang in ("en", "fa"):
        for key, params in keys.items():
            text = CONTENT[lang]["deploy"][f"note_{key}"]
            assert set(re.findall(r"{(\w+)}", text)) == set(params), (lang, key)
            text.format(**params)


def test_every_detector_that_can_find_a_face_has_a_name_in_both_languages():
    for lang in ("en", "fa"):
        for how in inv.DETECTORS:
            if how != "centre":
                assert CONTENT[lang]["deploy"][f"detector_{how.replace('-', '_')}"]
        assert "{n}" in CONTENT[lang]["deploy"]["faces_found"]


# ----------------------------------------------------------------------------- several faces

def face(seed: int, side: int) -> np.ndarray:
    return generated_face(seed, side)


def canvas(hw, seed=1) -> np.ndarray:
    return noise_canvas(hw, seed)


def as_photo(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).permute(2, 0, 1).contiguous()


@needs_opencv
def test_with_several_faces_the_largest_is_used_and_they_are_counted():
    box = inv.find_face(as_photo(two_faces_picture()))       # a small face left, a larger one right
    assert box.found and box.how == "haar"
    assert box.count == 2
    assert 500 < box.x < 800 and box.side > 200


@needs_opencv
def test_one_face_is_counted_as_one_and_no_face_as_none():
    picture = canvas((400, 400))
    picture[50:350, 50:350] = face(7, 300)
    assert inv.find_face(as_photo(picture)).count == 1
    assert inv.find_face(as_photo(canvas((400, 400)))).count == 0


# ----------------------------------------------------------------------------- faces turned sideways

@pytest.fixture(scope="module")
def side_on():
    """tests/photos.side_on_picture: a generated face turned side-on, found on the mirror image."""
    return side_on_picture()


@needs_opencv
def test_a_face_turned_one_way_is_found_on_the_mirrored_photo(side_on):
    box = inv.find_face(as_photo(side_on))
    assert box.found and box.how == "profile-mirrored" and box.count == 1
    assert 60 < box.x < 60 + 160 and 60 < box.y < 60 + 200      # on the head, in the photo's own coordinates


@needs_opencv
def test_the_same_face_turned_the_other_way_is_found_directly(side_on):
    mirrored = side_on[:, ::-1]
    box = inv.find_face(as_photo(mirrored))
    assert box.found and box.how == "profile" and box.count == 1
    assert abs(box.x - (320 - inv.find_face(as_photo(side_on)).x)) < 3


@needs_opencv
def test_without_the_profile_cascade_a_side_on_face_falls_back_to_the_centre(side_on, monkeypatch):
    real = photo_mod._cascade
    monkeypatch.setattr(photo_mod, "_cascade", lambda kind="frontal": None if kind == "profile" else real(kind))
    box = inv.find_face(as_photo(side_on))
    assert not box.found and box.how == "centre" and box.count == 0


def test_overlapping_boxes_are_one_face_separate_ones_are_two():
    assert photo_mod._distinct([(0, 0, 100, 100), (10, 10, 80, 80), (5, 0, 95, 100)]) == [(0, 0, 100, 100)]
    assert len(photo_mod._distinct([(0, 0, 100, 100), (200, 0, 50, 50)])) == 2
