"""Your photo in a generator's latent space: find the z (and a small correction of the first
feature map) whose image matches a cropped face (faces/photo.py makes the crop).

    crop (3, 64, 64) --invert--> Inversion(z, offset, image, error)

An encoder (faces/encoder.py, trained on generated pairs) gives a starting z in one forward pass;
Adam then refines z, plus an additive correction of the first 4x4 feature map, for a bounded
number of steps. The loss is an L1 over a Laplacian pyramid (edges at every scale count, and the
coarsest level carries colour), plus a prior that keeps |z| near sqrt(d), where Gaussian codes
live, and a penalty that keeps the feature correction small, so the sliders still act on the
result as on any generated face.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..data.pixels import to_float, to_uint8

# -----------------------------------------------------------------------------
# inversion


@dataclass
class InvertConfig:
    steps: int = 60               # the default budget (<= 5 s on a 2-core CPU; bench/bench_invert.py)
    lr: float = 0.05
    lr_offset: float = 0.02
    use_offset: bool = True       # also refine a correction of the first 4x4 feature map
    prior_weight: float = 0.02    # keeps |z| near sqrt(noise_size)
    offset_weight: float = 0.05   # keeps the feature correction small (edits stay meaningful)
    levels: int = 4               # Laplacian pyramid levels: 64, 32, 16, 8 + the 4x4 colour residual


@dataclass
class Inversion:
    z: torch.Tensor               # (noise_size,)
    image: torch.Tensor           # uint8 (3, S, S): the reconstruction
    error: float                  # mean absolute pixel error, in grey levels (0-255)
    psnr: float                   # dB, against the target crop
    offset: torch.Tensor | None   # (C, 4, 4) correction of the first feature map, or None
    steps: int                    # refinement steps taken in total (encoder start = 0)
    seconds: float
    history: list[float] = field(default_factory=list)   # loss every step


def render(generator, z: torch.Tensor, offset: torch.Tensor | None = None) -> torch.Tensor:
    """G(z) with an additive correction of the first feature map; z (B, d) -> (B, 3, S, S) in [-1, 1]."""
    if offset is None:
        return generator(z)
    x = generator.linear_bn(z).view(-1, generator.top_channels, 4, 4) + offset
    for i in range(generator.n_blocks):
        x = getattr(generator, f"upconv{i + 1}")(x)
    return x


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """[band-pass 64, 32, ..., low-pass residual]: each level is the detail lost by halving."""
    out = []
    for _ in range(levels):
        down = F.avg_pool2d(x, 2)
        out.append(x - F.interpolate(down, scale_factor=2, mode="bilinear", align_corners=False))
        x = down
    out.append(x)
    return out


def pyramid_l1(a: torch.Tensor, b: torch.Tensor, levels: int) -> torch.Tensor:
    """Per-image L1 over pyramid levels, each level weighted equally (so colour counts as much as edges)."""
    return sum((pa - pb).abs().flatten(1).mean(1) for pa, pb in
               zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels)))


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """PSNR in dB between uint8 images (..., 3, H, W), one value per image."""
    mse = (a.float() - b.float()).pow(2).flatten(-3).mean(-1)
    return 10 * torch.log10(255.0 ** 2 / mse.clamp_min(1e-10))


@functools.lru_cache(maxsize=2)
def _bundled_encoder(name: str):
    from .encoder import load_encoder

    return load_encoder(name)


def default_encoder(generator):
    """The bundled encoder when it fits this generator (faces64), else None (start from z = 0)."""
    try:
        enc = _bundled_encoder("faces64-encoder")
    except FileNotFoundError:
        return None
    fits = enc.noise_size == generator.noise_size and enc.image_size == generator.image_size
    return enc if fits else None


def _check_target(generator, image) -> torch.Tensor:
    image = torch.as_tensor(image)
    s = generator.image_size
    if image.dtype != torch.uint8:
        raise TypeError(f"invert expects a uint8 image, got {image.dtype}")
    if image.ndim == 3:
        image = image[None]
    if image.ndim != 4 or image.shape[1:] != (3, s, s):
        raise ValueError(f"invert expects a uint8 (3, {s}, {s}) face crop (use crop_face), got {tuple(image.shape)}")
    return image


def invert_batch(generator, images, steps: int | None = None, progress=None, encoder="default",
                 start: tuple[torch.Tensor, torch.Tensor | None] | None = None,
                 config: InvertConfig = InvertConfig()):
    """Invert (B, 3, S, S) uint8 crops at once -> (z (B, d), offset (B, C, 4, 4) or None, images uint8, losses).

    Each image's loss is its own and Adam's update is per element, so a batch
    gives the same answer as one image at a time (the generator is in eval mode).
    """
    generator.eval()
    target = to_float(_check_target(generator, images))
    steps = config.steps if steps is None else int(steps)
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    d = generator.noise_size
    if start is not None:
        z0, off0 = start
        z0 = z0.reshape(len(target), d).float()
    else:
        enc = default_encoder(generator) if encoder == "default" else encoder
        with torch.no_grad():
            z0 = enc(target) if enc is not None else torch.zeros(len(target), d)
        off0 = None
    z = z0.clone().requires_grad_(True)
    params = [{"params": [z], "lr": config.lr}]
    offset = None
    if config.use_offset:
        shape = (len(target), generator.top_channels, 4, 4)
        offset = (off0.reshape(shape).clone() if off0 is not None else torch.zeros(shape)).requires_grad_(True)
        params.append({"params": [offset], "lr": config.lr_offset})
    history = []
    if steps:
        opt = torch.optim.Adam(params, betas=(0.9, 0.99))
        for step in range(steps):
            # Linear decay: large moves first, then settle.
            for group, base in zip(opt.param_groups, (config.lr, config.lr_offset)):
                group["lr"] = base * (1 - step / steps)
            out = render(generator, z, offset)
            per_image = pyramid_l1(out, target, config.levels)
            loss = per_image + config.prior_weight * (z.norm(dim=1) / math.sqrt(d) - 1).pow(2) * d / 10
            if offset is not None:
                loss = loss + config.offset_weight * offset.pow(2).flatten(1).mean(1)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            opt.step()
            history.append(float(per_image.detach().mean()))
            if progress is not None:
                progress((step + 1) / steps)
    with torch.no_grad():
        z, offset = z.detach(), (offset.detach() if offset is not None else None)
        out = to_uint8(render(generator, z, offset))
    return z, offset, out, history


def invert(generator, image, steps: int | None = None, progress=None, encoder="default",
           start: Inversion | None = None, config: InvertConfig = InvertConfig()) -> Inversion:
    """Find the code of a uint8 (3, S, S) face crop.

    steps: refinement steps (None: config.steps, the default budget; 0: encoder only).
    progress: called with the fraction done after every step (a progress bar).
    start: continue from an earlier Inversion ("refine more"); its steps are added.
    encoder: "default" (the bundled one when it fits the generator), a module, or None (z = 0).
    """
    t0 = time.perf_counter()
    image = _check_target(generator, image)
    begin = None if start is None else (start.z, start.offset)
    if start is not None and (start.offset is None) == config.use_offset:
        begin = (start.z, None)
    z, offset, out, history = invert_batch(generator, image, steps, progress, encoder, begin, config)
    err = (out.float() - image.float()).abs().mean().item()
    done = (start.steps if start is not None else 0) + len(history)
    return Inversion(z[0], out[0], err, float(psnr(out, image)[0]), None if offset is None else offset[0],
                     done, time.perf_counter() - t0, history)


@torch.no_grad()
def edit(generator, inversion: Inversion, z: torch.Tensor) -> torch.Tensor:
    """Render an edited code (e.g. z + sliders) with the inversion's feature correction -> uint8 (3, S, S)."""
    generator.eval()
    offset = None if inversion.offset is None else inversion.offset[None]
    return to_uint8(render(generator, z.reshape(1, -1).float(), offset))[0]


