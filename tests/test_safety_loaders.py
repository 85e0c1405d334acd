"""Issue 28: every loader of untrusted input raises only its own error class, in bounded time.

Seeded fuzzing: a few hundred generated hostile inputs per loader (mutated valid files, lying JSON,
deep nesting, Infinity, wrong types, hostile names), each of which must either load or raise the
module's one error class with a sentence of ours, within MAX_SECONDS.
"""

import io
import json
import random
import struct
import time
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image

from gan_core.checkpoint import ModelLoadError, safetensors_shapes
from gan_core.data import Limits, UploadError, load_images_from_uploads, load_images_from_zip
from gan_core.faces import PhotoError, decode_photo
from gan_core.hub import load_checkpoint_zip, save_generator
from gan_core.hub.files import load_folder
from gan_core.hub.remote import hub_reference
from gan_core.models import DCGenerator
from gan_core.playground import decode_query_params

MAX_SECONDS = 3.0          # per input, on a busy 2-core machine; most take milliseconds
N = 200                    # inputs per loader
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")   # Pillow warns about the broken files

ATOMS = [float("inf"), float("-inf"), float("nan"), 1e308, -1, 0, 1, 3, 2**63, 2**31 - 1, 1.5, True, False, None,
         "", "dcgan", "pggan", "[x](https://evil.example)", "\u202e", "\0", [], {}, ["dcgan"], {"a": 1}]


