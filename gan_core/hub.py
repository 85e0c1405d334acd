"""Model folders, the bundled models and the Hugging Face Hub.

A model is a folder in the layout of huggingface_hub's PyTorchModelHubMixin:

    config.json          the generator's constructor arguments (+ how it was trained)
    model.safetensors    the weights (safetensors: a tensor file format that cannot run code)
    README.md            the model card

Each generator family is a class that owns its config, its saving and its
checked loading (gan_core/checkpoint.py's GeneratorFamily, the mixin plus the
checks that run before a weight is allocated); this module picks the family
from config.json's "architecture" and adds what the app needs around it: the
bundled models, zipped uploads, and downloads that fail fast offline.

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

import copy
import io
import json
import os
import re
import socket
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch

from .checkpoint import (CONFIG_NAME, WEIGHTS_NAME, GeneratorFamily, ModelLoadError, load_state_dict_strict,
                         safetensors_shapes, torch_load_weights)
from .models import DCGenerator, pggan

__all__ = ["ModelLoadError", "HubUnreachableError", "ModelInfo", "PRETRAINED_DIR", "MAX_CHECKPOINT_BYTES",
           "REGISTRY", "FOLDER_FAMILIES", "HUB_FILE_LOADERS", "folder_family", "registry_labels", "generator_config", "save_generator", "checkpoint_zip_bytes", "push_to_hub",
           "safetensors_shapes", "load_folder", "load_checkpoint_zip", "echo", "valid_revision",
           "parse_hub_source", "hub_reference", "hub_reachable", "hub_download", "load_generator"]

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024


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


# The generator families stored as model folders, by config.json's "architecture"
# (a config without one is a DCGAN: the first folders had no such field).
FOLDER_FAMILIES: dict[str, type[GeneratorFamily]] = {DCGenerator.architecture: DCGenerator}


def folder_family(config) -> type[GeneratorFamily]:
    """The family that reads this config.json; an unknown architecture gets DCGAN's, which refuses it by name."""
    arch = config.get("architecture", DCGenerator.architecture) if isinstance(config, dict) else None
    return FOLDER_FAMILIES.get(arch, FOLDER_FAMILIES[DCGenerator.architecture])


# Named models: a bundled folder in pretrained/ ("path"), or a Hub repo ("repo").
REGISTRY = {
    "faces64": {"label": "Faces 64x64 (bundled)", "path": PRETRAINED_DIR / "faces64"},
    "pggan-celebahq-1024": {"label": "PGGAN CelebA-HQ 1024 (Hugging Face Hub, 92 MB)", "repo": pggan.HUB_REPO_ID},
}


def registry_labels() -> dict[str, str]:
    """name -> label of the models the app can offer (bundled ones only if present)."""
    out = {}
    for name, entry in REGISTRY.items():
        if "path" in entry and not (Path(entry["path"]) / CONFIG_NAME).exists():
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
        from .train import TrainConfig  # one way only: train.py never imports this module

        try:
            cmd = TrainConfig.from_dict(tc).cli_command("OUT")
            lines += ["", "Reproduce:", "", "```", cmd, "```"]
        except (ValueError, TypeError):
            pass
    return "\n".join(lines) + "\n"


def generator_config(generator) -> dict:
    """config.json's description of the network: its family's architecture and constructor arguments."""
    if not isinstance(generator, GeneratorFamily):
        raise TypeError(f"save_generator supports DCGenerator models, got {type(generator).__name__}")
    return generator.hub_config()


def _half_copy(generator):
    """A copy with float16 weights; running statistics and counters stay exact. Half the file."""
    half = copy.deepcopy(generator)
    with torch.no_grad():
        for name, tensor in [*half.named_parameters(), *half.named_buffers()]:
            if tensor.is_floating_point() and "running" not in name:
                tensor.data = tensor.data.half()
    return half


