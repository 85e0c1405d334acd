"""A slider of the visitor's own: label generated faces "has it" / "hasn't", fit a linear boundary.

InterFaceGAN's recipe (Shen, Gu, Tang, Zhou, CVPR 2020) with a person as the classifier: the
faces of a few seeds are labelled 0/1, a logistic regression with a little L2 separates their
codes, and the boundary's unit normal is the new slider (code + alpha * normal). Options "keep
age" / "keep gender" make it orthogonal to the shipped normals (conditional editing, as the named
sliders do). How good and how clean it is: cross-validated accuracy on the visitor's own labels,
the cosine with the shipped normals, and what the attribute model measures at +3 over 200 faces.

* `label_seeds(page)`: the faces offered for labelling, page by page (not the curated seeds).
* `fit_slider(spec, prior_code, named)`: a `SliderSpec` (the labels) -> `FittedSlider`; under a
  second on a CPU. `SliderError` says, in one sentence, why labels cannot make a slider.
* `measure_slider(engine, direction, attributes)`: the attribute model's change at +3.
* `slider_text` / `parse_slider_text`: the compact, bounded form a share link carries (the
  labels, 5 faces per byte, base64url; the direction is fitted again on the way in);
  `slider_json` / `spec_from_json`: the download, and reading it back within bounds.
"""

from __future__ import annotations

import base64
import json
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from .state import (
    MAX_SEED,
    MINE_KEEP,
    MINE_MAX_NAME,
    MINE_MAX_PAGES,
    MINE_PAGE_SIZE,
    NAMED_MAX,
    NAMED_MIN,
    SliderSpec,
)
from .state import fmt as _fmt

MAX_MARKS = MINE_PAGE_SIZE * MINE_MAX_PAGES      # faces a slider can be labelled on (192)
MIN_LABELS = 10        # below this, cross-validation has nothing to say
MIN_PER_CLASS = 3      # and each answer needs a few faces
# L2 on the normal, per labelled face: keeps a boundary through 10-80 points in 128-d from
# chasing the labels (any such set is separable) and pulls it toward the difference of the
# class means, the best guess for a Gaussian prior. Chosen with bench/bench_custom_slider.py.
L2 = 0.05
# Cross-validated accuracy this far above always answering the commoner label is "a slider";
# below it the labels do not follow a straight line in the code (or are too few to tell).
USEFUL_MARGIN = 0.10
MEASURE_FACES = 200
MEASURE_DISTANCE = 3.0
MAX_JSON_BYTES = 64 * 1024
_LABEL_SALT = 0x1ABE1
_NAME_EXTRA = set(" -_'\u200c")         # besides letters and digits (any script); ZWNJ for Persian
FORMAT = "gan-playground-slider"


class SliderError(ValueError):
    """Labels that cannot make a slider. str() is a sentence for the visitor; `code` and
    `values` let a page say it in its own language."""

    def __init__(self, code: str, message: str, **values):
        super().__init__(message)
        self.code, self.values = code, values


# -----------------------------------------------------------------------------
# the faces to label, and the labels


def label_seeds(page: int, n: int = MINE_PAGE_SIZE) -> list[int]:
    """The seeds of labelling page `page` (0, 1, 2 ...): reproducible, random, never the curated ones
    (a hand-picked page would bias the boundary toward what we found pretty)."""
    if not 0 <= int(page) < MINE_MAX_PAGES:
        raise ValueError(f"page must be between 0 and {MINE_MAX_PAGES - 1}, got {page}")
    rng = np.random.default_rng([int(page), _LABEL_SALT])
    return [int(s) for s in rng.integers(0, MAX_SEED, size=n, endpoint=True)]


def clean_name(text: str) -> str:
    """A slider's name as typed, kept to letters, digits, spaces, - _ ' (any script), at most 40."""
    kept = "".join(c for c in str(text) if c.isalnum() or c in _NAME_EXTRA)
    return " ".join(kept.split())[:MINE_MAX_NAME].strip()


