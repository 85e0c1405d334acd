"""An encoder for a z generator: image -> the z that made it.

Inverting a GAN by optimisation alone starts from a random z and needs
hundreds of steps; a network trained to map G(z) back to z gets most of the
way in one forward pass, and a short optimisation (gan_core.faces) does the
rest. This is the "learning-based + optimisation" hybrid of the GAN inversion
literature (Zhu et al., "Generative Visual Manipulation on the Natural Image
Manifold", ECCV 2016; Xia et al., "GAN Inversion: A Survey", 2022).

Training data costs nothing: sample z, render G(z), learn x -> z. The loss
compares codes twice: in z itself, and after the generator's first layer
(linear + batch norm, what SeFa factorises), because the generator is much
more sensitive to some directions of z than to others, and the first layer
weights them the way the generator does.

    python -m gan_core encoder --generator faces64 --pairs 40000 --iterations 6000 --out runs/enc
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..data.pixels import to_float, to_uint8
from ..hub.files import PRETRAINED_DIR


class Encoder(nn.Module):
    """uint8-range images in [-1, 1], (B, 3, S, S) -> codes (B, noise_size).

    Four stride-2 4x4 convs (S -> S/16) with LeakyReLU, then one linear layer.
    No batch norm, so a single photo gives the same answer alone or in a batch.
    """

    def __init__(self, noise_size: int = 128, width: int = 32, image_size: int = 64):
        super().__init__()
        self.noise_size, self.width, self.image_size = noise_size, width, image_size
        chans = [3, width, width * 2, width * 4, width * 8]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers)
        side = image_size // 16
        self.head = nn.Linear(chans[-1] * side * side, noise_size)

    def forward(self, x):
        if x.dim() != 4 or x.shape[1:] != (3, self.image_size, self.image_size):
            raise ValueError(f"expected images (batch, 3, {self.image_size}, {self.image_size}), "
                             f"got {tuple(x.shape)}")
        return self.head(self.features(x).flatten(1))


@dataclass
class EncoderConfig:
    generator: str = "faces64"
    width: int = 32
    pairs: int = 40000          # generated (z, G(z)) pairs, rendered once and reused
    iterations: int = 6000
    batch_size: int = 128
    lr: float = 1e-3
    feature_weight: float = 1.0  # weight of the first-layer feature loss next to the z loss
    noise_std: float = 0.02     # pixel noise on the inputs: real photos are never exactly G(z)
    seed: int = 0
    threads: int = 1

    @classmethod
    def from_dict(cls, d: dict) -> "EncoderConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@torch.inference_mode()
def render_pairs(generator, n: int, seed: int, batch: int = 256, log=print):
    """n codes and their faces as uint8 (uint8 keeps 40k faces in 0.5 GB)."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.noise_size, generator=g)
    images = torch.empty(n, 3, generator.image_size, generator.image_size, dtype=torch.uint8)
    t0 = time.perf_counter()
    for i in range(0, n, batch):
        images[i:i + batch] = to_uint8(generator(z[i:i + batch]))
        if (i // batch) % 20 == 0:
            log(f"rendered {min(i + batch, n)}/{n} pairs ({time.perf_counter() - t0:.0f} s)")
    return z, images


def first_layer(generator, z):
    """The generator's first layer (linear + batch norm, before the ReLU): where z becomes features."""
    linear, bn = generator.linear_bn[0], generator.linear_bn[1]
    return bn(linear(z))


def train_encoder(generator, config: EncoderConfig, log=print, checkpoint=None) -> tuple[Encoder, list[dict]]:
    """Train an encoder on pairs rendered by `generator` (eval mode, frozen); returns (encoder, log rows).

    checkpoint(encoder, rows), if given, is called at every log row (the CLI saves the folder there)."""
    torch.manual_seed(config.seed)
    generator.eval().requires_grad_(False)
    z_all, x_all = render_pairs(generator, config.pairs, config.seed, log=log)
    # The last 1,000 pairs are held out to watch for overfitting.
    n_val = min(1000, config.pairs // 10)
    z_val, x_val = z_all[-n_val:], to_float(x_all[-n_val:])
    z_tr, x_tr = z_all[:-n_val], x_all[:-n_val]
    enc = Encoder(generator.noise_size, config.width, generator.image_size)
    opt = torch.optim.Adam(enc.parameters(), lr=config.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda it: 0.5 * (1 + math.cos(math.pi * min(it, config.iterations) / config.iterations)))
    g = torch.Generator().manual_seed(config.seed + 1)
    rows, t0 = [], time.perf_counter()
    for it in range(1, config.iterations + 1):
        idx = torch.randint(len(z_tr), (config.batch_size,), generator=g)
        x = to_float(x_tr[idx])
        x = x + config.noise_std * torch.randn(x.shape, generator=g)
        z = z_tr[idx]
        pred = enc(x)
        loss_z = F.mse_loss(pred, z)
        loss_f = F.mse_loss(first_layer(generator, pred), first_layer(generator, z))
        loss = loss_z + config.feature_weight * loss_f
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if it % 100 == 0 or it == config.iterations:
            with torch.no_grad():
                enc.eval()
                pv = torch.cat([enc(x_val[i:i + 250]) for i in range(0, n_val, 250)])
                enc.train()
                val = F.mse_loss(pv, z_val).item()
            row = {"iteration": it, "loss_z": loss_z.item(), "loss_features": loss_f.item(),
                   "val_z_mse": val, "seconds": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            log(json.dumps(row))
            if checkpoint is not None:
                checkpoint(enc, rows)
    return enc.eval(), rows


# ---------------------------------------------------------------- saving and loading


def save_encoder(folder, encoder: Encoder, config: EncoderConfig, card: str | None = None,
                 extra: dict | None = None) -> Path:
    """config.json + model.safetensors (float16 weights, half the size) + README.md."""
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cfg = {"architecture": "encoder", "noise_size": encoder.noise_size, "width": encoder.width,
           "image_size": encoder.image_size, "library": "gan_core", "train_config": asdict(config),
           "weights_dtype": "float16", **(extra or {})}
    state = {k: v.detach().half().contiguous() for k, v in encoder.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    if card is not None:
        (folder / "README.md").write_text(card)
    return folder


def load_encoder(name_or_path: str = "faces64-encoder") -> Encoder:
    """A bundled encoder (a folder in pretrained/) or a folder path; safetensors only."""
    from safetensors.torch import load_file

    folder = Path(name_or_path)
    if not folder.is_dir():
        folder = PRETRAINED_DIR / name_or_path
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"no encoder at {name_or_path!r} (looked for {cfg_path})")
    cfg = json.loads(cfg_path.read_text())
    enc = Encoder(cfg["noise_size"], cfg["width"], cfg["image_size"])
    state = {k: v.float() for k, v in load_file(str(folder / "model.safetensors")).items()}
    enc.load_state_dict(state, strict=True)
    return enc.eval().requires_grad_(False)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gan_core encoder", description="Train an encoder (image -> z) for a generator on generated pairs.")
    for f in fields(EncoderConfig):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=f.default)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    config = EncoderConfig.from_dict(vars(args))
    torch.set_num_threads(config.threads)
    from ..hub.remote import ModelLoadError, load_generator

    try:            # a bundled name, a folder or hf:owner/name[@revision or 40-hex commit]
        generator, info = load_generator(config.generator)
    except ModelLoadError as exc:       # one sentence, not a traceback
        raise SystemExit(f"python -m gan_core encoder --generator: {exc}") from None

    def save(enc, rows):
        save_encoder(args.out, enc, config, extra={"generator": config.generator, "final": rows[-1]})
        (Path(args.out) / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    train_encoder(generator, config, checkpoint=save)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