def difference_image(a: torch.Tensor, b: torch.Tensor, gain: float = 3.0) -> torch.Tensor:
    """|a - b| per pixel (mean over colour), amplified and shown as a gray uint8 (3, H, W) image."""
    diff = (a.float() - b.float()).abs().mean(0, keepdim=True) * gain
    return diff.clamp(0, 255).round().to(torch.uint8).expand(3, -1, -1).contiguous()


# Regions of a UTKFace-framed 64x64 crop (rows, columns) and what usually goes wrong there.
REGIONS = {
    "hair": (slice(0, 14), slice(8, 56)),           # hair, hats, the top of the head
    "eyes": (slice(20, 34), slice(10, 54)),         # glasses, eye shape, gaze
    "mouth": (slice(40, 56), slice(18, 46)),        # smiles, teeth, beards
    "background": (slice(0, 64), slice(0, 7)),      # left edge (the right mirrors it, added below)
}


@dataclass
class Residual:
    error: float                       # mean absolute error, grey levels
    colour_shift: float                # |mean colour difference|, grey levels
    region: str                        # where the error is largest relative to the face's average
    region_ratio: float                # that region's error / the whole crop's
    by_region: dict[str, float]


def describe_residual(target: torch.Tensor, recon: torch.Tensor) -> Residual:
    """Where the reconstruction misses: the worst region (hair, eyes, mouth, background) and the colour shift."""
    if target.shape[-2:] != (64, 64) or recon.shape != target.shape:
        raise ValueError("describe_residual expects two (3, 64, 64) images")
    diff = (target.float() - recon.float())
    err = diff.abs().mean(0)
    by_region = {}
    for name, (rows, cols) in REGIONS.items():
        value = err[rows, cols].mean()
        if name == "background":
            value = (value + err[:, 57:].mean()) / 2
        by_region[name] = float(value)
    overall = float(err.mean())
    worst = max(by_region, key=by_region.get)
    shift = float(diff.mean((1, 2)).norm() / math.sqrt(3))
    return Residual(overall, shift, worst, by_region[worst] / max(overall, 1e-6), by_region)