def make_spec(name: str, marks, keep=()) -> SliderSpec:
    """A SliderSpec from what a page collected: marks 0 skip / 1 hasn't / 2 has, in page order."""
    marks = tuple(int(m) for m in marks)
    if len(marks) > MAX_MARKS or any(m not in (0, 1, 2) for m in marks):
        raise ValueError(f"marks must be at most {MAX_MARKS} values of 0, 1 or 2")
    while marks and marks[-1] == 0:
        marks = marks[:-1]
    keep = tuple(k for k in MINE_KEEP if k in set(keep))
    return SliderSpec(name=clean_name(name), marks=marks, keep=keep)


def labelled(spec: SliderSpec) -> tuple[list[int], list[int]]:
    """(seeds, labels 0/1) of the faces the visitor answered, skips left out."""
    seeds, labels = [], []
    for page in range(math.ceil(len(spec.marks) / MINE_PAGE_SIZE)):
        for seed, mark in zip(label_seeds(page), spec.marks[page * MINE_PAGE_SIZE:(page + 1) * MINE_PAGE_SIZE]):
            if mark:
                seeds.append(seed)
                labels.append(mark - 1)
    return seeds, labels


def counts(spec: SliderSpec) -> tuple[int, int]:
    """(faces marked "has it", faces marked "hasn't")."""
    return sum(m == 2 for m in spec.marks), sum(m == 1 for m in spec.marks)


def check(spec: SliderSpec) -> None:
    """Raise SliderError unless the labels can make a slider at all."""
    has, hasnt = counts(spec)
    if has + hasnt < MIN_LABELS:
        raise SliderError("few", f"Label at least {MIN_LABELS} faces to make a slider (you have labelled "
                          f"{has + hasnt}).", need=MIN_LABELS, n=has + hasnt)
    if min(has, hasnt) < MIN_PER_CLASS:
        raise SliderError("one_class", f"A slider needs at least {MIN_PER_CLASS} faces marked \"has it\" and as "
                          f"many marked \"hasn't\" (you have {has} and {hasnt}).",
                          per=MIN_PER_CLASS, has=has, hasnt=hasnt)


# -----------------------------------------------------------------------------
# fitting


def fit_boundary(codes: torch.Tensor, labels, l2: float | None = None, steps: int = 50) -> tuple[torch.Tensor, float]:
    """Logistic regression of labels (0/1) on codes (n, d) with an L2 penalty on the normal:
    minimises mean BCE(codes @ w + b, labels) + l2 * |w|^2 by Newton's method (float64).

    Returns (unit normal (d,) float32, pointing to label 1; bias). Each Newton step solves with
    an n x n matrix, not d x d (Woodbury; n labels are at most 192, d is 128 or 512), and halves
    the step until the loss falls: a few ms for 200 codes in 512-d. No torch.optim: its first use
    in a process imports torch._dynamo (about 1.4 s), which a visitor's first fit would wait for.
    """
    x = torch.as_tensor(codes).double()
    y = torch.as_tensor(labels, dtype=torch.float64)
    if x.ndim != 2 or len(x) != len(y) or len(y) == 0:
        raise ValueError(f"codes must be (n, d) with one label each, got {tuple(x.shape)} and {len(y)} labels")
    n = len(y)
    l2 = L2 if l2 is None else float(l2)                # read at call time: the bench varies it
    lam = 2 * l2                                   # the penalty's Hessian: lam * I on w
    gram = x @ x.T                                        # (n, n)
    w, b = torch.zeros(x.shape[1], dtype=torch.float64), 0.0

    def loss_of(w, b):
        return float(F.binary_cross_entropy_with_logits(x @ w + b, y)) + l2 * float(w @ w)

    loss = loss_of(w, b)
    for _ in range(steps):
        p = torch.sigmoid(x @ w + b)
        gw, gb = x.T @ (p - y) / n + lam * w, float((p - y).mean())
        if max(float(gw.abs().max()), abs(gb)) < 1e-10:
            break
        s = p * (1 - p) / n                               # the BCE's curvature per face
        r = s.sqrt()
        # H_w = lam I + X^T S X;  H_w^-1 v = (v - X^T R M^-1 R X v) / lam,  M = lam I + R X X^T R
        m = torch.linalg.cholesky(lam * torch.eye(n, dtype=torch.float64) + r[:, None] * gram * r[None, :])

        def h_inv(v):
            t = torch.cholesky_solve((r * (x @ v))[:, None], m)[:, 0]
            return (v - x.T @ (r * t)) / lam

        c = x.T @ s                                       # the w-b block of the Hessian
        hc, hg = h_inv(c), h_inv(gw)
        db = -(gb - float(c @ hg)) / max(float(s.sum()) - float(c @ hc), 1e-300)
        dw = -(hg + hc * db)
        step = 1.0
        while step > 1e-8:
            new = loss_of(w + step * dw, b + step * db)
            if new <= loss:
                break
            step /= 2
        w, b, loss = w + step * dw, b + step * db, new
    normal, bias = w, float(b)
    norm = float(normal.norm())
    if not norm > 0:         # identical codes or no signal at all: the difference of means, if any
        normal = x[y == 1].mean(0) - x[y == 0].mean(0) if (y == 1).any() and (y == 0).any() else normal
        norm = float(normal.norm()) or 1.0
    return (normal / norm).float(), bias / norm


