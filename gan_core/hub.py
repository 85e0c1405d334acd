"""Model folders, the bundled models and the Hugging Face Hub.

A model is a folder in the layout of huggingface_hub's PyTorchModelHubMixin:

    config.json          the generator's constructor arguments (+ how it was trained)
    model.safetensors    the weights (safetensors: a tensor file format that cannot run code)
    README.md            the model card

`load_generator(source)` accepts
    "faces64"                          a bundled model (a folder in pretrained/)
    "pggan-celebahq-1024"              a registry entry that lives on the Hub
    "path/to/folder"                   a folder written by save_generator / the CLI
    "hf:owner/name" or "hf:owner/name@revision"   a Hub repo in our format

and returns (generator in eval mode, ModelInfo). Every failure is a
ModelLoadError whose message says what went wrong in words a user can act on.

The Hub is unreachable on our development machines but not for users, so the
download path is real (hf_hub_download with a pinned revision) and the tests
run it against a pre-populated cache. huggingface_hub retries a dead network
for ~23 s; we probe the endpoint first (<= 1.5 s) and go straight to the
local cache when it does not answer.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch

from .models import DCGenerator

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024


class ModelLoadError(Exception):
    """A model could not be loaded; the message is meant for the user."""


class HubUnreachableError(ModelLoadError):
    pass


@dataclass
class ModelInfo:
    name: str
    source: str
    architecture: str
    noise_size: int
    image_size: int
    config: dict = field(default_factory=dict)
    card: str = ""
    licence: str = ""
    path: str = ""


# Named models. A bundled entry is a folder in pretrained/; a hub entry names a
# repo, a pinned revision and the loader that understands its files.
REGISTRY = {
    "faces64": {"label": "Faces 64x64 (bundled)", "kind": "folder", "path": PRETRAINED_DIR / "faces64"},
    "pggan-celebahq-1024": {"label": "PGGAN CelebA-HQ 1024 (Hugging Face Hub, 92 MB)", "kind": "pggan"},
}


def registry_labels() -> dict[str, str]:
    """name -> label of the models the app can offer (bundled ones only if present)."""
    out = {}
    for name, entry in REGISTRY.items():
        if entry["kind"] == "folder" and not (Path(entry["path"]) / "config.json").exists():
            continue
        out[name] = entry["label"]
    return out


# ---------------------------------------------------------------- saving

def _default_card(config: dict) -> str:
    arch = config.get("architecture", "dcgan")
    tc = config.get("train_config") or {}
    lines = [
        "---", "library_name: gan_core", "tags: [gan, dcgan, pytorch, gan-playground]", "---", "",
        f"# {arch.upper()} generator ({config.get('image_size')}x{config.get('image_size')})", "",
        "Trained with GAN Playground's `gan_core` engine.", "",
        "```python", "from gan_core.hub import load_generator",
        "generator, info = load_generator('PATH_OR_hf:owner/name')",
        "images = generator(torch.randn(4, generator.noise_size))  # in [-1, 1]", "```",
    ]
    if tc:
        from .train import TrainConfig

        try:
            cmd = TrainConfig.from_dict(tc).cli_command("OUT")
            lines += ["", "Reproduce:", "", "```", cmd, "```"]
        except (ValueError, TypeError):
            pass
    return "\n".join(lines) + "\n"


def generator_config(generator) -> dict:
    if not isinstance(generator, DCGenerator):
        raise TypeError(f"save_generator supports DCGenerator models, got {type(generator).__name__}")
    return {"architecture": "dcgan", "noise_size": generator.noise_size,
            "conv_dim": generator.conv_dim, "image_size": generator.image_size}


def save_generator(folder, generator, train_config: dict | None = None, card: str | None = None,
                   fp16: bool = False, extra: dict | None = None) -> Path:
    """Write config.json + model.safetensors + README.md; returns the folder."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = generator_config(generator)
    config["library"] = "gan_core"
    if train_config:
        config["train_config"] = train_config
    if extra:
        config.update(extra)
    state = {k: v.detach().cpu().contiguous() for k, v in generator.state_dict().items()}
    if fp16:
        # Running statistics and counters stay exact; weights halve in size.
        state = {k: (v.half() if v.is_floating_point() and "running" not in k else v) for k, v in state.items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    if card is not None or not (folder / "README.md").exists():
        (folder / "README.md").write_text(card if card is not None else _default_card(config))
    return folder


def checkpoint_zip_bytes(folder) -> bytes:
    """The model folder as a zip (what the Train page offers for download)."""
    folder = Path(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("config.json", "model.safetensors", "README.md"):
            if (folder / name).exists():
                zf.write(folder / name, name)
    return buf.getvalue()


def push_to_hub(folder, repo_id: str, token: str | None = None, private: bool = False) -> str:
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    info = api.upload_folder(repo_id=repo_id, folder_path=str(folder),
                             allow_patterns=["config.json", "model.safetensors", "README.md", "*.png"])
    return str(getattr(info, "commit_url", f"https://huggingface.co/{repo_id}"))


# ---------------------------------------------------------------- building from files

_LIMITS = {"noise_size": (1, 4096), "conv_dim": (1, 1024)}


def _build_from_config(config: dict, where: str):
    if not isinstance(config, dict):
        raise ModelLoadError(f"{where}: config.json must hold a JSON object")
    arch = config.get("architecture", "dcgan")
    if arch != "dcgan":
        raise ModelLoadError(f"{where}: unsupported architecture {arch!r} (this app loads 'dcgan' folders)")
    kwargs = {}
    for key, default in (("noise_size", 100), ("conv_dim", 32), ("image_size", 32)):
        value = config.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ModelLoadError(f"{where}: config.json field {key!r} must be an integer, got {value!r}")
        lo, hi = _LIMITS.get(key, (0, 10**9))
        if not lo <= value <= hi:
            raise ModelLoadError(f"{where}: config.json field {key!r}={value} is out of range [{lo}, {hi}]")
        kwargs[key] = value
    try:
        return DCGenerator(**kwargs)
    except ValueError as exc:
        raise ModelLoadError(f"{where}: {exc}") from None


def load_state_dict_strict(model: torch.nn.Module, state: dict, where: str):
    """load_state_dict, but the error names the first layer that does not fit."""
    expected = model.state_dict()
    for key, tensor in expected.items():
        if key not in state:
            raise ModelLoadError(f"{where}: the weights have no entry {key!r}: this checkpoint was saved "
                                 "from a different architecture")
        if tuple(state[key].shape) != tuple(tensor.shape):
            raise ModelLoadError(f"{where}: layer {key!r} has shape {tuple(state[key].shape)}, the model "
                                 f"expects {tuple(tensor.shape)}: a different architecture or size")
    extra = [k for k in state if k not in expected]
    if extra:
        raise ModelLoadError(f"{where}: unexpected weight {extra[0]!r}: this checkpoint is from a different architecture")
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})


