"""The 2-D toy lab: GAN Lab's views of a small GAN learning a 2-D distribution.

A `ToyLab` wraps the same `Trainer` the Train page uses (with its MLPs for
the toy datasets) and adds what the theory pages draw on every tick:

* real points and generated points (from a fixed noise batch, so the points
  move smoothly from frame to frame instead of being re-drawn at random);
* the discriminator's output on a grid over the data's box (the "decision
  surface"), on the scale the loss gives it: a probability for BCE, the raw
  score for the least-squares, Wasserstein and hinge losses;
* the generator's gradient at every fake point, -d(G loss)/dx: the direction
  in which the next generator update wants to move that point;
* a history of both losses, D's verdicts, and mode coverage over time.

The knobs are ToyLabConfig's: the Train page's losses, or your own formulas for them
(gan_core/training/formula.py; a loss that turns NaN or infinite stops the lab, and `stopped`
says which term, where and at which step), the optimiser, R1 and an EMA of G.

Training advances in chunks (`step(n)`), the page's play loop calls one chunk
per tick and then `view()`. `d_step()` and `g_step()` make single updates for a
teacher who wants to show one player moving at a time.

A lab is safe to use from several threads: Streamlit may start a new script
run (a button click) while the previous one is still inside a training step,
so every public method holds the lab's lock, and a view never sees weights
changing between its forward and backward pass.

Drawing a view never changes training: D and G are read in eval mode (so a
spectral-norm power iteration does not advance) and with fixed noise tensors
(so the training random stream is untouched). A run with the page open is the
same run as one without it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import data as gdata
from .. import metrics
from ..training.config import TrainConfig
from ..training.loop import Trainer
from ..training.formula import FormulaLoss, check_text
from ..training.losses import loss_class
from ..training.optimizers import OPTIMIZERS

TOY_DATASETS = gdata.TOY_DATASETS


@dataclass(frozen=True)
class ToyLabConfig:
    """The knobs the lab exposes (GAN Lab's, plus the ones our course cares about)."""

    dataset: str = "ring8"
    loss: str = "wgan-gp"
    lr: float = 1e-3             # generator's learning rate (and D's unless lr_d is set)
    lr_d: float | None = None
    beta1: float = 0.5
    beta2: float = 0.9
    d_train_iters: int = 1
    width: int = 64              # hidden units of both MLPs
    noise_size: int = 2
    batch_size: int = 256
    spectral_norm: bool = False
    seed: int = 0
    # Your own loss (gan_core/training/formula.py), "" = the built-in `loss`; R1, optimiser, EMA of G.
    d_loss: str = ""
    g_loss: str = ""
    optimizer: str = "adam"
    r1: float = 0.0
    ema: float = 0.0

    def __post_init__(self):
        if self.dataset not in TOY_DATASETS:
            raise ValueError(f"unknown toy dataset {self.dataset!r}; choose one of {', '.join(TOY_DATASETS)}")
        loss_class(self.loss)   # every loss of gan_core.training.losses trains here; anything else is refused
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        for text, role in ((self.d_loss, "d"), (self.g_loss, "g")):
            if text:
                check_text(text, role)    # FormulaError: one sentence that says where

    def to_train_config(self, n_samples: int = 512) -> TrainConfig:
        # iterations is only an upper bound for Trainer.run(); the lab steps by hand.
        return TrainConfig(
            dataset=self.dataset, noise_size=self.noise_size, conv_dim=self.width, loss=self.loss,
            lr=self.lr, lr_d=self.lr_d, beta1=self.beta1, beta2=self.beta2,
            spectral_norm=self.spectral_norm, d_train_iters=self.d_train_iters,
            batch_size=self.batch_size, iterations=10**9, sample_every=0, metric_every=0,
            n_samples=n_samples, seed=self.seed, d_loss=self.d_loss, g_loss=self.g_loss,
            optimizer=self.optimizer, r1=self.r1, ema=self.ema,
        )

    def replace(self, **changes) -> "ToyLabConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# Presets, tuned with fixed seeds on ring8 so that what the pages say about
# them is true (tests/test_toylab.py checks it):
#   healthy: WGAN-GP with the paper's 5 critic steps per generator step
#     (Gulrajani et al. 2017) reaches all 8 modes of the ring within a few
#     hundred iterations.
#   collapse: the original BCE loss with a generator that learns 10x faster
#     than its discriminator. D cannot keep up, so G piles all its samples into
#     one blob where D currently scores highest, and hops to the next spot as
#     soon as D catches up: the chase of Metz et al. (2017, Unrolled GANs, fig. 1).
#   lsgan-sn: the course's least-squares loss with spectral norm on D, which
#     also covers the ring (a second healthy recipe, without a critic).
PRESETS: dict[str, ToyLabConfig] = {
    "healthy": ToyLabConfig(dataset="ring8", loss="wgan-gp", lr=1e-3, beta1=0.5, beta2=0.9,
                            d_train_iters=5, width=64, batch_size=128, seed=0),
    "collapse": ToyLabConfig(dataset="ring8", loss="bce", lr=1e-3, lr_d=1e-4, beta1=0.5, beta2=0.999,
                             d_train_iters=1, width=64, batch_size=128, seed=0),
    "lsgan-sn": ToyLabConfig(dataset="ring8", loss="lsgan", lr=1e-3, beta1=0.5, beta2=0.999,
                             d_train_iters=1, width=64, batch_size=256, spectral_norm=True, seed=0),
}


# ---------------------------------------------------------------- the lab's share link
#
#     ?lab=wgan&lab_preset=healthy&lab_loss=bce&lab_g_loss=-softplus(d_fake)
#
# `lab` names which lab on the page reads it (a page may hold two); the rest is what differs from the
# preset, read like every page's link (gan_core/training/links.py). A value the lab's widgets do not
# offer (`choices`) is left out with an English note; a formula that cannot train is left out and
# kept as (role, FormulaError) so that the page says its one sentence.

LINK_FIELDS = {      # link parameter (after "lab_") -> ToyLabConfig field
    "dataset": "dataset", "loss": "loss", "lr": "lr", "lr_d": "lr_d", "d_iters": "d_train_iters",
    "width": "width", "sn": "spectral_norm", "seed": "seed", "optimizer": "optimizer", "r1": "r1",
    "ema": "ema", "d_loss": "d_loss", "g_loss": "g_loss",
}
_LINK_FORMULAS = {"d_loss": "d", "g_loss": "g"}


def _link_text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)      # exact: the value read back is the same float
    return str(value)