def cross_validate(codes: torch.Tensor, labels, folds: int = 5, l2: float | None = None) -> float:
    """Accuracy of the boundary on labels it was not fitted on: k folds, each answer spread over all."""
    y = torch.as_tensor(labels)
    order = torch.argsort(y, stable=True)            # interleave the classes: every fold gets both
    fold_of = torch.empty(len(y), dtype=torch.long)
    fold_of[order] = torch.arange(len(y)) % folds
    right = 0
    for k in range(folds):
        test = fold_of == k
        if test.all() or not test.any():
            continue
        normal, bias = fit_boundary(codes[~test], y[~test], l2)
        guess = (codes[test].double() @ normal.double() + bias) > 0
        right += int((guess == y[test].bool()).sum())
    return right / len(y)


def keep_orthogonal(direction: torch.Tensor, normals) -> torch.Tensor:
    """The direction with the span of `normals` projected out, unit length (InterFaceGAN's
    conditional edit, for several conditions: Gram-Schmidt first, then one projection)."""
    basis = []
    for n in normals:
        v = torch.as_tensor(n, dtype=torch.float64).reshape(-1)
        for b in basis:
            v = v - (v @ b) * b
        if v.norm() > 1e-8:
            basis.append(v / v.norm())
    d = direction.double().reshape(-1)
    for b in basis:
        d = d - (d @ b) * b
    if d.norm() < 1e-8:
        raise SliderError("parallel", "Your slider is the kept attribute itself: with it held fixed "
                          "nothing is left to move.")
    return (d / d.norm()).float()


@dataclass(frozen=True)
class FittedSlider:
    spec: SliderSpec
    direction: torch.Tensor          # unit, (noise_size,): what the slider adds per unit
    raw: torch.Tensor                # the boundary's normal before the "keep" projections
    accuracy: float                  # cross-validated, on the visitor's own labels
    majority: float                  # always answering the commoner label
    n: int
    has: int
    hasnt: int
    cosines: dict = field(default_factory=dict)     # shipped name -> cos(raw normal, its normal)
    seconds: float = 0.0

    @property
    def reliable(self) -> bool:
        """Do the labels follow a straight line in the code better than chance?"""
        return self.accuracy >= self.majority + USEFUL_MARGIN

    def verdict(self) -> str:
        """One sentence on how far to trust the slider (the page has it in both languages)."""
        if self.reliable:
            return (f"Cross-validated accuracy {self.accuracy:.0%} on your {self.n} labels (always answering "
                    f"the commoner label: {self.majority:.0%}): the faces you marked differ along this line.")
        return (f"Cross-validated accuracy {self.accuracy:.0%} on your {self.n} labels is no better than "
                f"always answering the commoner label ({self.majority:.0%}): too few or too inconsistent "
                "labels to mean anything yet. Label more faces, or check your answers.")


