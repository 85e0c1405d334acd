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
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import torch

from .models import DCGenerator

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024

# What one uploaded or downloaded generator may cost, checked from config.json and the
# safetensors header before a single weight is allocated. faces64 has 2.4 M parameters
# and needs ~13 MB of activations for a 16-face grid; these leave room for 20x more.
MAX_PARAMETERS = 50_000_000            # 200 MB in float32
MAX_ACTIVATION_BYTES = 512 * 2**20     # float32 activations of a 16-image batch
ACTIVATION_BATCH = 16                  # the largest batch the playground renders (a 16-face grid)
MAX_HEADER_BYTES = 1_000_000           # a safetensors header listing ~20 tensors is ~2 KB


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


def _config_kwargs(config: dict, where: str) -> dict:
    """config.json -> DCGenerator arguments, each checked for type and range."""
    if not isinstance(config, dict):
        raise ModelLoadError(f"{where}: config.json must hold a JSON object")
    arch = config.get("architecture", "dcgan")
    if arch != "dcgan":
        raise ModelLoadError(f"{where}: unsupported architecture {str(arch)[:40]!r} (this app loads 'dcgan' folders)")
    kwargs = {}
    for key, default in (("noise_size", 100), ("conv_dim", 32), ("image_size", 32)):
        value = config.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ModelLoadError(f"{where}: config.json field {key!r} must be an integer, got {str(value)[:40]!r}")
        lo, hi = _LIMITS.get(key, (0, 10**9))
        if not lo <= value <= hi:
            raise ModelLoadError(f"{where}: config.json field {key!r}={value} is out of range [{lo}, {hi}]")
        kwargs[key] = value
    return kwargs


def _meta_generator(kwargs: dict, where: str):
    """The generator on the meta device: shapes and sizes, no memory behind them."""
    try:
        with torch.device("meta"):
            return DCGenerator(**kwargs)
    except ValueError as exc:
        raise ModelLoadError(f"{where}: {exc}") from None


def model_cost(kwargs: dict, where: str = "model") -> tuple[int, int]:
    """(parameters, activation bytes of an ACTIVATION_BATCH forward) of a DCGenerator config.

    Computed on the meta device (a forward pass that only propagates shapes):
    the sum of every layer's output, which bounds the peak of a forward pass.
    """
    meta = _meta_generator(kwargs, where)
    params = sum(p.numel() for p in meta.parameters())
    outputs = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out.numel()))
             for m in meta.modules() if not list(m.children())]
    try:
        meta.eval()(torch.empty(ACTIVATION_BATCH, kwargs["noise_size"], device="meta"))
    finally:
        for h in hooks:
            h.remove()
    return params, 4 * sum(outputs)


def check_budget(kwargs: dict, where: str) -> None:
    """Refuse a config whose generator would not fit the server's budget, before building it."""
    params, activations = model_cost(kwargs, where)
    if params > MAX_PARAMETERS:
        raise ModelLoadError(f"{where}: this generator would have {params / 1e6:,.0f} M parameters; the app "
                             f"loads at most {MAX_PARAMETERS / 1e6:.0f} M (lower conv_dim or noise_size)")
    if activations > MAX_ACTIVATION_BYTES:
        raise ModelLoadError(f"{where}: rendering {ACTIVATION_BATCH} images with this generator would need "
                             f"{activations / 2**20:,.0f} MB of activations; the app allows "
                             f"{MAX_ACTIVATION_BYTES // 2**20} MB (lower conv_dim or image_size)")


