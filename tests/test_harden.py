"""Hostile inputs from the adversarial pass (issue 17): each answered with one sentence, bounded work,
nothing on screen that looks like a traceback."""

import io
import json
import struct
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from PIL import Image
from safetensors.torch import save as st_save
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_core import (
    checkpoint,
    hub,  # noqa: E402
)
from gan_core.data import uploads as image_uploads  # noqa: E402
from gan_core.hub import (  # noqa: E402
    ModelLoadError,
    checkpoint_zip_bytes,
    load_checkpoint_zip,
    save_generator,
)
from gan_core.models import DCGenerator  # noqa: E402
from ui import uploads  # noqa: E402
from ui.train import data as train_data  # noqa: E402
from ui.train import settings as tr  # noqa: E402

PLAYGROUND = str(ROOT / "pages" / "1_Playground.py")
TRAIN = str(ROOT / "pages" / "2_Train.py")


def tiny_folder(tmp_path, conv_dim=4, name="ckpt"):
    torch.manual_seed(0)
    return save_generator(tmp_path / name, DCGenerator(noise_size=8, conv_dim=conv_dim, image_size=32).eval())


def zip_of(files: dict, method=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def folder_files(folder) -> dict:
    return {n: (folder / n).read_bytes() for n in ("config.json", "model.safetensors")}


def patch_headers(data: bytes, filename: str, flags_or=0, method=None) -> bytes:
    """Set flag bits / the compression method of one entry in both its local and central headers."""
    out = bytearray(data)
    name = filename.encode()
    for sig, flag_at, method_at, name_len_at, name_at in ((b"PK\x03\x04", 6, 8, 26, 30),
                                                          (b"PK\x01\x02", 8, 10, 28, 46)):
        at = out.find(sig)
        while at >= 0:
            n = struct.unpack_from("<H", out, at + name_len_at)[0]
            if bytes(out[at + name_at: at + name_at + n]) == name:
                struct.pack_into("<H", out, at + flag_at, struct.unpack_from("<H", out, at + flag_at)[0] | flags_or)
                if method is not None:
                    struct.pack_into("<H", out, at + method_at, method)
            at = out.find(sig, at + 4)
    return bytes(out)


def corrupted_zips(tmp_path) -> dict[str, bytes]:
    files = folder_files(tiny_folder(tmp_path))
    stored = zip_of(files)
    # bad CRC: flip a byte inside config.json's stored data
    at = stored.find(b'"noise_size"')
    bad_crc = stored[:at] + b"'" + stored[at + 1:]
    # a broken deflate stream: garbage in the middle of the compressed weights
    deflated = bytearray(zip_of(files, zipfile.ZIP_DEFLATED))
    info = zipfile.ZipFile(io.BytesIO(bytes(deflated))).getinfo("model.safetensors")
    start = info.header_offset + 30 + len("model.safetensors")
    deflated[start + 10: start + 60] = b"\xff" * 50
    return {
        "bad CRC": bad_crc,
        "encrypted flag": patch_headers(stored, "model.safetensors", flags_or=0x1),
        "deflate64": patch_headers(stored, "model.safetensors", method=9),
        "broken deflate": bytes(deflated),
    }


# ---------------------------------------------------------------- 1. corrupted checkpoint zips


def test_every_corrupted_zip_is_one_model_load_error(tmp_path):
    for case, data in corrupted_zips(tmp_path).items():
        with pytest.raises(ModelLoadError) as err:
            load_checkpoint_zip(data, name="c.zip")
        assert "c.zip" in str(err.value) and "Traceback" not in str(err.value), case


def test_corrupted_zips_on_the_playground_show_a_sentence_and_keep_the_page(tmp_path):
    at = AppTest.from_file(PLAYGROUND, default_timeout=60).run()
    n_widgets = len(at.sidebar.selectbox)
    for case, data in corrupted_zips(tmp_path).items():
        at.get("file_uploader")[0].set_value([(f"{case}.zip", data, "application/zip")]).run()
        assert not at.exception, case
        assert any(f"{case}.zip" in e.value for e in at.error), (case, [e.value for e in at.error])
        assert at.session_state["pg_active"] == "faces64"
        assert len(at.sidebar.selectbox) == n_widgets and at.image, case      # the page kept its state


def test_any_parser_exception_becomes_a_generic_sentence_without_paths():
    def parser(_):
        raise KeyError("/srv/app/gan_core/secret_path.py")

    out = uploads.guarded(parser, b"x", what="the file")
    assert not out.ok and "the file" in out.error
    assert "secret_path" not in out.error and "KeyError" not in out.error
    assert uploads.guarded(lambda b: 7, b"x").value == 7


def test_visitors_never_see_stack_traces():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    value = config["client"]["showErrorDetails"]
    # "none": generic message only ("false" would mean "stacktrace" in Streamlit 1.67)
    assert value == st.config.ShowErrorDetailsConfigOptions.NONE


# ---------------------------------------------------------------- 2. check before allocating


def test_360_byte_config_is_refused_before_any_model_is_built(tmp_path, monkeypatch):
    folder = tiny_folder(tmp_path)
    built = []

    class Watched(DCGenerator):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if next(self.parameters()).device.type != "meta":
                built.append(kwargs or args)

    monkeypatch.setitem(hub.FOLDER_FAMILIES, "dcgan", Watched)
    config = json.dumps({"architecture": "dcgan", "noise_size": 4096, "conv_dim": 1024, "image_size": 64})
    data = zip_of({"config.json": config, "model.safetensors": st_save({"x": torch.zeros(1)})})
    assert len(data) < 600
    with pytest.raises(ModelLoadError, match="parameters"):
        load_checkpoint_zip(data, name="bomb.zip")
    assert built == []
    # weights inconsistent with the config: refused from the safetensors header, nothing built either
    cfg = json.loads((folder / "config.json").read_text())
    cfg["conv_dim"] = 8
    data = zip_of({"config.json": json.dumps(cfg), "model.safetensors": (folder / "model.safetensors").read_bytes()})
    with pytest.raises(ModelLoadError, match="layer 'linear_bn.0.weight' has shape"):
        load_checkpoint_zip(data, name="wide.zip")
    assert built == []


def test_budget_admits_the_bundled_model_and_the_largest_trainable_one():
    assert DCGenerator.cost({"noise_size": 100, "conv_dim": 48, "image_size": 64})[0] < checkpoint.MAX_PARAMETERS
    DCGenerator.check_budget({"noise_size": 128, "conv_dim": 64, "image_size": 64}, "largest Train page model")


def test_lying_safetensors_header_is_refused(tmp_path):
    weights = (tiny_folder(tmp_path) / "model.safetensors").read_bytes()
    n = int.from_bytes(weights[:8], "little")
    header = json.loads(weights[8:8 + n])
    key = next(k for k in header if k != "__metadata__")
    header[key]["shape"] = [10**6, 10**6]
    raw = json.dumps(header).encode()
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        hub.safetensors_shapes(len(raw).to_bytes(8, "little") + raw + weights[8 + n:], "x")


# ---------------------------------------------------------------- 4. NaN / inf weights


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(tmp_path, bad):
    folder = tiny_folder(tmp_path)
    from safetensors.torch import load_file, save_file

    state = load_file(str(folder / "model.safetensors"))
    state["upconv1.conv.weight"][0, 0, 0, 0] = bad
    save_file(state, str(folder / "model.safetensors"))
    with pytest.raises(ModelLoadError, match="NaN or infinite"):
        load_checkpoint_zip(checkpoint_zip_bytes(folder), name="nan.zip")
    with pytest.raises(ModelLoadError, match="NaN or infinite"):
        hub.load_folder(folder)


# ---------------------------------------------------------------- 5. the Hub field


@pytest.mark.parametrize("text, expected", [
    ("", "Type a Hub repo"), ("   ", "Type a Hub repo"), ("hf:", "names no repo"),
    ("https://huggingface.co/", "names no repo"), ("owner", "incomplete"),
    ("https://example.com/owner/name", "another site"), ("owner/name@../../x", "not a valid revision"),
    ("owner/name@", "not a valid revision"), ("owner/name@a b", "not a valid revision"),
])
def test_hub_field_answers_every_partial_input(text, expected):
    with pytest.raises(ModelLoadError, match=expected):
        hub.hub_reference(text)


def test_hub_field_accepts_links_branches_tags_and_commits():
    assert hub.hub_reference(" https://huggingface.co/me/my-gan ") == "hf:me/my-gan"
    assert hub.hub_reference("https://huggingface.co/me/my-gan/tree/v1.0") == "hf:me/my-gan@v1.0"
    assert hub.hub_reference("hf:me/my-gan@refs/pr/1") == "hf:me/my-gan@refs/pr/1"
    assert hub.hub_reference("me/my-gan@" + "a" * 40) == "hf:me/my-gan@" + "a" * 40
    with pytest.raises(ModelLoadError, match="not a valid revision"):
        hub.parse_hub_source("hf:me/my-gan@../../x")


def test_a_5000_character_entry_is_echoed_at_most_80_characters():
    text = "x" * 2500 + "/" + "y" * 2499
    with pytest.raises(ModelLoadError) as err:
        hub.hub_reference(text)
    assert len(str(err.value)) < 250 and "x" * 81 not in str(err.value)
    with pytest.raises(ModelLoadError) as err:
        hub.hub_reference("a" * 200 + "/b")
    assert "a" * 81 not in str(err.value)


def test_hub_field_on_the_page_replaces_an_earlier_error():
    at = AppTest.from_file(PLAYGROUND, default_timeout=60).run()
    at.sidebar.selectbox(key="pg_choice").set_value("__hub__").run()
    for text, expected in (("hf:", "names no repo"), ("", "Type a Hub repo"), ("   ", "Type a Hub repo")):
        at.sidebar.text_input(key="pg_hub_text").set_value(text)
        at.sidebar.button(key="pg_hub_load").click().run()
        assert not at.exception
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and expected in errors[0], (text, errors)


# ---------------------------------------------------------------- 3. pixel bomb, 6. zero images


def one_bit_png(side=4096) -> bytes:
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_pixel_bomb_zip_stops_at_the_total_budget_and_reports_progress():
    png = one_bit_png()
    bomb = zip_of({f"b/{i:04d}.png": png for i in range(1000)}, zipfile.ZIP_DEFLATED)
    assert len(bomb) < 400_000
    seen = []
    report = train_data.handle_uploads([("bomb.zip", bomb)], progress=lambda done, total: seen.append((done, total)))
    decoded = report.accepted
    assert decoded * 4096 * 4096 <= train_data.UPLOAD_LIMITS.max_total_pixels
    assert report.rejected[image_uploads.OVER_BUDGET] == 1000 - decoded and report.budget_note
    assert seen[-1] == (1000, 1000)


def test_a_budget_can_also_be_spent_in_time_and_a_gone_session_stops_the_work():
    png = one_bit_png(256)
    files = [(f"{i}.png", png) for i in range(20)]
    report = image_uploads.load_images_from_uploads(files, limits=image_uploads.Limits(max_seconds=0.0))
    assert report.rejected.get(image_uploads.OVER_BUDGET, 0) >= 19 and "time budget" in report.budget_note
    calls = []

    def gone():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(image_uploads.LoadCancelled):
        image_uploads.load_images_from_uploads(files, should_stop=gone)
    assert len(calls) == 4


@pytest.fixture
def fresh_slot():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_empty_zip_says_need_at_least_one_image_and_start_stays_disabled(fresh_slot):
    at = AppTest.from_file(TRAIN, default_timeout=60)
    at.session_state["tr_dataset"] = "upload"
    at.run()
    at.get("file_uploader")[0].set_value([("empty.zip", zip_of({}), "application/zip")]).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(str(c.value) for c in at.caption)
    assert "need at least one image" in shown.lower()
    assert "on ? images" not in shown and "memorise" not in " ".join(str(w.value) for w in at.warning)
    assert at.button(key="start").disabled


# ---------------------------------------------------------------- 7. wall-clock cap


def test_every_training_has_a_wall_clock_cap_shown_on_the_page(fresh_slot, monkeypatch):
    assert tr.bounds(cloud=False).max_seconds == 60 * 60
    assert tr.bounds(cloud=True).max_seconds == 15 * 60
    monkeypatch.setenv("GAN_PLAYGROUND_MAX_TRAIN_MINUTES", "5")
    assert tr.bounds(cloud=False).max_seconds == 300
    monkeypatch.setenv("GAN_PLAYGROUND_MAX_TRAIN_MINUTES", "inf")
    assert tr.bounds(cloud=False).max_seconds == 60 * 60
    monkeypatch.delenv("GAN_PLAYGROUND_MAX_TRAIN_MINUTES")
    at = AppTest.from_file(TRAIN, default_timeout=60).run()
    assert any("at most 60 min" in str(c.value) for c in at.caption)


# ---------------------------------------------------------------- 8. uploaded models per session


def test_uploaded_models_are_capped_per_session_and_labelled_uploaded(tmp_path):
    at = AppTest.from_file(PLAYGROUND, default_timeout=60).run()
    for i in range(uploads.MAX_UPLOADED_MODELS + 1):
        data = checkpoint_zip_bytes(tiny_folder(tmp_path, name=f"c{i}"))
        at.get("file_uploader")[0].set_value([(f"run{i}.zip", data, "application/zip")]).run()
        assert not at.exception and not at.error, [e.value for e in at.error]
    models = at.session_state["session_models"]
    assert len(models) == uploads.MAX_UPLOADED_MODELS and "uploaded run0.zip" not in models
    picker = at.sidebar.selectbox(key="pg_choice")
    labels = list(picker.options)      # the labels the visitor reads
    assert sum("(uploaded)" in str(label) for label in labels) == uploads.MAX_UPLOADED_MODELS, labels
    assert not any("trained in this session" in str(label) for label in labels)
    assert any("made room" in i.value for i in at.info)


def test_one_upload_over_the_byte_cap_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOADED_BYTES", 1000)
    generator = DCGenerator(noise_size=8, conv_dim=4, image_size=32)
    with pytest.raises(ModelLoadError, match="at most"):
        uploads.add_uploaded_model({}, [], "uploaded big.zip", (generator, None))
    assert np.isfinite(uploads.model_bytes(generator))


# ---------------------------------------------------------------- 9. memory given back


def test_freed_memory_is_given_back_by_one_trimming_thread(monkeypatch):
    import threading

    from ui import memory

    if memory._malloc_trim() is None:
        pytest.skip("not glibc")
    assert memory.trim_now()
    monkeypatch.setattr(memory, "_started", False)
    before = threading.active_count()
    assert memory.start_trimmer(every_s=3600) and memory.start_trimmer(every_s=3600)
    assert threading.active_count() == before + 1            # once per process, not per page run
    monkeypatch.setenv("GAN_PLAYGROUND_MALLOC_TRIM", "0")
    monkeypatch.setattr(memory, "_started", False)
    assert not memory.start_trimmer()


def test_closed_tabs_sessions_are_reaped_after_their_reconnect_time(monkeypatch):
    """Streamlit's session storage removes expired sessions only when written to: an idle server
    kept the last visitors' state (models, runs) for good. The housekeeping thread reaps them."""
    import threading
    from types import SimpleNamespace

    from streamlit import runtime
    from streamlit.runtime.caching.ttl_cache import TTLCache

    from ui import memory

    now = [0.0]
    cache = TTLCache(maxsize=128, ttl=120, timer=lambda: now[0])
    for i in range(3):
        cache[f"session{i}"] = SimpleNamespace(state=torch.zeros(1000))
    manager = SimpleNamespace(_session_storage=SimpleNamespace(_cache=cache), _storage_lock=threading.Lock())
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: SimpleNamespace(_session_mgr=manager))
    assert memory.expire_closed_sessions() == 0          # within the reconnect time: kept
    now[0] = 121.0
    assert memory.expire_closed_sessions() == 3
    assert not cache._data


def test_an_unexpected_model_load_failure_shows_no_server_path(monkeypatch):
    from ui.playground import picker as ui_pg

    def broken(source, _progress=None):
        raise OSError("[Errno 5] /srv/app/.cache/secret/model.safetensors")

    monkeypatch.setattr(ui_pg, "load_model", broken)
    with pytest.raises(ModelLoadError) as err:
        ui_pg.load_with_progress("faces64")
    assert "faces64" in str(err.value) and "secret" not in str(err.value) and "OSError" not in str(err.value)
