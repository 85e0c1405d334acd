"""Issue 28: nothing a stranger controls dresses up as the app (gan_core/textsafe.py and the loaders'
sentences). The page side is tests/test_safety_pages.py; the fuzzing is tests/test_safety_loaders.py."""

import io
import json
import re
import struct
import time
import zipfile

import numpy as np
import pytest
import torch
from hubcache import populate_hf_cache
from PIL import Image, PngImagePlugin

from gan_core import textsafe
from gan_core.checkpoint import ModelLoadError, safetensors_shapes
from gan_core.data import METADATA, UNSAFE_NAME, UploadError, load_images_from_zip
from gan_core.faces import PhotoError, decode_photo
from gan_core.hub import load_checkpoint_zip, load_generator, save_generator
from gan_core.hub.remote import hub_reference
from gan_core.models import DCGenerator
from gan_core.playground import decode_query_params

RLO = "\u202e"
HOSTILE_MARKDOWN = "[Log in again](https://evil.example/login)"
IMAGE_MARKDOWN = "![t](https://evil.example/p.png)"


# ------------------------------------------------------------------ the rule

@pytest.mark.parametrize("ch", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\u2060", "\ufeff", "\x00",
                                "\n", "\u2028", "\U000e0041"])
def test_direction_controls_and_invisible_characters_are_made_visible(ch):
    shown = textsafe.neutral(f"a{ch}b")
    assert ch not in shown and shown == f"a[U+{ord(ch):04X}]b"


def test_persian_joiners_and_plain_text_pass_unchanged():
    for text in ("بارگذاری\u200cشده", "👩\u200d💻", "plain name.png", "نام فایل.zip"):
        assert textsafe.neutral(text) == text


def test_a_right_to_left_override_cannot_disguise_an_exe():
    shown = textsafe.name(f"invoice{RLO}piz.exe")
    assert RLO not in shown and shown.endswith("[U+202E]piz.exe")


def test_long_names_are_cut_in_the_middle_keeping_the_extension():
    long = "a" * 300 + ".tar.gz"
    short = textsafe.shorten(long, 60)
    assert len(short) == 60 and short.endswith("aaaa.tar.gz") and textsafe.ELLIPSIS in short
    assert textsafe.shorten("short.zip", 60) == "short.zip"


def test_values_are_quoted_short_with_an_ellipsis():
    assert textsafe.quote("x" * 500) == "'" + "x" * 39 + "…'"
    assert textsafe.quote(f"ab{RLO}") == "'ab[U+202E]'"


@pytest.mark.parametrize("text", [HOSTILE_MARKDOWN, IMAGE_MARKDOWN, "**BOLD**", "<img src=x onerror=alert(1)>",
                                  "[click](javascript:alert(1)) **x**.zip", "&#8238;gpj.exe", "https://evil.example",
                                  "www.evil.example", "a@evil.example", ":red[alert]", "$x^2$", "`code`",
                                  "# heading", "| a | b |", "line\n- list"])
def test_markdown_escaping_leaves_no_markup(text):
    escaped = textsafe.plain_markdown(text)
    bare = re.sub(r"\\.", "", escaped)          # what is left once the escaped characters are taken out
    # nothing that starts a construct is left unescaped: no link, image, emphasis, code, HTML, entity,
    # math, table, heading, e-mail or bare-URL autolink; and no line break
    assert not re.search(r"[\[\]*_`<>&$|#@~]", bare), bare
    assert "://" not in bare and "www." not in bare.lower() and not re.match(r"\s*\d*[-+>.)]", bare)
    assert "\n" not in escaped
    # and it reads back as the same text once the escapes are dropped (neutral aside)
    # (a word joiner sits inside "://", "www." and "javascript:", so that no autolink forms)
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "") == textsafe.neutral(text).replace("\n", " ")


def test_notes_are_bounded_and_counted():
    notes = textsafe.BoundedNotes(limit=5)
    for i in range(595):
        notes.append(f"note {i}")
    lines = notes.lines()
    assert len(lines) == 6 and lines[-1] == "… and 590 more values were ignored."
    assert lines[-1].key == textsafe.MORE_KEY and lines[-1].values == {"n": 590}
    shown, hidden = textsafe.bound_notes(lines + ["x", "y"], limit=5)
    assert len(shown) == 5 and hidden == 592
    assert str(textsafe.more_note(1)) == "… and 1 more value was ignored."


# ------------------------------------------------------------------ the share link