def hostile_json(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(ATOMS)
    if roll < 0.75:
        return [hostile_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(["shape", "dtype", "data_offsets", "architecture", "conv_dim", "noise_size",
                        "image_size", "licence", "x"]): hostile_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def json_text(rng: random.Random, value) -> bytes:
    roll = rng.random()
    if roll < 0.05:
        return b"[" * rng.choice([1000, 100_000])
    if roll < 0.1:
        return b'{"a": ' + b"9" * 5000 + b"}"
    if roll < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
    return json.dumps(value).encode()


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.4 and data:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif roll < 0.6 and data:
            del data[rng.randrange(len(data)):]
        elif roll < 0.8:
            at = rng.randrange(len(data) + 1)
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif data:
            a = rng.randrange(len(data))
            data[a:a] = data[a:a + rng.randint(1, 64)]
    return bytes(data)


def only(error_class, fn, *args, **kwargs):
    """fn(...) raises nothing but error_class, within MAX_SECONDS."""
    t0 = time.perf_counter()
    outcome = "loaded"
    try:
        fn(*args, **kwargs)
    except error_class as exc:
        assert str(exc) and "Traceback" not in str(exc)
        outcome = "refused"
    seconds = time.perf_counter() - t0
    assert seconds < MAX_SECONDS, f"{fn.__name__} took {seconds:.1f} s"
    return outcome


def images(rng: random.Random) -> list[bytes]:
    out = []
    for fmt in ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF"):
        buf = io.BytesIO()
        pixels = np.random.default_rng(rng.randrange(1000)).integers(0, 255, (48, 40, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(buf, fmt)
        out.append(buf.getvalue())
    return out


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    torch.manual_seed(0)
    return save_generator(tmp_path_factory.mktemp("tiny") / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=16))


def test_photo_decoding_raises_only_photo_error():
    rng = random.Random(28)
    seeds = images(rng)
    outcomes = {only(PhotoError, decode_photo, mutate(rng, rng.choice(seeds))) for _ in range(N)}
    assert outcomes == {"loaded", "refused"}        # the inputs reach both ends


def test_dataset_zips_raise_only_upload_error_and_keep_what_they_can():
    rng = random.Random(29)
    seeds = images(rng)
    names = ["a.png", "\0evil.png", "../up.png", "[x](https://evil.example).png", "\u202egnp.exe", "d/", "", "x" * 300]
    limits = Limits(max_total_pixels=5_000_000, max_seconds=2)
    for i in range(N):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if i % 2 else zipfile.ZIP_STORED) as zf:
            for j in range(rng.randint(1, 4)):
                zf.writestr(f"f{j}_{rng.randrange(10**6)}.png", mutate(rng, rng.choice(seeds)) if rng.random() < 0.7
                            else rng.choice(seeds))
        data = buf.getvalue()
        for name in rng.sample(names, 2):       # hostile names, NUL included, patched into the directory
            if name:
                old = next(n for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
                if len(old) == len(name.encode()):
                    data = data.replace(old.encode(), name.encode())
        data = mutate(rng, data) if rng.random() < 0.5 else data
        only(UploadError, load_images_from_zip, data, limits=limits)
        only(UploadError, load_images_from_uploads, [(rng.choice(names) or "u.zip", data)], limits=limits)


def test_checkpoint_zips_raise_only_model_load_error(tiny_folder):
    rng = random.Random(30)
    config = json.loads((tiny_folder / "config.json").read_text())
    weights = (tiny_folder / "model.safetensors").read_bytes()
    outcomes = set()
    for _ in range(N):
        cfg = dict(config)
        if rng.random() < 0.7:
            for _ in range(rng.randint(1, 3)):
                cfg[rng.choice(["architecture", "conv_dim", "noise_size", "image_size", "licence", "library"])] = \
                    hostile_json(rng)
        raw = json_text(rng, cfg) if rng.random() < 0.5 else json.dumps(cfg).encode()
        w = mutate(rng, weights) if rng.random() < 0.5 else weights
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(rng.choice(["config.json", "dir/config.json", "conf.json"]), raw)
            zf.writestr("model.safetensors", w)
        data = mutate(rng, buf.getvalue()) if rng.random() < 0.3 else buf.getvalue()
        outcomes.add(only(ModelLoadError, load_checkpoint_zip, data, name="m.zip"))
    assert outcomes == {"loaded", "refused"}


def test_hub_folders_raise_only_model_load_error(tiny_folder, tmp_path):
    rng = random.Random(31)
    config = json.loads((tiny_folder / "config.json").read_text())
    weights = (tiny_folder / "model.safetensors").read_bytes()
    folder = tmp_path / "snapshot"
    folder.mkdir()
    for _ in range(N):
        cfg = dict(config)
        for _ in range(rng.randint(0, 3)):
            cfg[rng.choice(["architecture", "conv_dim", "noise_size", "image_size", "licence"])] = hostile_json(rng)
        (folder / "config.json").write_bytes(json_text(rng, cfg) if rng.random() < 0.4 else json.dumps(cfg).encode())
        (folder / "model.safetensors").write_bytes(mutate(rng, weights) if rng.random() < 0.5 else weights)
        t0 = time.perf_counter()
        try:
            load_folder(folder, name="evil/repo", where="evil/repo@main")
        except ModelLoadError as exc:
            assert str(tmp_path) not in str(exc) and "snapshot" not in str(exc)
        assert time.perf_counter() - t0 < MAX_SECONDS


def test_safetensors_headers_raise_only_model_load_error():
    rng = random.Random(32)
    for _ in range(2 * N):
        header = {f"t{i}": hostile_json(rng) for i in range(rng.randint(0, 3))}
        if rng.random() < 0.5:
            header = {"w": {"dtype": rng.choice(["F32", "F16", "X", ["F32"]]),
                            "shape": [hostile_json(rng) for _ in range(rng.randint(0, 3))],
                            "data_offsets": [hostile_json(rng) for _ in range(rng.randint(0, 3))]}}
        raw = json_text(rng, header)
        n = len(raw) if rng.random() < 0.9 else rng.choice([0, 2**64 - 1, len(raw) + 5])
        data = struct.pack("<Q", n) + raw + bytes(rng.randint(0, 64))
        only(ModelLoadError, safetensors_shapes, data, "up.zip")


def hostile_text(rng: random.Random) -> str:
    parts = ["[Log in again](https://evil.example/login)", "![t](https://evil.example/p.png)", "**B**", "\u202e",
             "\u2066", "\0", "a", "1", ":", ",", "-3", "1e999", "nan", "inf", "age:1.5", "3:2", "هوش", "x" * 50,
             "hf:", "owner/name", "@", "..", "/", "https://", "javascript:alert(1)", "<img src=x>", " "]
    return "".join(rng.choice(parts) for _ in range(rng.randint(0, 12)))


def test_share_links_never_raise_and_stay_short():
    rng = random.Random(33)
    keys = ["model", "seed", "psi", "dims", "sefa", "k", "named", "lang", "evil", "\u202e"]
    for _ in range(N):
        params = {rng.choice(keys): hostile_text(rng) for _ in range(rng.randint(1, 8))}
        if rng.random() < 0.2:
            params[rng.choice(keys[:7])] = ",".join(hostile_text(rng) for _ in range(100))[:1200]
        t0 = time.perf_counter()
        _, notes = decode_query_params(params)
        assert time.perf_counter() - t0 < MAX_SECONDS
        assert len(notes) <= 6 and all(len(n) < 400 for n in notes)
        assert not any(ch in n for n in notes for ch in ("\u202e", "\u2066", "\0"))


def test_hub_ids_raise_only_model_load_error():
    rng = random.Random(34)
    for _ in range(N):
        text = hostile_text(rng)
        t0 = time.perf_counter()
        try:
            hub_reference(text)
        except ModelLoadError as exc:
            assert "\u202e" not in str(exc) and len(str(exc)) < 400
        assert time.perf_counter() - t0 < MAX_SECONDS
