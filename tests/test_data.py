"""Datasets: built-ins, toys and the loaders for users' own (untrusted) images."""

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile

from gan_core import data
from gan_core.data import Limits, LoadReport
from gan_core.data import registry as datasets
from gan_core.data import uploads as image_uploads

# ---------------------------------------------------------------------------
# helpers: every test file is generated in memory
# ---------------------------------------------------------------------------


def encode(image, fmt="PNG", **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png(colour=(200, 30, 30), size=(8, 8)):
    return encode(Image.new("RGB", size, colour))


def make_zip(entries, compression=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, payload in entries:
            archive.writestr(name, payload)
    return buffer.getvalue()


def png_header(width, height):
    """A PNG that declares width x height but carries only a few bytes of pixel data."""

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(bytes(64))) + chunk(b"IEND", b"")


def single_upload(payload, name="image.png", size=8, limits=None):
    return image_uploads.load_images_from_uploads([(name, payload)], size=size, limits=limits or Limits())


# ---------------------------------------------------------------------------
# built-in datasets
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [32, 64])
def test_emoji_faces_has_hundreds_of_distinct_faces(size):
    faces = data.emoji_faces(size)
    assert faces.dtype == torch.uint8
    assert faces.shape[1:] == (3, size, size)
    assert len(faces) >= 200
    distinct = {face.numpy().tobytes() for face in faces}
    assert len(distinct) > 0.9 * len(faces)
    # The padding cells of the sprite sheet are pure white and must not leak in.
    assert not (faces == 255).flatten(1).all(dim=1).any()


def test_emoji_faces_other_sizes_and_cache_cannot_be_corrupted():
    small = data.emoji_faces(16)
    assert small.shape[1:] == (3, 16, 16)
    assert len(small) == len(data.emoji_faces(64))
    first = data.emoji_faces(32)
    first.zero_()
    assert data.emoji_faces(32).float().mean() > 100  # mostly white backgrounds and yellow faces


def test_shapes_are_deterministic_by_seed_and_varied():
    a = data.shapes(n=64, size=32, seed=3)
    assert a.dtype == torch.uint8 and a.shape == (64, 3, 32, 32)
    assert torch.equal(a, data.shapes(n=64, size=32, seed=3))
    assert not torch.equal(a, data.shapes(n=64, size=32, seed=4))
    # Each image is a plain light background with one clearly darker shape on it.
    corners = a[:, :, 0, 0].float()
    darkest = a.float().mean(dim=1).flatten(1).min(dim=1).values
    assert (corners >= 200).all()
    assert (darkest < 200).all()


def test_shapes_default_count_and_bad_size():
    assert data.shapes().shape == (512, 3, 32, 32)
    with pytest.raises(ValueError, match="image size"):
        data.shapes(size=0)


def test_to_float_and_back_round_trips():
    images = torch.arange(256, dtype=torch.uint8).reshape(1, 1, 16, 16).expand(2, 3, 16, 16)
    floats = data.to_float(images)
    assert floats.dtype == torch.float32
    assert floats.min() == -1.0 and floats.max() == 1.0
    assert torch.equal(data.to_uint8(floats), images)
    assert data.to_uint8(torch.tensor([-3.0, 0.0, 7.0])).tolist() == [0, 128, 255]
    with pytest.raises(TypeError):
        data.to_float(floats)


# ---------------------------------------------------------------------------
# 2-D toys
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", data.TOY_DATASETS)
def test_toys_shape_dtype_and_seed(name):
    points = data.toy_2d(name, 500, seed=1)
    assert points.shape == (500, 2) and points.dtype == torch.float32
    assert torch.isfinite(points).all()
    assert points.abs().max() < 5
    assert torch.equal(points, data.toy_2d(name, 500, seed=1))
    assert not torch.equal(points, data.toy_2d(name, 500, seed=2))