def lab_query(key: str, preset: str, config: ToyLabConfig) -> dict[str, str]:
    """The URL parameters of lab `key` with `config`, started from preset `preset`: what differs from it."""
    base = PRESETS[preset]
    out = {"lab": key, "lab_preset": preset}
    for name, fld in LINK_FIELDS.items():
        value = getattr(config, fld)
        if fld == "lr_d" and value == config.lr:
            value = None        # D's rate equal to G's is "the same as G" (the page's widget holds a number)
        if value != getattr(base, fld):
            out[f"lab_{name}"] = _link_text(value)
    return out


@dataclass(frozen=True)
class LabLink:
    preset: str
    config: ToyLabConfig
    notes: tuple = ()         # English, one per value left out
    refused: tuple = ()       # (role, FormulaError)


def lab_from_query(params, key: str, choices: dict | None = None) -> LabLink | None:
    """The link for lab `key` in a query mapping, or None when it names another lab (or none).
    `choices`: link parameter -> the values the lab's widgets offer (others are left out)."""
    from ..textsafe import quote
    from ..training import links as link_values
    from ..training.formula import FormulaError
    from ..training.losses import LOSSES

    if link_values.one(params, "lab") != key:
        return None
    notes, refused = [], []
    preset = link_values.one(params, "lab_preset") or ""
    if preset not in PRESETS:
        if preset:
            notes.append(f"unknown preset {quote(preset)}")
        preset = next(iter(PRESETS))
    base = PRESETS[preset]
    readers = {"dataset": str, "loss": str, "optimizer": str, "lr": link_values.finite, "lr_d": link_values.finite,
               "r1": link_values.finite, "ema": link_values.finite, "d_iters": link_values.whole,
               "width": link_values.whole, "seed": link_values.whole}
    allowed = {"dataset": tuple(TOY_DATASETS), "loss": tuple(LOSSES), "optimizer": tuple(OPTIMIZERS),
               "sn": (True, False), **(choices or {})}
    changes = {}
    for name, fld in LINK_FIELDS.items():
        if name in _LINK_FORMULAS:
            try:
                text = link_values.formula(params, f"lab_{name}", _LINK_FORMULAS[name])
            except FormulaError as exc:
                refused.append((_LINK_FORMULAS[name], exc))
                continue
            if text:
                changes[fld] = text
            continue
        raw = link_values.one(params, f"lab_{name}")
        if raw is None:
            continue
        try:
            value = {"1": True, "0": False}[raw] if name == "sn" else readers[name](raw)
        except (KeyError, ValueError):
            value = None
        if value is None or (name in allowed and value not in allowed[name]):
            notes.append(f"lab_{name}={quote(raw)} is not one of the lab's choices")
            continue
        changes[fld] = value
    try:
        config = base.replace(**changes)
    except ValueError as exc:     # a combination the lab refuses (none known): the preset as it is
        notes.append(str(exc))
        config = base
    return LabLink(preset, config, tuple(notes), tuple(refused))


