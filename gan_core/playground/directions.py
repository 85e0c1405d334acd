"""Moving around a generator's latent space: seeds, interpolation, truncation, directions.

Everything here works on z vectors only; none of it runs the generator, so the
latent playground can compute a whole walk before rendering a single frame.

* `seed_to_z`: a reproducible z for a seed number a user can type and share.
* `lerp`, `slerp`: interpolation between two codes (slerp for Gaussian z).
* `truncate`: the truncation trick, quality against diversity.
* `sefa_directions`, `apply_directions`: unsupervised semantic edit directions
  in closed form (SeFa, Shen & Zhou, CVPR 2021).
"""

from __future__ import annotations

import functools
import json
import numbers
from pathlib import Path

import torch

from ..hub.files import PRETRAINED_DIR as _PRETRAINED

# -----------------------------------------------------------------------------
# seeds

MAX_SEED = 2**63 - 1  # the largest int64, what a UI number field or JSON file can carry losslessly


def seed_to_z(seed: int, noise_size: int, n: int = 1) -> torch.Tensor:
    """Seed -> z of shape (n, noise_size), float32, standard normal, on the CPU.

    The same seed gives the same z on every machine running the same torch
    version: the numbers come from torch's CPU generator (Mersenne Twister)
    seeded with `seed`, not from the global RNG that other code advances.
    Move the result to the model's device afterwards. With n > 1 the rows are
    one stream from that seed, so the face of a seed is `seed_to_z(seed, d)[0]`.
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and 2**63 - 1, got {seed}")
    if noise_size < 1 or n < 1:
        raise ValueError(f"noise_size and n must be >= 1, got noise_size={noise_size}, n={n}")
    gen = torch.Generator(device="cpu").manual_seed(int(seed))
    return torch.randn(n, noise_size, generator=gen)


# -----------------------------------------------------------------------------
# interpolation


def _frames(t, like: torch.Tensor) -> torch.Tensor:
    """t as a float, a 0-d tensor or a 1-D sequence of T frames -> a tensor that broadcasts
    against `like`: a scalar, or shape (T, 1, ..., 1) so results come out as (T, *like.shape)."""
    t = torch.as_tensor(t, dtype=like.dtype, device=like.device)
    if t.ndim == 0:
        return t
    if t.ndim != 1:
        raise ValueError(f"t must be a number or a 1-D sequence of frames, got shape {tuple(t.shape)}")
    return t.view(-1, *([1] * like.ndim))


def lerp(a: torch.Tensor, b: torch.Tensor, t) -> torch.Tensor:
    """Straight-line interpolation a + t (b - a), on the last dim.

    t is a number (result shaped like a and b) or a 1-D sequence of T frames
    (result (T, *a.shape)). For Gaussian z the midpoint is shorter than either
    end (|z| shrinks by ~1/sqrt(2) between independent codes), so the middle
    frames come from a region the generator rarely saw in training; see slerp.
    """
    a, b = torch.broadcast_tensors(a, b)
    t = _frames(t, a)
    return a + t * (b - a)


def slerp(a: torch.Tensor, b: torch.Tensor, t, eps: float = 1e-4) -> torch.Tensor:
    """Spherical interpolation along the great circle from a to b, on the last dim (batched).

    In high dimensions a Gaussian z lies close to the sphere of radius
    sqrt(noise_size); slerp between two such codes stays near it, so every
    frame looks like a typical sample (White 2016, "Sampling Generative
    Networks"). Two codes of equal norm keep that norm all the way.

    t: a number (result shaped like a and b) or a 1-D sequence of T frames
    (result (T, *a.shape)). Where a and b are (nearly) parallel the great
    circle is undefined or numerically unstable, and lerp is used instead;
    that includes opposite vectors, whose path then passes through 0.
    """
    a, b = torch.broadcast_tensors(a, b)
    t = _frames(t, a)
    a_unit = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    b_unit = b / b.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    omega = torch.acos((a_unit * b_unit).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0))  # angle between a and b
    sin_omega = torch.sin(omega)
    safe = sin_omega.clamp_min(eps)  # the division is only used where sin_omega >= eps
    spherical = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / safe
    return torch.where(sin_omega < eps, a + t * (b - a), spherical)


# -----------------------------------------------------------------------------
# truncation


def truncate(z: torch.Tensor, psi: float, mean: torch.Tensor | None = None) -> torch.Tensor:
    """The truncation trick: mean + psi (z - mean).

    psi < 1 pulls every code towards the centre of the latent distribution,
    where the generator was trained most densely: samples get cleaner and more
    "average" but less varied. psi = 1 changes nothing, psi = 0 maps every seed
    to the same image, and psi > 1 exaggerates (more variety, more artefacts).
    This is the linear form of StyleGAN (Karras et al. 2019); for a plain z
    generator the centre is 0, the default `mean`.
    """
    psi = float(psi)
    if not torch.isfinite(torch.tensor(psi)):
        raise ValueError(f"psi must be a finite number, got {psi}")
    if mean is None:
        return psi * z
    return mean + psi * (z - mean)


# -----------------------------------------------------------------------------
# SeFa: closed-form semantic directions


def sefa_directions(generator, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The k most important latent directions of a generator, without any data or training.

    SeFa (Shen & Zhou 2021): the first layer maps z to features by y = W z + b,
    so moving z by a unit vector n changes the features by W n. The directions
    that change the features most maximise |W n|^2 = n^T W^T W n: the top
    eigenvectors of W^T W. Returns (directions (k, noise_size), eigenvalues (k,)),
    float32, by descending eigenvalue; the eigenvalue is the direction's
    importance (the UI shows it next to each slider).

    `generator.sefa_weight()` must return that first weight, shape
    (out_features, noise_size).
    """
    weight_fn = getattr(generator, "sefa_weight", None)
    if not callable(weight_fn):
        raise TypeError(
            f"{type(generator).__name__} has no sefa_weight() method: SeFa needs the weight of the "
            f"layer that first reads z, as an (out_features, noise_size) matrix"
        )
    weight = torch.as_tensor(weight_fn()).detach().to("cpu", torch.float64)
    if weight.ndim != 2:
        raise ValueError(
            f"sefa_weight() must return a 2-D (out_features, noise_size) matrix, got shape {tuple(weight.shape)}"
        )
    noise_size = weight.shape[1]
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not 1 <= k <= noise_size:
        raise ValueError(f"k must be an integer between 1 and noise_size={noise_size}, got {k!r}")

    # Give every output feature's weight vector over z unit length, as genforce's
    # sefa does (it stores W transposed, (noise_size, out), and normalises its
    # columns; these are our rows). Otherwise a few features with large weights
    # would decide the directions on their own; afterwards trace(W^T W) = out_features.
    weight = weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-12)
    # float64 and the symmetric solver: W^T W is symmetric positive semi-definite,
    # eigh returns real, orthonormal eigenvectors in ascending order.
    eigenvalues, eigenvectors = torch.linalg.eigh(weight.T @ weight)
    eigenvalues = eigenvalues.flip(0)[:k]
    directions = eigenvectors.flip(1)[:, :k].T                               # (k, noise_size)
    # An eigenvector's sign is arbitrary and may change between LAPACK builds;
    # make the largest-magnitude component positive so slider +1 means the same everywhere.
    largest = directions.gather(1, directions.abs().argmax(dim=1, keepdim=True))
    directions = directions * torch.sign(largest)
    return directions.float(), eigenvalues.float()