def test_the_markdown_injection_link_is_quoted_and_bounded():
    _, notes = decode_query_params({"model": HOSTILE_MARKDOWN, "seed": IMAGE_MARKDOWN, "psi": "**BOLD**"})
    text = "\n".join(notes)
    assert "'[Log in again](https://evil.example/log…'" in text         # quoted, cut short
    assert IMAGE_MARKDOWN in text and "'**BOLD**'" in text                  # quoted; the page escapes them


def test_a_1_kb_link_gives_a_few_lines_fast():
    params = {"dims": ",".join(["a"] * 199), "sefa": ",".join(["b"] * 199), "named": ",".join(["c"] * 199)}
    t0 = time.perf_counter()
    _, notes = decode_query_params(params)
    assert time.perf_counter() - t0 < 0.5
    assert len(notes) <= textsafe.MAX_NOTES + 1 and sum(len(n) for n in notes) < 2000
    assert notes[-1].startswith("… and ") and notes[-1].values["n"] == 597 - textsafe.MAX_NOTES


# ------------------------------------------------------------------ Hub folders name the repo, not the server

def _tiny_folder_files(tmp_path, **config_changes):
    torch.manual_seed(0)
    g = DCGenerator(noise_size=8, conv_dim=4, image_size=16).eval()
    folder = save_generator(tmp_path / "src", g)
    config = json.loads((folder / "config.json").read_text())
    config.update(config_changes)
    return {"config.json": json.dumps(config).encode(), "model.safetensors": (folder / "model.safetensors").read_bytes(),
            "README.md": b"card"}


@pytest.mark.parametrize("change, words", [({"conv_dim": -4}, "out of range"),
                                           ({"architecture": ["dcgan"]}, "must be a name"),
                                           ({"noise_size": "ten"}, "must be an integer"),
                                           ({"licence": {"x": 1}}, "must be text")])
def test_a_bad_hub_folder_names_the_repo_never_the_cache_path(tmp_path, change, words):
    cache = tmp_path / "hubcache-secret-dir"
    populate_hf_cache(cache, "evil/negconv", _tiny_folder_files(tmp_path, **change))
    with pytest.raises(ModelLoadError) as caught:
        load_generator("hf:evil/negconv", cache_dir=cache)
    message = str(caught.value)
    assert words in message and message.startswith("evil/negconv")
    for part in cache.parts[1:]:
        if len(part) > 3:
            assert part not in message, (part, message)
    assert "snapshots" not in message and "models--" not in message and "a" * 40 not in message


def test_a_deeply_nested_config_json_gets_our_sentence(tmp_path):
    cache = tmp_path / "c"
    files = _tiny_folder_files(tmp_path)
    files["config.json"] = b"[" * 100_000
    populate_hf_cache(cache, "evil/deep", files, revision="v1", commit="b" * 40)
    with pytest.raises(ModelLoadError, match=r"^evil/deep@v1: config\.json is nested too deeply to be a model file$"):
        load_generator("hf:evil/deep@v1", cache_dir=cache)


# ------------------------------------------------------------------ safetensors headers

def _header(obj) -> bytes:
    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return struct.pack("<Q", len(raw)) + raw + b"\0" * 64


@pytest.mark.parametrize("entry", [{"dtype": "F32", "shape": [float("inf")], "data_offsets": [0, 4]},
                                   {"dtype": "F32", "shape": [1], "data_offsets": [0, float("inf")]},
                                   {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]},
                                   {"dtype": ["F32"], "shape": [1], "data_offsets": [0, 4]},
                                   {"dtype": "F32", "shape": [10**40], "data_offsets": [0, 4]},
                                   {"dtype": "F32", "shape": [1], "data_offsets": [0, 4, 8]}])
def test_a_lying_safetensors_header_is_one_sentence(entry):
    raw = json.dumps({"w": entry}).replace("inf", "Infinity").encode()   # json.dumps writes Infinity already
    with pytest.raises(ModelLoadError, match=r"^up\.zip: model\.safetensors is corrupt or truncated \(tensor 'w'"):
        safetensors_shapes(_header(raw), "up.zip")


def test_a_deeply_nested_safetensors_header_is_our_sentence():
    with pytest.raises(ModelLoadError, match="nested too deeply") as caught:
        safetensors_shapes(_header(b"[" * 100_000), "up.zip")
    assert "unicode" not in str(caught.value)


