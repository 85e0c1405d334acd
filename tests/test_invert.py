"""Your photo → crop → latent code: gan_core.faces and gan_core.faces.encoder.

Synthetic photos are generated faces pasted into larger pictures, so where the
face is (and what a perfect crop looks like) is known exactly.
"""

import io
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import faces as inv  # noqa: E402
from gan_core.faces import photo as photo_mod  # noqa: E402
from gan_core.data import to_uint8  # noqa: E402
from gan_core.faces import (  # noqa: E402
    Encoder,
    EncoderConfig,
    load_encoder,
    save_encoder,
    train_encoder,
)
from gan_core.hub import load_generator  # noqa: E402
from gan_core.models.dcgan import DCGenerator  # noqa: E402

needs_opencv = pytest.mark.skipif(photo_mod._cascade() is None, reason="opencv-python-headless is not installed")


@pytest.fixture(scope="module")
def faces64():
    generator, _ = load_generator("faces64")
    return generator


@pytest.fixture(scope="module")
def faces(faces64):
    with torch.no_grad():
        return to_uint8(faces64(torch.randn(4, 128, generator=torch.Generator().manual_seed(7))))


def paste(face: torch.Tensor, canvas_hw=(900, 1200), at=(100, 800), side=240, channels=3, seed=0) -> torch.Tensor:
    """A photo: noise background with the face, enlarged to `side`, at (top, left)."""
    big = np.asarray(Image.fromarray(face.permute(1, 2, 0).numpy()).resize((side, side), Image.Resampling.BICUBIC))
    rng = np.random.default_rng(seed)
    canvas = rng.integers(60, 120, (*canvas_hw, 3)).astype(np.uint8)
    top, left = at
    canvas[top:top + side, left:left + side] = big
    photo = torch.from_numpy(canvas).permute(2, 0, 1).contiguous()
    if channels == 1:
        return photo.float().mean(0, keepdim=True).round().to(torch.uint8)
    if channels == 4:
        return torch.cat([photo, torch.full((1, *canvas_hw), 255, dtype=torch.uint8)])
    return photo


def overlap(box: inv.FaceBox, at, side) -> float:
    """Intersection over union of the crop square and the pasted face."""
    ax0, ay0, ax1, ay1 = box.x - box.side / 2, box.y - box.side / 2, box.x + box.side / 2, box.y + box.side / 2
    bx0, by0, bx1, by1 = at[1], at[0], at[1] + side, at[0] + side
    iw, ih = max(0, min(ax1, bx1) - max(ax0, bx0)), max(0, min(ay1, by1) - max(ay0, by0))
    inter = iw * ih
    return inter / (box.side ** 2 + side ** 2 - inter)


# ----------------------------------------------------------------------------- crop


@needs_opencv
def test_off_centre_face_is_found_and_framed(faces):
    photo = paste(faces[0], at=(100, 800))
    box = inv.find_face(photo)
    assert box.found and box.how == "haar"
    assert overlap(box, (100, 800), 240) > 0.5
    crop = inv.crop_face(photo, box=box)
    assert crop.shape == (3, 64, 64) and crop.dtype == torch.uint8
    # Centred on the face (the square may be a little larger: detectors differ by a few %).
    assert abs(box.x - 920) < 0.1 * 240 and abs(box.y - 220) < 0.15 * 240


@needs_opencv
@pytest.mark.parametrize("channels", [1, 4])
def test_grayscale_and_rgba_photos_give_colour_crops_of_the_face(faces, channels):
    photo = paste(faces[1], at=(300, 150), channels=channels)
    box = inv.find_face(photo)
    assert box.found and overlap(box, (300, 150), 240) > 0.5
    crop = inv.crop_face(photo, box=box)
    assert crop.shape == (3, 64, 64)
    if channels == 1:
        assert torch.equal(crop[0], crop[1]) and torch.equal(crop[1], crop[2])