def apply_directions(z: torch.Tensor, directions: torch.Tensor, alphas) -> torch.Tensor:
    """z + sum_i alphas[i] * directions[i].

    z: (..., noise_size); directions: (k, noise_size), e.g. from sefa_directions;
    alphas: k slider values (a sequence or a (k,) tensor), or (..., k) for a
    batch of edits. Directions are unit vectors, so alpha is a distance in z;
    a typical z has norm ~sqrt(noise_size) (10 for 100-d), which sets the
    scale of a useful slider range.
    """
    directions = torch.as_tensor(directions)
    if directions.ndim != 2 or directions.shape[1] != z.shape[-1]:
        raise ValueError(
            f"directions must have shape (k, {z.shape[-1]}) to match z, got {tuple(directions.shape)}"
        )
    alphas = torch.as_tensor(alphas, dtype=z.dtype, device=z.device)
    if alphas.ndim == 0 or alphas.shape[-1] != directions.shape[0]:
        raise ValueError(f"need one alpha per direction ({directions.shape[0]}), got shape {tuple(alphas.shape)}")
    return z + alphas @ directions.to(device=z.device, dtype=z.dtype)


# -----------------------------------------------------------------------------
# named directions (InterFaceGAN): shipped with the model they belong to

# faces64: fitted by scripts/faces64_named_directions.py with the attribute model.
NAMED_FILE = "named_directions.json"
# PGGAN: InterFaceGAN's published boundaries (MIT), name -> (file, sign). The sign turns
# CelebA's "Male" into "+ = more female"; see pretrained/interfacegan-pggan-celebahq/README.md.
PGGAN_BOUNDARIES = {
    "age": ("age", 1.0), "gender": ("gender", -1.0), "smile": ("smile", 1.0),
    "eyeglasses": ("eyeglasses", 1.0), "pose": ("pose", 1.0),
    "age|gender": ("age_c_gender", 1.0), "gender|age": ("gender_c_age", -1.0),
}
PGGAN_DIR = _PRETRAINED / "interfacegan-pggan-celebahq"