@dataclass
class Coverage:
    """How well the generated points cover the data.

    For the Gaussian mixtures (ring8, grid25): `modes` of `n_modes` components
    reached, `quality` the share of samples within 3 std of a centre
    (VEEGAN's protocol, see metrics.mode_coverage).
    For spiral and moons, which have no discrete modes: `recall` is the share of
    real points with a generated point within `radius`, and `quality` the share
    of generated points within `radius` of a real point; `modes` is None.
    """

    quality: float
    modes: int | None = None
    n_modes: int | None = None
    recall: float | None = None


@dataclass
class ToyLabView:
    """One frame of the lab, as numpy arrays ready to draw."""

    iteration: int
    real: np.ndarray            # (n, 2) a fixed subsample of the data
    fake: np.ndarray            # (m, 2) G(z) for the lab's fixed noise
    grad: np.ndarray            # (m, 2) -d(G loss)/dx at each fake point
    grid_x: np.ndarray          # (k,) grid coordinates of the surface
    grid_y: np.ndarray          # (k,)
    surface: np.ndarray         # (k, k) D's output, rows along y (what it means: the loss's "surface" text)
    surface_range: tuple[float, float]
    box: tuple[float, float, float, float]   # x0, x1, y0, y1
    history: dict = field(default_factory=dict)


NON_MODE_RADIUS = 0.15


def _locked(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)
    return wrapper


