"""Pinned Hub revisions: pins.json is the one home of the Hub models' ids and revisions (code,
tests and docs read it); a commit pin loads from the offline cache laid out as the Hub's, the
commit a download came from is recorded in ModelInfo, and a malformed revision gets one sentence."""

import importlib.util
import io
import json
import re
from pathlib import Path

import pytest
import torch
from hubcache import populate_hf_cache

from gan_core import hub
from gan_core.hub import ModelLoadError, hub_reference, load_generator, refs, save_generator
from gan_core.models import DCGenerator
from gan_core.models.pggan import PGGANGenerator

ROOT = Path(__file__).resolve().parent.parent
COMMIT = "0123456789abcdef0123456789abcdef01234567"
PGGAN = "pggan-celebahq-1024"


def tiny_files(tmp_path) -> dict[str, bytes]:
    torch.manual_seed(0)
    folder = save_generator(tmp_path / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=16).eval())
    return {n: (folder / n).read_bytes() for n in ("config.json", "model.safetensors", "README.md")}


@pytest.fixture(scope="module")
def pggan_bytes():
    torch.manual_seed(0)
    state = {k: (torch.randn_like(v) * 0.05 if v.is_floating_point() and k != "lod" else v)
             for k, v in PGGANGenerator().state_dict().items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def pins_file(tmp_path, revision) -> Path:
    raw = json.loads(refs.PINS_FILE.read_text())
    raw[PGGAN]["revision"] = revision
    path = tmp_path / "pins.json"
    path.write_text(json.dumps(raw))
    return path


# ----------------------------------------------------------------------------- one home

def test_the_pins_file_names_pggan_and_everything_reads_it():
    pinned = hub.pin(PGGAN)
    assert pinned.repo == "huggan/pggan-celebahq-1024" and pinned.file == "pytorch_model.bin"
    assert hub.is_commit(pinned.revision) or pinned.revision == "main"
    assert hub.REGISTRY[PGGAN]["repo"] == pinned.repo
    assert pinned.repo in hub.HUB_FILE_LOADERS
    from gan_core.models import pggan

    assert not any(name.startswith("HUB_") for name in vars(pggan)), "the pin has one home: pins.json"


def test_the_docs_show_the_pinned_revision():
    pinned = hub.pin(PGGAN)
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    assert "gan_core/hub/pins.json" in deploy and "scripts/pin_hub_models.py" in deploy
    assert f"`{pinned.revision}`" in deploy, "docs/deploy.md should say which revision PGGAN is fetched at"
    readme = (ROOT / "README.md").read_text()
    assert "gan_core/hub/pins.json" in readme and f"`{pinned.revision}`" in readme
    # the README says exactly how to pin on a machine that reaches the Hub, and how to name a commit
    assert "scripts/pin_hub_models.py --dry-run" in readme and "git commit gan_core/hub/pins.json" in readme
    assert "hf:owner/name@<40-hex commit>" in readme


# ----------------------------------------------------------------------------- loading a pinned revision offline

def test_a_commit_loads_from_the_offline_cache_and_is_recorded(tmp_path):
    populate_hf_cache(tmp_path / "c", "someone/tiny-gan", tiny_files(tmp_path), revision="main", commit=COMMIT)
    _, info = load_generator(f"hf:someone/tiny-gan@{COMMIT}", cache_dir=tmp_path / "c")
    assert (info.revision, info.commit) == (COMMIT, COMMIT)
    # an upper-case hash is the same commit (the Hub's cache names snapshots in lower case)
    _, info = load_generator(f"hf:someone/tiny-gan@{COMMIT.upper()}", cache_dir=tmp_path / "c")
    assert info.commit == COMMIT


def test_a_branch_records_the_commit_it_pointed_at(tmp_path):
    populate_hf_cache(tmp_path / "c", "someone/tiny-gan", tiny_files(tmp_path), revision="main", commit=COMMIT)
    _, info = load_generator("hf:someone/tiny-gan", cache_dir=tmp_path / "c")
    assert (info.revision, info.commit) == ("main", COMMIT)


def test_a_commit_the_cache_lacks_is_not_found_quickly(tmp_path):
    populate_hf_cache(tmp_path / "c", "someone/tiny-gan", tiny_files(tmp_path), commit=COMMIT)
    with pytest.raises(hub.HubUnreachableError, match=f"someone/tiny-gan@{'f' * 40}"):
        load_generator(f"hf:someone/tiny-gan@{'f' * 40}", cache_dir=tmp_path / "c")


def test_pggan_is_fetched_at_its_pin_and_shows_the_commit(tmp_path, monkeypatch, pggan_bytes):
    monkeypatch.setattr(refs, "PINS_FILE", pins_file(tmp_path, COMMIT))
    repo = hub.pin(PGGAN).repo
    # the cache holds two snapshots: "main" moved on upstream; the pin still gets its own commit
    populate_hf_cache(tmp_path / "c", repo, {"pytorch_model.bin": pggan_bytes}, revision="main", commit=COMMIT)
    populate_hf_cache(tmp_path / "c", repo, {"pytorch_model.bin": b"not weights"}, revision="main",
                      commit="e" * 40)
    generator, info = load_generator(PGGAN, cache_dir=tmp_path / "c")
    assert isinstance(generator, PGGANGenerator)
    assert (info.revision, info.commit) == (COMMIT, COMMIT)
    assert info.config["commit"] == COMMIT
    # the same model named by its Hub id and the commit
    _, info = load_generator(f"hf:{repo}@{COMMIT}", cache_dir=tmp_path / "c")
    assert info.commit == COMMIT


# ----------------------------------------------------------------------------- malformed revisions: one sentence

@pytest.mark.parametrize("revision", ["g" * 40, "0123456789ABCDEFXYZ0123456789abcdef01234", "", "a..b", "-x",
                                      "bad rev", "x" * 101, "v1.lock", "end."])
def test_a_malformed_revision_is_refused_with_one_sentence(revision):
    with pytest.raises(ModelLoadError) as exc:
        load_generator(f"hf:someone/tiny-gan@{revision}")
    message = str(exc.value)
    assert "not a valid revision" in message and "\n" not in message and len(message) < 260


def test_forty_letters_that_are_not_hex_are_called_a_bad_commit():
    with pytest.raises(ModelLoadError, match="hexadecimal"):
        hub.parse_hub_source("hf:someone/tiny-gan@" + "z" * 40)


def test_the_hub_field_takes_a_commit_typed_or_pasted_as_a_link():
    assert hub_reference(f"someone/tiny-gan@{COMMIT}") == f"hf:someone/tiny-gan@{COMMIT}"
    assert hub_reference(f"someone/tiny-gan@{COMMIT.upper()}") == f"hf:someone/tiny-gan@{COMMIT}"   # one spelling
    assert hub_reference(f"https://huggingface.co/someone/tiny-gan/tree/{COMMIT}") == f"hf:someone/tiny-gan@{COMMIT}"
    with pytest.raises(ModelLoadError, match="hexadecimal"):
        hub_reference("someone/tiny-gan@" + "q" * 40)


def test_a_share_link_keeps_a_commit():
    from gan_core.playground import decode_query_params

    state, notes = decode_query_params({"model": f"hf:someone/tiny-gan@{COMMIT}"}, ["faces64"])
    assert state.model == f"hf:someone/tiny-gan@{COMMIT}" and notes == []


@pytest.mark.parametrize("entry,match", [
    ({"repo": "huggan/pggan-celebahq-1024", "file": "pytorch_model.bin", "revision": "bad rev"}, "not a valid revision"),
    ({"repo": "huggan/pggan-celebahq-1024", "file": "pytorch_model.bin", "revision": "z" * 40}, "hexadecimal"),
    ({"repo": "huggan/pggan-celebahq-1024", "file": "pytorch_model.bin"}, "needs the text fields"),
    ({"repo": "../x", "file": "f", "revision": "main"}, "not a valid Hugging Face repo id"),
    ("main", "needs the text fields"),
])
def test_a_malformed_pin_is_refused_with_one_sentence(tmp_path, entry, match):
    path = tmp_path / "pins.json"
    path.write_text(json.dumps({PGGAN: entry}))
    with pytest.raises(ModelLoadError, match=match):
        hub.load_pins(path)


def test_a_pins_file_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "pins.json").write_text("{nope")
    with pytest.raises(ModelLoadError, match="cannot be read"):
        hub.load_pins(tmp_path / "pins.json")