def test_rgba_transparency_is_white_and_2d_grayscale_accepted():
    rgba = torch.zeros(4, 80, 80, dtype=torch.uint8)           # fully transparent black
    assert int(inv.crop_face(rgba).min()) == 255
    assert inv.crop_face(torch.full((80, 100), 128, dtype=torch.uint8)).shape == (3, 64, 64)


def test_small_photo_and_no_face_fall_back_to_the_centre():
    small = torch.randint(0, 255, (3, 40, 30), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    box = inv.find_face(small)
    assert not box.found and box.how == "centre"
    assert (box.x, box.y, box.side) == (15, 20, 30)
    assert inv.crop_face(small).shape == (3, 64, 64)
    flat = torch.full((3, 300, 500), 200, dtype=torch.uint8)
    assert not inv.find_face(flat).found


def test_zoom_and_offset_move_the_crop():
    # A photo whose left half is black and right half white: the offset decides what the crop sees.
    photo = torch.zeros(3, 200, 200, dtype=torch.uint8)
    photo[:, :, 100:] = 255
    box = inv.FaceBox(100, 100, 100, False, "centre")
    assert inv.crop_face(photo, box=box).float().mean() == pytest.approx(127.5, abs=6)
    assert inv.crop_face(photo, box=box, offset_x=0.5).float().mean() > 240
    assert inv.crop_face(photo, box=box, offset_x=-0.5).float().mean() < 15
    # Zooming out past the photo's edges repeats the edge pixels rather than failing.
    assert inv.crop_face(photo, box=box, zoom=0.25).shape == (3, 64, 64)
    with pytest.raises(ValueError):
        inv.crop_face(photo, zoom=0)


def test_crop_rejects_what_is_not_an_image():
    with pytest.raises(TypeError):
        inv.crop_face(torch.zeros(3, 64, 64))
    with pytest.raises(ValueError):
        inv.crop_face(torch.zeros(2, 64, 64, dtype=torch.uint8))


# ----------------------------------------------------------------------------- decoding uploads


def encode(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format=fmt)
    return buf.getvalue()


def test_decode_photo_reads_jpeg_png_webp_and_shrinks_large_ones():
    rgb = np.random.default_rng(0).integers(0, 255, (1500, 1200, 3)).astype(np.uint8)
    for fmt in ("JPEG", "PNG", "WEBP"):
        photo = inv.decode_photo(encode(rgb, fmt))
        assert photo.image.shape == (3, 1024, 819) and photo.original_size == (1200, 1500)
        assert photo.notes == []


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"this is a text file, not a photo", "not an image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not an image"),
])
def test_bad_files_get_a_plain_reason(data, words):
    with pytest.raises(inv.PhotoError, match=words):
        inv.decode_photo(data)


