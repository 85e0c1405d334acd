"""Model folders on disk: the bundled models, saving a generator as a folder (config.json +
model.safetensors + a card), zipped checkpoints, and loading either with the family's checks.

A model is a folder in the layout of huggingface_hub's PyTorchModelHubMixin:

    config.json          the generator's constructor arguments (+ how it was trained)
    model.safetensors    the weights (safetensors: a tensor file format that cannot run code)
    README.md            the model card

Each generator family is a class that owns its config, its saving and its checked loading
(gan_core/checkpoint.py's GeneratorFamily, the mixin plus the checks that run before a weight is
allocated); this module picks the family from config.json's "architecture".
"""

from __future__ import annotations

import copy
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import torch

from ..checkpoint import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    GeneratorFamily,
    ModelLoadError,
    load_state_dict_strict,
    parse_json,
    torch_load_weights,
)
from ..models import DCGenerator
from ..textsafe import code_block, quote
from .refs import pin

PRETRAINED_DIR = Path(__file__).resolve().parents[2] / "pretrained"   # the repository's pretrained/
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024
MAX_CONFIG_BYTES = 1_000_000            # a model's config.json is ~1 KB


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
    revision: str = ""       # a Hub model: the revision asked for (a pin's, or the user's)
    commit: str = ""         # a Hub model: the commit the files came from (read from the Hub cache)


# The generator families stored as model folders, by config.json's "architecture"
# (a config without one is a DCGAN: the first folders had no such field).
FOLDER_FAMILIES: dict[str, type[GeneratorFamily]] = {DCGenerator.architecture: DCGenerator}


def folder_family(config) -> type[GeneratorFamily]:
    """The family that reads this config.json; an unknown architecture gets DCGAN's, which refuses it by name."""
    arch = config.get("architecture", DCGenerator.architecture) if isinstance(config, dict) else None
    if not isinstance(arch, str):          # ["dcgan"] is no name (and no dict key): DCGAN's checks say so
        arch = DCGenerator.architecture
    return FOLDER_FAMILIES.get(arch, FOLDER_FAMILIES[DCGenerator.architecture])


# Named models: a bundled folder in pretrained/ ("path"), or a Hub repo ("repo").
REGISTRY = {
    "faces64": {"label": "Faces 64x64 (bundled)", "path": PRETRAINED_DIR / "faces64"},
    "pggan-celebahq-1024": {"label": "PGGAN CelebA-HQ 1024 (Hugging Face Hub, 92 MB)", "repo": pin("pggan-celebahq-1024").repo},
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
        from ..training.config import TrainConfig  # here, not at the top: loading a model needs no training code

        try:
            cmd = TrainConfig.from_dict(tc).cli_command("OUT")
            lines += ["", "Reproduce:", "", code_block(cmd)]   # it names the upload, and may carry a formula
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

def _finish(generator, config: dict, name: str, source: str, card: str = "", path: str = "",
            revision: str = "", commit: str = ""):
    generator.eval()
    generator.requires_grad_(False)
    info = ModelInfo(name=name, source=source, architecture=config.get("architecture", "dcgan"),
                     noise_size=generator.noise_size, image_size=generator.image_size, config=config,
                     card=card, licence=config.get("licence", ""), path=path, revision=revision, commit=commit)
    return generator, info


def load_folder(folder, name: str | None = None, source: str | None = None, where: str | None = None):
    """A model folder, every check first. `where` names it in messages (default: `name`, else the
    path): a Hub download passes the repo id and revision, never the server's cache path."""
    folder = Path(folder)
    where = where or name or str(folder)
    cfg_path = folder / CONFIG_NAME
    if not cfg_path.is_file():
        raise ModelLoadError(f"{where} has no config.json: it is not a GAN Playground model folder")
    if cfg_path.stat().st_size > MAX_CONFIG_BYTES:
        raise ModelLoadError(f"{where}: config.json is larger than {MAX_CONFIG_BYTES // 1000:,} KB")
    config = parse_json(cfg_path.read_bytes(), where, "config.json")
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
        raise ModelLoadError(f"{name}: {quote(info.filename, 80, middle=True)} is encrypted; upload the zip without a password")
    try:
        with zf.open(info) as member:
            data = member.read(limit + 1)
    except NotImplementedError:
        raise ModelLoadError(f"{name}: {quote(info.filename, 80, middle=True)} uses a compression method this app does not "
                             "read; zip it again with ordinary deflate (the Train page's download does)") from None
    except (zipfile.BadZipFile, zlib.error, RuntimeError, EOFError, OSError, ValueError):
        raise ModelLoadError(f"{name}: {quote(info.filename, 80, middle=True)} is corrupt (the zip's checksum or compressed "
                             "data is damaged); download the checkpoint again") from None
    if len(data) > limit:
        raise ModelLoadError(f"{name}: {quote(info.filename, 80, middle=True)} unpacks to more than {limit // 2**20 or 1} MB")
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
    # A name that starts with NUL reads as "" (zipfile cuts it there): no member of ours.
    members = {Path(i.filename).name: i for i in entries if i.filename and not i.filename.endswith("/")}
    for needed in ("config.json", "model.safetensors"):
        if needed not in members:
            raise ModelLoadError(f"{name}: the zip has no {needed}: it is not a GAN Playground checkpoint")
    if sum(members[n].file_size for n in ("config.json", "model.safetensors")) > MAX_CHECKPOINT_BYTES:
        raise ModelLoadError(f"{name}: the checkpoint unpacks to more than {MAX_CHECKPOINT_BYTES // 2**20} MB")
    raw_config = _read_member(zf, members["config.json"], MAX_CONFIG_BYTES, name)
    config = parse_json(raw_config, name, "config.json")
    family = folder_family(config)
    family.check_budget(family.config_kwargs(config, name), name)   # before the weights are even decompressed
    weights = _read_member(zf, members["model.safetensors"], MAX_CHECKPOINT_BYTES, name)
    return _finish(family.load_checked(config, weights, name), config, name, name)