# ----------------------------------------------------------------------------- the commit in the cache, and pinning

def test_the_commit_is_read_from_the_snapshot_path():
    assert hub.snapshot_commit(f"/c/models--a--b/snapshots/{COMMIT}/sub/config.json") == COMMIT
    assert hub.snapshot_commit("/some/folder/config.json") is None
    assert hub.snapshot_commit("/c/models--a--b/snapshots/main/config.json") is None


def _pin_script():
    spec = importlib.util.spec_from_file_location("pin_hub_models", ROOT / "scripts" / "pin_hub_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pin_script_writes_the_commit_the_hub_names(tmp_path, capsys):
    path = pins_file(tmp_path, "main")
    script = _pin_script()
    asked = []
    assert script.main(["--pins", str(path), "--dry-run"], resolve=lambda r, v: asked.append((r, v)) or COMMIT) == 0
    assert hub.load_pins(path)[PGGAN].revision == "main" and asked == [("huggan/pggan-celebahq-1024", "main")]
    assert script.main(["--pins", str(path)], resolve=lambda r, v: COMMIT) == 0
    assert hub.load_pins(path)[PGGAN].revision == COMMIT
    assert script.main(["--pins", str(path)], resolve=lambda r, v: pytest.fail("asked again")) == 0
    assert "already pinned" in capsys.readouterr().out


def test_the_pin_script_offline_says_so_and_changes_nothing(tmp_path, capsys):
    path = pins_file(tmp_path, "main")

    def offline(repo, revision):
        raise OSError("Name or service not known")

    assert _pin_script().main(["--pins", str(path)], resolve=offline) == 1
    assert "could not ask the Hub" in capsys.readouterr().out
    assert hub.load_pins(path)[PGGAN].revision == "main"
    with pytest.raises(ModelLoadError, match="not a commit"):
        hub.write_pin(PGGAN, "main", path)
    assert re.fullmatch(r"[0-9a-f]{40}", COMMIT)