def save_generator(folder, generator, train_config: dict | None = None, card: str | None = None,
                   fp16: bool = False, extra: dict | None = None) -> Path:
    """Write config.json + model.safetensors + README.md (the mixin's save_pretrained); returns the folder.

    The card: `card` when given, else the folder's own README.md, else a default one.
    """
    config = {**generator_config(generator), "library": "gan_core"}
    if train_config:
        config["train_config"] = train_config
    if extra:
        config.update(extra)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if card is not None or not (folder / "README.md").exists():
        # Written first: save_pretrained keeps an existing card instead of its template's.
        (folder / "README.md").write_text(card if card is not None else _default_card(config))
    (_half_copy(generator) if fp16 else generator).save_pretrained(folder, config=config)
    return folder


def checkpoint_zip_bytes(folder) -> bytes:
    """The model folder as a zip (what the Train page offers for download)."""
    folder = Path(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in (CONFIG_NAME, WEIGHTS_NAME, "README.md"):
            if (folder / name).exists():
                zf.write(folder / name, name)
    return buf.getvalue()


def push_to_hub(folder, repo_id: str, token: str | None = None, private: bool = False) -> str:
    """Upload a saved run folder as it is (card and sample grids included).

    The mixin's own push_to_hub (`generator.push_to_hub(repo_id)`) saves the
    model object again into a temporary folder; the CLI has the folder already.
    """
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, private=private, exist_ok=True)
    info = api.upload_folder(repo_id=repo_id, folder_path=str(folder),
                             allow_patterns=[CONFIG_NAME, WEIGHTS_NAME, "README.md", "*.png"])
    return str(getattr(info, "commit_url", f"https://huggingface.co/{repo_id}"))


# ---------------------------------------------------------------- loading from files

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
    cfg_path = folder / CONFIG_NAME
    if not cfg_path.is_file():
        raise ModelLoadError(f"{where} has no config.json: it is not a GAN Playground model folder")
    try:
        config = json.loads(cfg_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{where}: config.json is not valid JSON ({exc})") from None
    family = folder_family(config)
    if (folder / WEIGHTS_NAME).is_file():
        generator = family.load_checked(config, folder / WEIGHTS_NAME, where)
    elif (folder / "pytorch_model.bin").is_file():
        generator = family.build_checked(config, where)
        load_state_dict_strict(generator, torch_load_weights(folder / "pytorch_model.bin", where), where)
    else:
        raise ModelLoadError(f"{where} has no model.safetensors")
    card = (folder / "README.md").read_text(errors="replace") if (folder / "README.md").is_file() else ""
    return _finish(generator, config, name or folder.name, source or str(folder), card, str(folder))

def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, name: str) -> bytes:
    """One zip entry, at most `limit` bytes even if its header lies; every zip failure becomes one sentence.

    zipfile raises BadZipFile (bad CRC), RuntimeError (encrypted), NotImplementedError
    (deflate64 and other methods) and zlib.error (a broken deflate stream), among others.
    """
    if info.flag_bits & 0x1:
        raise ModelLoadError(f"{name}: {info.filename[:80]!r} is encrypted; upload the zip without a password")
    try:
        with zf.open(info) as member:
            data = member.read(limit + 1)
    except NotImplementedError:
        raise ModelLoadError(f"{name}: {info.filename[:80]!r} uses a compression method this app does not "
                             "read; zip it again with ordinary deflate (the Train page's download does)") from None
    except (zipfile.BadZipFile, zlib.error, RuntimeError, EOFError, OSError, ValueError):
        raise ModelLoadError(f"{name}: {info.filename[:80]!r} is corrupt (the zip's checksum or compressed "
                             "data is damaged); download the checkpoint again") from None
    if len(data) > limit:
        raise ModelLoadError(f"{name}: {info.filename[:80]!r} unpacks to more than {limit // 2**20 or 1} MB")
    return data