@functools.lru_cache(maxsize=8)
def _read_json(path: str, mtime_ns: int) -> dict:
    # keyed on the file's mtime: a rewritten file is read again. The playground asks for it
    # several times on every slider move, and parsing it each time was ~2 ms of a ~40 ms rerun.
    return json.loads(Path(path).read_text())


def named_info(model: str) -> dict:
    """The named directions' file of a model ({} when it has none): directions, measured effects, audit.

    Shared and cached: read it, do not modify it."""
    if not model or not set(model) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_"):
        return {}   # session and Hub models (their names hold ':' and '/') have no named directions
    path = _PRETRAINED / model / NAMED_FILE
    if not path.is_file():
        return {}
    return _read_json(str(path), path.stat().st_mtime_ns)


def named_directions(model: str = "faces64") -> dict[str, torch.Tensor]:
    """Named latent directions of a model: name -> unit Tensor(noise_size), float32.

    faces64: "age" (+ = older), "gender" (+ = more female) and the conditional
    "age|gender" (age's normal projected orthogonal to gender's: moves age,
    keeps gender) and "gender|age"; linear boundaries in z fitted on the
    attribute model's predictions of G(z) (InterFaceGAN, Shen et al. 2020).
    PGGAN CelebA-HQ: InterFaceGAN's published boundaries, plus smile,
    eyeglasses and pose. Add them to the code the generator sees (for PGGAN,
    the pixel-normalised code). {} for a model without named directions.
    """
    import numpy as np

    if model == "pggan-celebahq-1024":
        out = {}
        for name, (stem, sign) in PGGAN_BOUNDARIES.items():
            vec = np.load(PGGAN_DIR / f"pggan_celebahq_{stem}_boundary.npy", allow_pickle=False).reshape(-1)
            v = torch.from_numpy(sign * vec).float()
            out[name] = v / v.norm()
        return out
    info = named_info(model)
    out = {}
    for name, values in info.get("directions", {}).items():
        v = torch.tensor(values, dtype=torch.float32)
        out[name] = v / v.norm()
    return out
