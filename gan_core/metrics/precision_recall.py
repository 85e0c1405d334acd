"""Improved precision and recall of Kynkäänniemi, Karras, Laine, Lehtinen and Aila (NeurIPS 2019):
estimate each set's manifold in a feature space as the union of balls around its points, each ball
reaching the point's k-th nearest neighbour in its own set.

    precision = share of generated points inside the real manifold   (are the fakes realistic?)
    recall    = share of real points inside the generated manifold   (is the data's variety covered?)

The metric works on features, not pixels: the caller chooses the embedding (the paper: VGG-16's
fc2 features; this app: the face-attribute model's pooled features, gan_core.faces.scores). What
the embedding does not encode, the metric cannot see. Both numbers depend on k and on the sample
sizes, so compare only values computed with the same k and the same N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DEFAULT_K = 3          # the paper's choice


@dataclass
class PrecisionRecall:
    precision: float
    recall: float
    k: int
    n_real: int
    n_fake: int

    def __str__(self) -> str:
        return f"precision {self.precision:.3f}  recall {self.recall:.3f}  (k={self.k}, {self.n_real} real, {self.n_fake} fake)"


def _as_features(x, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).double()
    if t.ndim != 2 or t.shape[0] < 2 or not torch.isfinite(t).all():
        raise ValueError(f"{name} must be a finite (N, D) array with N >= 2, got shape {tuple(t.shape)}")
    return t


def knn_radii(features, k: int = DEFAULT_K) -> torch.Tensor:
    """Distance from each point to its k-th nearest neighbour in the same set (itself excluded)."""
    x = _as_features(features, "features")
    if not 1 <= k < x.shape[0]:
        raise ValueError(f"k must be between 1 and N - 1 = {x.shape[0] - 1}, got {k}")
    d = torch.cdist(x, x)
    d.fill_diagonal_(float("inf"))
    return d.kthvalue(k, dim=1).values


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, chunk: int = 2048) -> float:
    """Share of `points` inside at least one ball (centre, radius)."""
    inside = 0
    for part in points.split(chunk):
        inside += int((torch.cdist(part, centres) <= radii[None, :]).any(dim=1).sum())
    return inside / points.shape[0]


def precision_recall(real_features, fake_features, k: int = DEFAULT_K) -> PrecisionRecall:
    """Kynkäänniemi et al.'s precision and recall of `fake_features` against `real_features`, (N, D) each.

    A fake identical to a real point lies in that point's ball, so a subset of the real set has
    precision 1; its recall falls below 1 as soon as it misses part of the real set. A set moved
    away from the real one has low precision.
    """
    real, fake = _as_features(real_features, "real_features"), _as_features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"real and fake features differ in dimension: {real.shape[1]} vs {fake.shape[1]}")
    precision = _coverage(fake, real, knn_radii(real, k))
    recall = _coverage(real, fake, knn_radii(fake, k))
    return PrecisionRecall(precision, recall, k, real.shape[0], fake.shape[0])