def _checkpoint_zip(tmp_path, config_text=None, name="config.json") -> bytes:
    files = _tiny_folder_files(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(name, config_text if config_text is not None else files["config.json"])
        zf.writestr("model.safetensors", files["model.safetensors"])
    return buf.getvalue()


def test_a_checkpoint_zip_with_nested_or_typed_config_is_one_sentence(tmp_path):
    with pytest.raises(ModelLoadError, match=r"^m\.zip: config\.json is nested too deeply"):
        load_checkpoint_zip(_checkpoint_zip(tmp_path, "[" * 100_000), name="m.zip")
    with pytest.raises(ModelLoadError, match="'architecture' must be a name"):
        load_checkpoint_zip(_checkpoint_zip(tmp_path, json.dumps({"architecture": ["dcgan"]})), name="m.zip")
    with pytest.raises(ModelLoadError, match=r"config\.json is not valid JSON \(line 1, column 2\)"):
        load_checkpoint_zip(_checkpoint_zip(tmp_path, "{x"), name="m.zip")
    generator, info = load_checkpoint_zip(_checkpoint_zip(tmp_path), name=f"{HOSTILE_MARKDOWN}.zip")
    assert info.name == f"{HOSTILE_MARKDOWN}.zip"      # the page escapes it (tests/test_safety_pages.py)


# ------------------------------------------------------------------ dataset zips

def _png(w=8, h=8, **save) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((h, w, 3), 120, np.uint8)).save(buf, "PNG", **save)
    return buf.getvalue()


def _zip_with_nul_entry() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("good.png", _png())
        zf.writestr("Xevil.png", _png())
        zf.writestr("also-good.png", _png())
    return buf.getvalue().replace(b"Xevil.png", b"\0evil.png")


def test_a_nul_named_entry_is_refused_alone_and_the_good_images_kept():
    report = load_images_from_zip(_zip_with_nul_entry())
    assert report.accepted == 2
    assert report.rejected == {UNSAFE_NAME: 1} and report.rejected_files == [("\0evil.png", UNSAFE_NAME)]


def test_a_nul_named_entry_in_a_checkpoint_zip_is_not_a_crash(tmp_path):
    data = _checkpoint_zip(tmp_path, name="Xonfig.json").replace(b"Xonfig.json", b"\0onfig.json")
    with pytest.raises(ModelLoadError, match="has no config.json"):
        load_checkpoint_zip(data, name="m.zip")


def test_a_broken_zip_is_an_upload_error():
    with pytest.raises(UploadError, match="is not a valid zip file"):
        load_images_from_zip(b"this is not a zip")
    assert issubclass(UploadError, ValueError)


def _oversized_text_png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("comment", "x" * (20 * 2**20), zip=True)     # 20 MB of text, compressed to ~20 KB
    return _png(64, 64, pnginfo=info)


def test_a_png_with_oversized_text_is_called_oversized_metadata_not_damaged():
    data = _oversized_text_png()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("meta.png", data)
        zf.writestr("fine.png", _png())
    report = load_images_from_zip(buf.getvalue())
    assert report.accepted == 1 and report.rejected == {METADATA: 1}
    with pytest.raises(PhotoError, match="oversized metadata") as caught:
        decode_photo(data)
    assert caught.value.key == "metadata" and "damaged" not in str(caught.value)


# ------------------------------------------------------------------ photos

def test_a_strip_photo_is_refused_with_its_own_sentence():
    with pytest.raises(PhotoError, match="far too long and thin") as caught:
        decode_photo(_png(32, 10_000))
    assert caught.value.key == "aspect" and caught.value.values["w"] == 32
    photo = decode_photo(_png(40, 60))
    assert [n.key for n in photo.notes] == ["grayscale", "small"]
    assert photo.notes[1].values == {"w": 40, "h": 60}


def test_photo_errors_carry_a_key_for_the_page_language():
    for data, key in ((b"", "empty"), (b"not an image", "not_image"), (_png(16, 16), "too_small")):
        with pytest.raises(PhotoError) as caught:
            decode_photo(data)
        assert caught.value.key == key


# ------------------------------------------------------------------ Hub ids

def test_a_markdown_hub_id_is_refused_quoted():
    with pytest.raises(ModelLoadError) as caught:
        hub_reference("[Sign in again](https://evil.example)")
    assert "'[Sign in again](https://evil.example)'" in str(caught.value)
    with pytest.raises(ModelLoadError) as caught:
        hub_reference(f"owner/na{RLO}me")
    assert RLO not in str(caught.value) and "[U+202E]" in str(caught.value)