def check_shapes(kwargs: dict, shapes: dict[str, tuple], where: str) -> None:
    """The weights' shapes (from the safetensors header) against the config's model, with no tensor built."""
    expected = {k: tuple(v.shape) for k, v in _meta_generator(kwargs, where).state_dict().items()}
    for key, shape in expected.items():
        if key not in shapes:
            raise ModelLoadError(f"{where}: the weights have no entry {key!r}: this checkpoint was saved "
                                 "from a different architecture")
        if tuple(shapes[key]) != shape:
            raise ModelLoadError(f"{where}: layer {key!r} has shape {tuple(shapes[key])}, the model "
                                 f"expects {shape}: a different architecture or size")
    extra = [k for k in shapes if k not in expected]
    if extra:
        raise ModelLoadError(f"{where}: unexpected weight {extra[0][:80]!r}: this checkpoint is from a "
                             "different architecture")


def safetensors_shapes(header_source, where: str) -> dict[str, tuple]:
    """name -> shape from a safetensors header (8-byte length + JSON), reading nothing else.

    header_source: the file's bytes, or a path. Also checks that every tensor's
    byte range fits its dtype and shape, so a lying header is refused here.
    """
    if isinstance(header_source, (bytes, bytearray, memoryview)):
        head = bytes(header_source[:8 + MAX_HEADER_BYTES])
        total = len(header_source)
    else:
        with open(header_source, "rb") as f:
            head = f.read(8 + MAX_HEADER_BYTES)
            total = os.fstat(f.fileno()).st_size
    corrupt = f"{where}: model.safetensors is corrupt or truncated"
    if len(head) < 8:
        raise ModelLoadError(corrupt)
    n = int.from_bytes(head[:8], "little")
    if n > MAX_HEADER_BYTES or 8 + n > len(head):
        raise ModelLoadError(f"{corrupt} (header of {n} bytes)")
    try:
        header = json.loads(head[8:8 + n])
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelLoadError(f"{corrupt} (header is not JSON)") from None
    if not isinstance(header, dict):
        raise ModelLoadError(f"{corrupt} (header is not an object)")
    sizes = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}
    shapes = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        try:
            shape = tuple(int(d) for d in entry["shape"])
            start, end = (int(o) for o in entry["data_offsets"])
            itemsize = sizes[entry["dtype"]]
        except (KeyError, TypeError, ValueError):
            raise ModelLoadError(f"{corrupt} (tensor {str(name)[:60]!r})") from None
        count = 1
        for d in shape:
            count *= d
        if any(d < 0 for d in shape) or end - start != count * itemsize or not 0 <= start <= end <= total - 8 - n:
            raise ModelLoadError(f"{corrupt} (tensor {str(name)[:60]!r} does not fit the file)")
        shapes[name] = shape
    return shapes


def _build_from_config(config: dict, where: str, shapes: dict | None = None):
    """Check the config, its cost and (if given) the weights' shapes; only then build the model."""
    kwargs = _config_kwargs(config, where)
    check_budget(kwargs, where)
    if shapes is not None:
        check_shapes(kwargs, shapes, where)
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
    for key, tensor in state.items():
        # NaN or inf weights render black images and NaN slider labels: refuse them by name.
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelLoadError(f"{where}: layer {key!r} holds NaN or infinite values: the checkpoint is "
                                 "broken (a diverged training saves weights like these)")
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
    if (folder / "model.safetensors").is_file():
        generator = _build_from_config(config, where, safetensors_shapes(folder / "model.safetensors", where))
        state = _read_safetensors(folder / "model.safetensors", where)
    elif (folder / "pytorch_model.bin").is_file():
        generator = _build_from_config(config, where)
        state = torch_load_weights(folder / "pytorch_model.bin", where)
    else:
        raise ModelLoadError(f"{where} has no model.safetensors")
    load_state_dict_strict(generator, state, where)
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
    kwargs = _config_kwargs(config, name)
    check_budget(kwargs, name)            # before the weights are even decompressed
    weights = _read_member(zf, members["model.safetensors"], MAX_CHECKPOINT_BYTES, name)
    generator = _build_from_config(config, name, safetensors_shapes(weights, name))
    state = _read_safetensors(weights, name)
    load_state_dict_strict(generator, state, name)
    return _finish(generator, config, name, name)


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
