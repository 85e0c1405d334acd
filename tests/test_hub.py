import io
import json
import pickle
import time
import zipfile

import pytest
import torch
from hubcache import populate_hf_cache

from gan_core import hub
from gan_core.hub import remote as hub_remote
from gan_core.hub import (
    ModelLoadError,
    load_checkpoint_zip,
    load_generator,
    save_generator,
)
from gan_core.models import DCGenerator


def small_generator(seed=0, **kw):
    torch.manual_seed(seed)
    g = DCGenerator(noise_size=8, conv_dim=4, image_size=16, **kw)
    # make batch-norm statistics non-trivial so a bad round trip shows
    g.train()
    g(torch.randn(16, 8))
    return g.eval()


def same_outputs(a, b):
    z = torch.randn(3, a.noise_size)
    with torch.no_grad():
        return torch.allclose(a(z), b(z), atol=1e-6)


def test_folder_round_trip(tmp_path):
    g = small_generator()
    save_generator(tmp_path / "m", g, train_config={"dataset": "shapes"})
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"config.json", "model.safetensors", "README.md"}
    loaded, info = load_generator(str(tmp_path / "m"))
    assert not loaded.training
    assert same_outputs(g, loaded)
    assert info.noise_size == 8 and info.image_size == 16 and info.architecture == "dcgan"


def test_fp16_storage_stays_within_one_level_of_255(tmp_path):
    g = small_generator()
    save_generator(tmp_path / "h", g, fp16=True)
    loaded, _ = load_generator(str(tmp_path / "h"))
    z = torch.randn(8, 8)
    with torch.no_grad():
        diff = (g(z) - loaded(z)).abs().mean().item() * 127.5
    assert diff < 1.0


def test_hub_cache_round_trip_offline(tmp_path):
    g = small_generator()
    folder = save_generator(tmp_path / "m", g)
    files = {n: (folder / n).read_bytes() for n in ("config.json", "model.safetensors", "README.md")}
    populate_hf_cache(tmp_path / "cache", "someone/tiny-gan", files)
    t0 = time.monotonic()
    loaded, info = load_generator("hf:someone/tiny-gan", cache_dir=tmp_path / "cache")
    assert time.monotonic() - t0 < 2
    assert same_outputs(g, loaded)
    assert info.name == "someone/tiny-gan"
    # a pinned revision in the cache is found too
    populate_hf_cache(tmp_path / "cache2", "someone/tiny-gan", files, revision="v1", commit="b" * 40)
    loaded2, _ = load_generator("hf:someone/tiny-gan@v1", cache_dir=tmp_path / "cache2")
    assert same_outputs(g, loaded2)


def test_unknown_repo_fails_fast_with_a_clear_message(tmp_path):
    t0 = time.monotonic()
    with pytest.raises(hub.HubUnreachableError, match="unreachable.*not in the local cache"):
        load_generator("hf:nobody/does-not-exist", cache_dir=tmp_path)
    assert time.monotonic() - t0 < 2


def test_probe_bounds_the_wait_when_the_network_is_dead(monkeypatch, tmp_path):
    # Not offline mode: the real probe runs against an endpoint that does not answer.
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", "https://hub.invalid")
    hub_remote._probe_cache.clear()
    t0 = time.monotonic()
    with pytest.raises(hub.HubUnreachableError):
        load_generator("hf:nobody/does-not-exist", cache_dir=tmp_path)
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("bad", ["hf:not a repo", "hf:a/b/c", "hf:../etc", "hf:x/y@bad rev"])
def test_invalid_repo_ids(bad):
    with pytest.raises(ModelLoadError, match="not a valid"):
        load_generator(bad)


def test_unknown_name_lists_the_choices():
    with pytest.raises(ModelLoadError, match="faces64"):
        load_generator("no-such-model")


def test_repo_without_our_config(tmp_path):
    populate_hf_cache(tmp_path, "someone/other", {"pytorch_model.bin": b"x"})
    with pytest.raises(ModelLoadError, match="not in the local cache|config.json"):
        load_generator("hf:someone/other", cache_dir=tmp_path)


def test_shape_mismatch_names_the_layer(tmp_path):
    save_generator(tmp_path / "m", small_generator())
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["conv_dim"] = 8  # pretend to be a wider model
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelLoadError, match=r"layer 'linear_bn.0.weight' has shape"):
        load_generator(str(tmp_path / "m"))


def test_truncated_safetensors_is_refused(tmp_path):
    save_generator(tmp_path / "m", small_generator())
    p = tmp_path / "m" / "model.safetensors"
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(ModelLoadError, match="corrupt or truncated"):
        load_generator(str(tmp_path / "m"))