def test_ring8_samples_lie_near_all_eight_centres():
    centres, std = data.toy_modes("ring8")
    assert centres.shape == (8, 2) and std == pytest.approx(0.02)
    assert torch.allclose(centres.norm(dim=1), torch.full((8,), 2.0))
    points = data.toy_2d("ring8", 4000)
    distance, nearest = torch.cdist(points, centres).min(dim=1)
    assert (distance < 5 * std).all()
    assert set(nearest.tolist()) == set(range(8))


def test_grid25_modes_span_minus_four_to_four():
    centres, std = data.toy_modes("grid25")
    assert centres.shape == (25, 2) and std == pytest.approx(0.05)
    assert sorted(set(centres[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    points = data.toy_2d("grid25", 5000)
    distance, nearest = torch.cdist(points, centres).min(dim=1)
    assert (distance < 5 * std).all()
    assert len(set(nearest.tolist())) == 25


def test_toys_without_modes_and_unknown_names():
    assert data.toy_modes("spiral") is None
    assert data.toy_modes("moons") is None
    with pytest.raises(ValueError, match="ring8, grid25, spiral, moons"):
        data.toy_2d("swissroll", 10)


# ---------------------------------------------------------------------------
# LoadReport
# ---------------------------------------------------------------------------


def report(accepted=3, rejected=None):
    return LoadReport(
        images=torch.zeros(accepted, 3, 4, 4, dtype=torch.uint8), accepted=accepted, rejected=rejected or {}
    )


def test_summary_formats():
    assert report(3, {"not an image": 2}).summary() == "3 accepted, 2 rejected (not images)"
    assert report(3, {"not an image": 1}).summary() == "3 accepted, 1 rejected (not an image)"
    assert report(3, {"too large": 1, "not an image": 2}).summary() == (
        "3 accepted, 3 rejected (2 not images, 1 too large)"
    )
    assert report(3).summary() == "3 accepted, 0 rejected"


def test_require_images_explains_what_went_wrong():
    empty = LoadReport(
        images=torch.zeros(0, 3, 4, 4, dtype=torch.uint8), accepted=0, rejected={"not an image": 2}, source="photos.zip"
    )
    with pytest.raises(ValueError, match=r"photos.zip: need at least one image .*0 accepted, 2 rejected \(not images\)"):
        empty.require_images()
    with pytest.raises(ValueError, match="need at least 5 images"):
        report(3).require_images(minimum=5)
    assert report(3).require_images().shape == (3, 3, 4, 4)


# ---------------------------------------------------------------------------
# zip loader
# ---------------------------------------------------------------------------


def test_zip_with_three_pngs_and_two_text_files():
    archive = make_zip(
        [
            ("faces/a.png", png((255, 0, 0))),
            ("faces/b.png", png((0, 255, 0))),
            ("notes.txt", b"hello"),
            ("faces/c.png", png((0, 0, 255))),
            ("README.md", b"# my faces"),
        ]
    )
    result = image_uploads.load_images_from_zip(archive, size=16)
    assert result.summary() == "3 accepted, 2 rejected (not images)"
    assert result.images.shape == (3, 3, 16, 16) and result.images.dtype == torch.uint8
    assert result.images[0, :, 8, 8].tolist() == [255, 0, 0]
    assert sorted(result.rejected_files) == [("README.md", "not an image"), ("notes.txt", "not an image")]


def test_zip_from_path(tmp_path):
    path = tmp_path / "faces.zip"
    path.write_bytes(make_zip([("a.png", png()), ("b.png", png())]))
    assert image_uploads.load_images_from_zip(path, size=8).accepted == 2
    assert image_uploads.load_images_from_zip(str(path), size=8).accepted == 2


def test_directories_macosx_and_dotfiles_are_skipped_silently():
    archive = make_zip(
        [
            ("faces/", b""),
            ("faces/a.png", png()),
            ("__MACOSX/faces/._a.png", b"\x00\x05\x16\x07 resource fork"),
            (".DS_Store", b"\x00\x00\x00\x01Bud1"),
            ("faces/.hidden.png", b"junk"),
            ("./faces/b.png", png()),
        ]
    )
    result = image_uploads.load_images_from_zip(archive, size=8)
    assert result.summary() == "2 accepted, 0 rejected"


def test_text_file_named_png_is_rejected():
    result = single_upload(b"this is not really a PNG", name="cat.png")
    assert result.accepted == 0
    assert result.rejected_files == [("cat.png", "not an image")]


def test_truncated_jpeg_is_rejected_even_if_pillow_is_told_to_accept_it(monkeypatch):
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    jpeg = encode(Image.fromarray(noise), "JPEG", quality=90)
    truncated = jpeg[: len(jpeg) // 2]
    assert single_upload(jpeg, "ok.jpg").accepted == 1
    assert single_upload(truncated, "cut.jpg").rejected == {"corrupt or truncated": 1}
    # Some libraries flip this global to be lenient; it must not let broken uploads through.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert single_upload(truncated, "cut.jpg").rejected == {"corrupt or truncated": 1}


def test_truncated_png_is_rejected():
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    whole = encode(Image.fromarray(noise))
    assert single_upload(whole[: len(whole) - 500]).rejected == {"corrupt or truncated": 1}


def test_huge_png_header_is_rejected_before_decoding():
    # 20000 x 20000 x 3 would be 1.2 GB decoded; the files are a few hundred bytes.
    # Had they been decoded, their tiny pixel data would read as "corrupt", not "too large".
    result = image_uploads.load_images_from_uploads(
        [("huge.png", png_header(20000, 20000)), ("big.png", png_header(5000, 5000))], size=8
    )
    assert result.rejected == {"too large": 2}
    small_limit = Limits(max_pixels=100)
    assert single_upload(png(size=(11, 10)), limits=small_limit).rejected == {"too large": 1}
    assert single_upload(png(size=(10, 10)), limits=small_limit).accepted == 1


def test_zip_bomb_is_rejected_from_its_declared_size():
    bomb = make_zip([("bomb.png", bytes(8 * 2**20)), ("ok.png", png())], compression=zipfile.ZIP_DEFLATED)
    assert len(bomb) < 64 * 1024
    result = image_uploads.load_images_from_zip(bomb, size=8, limits=Limits(max_total_bytes=2**20))
    assert result.rejected_files == [("bomb.png", "too large")]
    assert result.accepted == 1


def test_zip_bomb_with_a_lying_header_is_rejected():
    bomb = make_zip([("bomb.png", bytes(8 * 2**20))], compression=zipfile.ZIP_DEFLATED)
    # Claim 100 bytes in both the local header and the central directory.
    lying = bytearray(bomb)
    struct.pack_into("<I", lying, 22, 100)
    central = lying.rfind(b"PK\x01\x02")
    struct.pack_into("<I", lying, central + 24, 100)
    result = image_uploads.load_images_from_zip(bytes(lying), size=8, limits=Limits(max_total_bytes=2**20))
    assert result.accepted == 0
    assert result.rejected == {"corrupt or truncated": 1}


def test_total_byte_budget_covers_all_files():
    images = [(f"{i}.png", png(size=(64, 64))) for i in range(10)]
    budget = 3 * len(images[0][1]) + 10
    result = image_uploads.load_images_from_zip(make_zip(images), size=8, limits=Limits(max_total_bytes=budget))
    assert result.accepted == 3
    assert result.rejected == {"too large": 7}


@pytest.mark.parametrize(
    "name", ["../evil.png", "faces/../../evil.png", "/etc/evil.png", "C:/evil.png", "..\\evil.png"]
)
def test_path_escaping_entries_are_reported_as_unsafe(name):
    result = image_uploads.load_images_from_zip(make_zip([(name, png()), ("good.png", png())]), size=8)
    assert result.accepted == 1
    assert result.rejected_files == [(name, "unsafe path")]


def test_ten_thousand_tiny_files_with_a_file_limit():
    tiny = png(size=(2, 2))
    archive = make_zip([(f"img/{i:05d}.png", tiny) for i in range(10_000)])
    result = image_uploads.load_images_from_zip(archive, size=4, limits=Limits(max_files=1000))
    assert result.accepted == 1000
    assert result.images.shape == (1000, 3, 4, 4)
    assert result.rejected == {"too many files": 9000}
    assert len(result.rejected_files) == image_uploads.MAX_LISTED_REJECTIONS
    assert result.summary() == "1000 accepted, 9000 rejected (too many files)"


def test_zip_with_more_entries_than_the_scan_limit_is_refused():
    archive = make_zip([(f"{i}.txt", b"") for i in range(30)])
    with pytest.raises(ValueError, match="more than 10 entries"):
        image_uploads.load_images_from_zip(archive, limits=Limits(max_entries=10))


def test_not_a_zip_raises():
    with pytest.raises(ValueError, match="is not a valid zip file"):
        image_uploads.load_images_from_zip(b"PK but not really a zip archive")
    with pytest.raises(ValueError, match="is not a valid zip file"):
        image_uploads.load_images_from_zip(png())


def test_empty_zip_gives_an_empty_report_that_can_refuse():
    result = image_uploads.load_images_from_zip(make_zip([]), size=16)
    assert result.accepted == 0
    assert result.images.shape == (0, 3, 16, 16)
    assert result.summary() == "0 accepted, 0 rejected"
    with pytest.raises(ValueError, match="need at least one image to train on, found 0"):
        result.require_images()


def test_nested_zips_are_not_opened():
    inner = make_zip([("a.png", png())])
    result = image_uploads.load_images_from_zip(make_zip([("inner.zip", inner)]), size=8)
    assert result.rejected == {"not an image": 1}


# ---------------------------------------------------------------------------
# image modes, cropping and orientation
# ---------------------------------------------------------------------------


def load_one(image, fmt="PNG", size=8, **params):
    result = single_upload(encode(image, fmt, **params), name=f"x.{fmt.lower()}", size=size)
    assert result.accepted == 1, result.summary()
    assert result.images.shape == (1, 3, size, size)
    return result.images[0]


def test_transparent_rgba_becomes_white():
    image = load_one(Image.new("RGBA", (16, 16), (255, 0, 0, 0)))
    assert (image == 255).all()
    half = load_one(Image.new("RGBA", (16, 16), (0, 0, 0, 128)))
    assert (half - 127).abs().max() <= 1


def test_palette_images_keep_colours_and_transparency():
    opaque = Image.new("P", (16, 16), 0)
    opaque.putpalette([10, 200, 30] + [0, 0, 0] * 255)
    assert load_one(opaque)[:, 4, 4].tolist() == [10, 200, 30]
    transparent = opaque.copy()
    transparent.info["transparency"] = 0
    assert (load_one(transparent, transparency=0) == 255).all()


def test_sixteen_bit_grey_is_scaled_not_clipped():
    mid_grey = Image.fromarray(np.full((16, 16), 128 * 257, dtype=np.uint16))
    assert mid_grey.mode == "I;16"
    assert load_one(mid_grey)[:, 4, 4].tolist() == [128, 128, 128]


def test_grey_la_and_cmyk_become_rgb():
    assert load_one(Image.new("L", (16, 16), 77))[:, 4, 4].tolist() == [77, 77, 77]
    assert load_one(Image.new("LA", (16, 16), (0, 0)))[:, 4, 4].tolist() == [255, 255, 255]
    cyan = load_one(Image.new("CMYK", (16, 16), (255, 0, 0, 0)), fmt="JPEG", quality=95)
    red, green, blue = cyan[:, 4, 4].tolist()
    assert red < 20 and green > 235 and blue > 235


def test_wide_images_are_centre_cropped_not_squashed():
    stripes = np.zeros((20, 60, 3), dtype=np.uint8)
    stripes[:, :20] = (255, 0, 0)
    stripes[:, 20:40] = (0, 255, 0)
    stripes[:, 40:] = (0, 0, 255)
    image = load_one(Image.fromarray(stripes))
    assert (image[1] == 255).all() and (image[0] == 0).all() and (image[2] == 0).all()


def test_exif_rotation_is_applied():
    # Stored landscape, left half red; EXIF orientation 6 says "rotate 90 degrees clockwise",
    # after which the red half is on top.
    pixels = np.zeros((20, 40, 3), dtype=np.uint8)
    pixels[:, :20] = (255, 0, 0)
    exif = Image.Exif()
    exif[0x0112] = 6
    image = load_one(Image.fromarray(pixels), fmt="JPEG", quality=95, exif=exif)
    assert image[0, 1, 4] > 200 and image[0, 6, 4] < 50


# ---------------------------------------------------------------------------
# folders and uploads
# ---------------------------------------------------------------------------


def test_folder_loader(tmp_path):
    (tmp_path / "cats").mkdir()
    (tmp_path / "cats" / "a.png").write_bytes(png())
    (tmp_path / "cats" / "b.jpg").write_bytes(encode(Image.new("RGB", (9, 12), "white"), "JPEG"))
    (tmp_path / "c.png").write_bytes(png())
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "object.png").write_bytes(b"junk")
    result = image_uploads.load_images_from_folder(tmp_path, size=8)
    assert result.summary() == "3 accepted, 1 rejected (not an image)"
    assert result.rejected_files == [("notes.txt", "not an image")]
    with pytest.raises(ValueError, match="is not a folder"):
        image_uploads.load_images_from_folder(tmp_path / "missing")


def test_uploads_mixing_a_zip_and_single_files():
    archive = make_zip([("a.png", png()), ("b.png", png()), ("readme.txt", b"hi")])
    uploads = [
        ("faces.zip", archive),
        ("c.png", png()),
        ("d.jpg", encode(Image.new("RGB", (8, 8)), "JPEG")),
        ("e.txt", b"hello"),
    ]
    result = image_uploads.load_images_from_uploads(uploads, size=8)
    assert result.summary() == "4 accepted, 2 rejected (not images)"
    assert result.rejected_files == [("faces.zip/readme.txt", "not an image"), ("e.txt", "not an image")]


def test_upload_limits_apply_across_all_files():
    uploads = [("faces.zip", make_zip([("a.png", png()), ("b.png", png())])), ("c.png", png()), ("d.png", png())]
    result = image_uploads.load_images_from_uploads(uploads, size=8, limits=Limits(max_files=3))
    assert result.summary() == "3 accepted, 1 rejected (too many files)"
    assert result.rejected_files == [("d.png", "too many files")]


# ---------------------------------------------------------------------------
# load_dataset
# ---------------------------------------------------------------------------


def test_load_dataset_builtins_and_paths(tmp_path):
    assert datasets.load_dataset("emoji", 32).shape[1:] == (3, 32, 32)
    assert datasets.load_dataset("shapes", 16).shape == (512, 3, 16, 16)
    path = tmp_path / "mine.zip"
    path.write_bytes(make_zip([("a.png", png()), ("b.png", png())]))
    assert datasets.load_dataset(str(path), 8).shape == (2, 3, 8, 8)
    folder = tmp_path / "pictures"
    folder.mkdir()
    (folder / "a.png").write_bytes(png())
    assert datasets.load_dataset(str(folder), 8).shape == (1, 3, 8, 8)


def test_load_dataset_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown dataset 'celeba'.*'emoji', 'shapes'.*\.zip.*folder"):
        datasets.load_dataset("celeba", 32)
    with pytest.raises(ValueError, match="zip file not found"):
        datasets.load_dataset(str(tmp_path / "missing.zip"), 32)
    (tmp_path / "notes.txt").write_text("no pictures here")
    with pytest.raises(ValueError, match=r"need at least one image .*0 accepted, 1 rejected \(not an image\)"):
        datasets.load_dataset(str(tmp_path), 32)
    with pytest.raises(ValueError, match="image size"):
        datasets.load_dataset("emoji", 0)