def test_truncated_huge_and_tiny_photos_are_refused():
    good = encode(np.full((200, 200, 3), 90, np.uint8), "JPEG")
    with pytest.raises(inv.PhotoError, match="truncated|damaged"):
        inv.decode_photo(good[: len(good) // 2])
    with pytest.raises(inv.PhotoError, match="MB"):
        inv.decode_photo(b"\xff" * (inv.MAX_PHOTO_BYTES + 1))
    # A 10000 x 6000 PNG header is refused before any pixel is decoded.
    huge = Image.new("L", (10000, 6000))
    buf = io.BytesIO()
    huge.save(buf, format="PNG", optimize=False, compress_level=1)
    with pytest.raises(inv.PhotoError, match="MP"):
        inv.decode_photo(buf.getvalue())
    with pytest.raises(inv.PhotoError, match="too small"):
        inv.decode_photo(encode(np.zeros((20, 300, 3), np.uint8)))


def test_grayscale_and_small_photos_come_with_a_note():
    gray = np.random.default_rng(1).integers(0, 255, (120, 120)).astype(np.uint8)
    photo = inv.decode_photo(encode(gray))
    assert photo.image.shape == (3, 120, 120)
    assert any("black-and-white" in n for n in photo.notes)
    small = np.random.default_rng(2).integers(0, 255, (50, 50, 3)).astype(np.uint8)
    assert any("small" in n for n in inv.decode_photo(encode(small)).notes)


# ----------------------------------------------------------------------------- inversion


def test_invert_improves_on_its_start_and_reports_progress():
    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32).eval().requires_grad_(False)
    with torch.no_grad():
        target = to_uint8(g(torch.randn(1, 16)))[0]
    seen = []
    start = inv.invert(g, target, steps=0, encoder=None)
    assert start.steps == 0 and torch.equal(start.z, torch.zeros(16))
    result = inv.invert(g, target, steps=30, encoder=None, progress=seen.append)
    assert seen[-1] == 1.0 and len(seen) == 30
    assert result.z.shape == (16,) and result.image.shape == (3, 32, 32) and result.image.dtype == torch.uint8
    assert result.psnr > start.psnr + 3 and result.error < start.error
    more = inv.invert(g, target, steps=10, encoder=None, start=result)
    assert more.steps == 40 and more.error <= result.error + 0.5


def test_invert_rejects_a_wrong_crop():
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32).eval()
    with pytest.raises(ValueError, match="crop_face"):
        inv.invert(g, torch.zeros(3, 64, 64, dtype=torch.uint8), encoder=None)
    with pytest.raises(TypeError):
        inv.invert(g, torch.zeros(3, 32, 32), encoder=None)


def test_batched_inversion_equals_one_at_a_time():
    torch.manual_seed(1)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32).eval().requires_grad_(False)
    with torch.no_grad():
        targets = to_uint8(g(torch.randn(3, 16)))
    z, _, _, _ = inv.invert_batch(g, targets, steps=5, encoder=None)
    one = inv.invert(g, targets[1], steps=5, encoder=None)
    assert torch.allclose(z[1], one.z, atol=1e-5)


def test_bundled_encoder_and_refinement_recover_a_generated_face(faces64, faces):
    """A face the generator made is on its manifold: inversion must find it closely.

    Measured (bench/bench_invert.py and these four faces): random z best-of-1000 ~16 dB,
    encoder alone ~18-24 dB, encoder + the default 60 steps 33-40 dB on these four faces.
    """
    enc_only = inv.invert(faces64, faces[2], steps=0)
    refined = inv.invert(faces64, faces[2])
    assert refined.steps == inv.InvertConfig().steps
    assert enc_only.psnr > 16
    assert refined.psnr > 30 and refined.psnr > enc_only.psnr + 8
    # Editing the recovered code with no change reproduces the reconstruction.
    assert torch.equal(inv.edit(faces64, refined, refined.z), refined.image)


def test_residual_names_the_region_that_differs(faces):
    target = faces[0].clone()
    recon = target.clone()
    recon[:, 0:14, 8:56] = 255 - recon[:, 0:14, 8:56]      # wrong hair
    r = inv.describe_residual(target, recon)
    assert r.region == "hair" and r.region_ratio > 2
    assert inv.describe_residual(target, target).error == 0
    shifted = (target.int() + 40).clamp(0, 255).to(torch.uint8)
    assert inv.describe_residual(target, shifted).colour_shift > 20


def test_encoder_trains_and_round_trips_through_safetensors(tmp_path):
    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=16).eval()
    config = EncoderConfig(width=8, pairs=1000, iterations=300, batch_size=32, lr=2e-3)
    enc, rows = train_encoder(g, config, log=lambda *_: None)
    assert rows[-1]["val_z_mse"] < 0.9 * rows[0]["val_z_mse"] and rows[-1]["val_z_mse"] < 0.9  # 1.0: guessing z = 0
    save_encoder(tmp_path / "enc", enc, config)
    back = load_encoder(str(tmp_path / "enc"))
    x = torch.rand(2, 3, 16, 16) * 2 - 1
    assert torch.allclose(back(x), enc(x), atol=2e-2)    # float16 storage
    with pytest.raises(ValueError):
        Encoder(16, 8, 16)(torch.zeros(1, 3, 32, 32))