def load_checkpoint_zip(data: bytes, name: str = "uploaded model"):
    """A model folder zipped (the Train page's download), read in memory, never extracted.

    Order matters: config and the safetensors header are checked (size budget,
    shapes) before any model is built or any weight is decoded.
    """
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ModelLoadError(f"{name}: the file is larger than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        entries = zf.infolist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ModelLoadError(f"{name}: not a valid zip file") from None
    if len(entries) > 100:
        raise ModelLoadError(f"{name}: the zip has {len(entries)} entries; a checkpoint has three")
    members = {Path(i.filename).name: i for i in entries if not i.is_dir()}
    for needed in ("config.json", "model.safetensors"):
        if needed not in members:
            raise ModelLoadError(f"{name}: the zip has no {needed}: it is not a GAN Playground checkpoint")
    if sum(members[n].file_size for n in ("config.json", "model.safetensors")) > MAX_CHECKPOINT_BYTES:
        raise ModelLoadError(f"{name}: the checkpoint unpacks to more than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    raw_config = _read_member(zf, members["config.json"], 1_000_000, name)
    try:
        config = json.loads(raw_config)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelLoadError(f"{name}: config.json is not valid JSON ({str(exc)[:80]})") from None
    family = folder_family(config)
    family.check_budget(family.config_kwargs(config, name), name)   # before the weights are even decompressed
    weights = _read_member(zf, members["model.safetensors"], MAX_CHECKPOINT_BYTES, name)
    return _finish(family.load_checked(config, weights, name), config, name, name)


# ---------------------------------------------------------------- the Hub

_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
_probe_cache: dict[str, tuple[float, bool]] = {}


ECHO_CHARS = 80  # how much of a user's text an error message repeats


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """A user's input, quoted and cut to `limit` characters, for an error message."""
    text = str(text)
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_REF_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def valid_revision(revision: str) -> bool:
    """A 40-hex commit, or a branch/tag name by git's rules (check-ref-format), conservatively:
    '/'-separated parts of letters, digits, '_', '-', '.', none starting with '.' or '-',
    no '..', no part ending in '.lock', at most 100 characters."""
    if _HEX40.match(revision):
        return True
    if not 1 <= len(revision) <= 100 or ".." in revision or revision.endswith("."):
        return False
    parts = revision.split("/")
    return all(_REF_PART.match(p) and not p.endswith(".lock") for p in parts)


def parse_hub_source(source: str) -> tuple[str, str | None]:
    """'hf:owner/name@rev' -> ('owner/name', 'rev'); raises ModelLoadError if malformed."""
    spec = source[3:] if source.startswith("hf:") else source
    repo_id, at, revision = spec.partition("@")
    if not _REPO_RE.match(repo_id) or ".." in repo_id or "--" in repo_id:
        raise ModelLoadError(f"{echo(repo_id)} is not a valid Hugging Face repo id (expected owner/name, "
                             "letters, digits, '-', '_' and '.')")
    if at and not valid_revision(revision):
        raise ModelLoadError(f"{echo(revision)} is not a valid revision: give a branch or tag name "
                             "(such as main or v1.0) or a 40-character commit hash")
    return repo_id, revision or None


_HUB_PREFIXES = ("https://huggingface.co/", "http://huggingface.co/", "huggingface.co/", "hf:")


def hub_reference(text) -> str:
    """What a visitor typed in the Hub field -> 'hf:owner/name[@revision]', or ModelLoadError
    with one sentence for empty, partial, over-long or malformed input."""
    text = str(text or "").strip()
    if not text:
        raise ModelLoadError("Type a Hub repo as owner/name (optionally @revision), e.g. my-name/my-gan.")
    if len(text) > 300:
        raise ModelLoadError(f"{echo(text)} is {len(text):,} characters long; a Hub repo id is owner/name, "
                             "at most 96 characters each.")
    spec = text
    for prefix in _HUB_PREFIXES:
        if spec.lower().startswith(prefix):
            spec = spec[len(prefix):]
            break
    spec = spec.strip().strip("/")
    if spec.startswith(("http://", "https://")) or "://" in spec:
        raise ModelLoadError(f"{echo(text)} is a link to another site: only Hugging Face Hub repos "
                             "(owner/name) can be loaded.")
    # A pasted page link: huggingface.co/owner/name/tree/<rev> or /blob/... keeps owner/name and the revision.
    parts = spec.split("/")
    if len(parts) > 2 and "@" not in spec:
        if len(parts) >= 4 and parts[2] in ("tree", "blob", "resolve", "commit"):
            spec = f"{parts[0]}/{parts[1]}@{parts[3]}"
        else:
            spec = "/".join(parts[:2])
    if not spec:
        raise ModelLoadError(f"{echo(text)} names no repo: type owner/name after it, e.g. hf:my-name/my-gan.")
    if "/" not in spec.partition("@")[0] and re.fullmatch(r"[\w.-]+", spec.partition("@")[0]):
        raise ModelLoadError(f"{echo(text)} is incomplete: a Hub repo is owner/name, e.g. my-name/my-gan.")
    source = "hf:" + spec
    parse_hub_source(source)
    return source


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
    path = hub_download(repo_id, pggan.HUB_FILENAME, revision or pggan.HUB_REVISION, progress, cache_dir)
    try:
        generator = pggan.load_pggan_state_dict(path)
    except ValueError as exc:
        raise ModelLoadError(str(exc)) from None
    config = {"architecture": "pggan", "repo_id": repo_id, "revision": revision or pggan.HUB_REVISION,
              "licence": pggan.LICENCE_NOTE}
    return _finish(generator, config, "pggan-celebahq-1024", source, pggan.LICENCE_NOTE, path)


def _load_hub_folder(repo_id: str, revision: str | None, progress, cache_dir, source: str):
    cfg_path = hub_download(repo_id, CONFIG_NAME, revision, progress, cache_dir)
    hub_download(repo_id, WEIGHTS_NAME, revision, progress, cache_dir)
    try:
        hub_download(repo_id, "README.md", revision, None, cache_dir)
    except ModelLoadError:
        pass  # a card is nice to have, not required
    return load_folder(Path(cfg_path).parent, name=repo_id, source=source)


# Hub repos that are not model folders, with the loader that reads their files. The PGGAN
# repo holds genforce's bare state dict (pytorch_model.bin, no config.json), which
# models/pggan.py reads with weights_only=True and a key-for-key, shape-for-shape check.
HUB_FILE_LOADERS = {pggan.HUB_REPO_ID: _load_pggan}


def load_generator(source: str, progress=None, cache_dir=None):
    """Load a generator by bundled name, folder path or 'hf:owner/name[@revision]'.

    progress(done_bytes, total_bytes) is called during a Hub download.
    """
    if not isinstance(source, str) or not source.strip():
        raise ModelLoadError("no model given: pass a bundled name, a folder or hf:owner/name")
    source = source.strip()
    entry = REGISTRY.get(source)
    if entry is not None and "path" in entry:
        if not (Path(entry["path"]) / CONFIG_NAME).exists():
            raise ModelLoadError(f"the bundled model {source!r} is missing from {entry['path']}")
        return load_folder(entry["path"], name=source, source=source)
    if entry is not None:
        repo_id, revision = entry["repo"], None
    elif source.startswith("hf:"):
        repo_id, revision = parse_hub_source(source)
    elif os.path.isdir(source):
        return load_folder(source)
    else:
        known = ", ".join(REGISTRY)
        raise ModelLoadError(f"unknown model {source!r}: not a bundled name ({known}), not a folder, "
                             "and not a Hub reference of the form hf:owner/name[@revision]")
    loader = HUB_FILE_LOADERS.get(repo_id, _load_hub_folder)
    return loader(repo_id, revision, progress, cache_dir, source)
