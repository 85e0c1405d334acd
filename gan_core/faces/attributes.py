"""A small face-attribute model: age (years) and gender from a 64x64 face.

It scores generated faces, so the playground can name its directions
(gan_core.playground.named_directions) and audit what the generator produces.
Trained with this module on faces64.zip and UTKFace's labels
(faces64.labels.csv), with the face model's fixed held-out split:

    python -m gan_core attributes --zip ../shared/data/faces64.zip \\
        --labels ../shared/data/faces64.labels.csv --out pretrained/faces64-attributes

    model = load_attribute_model("faces64-attributes")
    model.predict(images_uint8)   # -> {"age": years (N,), "female": P(female) (N,)}

The labels are UTKFace's own (ages partly estimated, gender binary): the model
inherits their noise, and it is meant for measuring directions, not people.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..hub.files import PRETRAINED_DIR

AGE_SCALE = 100.0     # the network predicts age / 100: outputs of order 1


def _stage(cin: int, cout: int) -> nn.Sequential:
    # Halve the resolution, then one more 3x3 conv at that size.
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class AttributeNet(nn.Module):
    """uint8-range faces (N, 3, 64, 64) -> (age / 100, female logit), four conv stages and a pooled head."""

    def __init__(self, width: int = 24, image_size: int = 64):
        super().__init__()
        self.width, self.image_size = width, image_size
        w = width
        self.features = nn.Sequential(_stage(3, w), _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.head = nn.Linear(8 * w, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.head(x.mean(dim=(2, 3)))

    @torch.inference_mode()
    def embed(self, images, batch_size: int = 256) -> torch.Tensor:
        """uint8 images (N, 3, H, W) -> (N, 8 * width) float32: the pooled features the head reads
        (the penultimate layer), a feature space for precision and recall (gan_core.faces.scores)."""
        images = torch.as_tensor(images)
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"embed needs uint8 images (N, 3, H, W), got {images.dtype} {tuple(images.shape)}")
        was_training = self.training
        self.eval()
        out = []
        for chunk in images.split(batch_size):
            x = chunk.float().div(127.5).sub(1.0)
            if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
                x = F.interpolate(x, size=(self.image_size, self.image_size), mode="area")
            out.append(self.features(x).mean(dim=(2, 3)))
        self.train(was_training)
        return torch.cat(out)

    @torch.inference_mode()
    def predict(self, images, batch_size: int = 256) -> dict[str, torch.Tensor]:
        """uint8 images (N, 3, H, W) -> {"age": years (N,), "female": probabilities (N,)}.

        Other sizes are resized to the model's 64x64 (area averaging for larger
        images, e.g. PGGAN's 1024 faces).
        """
        images = torch.as_tensor(images)
        if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"predict needs uint8 images (N, 3, H, W), got {images.dtype} {tuple(images.shape)}")
        was_training = self.training
        self.eval()
        ages, females = [], []
        for chunk in images.split(batch_size):
            x = chunk.float().div(127.5).sub(1.0)
            if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
                x = F.interpolate(x, size=(self.image_size, self.image_size), mode="area")
            # channels-last: the convs run about 1.4x faster on one CPU thread (same numbers to 1e-6)
            out = self(x.contiguous(memory_format=torch.channels_last))
            ages.append((out[:, 0] * AGE_SCALE).clamp(0, 116))
            females.append(torch.sigmoid(out[:, 1]))
        self.train(was_training)
        return {"age": torch.cat(ages), "female": torch.cat(females)}


# -----------------------------------------------------------------------------
# loading

_CACHE: dict[str, AttributeNet] = {}


def load_attribute_model(name: str = "faces64-attributes") -> AttributeNet:
    """The bundled attribute model (a folder in pretrained/, or a path), in eval mode, cached."""
    from safetensors.torch import load_file

    if name in _CACHE:
        return _CACHE[name]
    folder = Path(name) if Path(name).is_dir() else PRETRAINED_DIR / name
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"no attribute model {name!r} (looked in {folder})")
    config = json.loads((folder / "config.json").read_text())
    model = AttributeNet(width=int(config["width"]), image_size=int(config["image_size"]))
    state = load_file(str(folder / "model.safetensors"))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    model.eval().requires_grad_(False)
    _CACHE[name] = model
    return model


# -----------------------------------------------------------------------------
# named directions, InterFaceGAN style (Shen, Gu, Tang, Zhou, CVPR 2020)


def unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm().clamp_min(1e-12)


def project_out(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The conditional direction "a, keeping b": a's normal made orthogonal to b's, unit length.

    Moving along it changes a linear model of b by exactly nothing (InterFaceGAN's
    conditional manipulation, for one condition).
    """
    b = unit(b)
    return unit(a - (a @ b) * b)