class ToyLab:
    MAX_POINTS = 2000          # loss curves are halved when they reach this length
    COVERAGE_EVERY = 20        # iterations between mode-coverage measurements

    def __init__(self, config: ToyLabConfig | None = None, n_fake: int = 512, n_real: int = 600,
                 grid: int = 48, n_eval: int = 2500):
        self.lock = threading.RLock()
        self.config = config or PRESETS["healthy"]
        self.trainer = Trainer(self.config.to_train_config(n_samples=n_fake))
        self.iteration = 0
        self.d_updates = 0
        self.grid_n = grid
        gen = torch.Generator().manual_seed(self.config.seed + 17)
        data = self.trainer.data
        self.real_view = data[torch.randperm(len(data), generator=gen)[:n_real]].clone()
        self.z_view = self.trainer.fixed_noise
        self.z_eval = torch.randn(n_eval, self.config.noise_size, generator=gen)
        self.modes = gdata.toy_modes(self.config.dataset)
        self.box = self._data_box(data)
        xs = np.linspace(self.box[0], self.box[1], grid, dtype=np.float32)
        ys = np.linspace(self.box[2], self.box[3], grid, dtype=np.float32)
        self.grid_x, self.grid_y = xs, ys
        gx, gy = np.meshgrid(xs, ys)             # rows follow y, as a heatmap draws them
        self._grid_points = torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1))
        self._last_d: dict[str, float] = {}
        # Set when a loss became NaN or infinite: the facts (for your own loss: its term and the
        # part that broke first, formula.Formula.explain_nonfinite). Training stops there.
        self.stopped: dict | None = None
        self._stride = 1                          # history keeps every `stride`-th iteration
        self.history = {k: [] for k in ("iteration", "d_loss", "g_loss", "d_x", "d_g_z", "w_estimate")}
        self.coverage_history = {k: [] for k in ("iteration", "modes", "quality", "recall")}
        self._record_coverage()

    # -- geometry

    @staticmethod
    def _data_box(data: torch.Tensor) -> tuple[float, float, float, float]:
        """A square box around the data with a margin, fixed for the whole run (a steady picture)."""
        lo = torch.quantile(data[:5000], 0.002, dim=0)
        hi = torch.quantile(data[:5000], 0.998, dim=0)
        centre = (lo + hi) / 2
        half = float((hi - lo).max()) / 2 * 1.35 + 0.2
        cx, cy = float(centre[0]), float(centre[1])
        return (cx - half, cx + half, cy - half, cy + half)

    # -- training

    def _check_finite(self, role: str, value: float) -> bool:
        if math.isfinite(value):
            return True
        step = self.iteration + 1
        loss = self.trainer.loss
        facts = loss.explain_nonfinite(role, step) if isinstance(loss, FormulaLoss) else {}
        self.stopped = facts or {"role": role, "step": step, "value": "nan" if math.isnan(value) else "inf",
                                 "message": f"{'D' if role == 'd' else 'G'}'s loss became "
                                            f"{'NaN' if math.isnan(value) else 'infinite'} at step {step}."}
        return False

    @_locked
    def d_step(self) -> dict:
        """One discriminator update (a teacher's Step D button); none once a loss broke (`stopped`)."""
        if self.stopped:
            return dict(self._last_d)
        stats = {k: float(v) for k, v in self.trainer.d_step().items()}
        self.d_updates += 1
        if self._check_finite("d", stats["d_loss"]):
            self._last_d = stats
        return stats

    @_locked
    def g_step(self) -> dict:
        """One generator update; counts as one iteration and adds a point to the curves."""
        if self.stopped:
            return dict(self._last_d)
        g = float(self.trainer.g_step()["g_loss"])
        if not self._check_finite("g", g):
            return {"g_loss": g, **self._last_d}
        self.iteration += 1
        self.trainer.iteration = self.iteration
        self._log(g)
        if self.iteration % self.COVERAGE_EVERY == 0:
            self._record_coverage()
        return {"g_loss": g, **self._last_d}

    @_locked
    def step(self, n: int = 1) -> None:
        """n iterations: each is d_train_iters discriminator updates, then one generator update."""
        for _ in range(n):
            for _ in range(self.config.d_train_iters):
                self.d_step()
            self.g_step()
            if self.stopped:
                return

    def _log(self, g_loss: float) -> None:
        if self.iteration % self._stride:
            return
        d = self._last_d
        h = self.history
        h["iteration"].append(self.iteration)
        h["g_loss"].append(g_loss)
        h["d_loss"].append(d.get("d_loss", float("nan")))
        h["d_x"].append(d.get("d_x", float("nan")))
        h["d_g_z"].append(d.get("d_g_z", float("nan")))
        # For WGAN the critic's E[f(real)] - E[f(fake)] estimates the EM distance.
        h["w_estimate"].append(-(d["d_loss_real"] + d["d_loss_fake"]) if d and self.trainer.loss.estimates_wasserstein
                               else float("nan"))
        if len(h["iteration"]) >= self.MAX_POINTS:
            # Keep the shape of the whole run in bounded memory: drop every
            # second point and log half as often from now on.
            for key in h:
                h[key] = h[key][::2]
            self._stride *= 2

    # -- measuring

    @_locked
    def coverage(self) -> Coverage:
        fake = self.trainer.sample(self.z_eval)
        if self.modes is not None:
            centres, std = self.modes
            mc = metrics.mode_coverage(fake, centres, std)
            return Coverage(quality=mc.high_quality, modes=mc.modes_covered, n_modes=mc.n_modes)
        ref = self.real_view
        d_fake = torch.cdist(fake, ref).min(dim=1).values
        d_real = torch.cdist(ref, fake).min(dim=1).values
        return Coverage(quality=float((d_fake <= NON_MODE_RADIUS).float().mean()),
                        recall=float((d_real <= NON_MODE_RADIUS).float().mean()))

    def _record_coverage(self) -> None:
        c = self.coverage()
        h = self.coverage_history
        h["iteration"].append(self.iteration)
        h["modes"].append(c.modes)
        h["quality"].append(c.quality)
        h["recall"].append(c.recall)
        if len(h["iteration"]) >= self.MAX_POINTS:
            for key in h:
                h[key] = h[key][::2]

    def _d_eval(self, x: torch.Tensor) -> torch.Tensor:
        return self.trainer.D(x)

    @_locked
    def view(self) -> ToyLabView:
        """Everything one frame draws; does not change the training state."""
        D, loss = self.trainer.D, self.trainer.loss
        was_d = D.training
        D.eval()   # spectral norm: use the stored estimate, do not run a power iteration
        try:
            fake = self.trainer.sample(self.z_view)
            with torch.no_grad():
                surface = loss.d_output(D(self._grid_points)).view(self.grid_n, self.grid_n)
            # -dL_G/dx per point: L_G is a mean over the batch, so scale by N to
            # get each point's own gradient (the arrow length does not depend
            # on how many points we happen to draw).
            x = fake.clone().requires_grad_(True)
            with torch.enable_grad():
                g_loss = loss.g_loss(D(x)) * len(x)
                (grad,) = torch.autograd.grad(g_loss, x)
        finally:
            D.train(was_d)
        surface = surface.numpy()
        rng = loss.output_range
        if rng is None:   # a critic's scores have no fixed range: scale to what it outputs now
            lo, hi = np.percentile(surface, [1, 99])
            rng = (float(lo), float(hi) if hi > lo else float(lo) + 1e-6)
        return ToyLabView(
            iteration=self.iteration,
            real=self.real_view.numpy(),
            fake=fake.numpy(),
            grad=(-grad).numpy(),
            grid_x=self.grid_x, grid_y=self.grid_y,
            surface=surface, surface_range=rng,
            box=self.box,
            history={"losses": {k: list(v) for k, v in self.history.items()},
                     "coverage": {k: list(v) for k, v in self.coverage_history.items()}},
        )

    @_locked
    def latest_coverage(self) -> Coverage:
        h = self.coverage_history
        return Coverage(quality=h["quality"][-1], modes=h["modes"][-1],
                        n_modes=None if self.modes is None else len(self.modes[0]), recall=h["recall"][-1])


def arrow_segments(points: np.ndarray, vectors: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    """x and y arrays (with None breaks, as plotly wants) for line segments from each point along its vector.

    Vectors are scaled together so the longest one is `length` long: relative
    sizes stay visible (a point with no gradient gets no arrow).
    """
    norms = np.linalg.norm(vectors, axis=1)
    top = float(norms.max()) if len(norms) else 0.0
    scale = length / top if top > 0 else 0.0
    ends = points + vectors * scale
    xs = np.full(3 * len(points), np.nan)
    ys = np.full(3 * len(points), np.nan)
    xs[0::3], xs[1::3] = points[:, 0], ends[:, 0]
    ys[0::3], ys[1::3] = points[:, 1], ends[:, 1]
    return xs, ys
