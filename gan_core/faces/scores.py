"""Precision and recall of the bundled face generator (Kynkäänniemi et al. 2019), measured in a
feature space the app ships: the attribute model's pooled features (AttributeNet.embed).

The real side is 1,000 photos from faces64's fixed held-out split (never trained on by the
generator or the attribute model), stored as features only, two halves of 500: one half is the
reference, the other measures the real-vs-real floor. Build the file with

    python scripts/faces64_real_features.py --zip ../shared/data/faces64.zip

The generated side is drawn live, with the truncation trick z -> psi z, so the trade-off of psi
shows as numbers: precision (realism) up, recall (variety) down as psi falls.

What the numbers cannot see: anything the attribute model does not encode (it was trained for age
and gender, so backgrounds, fine texture and many artefacts barely move its features); and with
500 points per side the values move by a few hundredths from seed to seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch

from ..data.pixels import to_uint8
from ..hub.files import PRETRAINED_DIR
from ..metrics import PrecisionRecall, precision_recall
from ..playground.directions import seed_to_z, truncate
from .attributes import AttributeNet

REAL_FEATURES = PRETRAINED_DIR / "faces64-attributes" / "real_features.safetensors"
N_PER_SIDE = 500
PSIS = (1.0, 0.8, 0.6, 0.4)


def load_real_features(path: Path = REAL_FEATURES) -> tuple[torch.Tensor, torch.Tensor]:
    """The two halves (reference, floor) of the held-out photos' features, float32 (500, D) each."""
    from safetensors.torch import load_file

    state = load_file(str(path))
    return state["reference"].float(), state["floor"].float()


@torch.inference_mode()
def generated_features(generator, model: AttributeNet, psi: float = 1.0, n: int = N_PER_SIDE,
                       seed: int = 0, batch: int = 250) -> torch.Tensor:
    """Features of n faces from seeds seed ... (one z each), truncated to psi."""
    generator.eval()
    z = truncate(seed_to_z(seed, generator.noise_size, n), psi)
    images = torch.cat([to_uint8(generator(part)) for part in z.split(batch)])
    return model.embed(images)


@dataclass
class TruncationRow:
    """One row of the table: psi (None for the real-vs-real floor), the scores, and seconds taken."""

    psi: float | None
    scores: PrecisionRecall
    seconds: float


def truncation_sweep(generator, model: AttributeNet, psis=PSIS, n: int = N_PER_SIDE, seed: int = 0,
                     k: int = 3, real: tuple[torch.Tensor, torch.Tensor] | None = None) -> list[TruncationRow]:
    """The real-vs-real floor, then precision and recall of the generator at each psi against the reference."""
    reference, floor = real if real is not None else load_real_features()
    reference, floor = reference[:n], floor[:n]
    start = time.perf_counter()
    rows = [TruncationRow(None, precision_recall(reference, floor, k), time.perf_counter() - start)]
    for psi in psis:
        start = time.perf_counter()
        fake = generated_features(generator, model, psi, n=len(reference), seed=seed)
        rows.append(TruncationRow(float(psi), precision_recall(reference, fake, k), time.perf_counter() - start))
    return rows