def fit_slider(spec: SliderSpec, prior_code, named: dict | None = None) -> FittedSlider:
    """Fit the visitor's slider: the codes of the labelled seeds (prior_code(seed) -> (1, d), the
    engine's unedited code), a logistic boundary, then "keep" projections against `named`."""
    check(spec)
    t0 = time.perf_counter()
    seeds, labels = labelled(spec)
    codes = torch.cat([prior_code(s).reshape(1, -1).float() for s in seeds])
    raw, _ = fit_boundary(codes, labels)
    accuracy = cross_validate(codes, labels)
    named = named or {}
    missing = [k for k in spec.keep if k not in named]
    if missing:
        raise SliderError("no_keep", f"This model has no shipped {' or '.join(missing)} direction to keep fixed.",
                          names=", ".join(missing))
    direction = keep_orthogonal(raw, [named[k] for k in spec.keep]) if spec.keep else raw
    cosines = {k: float(raw @ torch.as_tensor(named[k]).float().reshape(-1))
               for k in MINE_KEEP if k in named}
    has, hasnt = counts(spec)
    return FittedSlider(spec, direction, raw, accuracy, max(has, hasnt) / (has + hasnt), has + hasnt, has, hasnt,
                        cosines, time.perf_counter() - t0)


@torch.inference_mode()
def measure_slider(engine, direction: torch.Tensor, attributes, n: int = MEASURE_FACES,
                   distance: float = MEASURE_DISTANCE, first_seed: int = 10_000) -> dict:
    """What +distance along `direction` does to the attribute model's age and P(female), over
    n faces (seeds first_seed ...; rendered small, uncached): mean and std of the change."""
    codes = torch.cat([engine.prior_code(first_seed + i, 1.0) for i in range(n)])

    def scores(batch):
        images = engine.render(batch, 1.0, "tiny", cache=False)
        return attributes.predict(torch.from_numpy(np.array(images)).permute(0, 3, 1, 2))

    before = scores(codes)
    after = scores(codes + distance * direction.reshape(1, -1).to(codes.dtype))
    d_age, d_female = after["age"] - before["age"], after["female"] - before["female"]
    return {"distance": float(distance), "n": int(n),
            "age_mean": float(d_age.mean()), "age_std": float(d_age.std()),
            "female_mean": float(d_female.mean()), "female_std": float(d_female.std())}


# -----------------------------------------------------------------------------
# the link's form: alpha~keep~labels~name


def encode_marks(marks) -> str:
    """0/1/2 marks -> base64url without padding, five marks per byte (3**5 = 243)."""
    marks = list(marks)
    out = bytearray()
    for i in range(0, len(marks), 5):
        chunk = marks[i:i + 5] + [0] * (5 - len(marks[i:i + 5]))
        out.append(sum(m * 3 ** j for j, m in enumerate(chunk)))
    return base64.urlsafe_b64encode(bytes(out)).decode("ascii").rstrip("=")