def fit_linear_direction(z: torch.Tensor, scores: torch.Tensor, kind: str) -> torch.Tensor:
    """The unit normal of a linear boundary in z for one attribute; + points to higher scores.

    kind="regression" (age in years): least squares of the score on z.
    kind="logistic" (P(female)): logistic regression on the probabilities as soft
    labels, the smooth cousin of InterFaceGAN's linear SVM on confident samples.
    """
    z = z.double()
    zc = z - z.mean(0)
    if kind == "regression":
        y = scores.double() - scores.double().mean()
        w = torch.linalg.solve(zc.T @ zc + 1e-3 * torch.eye(z.shape[1], dtype=z.dtype), zc.T @ y)
        return unit(w).float()
    if kind != "logistic":
        raise ValueError(f"kind must be 'regression' or 'logistic', got {kind!r}")
    target = scores.double().clamp(0, 1)
    w = torch.zeros(z.shape[1] + 1, dtype=z.dtype, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(zc @ w[:-1] + w[-1], target) + 1e-4 * (w[:-1] ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return unit(w.detach()[:-1]).float()


@torch.inference_mode()
def score_codes(generator, model: AttributeNet, codes: torch.Tensor, batch: int = 250) -> dict[str, torch.Tensor]:
    """Attribute predictions for G(codes), batch by batch."""
    from ..data.pixels import to_uint8

    ages, females = [], []
    for chunk in codes.split(batch):
        pred = model.predict(to_uint8(generator(chunk)))
        ages.append(pred["age"])
        females.append(pred["female"])
    return {"age": torch.cat(ages), "female": torch.cat(females)}


def fit_named_directions(generator, model: AttributeNet, n: int = 6000, seed: int = 0) -> dict[str, torch.Tensor]:
    """{"age", "gender", "age|gender", "gender|age"}: unit vectors in z, + = older / more female."""
    z = torch.randn(n, generator.noise_size, generator=torch.Generator().manual_seed(seed))
    scores = score_codes(generator, model, z)
    age = fit_linear_direction(z, scores["age"], "regression")
    gender = fit_linear_direction(z, scores["female"], "logistic")
    return {"age": age, "gender": gender, "age|gender": project_out(age, gender), "gender|age": project_out(gender, age)}


def measure_direction(generator, model: AttributeNet, codes: torch.Tensor, direction: torch.Tensor,
                      distance: float = 3.0, before: dict | None = None) -> dict[str, float]:
    """What moving each code by `distance` along `direction` does to the predictions (mean and std over codes).

    before: score_codes(generator, model, codes), if already computed.
    """
    before = before if before is not None else score_codes(generator, model, codes)
    after = score_codes(generator, model, codes + distance * direction)
    d_age, d_female = after["age"] - before["age"], after["female"] - before["female"]
    return {"distance": distance, "n": len(codes),
            "age_mean": float(d_age.mean()), "age_std": float(d_age.std()),
            "female_mean": float(d_female.mean()), "female_std": float(d_female.std()),
            "female_abs_mean": float(d_female.abs().mean())}


# What counts as "measurably changes" for the SeFa captions: per unit of slider.
AGE_EFFECT_YEARS = 0.5
FEMALE_EFFECT = 0.02


def describe_effect(effect: dict) -> str:
    """Which attribute a direction moves, from measure_direction's numbers: "age", "gender", "both" or "none".

    An attribute counts when its mean change per unit passes the threshold above
    and is at least 3 standard errors from 0 over the measured faces (faces
    react differently to one direction: a mean of +2 years with a spread of 5
    over 100 faces is not a measured change).
    """
    n = max(int(effect.get("n", 1)), 1)

    def real(mean, std, threshold):
        return abs(mean) / effect["distance"] >= threshold and abs(mean) >= 3 * std / n ** 0.5

    per_unit_age = abs(effect["age_mean"]) / effect["distance"]
    per_unit_female = abs(effect["female_mean"]) / effect["distance"]
    age = real(effect["age_mean"], effect["age_std"], AGE_EFFECT_YEARS)
    gender = real(effect["female_mean"], effect["female_std"], FEMALE_EFFECT)
    if age and gender:
        # "mostly" the one that is larger relative to its threshold
        ratio = (per_unit_age / AGE_EFFECT_YEARS) / (per_unit_female / FEMALE_EFFECT)
        return "age" if ratio > 3 else "gender" if ratio < 1 / 3 else "both"
    return "age" if age else "gender" if gender else "none"


AGE_BINS = (0, 10, 20, 30, 40, 50, 60, 70)   # left edges; the last bin is 70+


def age_histogram(ages: torch.Tensor) -> list[float]:
    """Share of faces per age bin (AGE_BINS), summing to 1."""
    edges = torch.tensor(AGE_BINS[1:], dtype=ages.dtype)
    counts = torch.bincount(torch.bucketize(ages, edges, right=True), minlength=len(AGE_BINS)).double()
    return (counts / counts.sum()).tolist()


def audit_reading(generated: list[float], training: list[float], low: float = 0.75, high: float = 1.33):
    """Age bins the generator under- and over-produces: ([(bin label, ratio)], [(bin label, ratio)]).

    ratio = generated share / training-photo share, both from the same attribute
    model, so its own errors largely cancel; bins under 1 % of the photos are skipped.
    """
    under, over = [], []
    for label, g, t in zip(age_bin_labels(), generated, training):
        if t < 0.01:
            continue
        ratio = g / t
        if ratio < low:
            under.append((label, ratio))
        elif ratio > high:
            over.append((label, ratio))
    return under, over


def age_bin_labels() -> list[str]:
    return [f"{lo}-{hi - 1}" for lo, hi in zip(AGE_BINS, AGE_BINS[1:])] + [f"{AGE_BINS[-1]}+"]


# -----------------------------------------------------------------------------
# training


def load_labelled_faces(zip_path, labels_csv):
    """(uint8 images (N, 3, 64, 64), ages (N,) float, genders (N,) float) in archive order."""
    import csv
    import zipfile

    from ..data.registry import load_dataset

    images = load_dataset(str(zip_path), 64)
    with zipfile.ZipFile(zip_path) as zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
    rows = {}
    with open(labels_csv, newline="") as f:
        for row in csv.DictReader(f):
            rows[row["file"]] = row
    if len(names) != len(images):
        raise ValueError(f"{len(images)} images decoded but the archive lists {len(names)}: labels would not line up")
    ages = torch.tensor([float(rows[n]["age"]) for n in names])
    genders = torch.tensor([float(rows[n]["gender"]) for n in names])
    return images, ages, genders


def evaluate(model: AttributeNet, images, ages, genders) -> dict:
    pred = model.predict(images)
    return {"age_mae": float((pred["age"] - ages).abs().mean()),
            "gender_accuracy": float(((pred["female"] > 0.5).float() == genders).float().mean()),
            "n": len(images)}


def train(images, ages, genders, *, width=24, epochs=6, batch_size=128, lr=3e-3, seed=0, log=print):
    """AdamW + one-cycle cosine schedule; L1 loss on age / 100 and cross-entropy on gender, random flips."""
    torch.manual_seed(seed)
    model = AttributeNet(width)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * (len(images) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.15)
    gen = torch.Generator().manual_seed(seed)
    step, t0 = 0, time.perf_counter()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(images), generator=gen)
        for i in range(len(images) // batch_size):
            idx = perm[i * batch_size:(i + 1) * batch_size]
            x = images[idx].float().div(127.5).sub(1.0)
            flip = torch.rand(len(x), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            out = model(x)
            loss = (F.l1_loss(out[:, 0], ages[idx] / AGE_SCALE) * 10
                    + F.binary_cross_entropy_with_logits(out[:, 1], genders[idx]))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 50 == 0:
                log(f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} ({time.perf_counter() - t0:.0f} s)")
    return model.eval()


def save_attribute_model(model: AttributeNet, folder, extra: dict | None = None) -> Path:
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    config = {"architecture": "attribute_net", "width": model.width, "image_size": model.image_size,
              "outputs": {"age": "years", "female": "probability"}, **(extra or {})}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return folder


def main(argv=None) -> int:
    from ..data.registry import holdout_split

    p = argparse.ArgumentParser(prog="python -m gan_core attributes", description=__doc__.splitlines()[0])
    p.add_argument("--zip", required=True)
    p.add_argument("--labels", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--holdout", type=int, default=2000, help="the face model's fixed held-out split")
    p.add_argument("--width", type=int, default=24)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    images, ages, genders = load_labelled_faces(args.zip, args.labels)
    train_idx, held_idx = holdout_split(len(images), args.holdout)
    print(f"{len(images)} faces: {len(train_idx)} train, {len(held_idx)} held out", flush=True)
    model = train(images[train_idx], ages[train_idx], genders[train_idx], width=args.width, epochs=args.epochs,
                  batch_size=args.batch_size, lr=args.lr, log=lambda m: print(m, flush=True))
    held = evaluate(model, images[held_idx], ages[held_idx], genders[held_idx])
    print(f"held out ({held['n']} faces): age MAE {held['age_mae']:.2f} years, "
          f"gender accuracy {100 * held['gender_accuracy']:.1f} %", flush=True)
    save_attribute_model(model, args.out, extra={
        "held_out": held, "train_args": {k: v for k, v in vars(args).items() if k not in ("zip", "labels", "out")},
        "data": "faces64.zip + faces64.labels.csv (UTKFace labels); held-out split gan_core.data.holdout_split(N, 2000)"})
    print(f"saved to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