def _read_safetensors(data_or_path, where: str) -> dict:
    from safetensors.torch import load, load_file

    try:
        if isinstance(data_or_path, (bytes, bytearray)):
            return load(bytes(data_or_path))
        return load_file(str(data_or_path))
    except Exception as exc:  # safetensors raises its own error type for corrupt headers
        raise ModelLoadError(f"{where}: model.safetensors is corrupt or truncated ({exc})") from None


def torch_load_weights(data_or_path, where: str) -> dict:
    """torch.load with weights_only=True: tensors only, a pickle with code is refused unrun."""
    try:
        src = io.BytesIO(data_or_path) if isinstance(data_or_path, (bytes, bytearray)) else data_or_path
        state = torch.load(src, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelLoadError(f"{where}: refused to load the weights file: it is not a plain tensor "
                             f"checkpoint (it may contain code, which is never executed): {str(exc)[:200]}") from None
    if not isinstance(state, dict):
        raise ModelLoadError(f"{where}: the weights file does not hold a state dict")
    return state


def _finish(generator, config: dict, name: str, source: str, card: str = "", path: str = ""):
    generator.eval()
    generator.requires_grad_(False)
    info = ModelInfo(name=name, source=source, architecture=config.get("architecture", "dcgan"),
                     noise_size=generator.noise_size, image_size=generator.image_size, config=config,
                     card=card, licence=config.get("licence", ""), path=path)
    return generator, info


def load_folder(folder, name: str | None = None, source: str | None = None):
    folder = Path(folder)
    where = str(folder)
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise ModelLoadError(f"{where} has no config.json: it is not a GAN Playground model folder")
    try:
        config = json.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{where}: config.json is not valid JSON ({exc})") from None
    generator = _build_from_config(config, where)
    if (folder / "model.safetensors").is_file():
        state = _read_safetensors(folder / "model.safetensors", where)
    elif (folder / "pytorch_model.bin").is_file():
        state = torch_load_weights(folder / "pytorch_model.bin", where)
    else:
        raise ModelLoadError(f"{where} has no model.safetensors")
    load_state_dict_strict(generator, state, where)
    card = (folder / "README.md").read_text(errors="replace") if (folder / "README.md").is_file() else ""
    return _finish(generator, config, name or folder.name, source or str(folder), card, str(folder))


def load_checkpoint_zip(data: bytes, name: str = "uploaded model"):
    """A model folder zipped (the Train page's download), read in memory, never extracted."""
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ModelLoadError(f"{name}: the file is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModelLoadError(f"{name}: not a valid zip file") from None
    members = {Path(i.filename).name: i for i in zf.infolist() if not i.is_dir()}
    for needed in ("config.json", "model.safetensors"):
        if needed not in members:
            raise ModelLoadError(f"{name}: the zip has no {needed}: it is not a GAN Playground checkpoint")
    if sum(members[n].file_size for n in ("config.json", "model.safetensors")) > MAX_CHECKPOINT_BYTES:
        raise ModelLoadError(f"{name}: the checkpoint unpacks to more than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    try:
        config = json.loads(zf.read(members["config.json"])[:1_000_000])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{name}: config.json is not valid JSON ({exc})") from None
    generator = _build_from_config(config, name)
    state = _read_safetensors(zf.read(members["model.safetensors"]), name)
    load_state_dict_strict(generator, state, name)
    return _finish(generator, config, name, name)


# ---------------------------------------------------------------- the Hub

_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_probe_cache: dict[str, tuple[float, bool]] = {}


def parse_hub_source(source: str) -> tuple[str, str | None]:
    """'hf:owner/name@rev' -> ('owner/name', 'rev'); raises ModelLoadError if malformed."""
    spec = source[3:] if source.startswith("hf:") else source
    repo_id, _, revision = spec.partition("@")
    if not _REPO_RE.match(repo_id) or ".." in repo_id or "--" in repo_id:
        raise ModelLoadError(f"{repo_id!r} is not a valid Hugging Face repo id (expected owner/name, "
                             "letters, digits, '-', '_' and '.')")
    if revision and not re.match(r"^[\w./-]{1,100}$", revision):
        raise ModelLoadError(f"{revision!r} is not a valid revision (a branch, tag or commit hash)")
    return repo_id, revision or None


def hub_reachable(timeout: float = 1.5) -> bool:
    """Can we open a TCP connection to the Hub? Answered within `timeout` s, cached 30 s."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return False
    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    cached = _probe_cache.get(host)
    if cached and time.monotonic() - cached[0] < 30:
        return cached[1]
    result = [False]

    def probe():
        try:
            # DNS lookup and connect both happen here; a thread bounds the
            # lookup too, which socket timeouts do not cover.
            with socket.create_connection((host, port), timeout=timeout):
                result[0] = True
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout)
    _probe_cache[host] = (time.monotonic(), result[0])
    return result[0]


def _progress_tqdm(callback):
    """A tqdm class for hf_hub_download that reports (done_bytes, total_bytes) to `callback`."""
    from tqdm.auto import tqdm

    class _Reporter(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["file"] = io.StringIO()  # the page shows the progress, not stderr
            super().__init__(*args, **kwargs)

        def update(self, n=1):
            out = super().update(n)
            try:
                callback(int(self.n), int(self.total or 0))
            except Exception:
                pass
            return out

    return _Reporter


def hub_download(repo_id: str, filename: str, revision: str | None = None, progress=None,
                 cache_dir=None) -> str:
    """hf_hub_download that fails fast and explains itself; returns the local path."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub import errors as herr

    online = hub_reachable()
    kwargs = dict(repo_id=repo_id, filename=filename, revision=revision, cache_dir=cache_dir,
                  library_name="gan_core")
    try:
        if not online:
            return hf_hub_download(**kwargs, local_files_only=True)
        return hf_hub_download(**kwargs, tqdm_class=_progress_tqdm(progress) if progress else None)
    except herr.LocalEntryNotFoundError:
        raise HubUnreachableError(
            f"The Hugging Face Hub is unreachable from this server and {repo_id}"
            f"{'@' + revision if revision else ''} ({filename}) is not in the local cache. "
            "The bundled faces model is still available.") from None
    except herr.RepositoryNotFoundError:
        raise ModelLoadError(f"The Hub has no repo {repo_id!r} (or it is private/gated and needs a token).") from None
    except herr.RevisionNotFoundError:
        raise ModelLoadError(f"The repo {repo_id!r} has no revision {revision!r}.") from None
    except (herr.EntryNotFoundError, herr.RemoteEntryNotFoundError):
        raise ModelLoadError(f"The repo {repo_id!r} has no file {filename!r}: it is not a model in "
                             "GAN Playground's format (config.json + model.safetensors).") from None
    except herr.HFValidationError as exc:
        raise ModelLoadError(f"Invalid Hub reference: {exc}") from None
    except (herr.HfHubHTTPError, OSError) as exc:
        raise ModelLoadError(f"Downloading {filename} from {repo_id} failed: {str(exc)[:200]}") from None


def _load_pggan(repo_id: str, revision: str | None, progress, cache_dir, source: str):
    from .models import pggan

    path = hub_download(repo_id, pggan.HUB_FILENAME, revision or pggan.HUB_REVISION, progress, cache_dir)
    try:
        generator = pggan.load_pggan_state_dict(path)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from None
    config = {"architecture": "pggan", "repo_id": repo_id, "revision": revision or pggan.HUB_REVISION,
              "licence": pggan.LICENCE_NOTE}
    return _finish(generator, config, "pggan-celebahq-1024", source, pggan.LICENCE_NOTE, path)


def load_generator(source: str, progress=None, cache_dir=None):
    """Load a generator by bundled name, folder path or 'hf:owner/name[@revision]'.

    progress(done_bytes, total_bytes) is called during a Hub download.
    """
    if not isinstance(source, str) or not source.strip():
        raise ModelLoadError("no model given: pass a bundled name, a folder or hf:owner/name")
    source = source.strip()
    entry = REGISTRY.get(source)
    if entry is not None:
        if entry["kind"] == "folder":
            if not (Path(entry["path"]) / "config.json").exists():
                raise ModelLoadError(f"the bundled model {source!r} is missing from {entry['path']}")
            return load_folder(entry["path"], name=source, source=source)
        from .models import pggan

        return _load_pggan(pggan.HUB_REPO_ID, None, progress, cache_dir, source)
    if source.startswith("hf:"):
        repo_id, revision = parse_hub_source(source)
        from .models import pggan

        if repo_id == pggan.HUB_REPO_ID:
            return _load_pggan(repo_id, revision, progress, cache_dir, source)
        cfg_path = hub_download(repo_id, "config.json", revision, progress, cache_dir)
        hub_download(repo_id, "model.safetensors", revision, progress, cache_dir)
        try:
            hub_download(repo_id, "README.md", revision, None, cache_dir)
        except ModelLoadError:
            pass  # a card is nice to have, not required
        return load_folder(Path(cfg_path).parent, name=repo_id, source=source)
    if os.path.isdir(source):
        return load_folder(source)
    known = ", ".join(REGISTRY)
    raise ModelLoadError(f"unknown model {source!r}: not a bundled name ({known}), not a folder, "
                         "and not a Hub reference of the form hf:owner/name[@revision]")