class Evil:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/gan_core_pwned",))


def test_pickle_with_code_is_refused_and_never_run(tmp_path):
    import os

    if os.path.exists("/tmp/gan_core_pwned"):
        os.remove("/tmp/gan_core_pwned")
    save_generator(tmp_path / "m", small_generator())
    (tmp_path / "m" / "model.safetensors").unlink()
    (tmp_path / "m" / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Evil()}))
    with pytest.raises(ModelLoadError, match="refused"):
        load_generator(str(tmp_path / "m"))
    assert not os.path.exists("/tmp/gan_core_pwned")


def test_checkpoint_zip_round_trip_and_bad_zips(tmp_path):
    g = small_generator()
    folder = save_generator(tmp_path / "m", g)
    data = hub.checkpoint_zip_bytes(folder)
    loaded, info = load_checkpoint_zip(data)
    assert same_outputs(g, loaded)
    with pytest.raises(ModelLoadError, match="not a valid zip"):
        load_checkpoint_zip(b"hello")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(ModelLoadError, match="no model.safetensors"):
        load_checkpoint_zip(buf.getvalue())


def test_bad_config_values(tmp_path):
    save_generator(tmp_path / "m", small_generator())
    (tmp_path / "m" / "config.json").write_text(json.dumps({"noise_size": "ten"}))
    with pytest.raises(ModelLoadError, match="must be an integer"):
        load_generator(str(tmp_path / "m"))
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_generator(str(tmp_path / "m"))


def test_online_errors_become_clear_messages(monkeypatch, tmp_path):
    """With a network, the Hub's own errors are translated (simulated: the Hub is unreachable here)."""
    import huggingface_hub
    from huggingface_hub import errors as herr

    monkeypatch.setattr(hub_remote, "hub_reachable", lambda timeout=1.5: True)

    class FakeResponse:
        status_code = 404
        headers = {}
        request = None
        url = "https://huggingface.co/api/models/nobody/missing"

    def raise_(exc):
        def f(*a, **k):
            raise exc
        return f

    cases = [
        (herr.RepositoryNotFoundError("404 Repository Not Found", response=FakeResponse()), "has no repo"),
        (herr.RevisionNotFoundError("404 Revision Not Found", response=FakeResponse()), "has no revision"),
        (herr.RemoteEntryNotFoundError("404 Entry Not Found", response=FakeResponse()), "not a model in"),
    ]
    for exc, message in cases:
        monkeypatch.setattr(huggingface_hub, "hf_hub_download", raise_(exc))
        with pytest.raises(ModelLoadError, match=message):
            load_generator("hf:nobody/missing@v1", cache_dir=tmp_path)


# ---------------------------------------------------------------- the family: PyTorchModelHubMixin + our checks


def test_config_json_is_the_constructors_arguments_and_the_weights_keep_their_dtypes(tmp_path):
    g = small_generator()
    folder = save_generator(tmp_path / "h", g, fp16=True, extra={"note": "x"})
    config = json.loads((folder / "config.json").read_text())
    assert {k: config[k] for k in ("architecture", "noise_size", "conv_dim", "image_size", "note")} == {
        "architecture": "dcgan", "noise_size": 8, "conv_dim": 4, "image_size": 16, "note": "x"}
    from safetensors import safe_open

    with safe_open(str(folder / "model.safetensors"), "pt") as f:
        dtypes = {k: f.get_slice(k).get_dtype() for k in f.keys()}
    assert dtypes["linear_bn.0.weight"] == "F16" and dtypes["linear_bn.1.running_var"] == "F32"
    assert g.linear_bn[0].weight.dtype == torch.float32   # the caller's model is not converted


def test_the_mixins_from_pretrained_runs_the_app_checks_first_and_never_reads_a_pickle(tmp_path):
    g = small_generator()
    folder = save_generator(tmp_path / "m", g)
    loaded = DCGenerator.from_pretrained(str(folder))
    assert isinstance(loaded, DCGenerator) and not loaded.training and same_outputs(g, loaded)
    cfg = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**cfg, "conv_dim": 8}))
    with pytest.raises(ModelLoadError, match=r"layer 'linear_bn.0.weight' has shape"):
        DCGenerator.from_pretrained(str(folder))
    (folder / "config.json").write_text(json.dumps({**cfg, "noise_size": 4096, "conv_dim": 1024, "image_size": 64}))
    with pytest.raises(ModelLoadError, match="parameters"):
        DCGenerator.from_pretrained(str(folder))
    (folder / "config.json").write_text(json.dumps(cfg))
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Evil()}))
    with pytest.raises(ModelLoadError, match="no model.safetensors"):
        DCGenerator.from_pretrained(str(folder))