def decode_marks(text: str) -> tuple[int, ...]:
    """The inverse of encode_marks; ValueError for anything it could not have written."""
    if len(text) > math.ceil(math.ceil(MAX_MARKS / 5) * 4 / 3) or not set(text) <= _B64URL:
        raise ValueError("not labels")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    marks = []
    for byte in raw:
        if byte >= 243:
            raise ValueError("not labels")
        marks += [(byte // 3 ** j) % 3 for j in range(5)]
    marks = marks[:MAX_MARKS]
    while marks and marks[-1] == 0:
        marks.pop()
    return tuple(marks)


_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
_KEEP_CODE = {"age": "a", "gender": "g"}
SLIDER_FORM = "value~keep~labels~name, for example 1.5~a~kAE~smile"


def slider_text(spec: SliderSpec, alpha: float = 0.0) -> str:
    """The `mine=` link value: '1.5~ag~<labels>~name' (about 60 characters for 48 labels)."""
    keep = "".join(_KEEP_CODE[k] for k in spec.keep)
    return f"{_fmt(alpha)}~{keep}~{encode_marks(spec.marks)}~{spec.name}"


def parse_slider_text(text: str) -> tuple[SliderSpec, float]:
    """A `mine=` value -> (spec, alpha). SliderError (code "form", "value", "labels", or check()'s)
    for anything that cannot be trusted; the name is cleaned, never refused."""
    parts = str(text).split("~", 3)
    if len(parts) != 4:
        raise SliderError("form", f"expected {SLIDER_FORM}.")
    alpha_text, keep_text, marks_text, name = parts
    try:
        alpha = float(alpha_text)
    except ValueError:
        raise SliderError("form", f"expected {SLIDER_FORM}.") from None
    if not math.isfinite(alpha) or not NAMED_MIN <= alpha <= NAMED_MAX:
        raise SliderError("value", f"its value must be between {_fmt(NAMED_MIN)} and {_fmt(NAMED_MAX)}.",
                          lo=_fmt(NAMED_MIN), hi=_fmt(NAMED_MAX))
    codes = {v: k for k, v in _KEEP_CODE.items()}
    if not set(keep_text) <= set(codes) or len(keep_text) > len(codes):
        raise SliderError("form", f"expected {SLIDER_FORM}.")
    try:
        marks = decode_marks(marks_text)
    except ValueError:
        raise SliderError("labels", "its labels are not ones this app writes.") from None
    spec = make_spec(name, marks, [codes[c] for c in keep_text])
    check(spec)
    return spec, alpha


# -----------------------------------------------------------------------------
# the download


def slider_json(fitted: FittedSlider, model: str, effect: dict | None = None) -> str:
    """A small JSON file: the labels (enough to fit it again), the direction and how good it is."""
    seeds, labels = labelled(fitted.spec)
    doc = {
        "format": FORMAT, "version": 1, "name": fitted.spec.name, "model": model,
        "keep": list(fitted.spec.keep), "page_size": MINE_PAGE_SIZE, "marks": encode_marks(fitted.spec.marks),
        "labelled": {"seeds": seeds, "labels": labels},
        "direction": [round(float(v), 6) for v in fitted.direction],
        "cross_validated_accuracy": round(fitted.accuracy, 4), "majority": round(fitted.majority, 4),
        "n": fitted.n, "cosines": {k: round(v, 4) for k, v in fitted.cosines.items()},
        "effect_at_3": effect,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def spec_from_json(data) -> tuple[SliderSpec, str]:
    """A downloaded slider file -> (spec, model name). Only the labels are trusted (the
    direction is fitted again); SliderError ("file", or check()'s) for anything else."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_JSON_BYTES:
            raise SliderError("file", "This is not a slider file from this app.")
        data = data.decode("utf-8", errors="replace")
    if len(data) > MAX_JSON_BYTES:
        raise SliderError("file", "This is not a slider file from this app.")
    try:
        doc = json.loads(data)
        if doc.get("format") != FORMAT or doc.get("page_size") != MINE_PAGE_SIZE:
            raise ValueError
        keep = doc.get("keep", [])
        if not isinstance(keep, list) or not set(keep) <= set(MINE_KEEP):
            raise ValueError
        spec = make_spec(str(doc.get("name", ""))[:200], decode_marks(str(doc["marks"])), keep)
        model = str(doc.get("model", ""))[:200]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise SliderError("file", "This is not a slider file from this app.") from None
    check(spec)
    return spec, model
