"""Every dataset a run can name, in one registry: the trainer, the CLI and the Train page read it.

    datasets.get("emoji").size                   # 329 images
    datasets.load_dataset("mnist", 32)           # uint8 (10000, 3, 32, 32), downloaded once
    datasets.load_dataset("runs/faces.zip", 64)  # a path: the user's own images

Four kinds: built-in image sets (rendered from files in the package), 2-D toys
(sampled), downloadable sets (MNIST, CIFAR-10 through torchvision, loaded where
the run is built: in the app's training worker, so the page stays responsive)
and "upload" (the Train page's own images, handed to the Trainer as a tensor).
A name that is not registered is read as the path of a .zip or a folder.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import builtin
from .uploads import Limits, load_images_from_folder, load_images_from_zip

BUILTIN, TOY, ONLINE, UPLOAD = "builtin", "toy", "online", "upload"

TOY_POINTS = 20_000             # points sampled for a toy run

# Downloadable sets: where torchvision keeps them, and how many training images a run uses.
ONLINE_ROOT = Path(os.environ.get("GAN_PLAYGROUND_DATA", Path.home() / ".cache" / "gan_playground" / "torchvision"))
ONLINE_MAX_IMAGES = 10_000


@dataclass(frozen=True)
class Dataset:
    """One dataset: what it is called, how big it is, where its label is, how to load it."""

    name: str
    kind: str                       # BUILTIN | TOY | ONLINE | UPLOAD
    size: int | None                # images (points for a toy) a run trains on; None: the user's files decide
    description: str                # content key of its label on the bilingual pages
    loader: Callable[[int, int], torch.Tensor] | None = None   # (image_size, seed) -> the data
    source: tuple[str, int, str] | None = None   # ONLINE: (host, port, folder under the download root)

    @property
    def is_toy(self) -> bool:
        return self.kind == TOY

    def load(self, image_size: int = 32, seed: int = 0) -> torch.Tensor:
        """uint8 images (N, 3, image_size, image_size), or float32 points (N, 2) for a toy."""
        if self.loader is None:
            raise ValueError(f"dataset {self.name!r} has no loader: its images come with the run")
        return self.loader(image_size, seed)


# ---------------------------------------------------------------- downloadable sets

def load_online(name: str, size: int = 32, root: Path = ONLINE_ROOT, max_images: int = ONLINE_MAX_IMAGES):
    """MNIST / CIFAR-10 through torchvision (downloads once), as uint8 (N, 3, size, size)."""
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "cifar10": torchvision.datasets.CIFAR10}[name]
    try:
        ds = cls(str(root), train=True, download=True)
    except Exception as exc:
        raise ValueError(f"could not download {name} ({type(exc).__name__}); it needs internet access") from None
    x = torch.as_tensor(np.asarray(ds.data[:max_images]))
    if x.dim() == 3:                      # MNIST: (N, 28, 28) grey
        x = x[:, None].expand(-1, 3, -1, -1)
    else:                                 # CIFAR: (N, 32, 32, 3)
        x = x.permute(0, 3, 1, 2)
    if x.shape[-1] != size:
        x = torch.nn.functional.interpolate(x.float(), size=(size, size), mode="bilinear",
                                            antialias=True, align_corners=False).round().clamp(0, 255)
    return x.to(torch.uint8).contiguous()


def _online(name: str, host: str, folder: str) -> Dataset:
    return Dataset(name, ONLINE, ONLINE_MAX_IMAGES, f"train.data.{name}",
                   loader=lambda size, seed: load_online(name, size), source=(host, 443, folder))


def _toy(name: str) -> Dataset:
    return Dataset(name, TOY, TOY_POINTS, f"toylab.datasets.{name}",
                   loader=lambda size, seed: builtin.toy_2d(name, TOY_POINTS, seed=seed))


# ---------------------------------------------------------------- the registry

DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("emoji", BUILTIN, 329, "train.data.emoji", loader=lambda size, seed: builtin.emoji_faces(size)),
    Dataset("shapes", BUILTIN, 512, "train.data.shapes", loader=lambda size, seed: builtin.shapes(512, size)),
    *(_toy(name) for name in builtin.TOY_DATASETS),
    _online("mnist", "ossci-datasets.s3.amazonaws.com", "MNIST"),
    _online("cifar10", "www.cs.toronto.edu", "cifar-10-batches-py"),
    Dataset("upload", UPLOAD, None, "train.data.upload"),
)}


def names(*kinds: str) -> tuple[str, ...]:
    """Registered names of the given kinds (all kinds if none is given), in registry order."""
    return tuple(name for name, d in DATASETS.items() if not kinds or d.kind in kinds)


def get(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}") from None


def is_toy(name: str) -> bool:
    entry = DATASETS.get(name)
    return entry is not None and entry.is_toy


# A path named on the command line is the user's own data, not an upload from a
# stranger: larger bounds (the 22,548-image faces64.zip must fit), still finite.
LOCAL_LIMITS = Limits(max_files=100_000, max_total_bytes=4 * 2**30, max_entries=200_000,
                      max_output_bytes=4 * 2**30)


def load_dataset(name_or_path, image_size, limits=LOCAL_LIMITS, seed: int = 0):
    """A training set: uint8 (N, 3, image_size, image_size), or (N, 2) points for a toy.

    A registered name (see DATASETS), or the path of a .zip or a folder of images.
    """
    entry = DATASETS.get(name_or_path)
    if entry is not None and entry.loader is not None:
        return entry.load(image_size, seed)
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() == ".zip":
        if not path.is_file():
            raise ValueError(f"zip file not found: {path}")
        return load_images_from_zip(path, image_size, limits).require_images()
    if path.is_dir():
        return load_images_from_folder(path, image_size, limits).require_images()
    loadable = [name for name, d in DATASETS.items() if d.loader is not None]
    raise ValueError(
        f"unknown dataset {name_or_path!r}: use one of {', '.join(map(repr, loadable))}, "
        "the path of a .zip of images or the path of a folder of images"
    )


# ---------------------------------------------------------------- can the downloadable sets be had?
# The Train page offers a downloadable set only when it can actually be fetched. A dead
# network must cost at most ~1.5 s (the page caches the answer), not torchvision's retries.

def downloaded(root: Path = ONLINE_ROOT) -> dict[str, bool]:
    """name -> already downloaded under root (usable without a network)."""
    return {name: (Path(root) / DATASETS[name].source[2]).exists() for name in names(ONLINE)}


def _reachable(host: str, port: int, timeout: float) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def probe_online(root: Path = ONLINE_ROOT, timeout: float = 1.5) -> dict[str, bool]:
    """name -> usable: already downloaded under root, or its server answers within `timeout` seconds."""
    out = {}
    deadline = time.monotonic() + timeout
    for name, local in downloaded(root).items():
        if local:
            out[name] = True
            continue
        host, port, _ = DATASETS[name].source
        left = deadline - time.monotonic()
        out[name] = left > 0.05 and _reachable(host, port, left)
    return out

HOLDOUT_SEED = 1234


def holdout_split(n: int, holdout: int, seed: int = HOLDOUT_SEED):
    """(train indices, held-out indices): a fixed split, independent of the run's seed,
    so every run and the evaluation script hold out the same images."""
    if not 0 < holdout < n:
        raise ValueError(f"holdout must be between 1 and {n - 1} for a dataset of {n} images, got {holdout}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[holdout:].sort().values, perm[:holdout].sort().values

