"""TrainConfig: everything that defines a run. The CLI builds one, the Train page builds one, the
log records it, and `cli_command()` writes the shell command that repeats it.
"""

from __future__ import annotations

import dataclasses
import math
import shlex
from dataclasses import dataclass

from ..data import registry as datasets
from .formula import MAX_LENGTH, check_text
from .losses import LOSSES
from .optimizers import OPTIMIZERS


@dataclass
class TrainConfig:
    """Everything that defines a run. The CLI builds one; the log records it."""

    dataset: str = "emoji"          # a name in gan_core.data.registry.DATASETS, or a path to a zip/folder
    image_size: int = 32
    noise_size: int = 100
    conv_dim: int = 32              # G/D width (hidden units for the 2-D toys)
    loss: str = "lsgan"
    # Your own loss (gan_core/training/formula.py): formulas in D's raw outputs d_real / d_fake,
    # at most formula.MAX_LENGTH characters; "" = the built-in `loss`. A formula keeps `loss`'s
    # reading of D (health chart, advice, WGAN-GP's gradient penalty).
    d_loss: str = ""
    g_loss: str = ""
    r1: float = 0.0                 # R1 penalty gamma on real data (D's loss + gamma/2 E||grad D(x)||^2); 0 = off
    optimizer: str = "adam"         # both networks: adam, rmsprop or sgd (gan_core/training/optimizers.py)
    lr: float = 2e-4                # generator learning rate (and D's unless lr_d is set)
    lr_d: float | None = None       # two-timescale update rule (Heusel et al. 2017) when set
    beta1: float = 0.5
    beta2: float = 0.999
    spectral_norm: bool = False
    d_batch_norm: bool = True       # the course's D has batch norm; SN-GANs usually drop it
    d_activation: str = "relu"      # "relu" (course) or "leaky" (LeakyReLU 0.2)
    d_train_iters: int = 1          # discriminator updates per generator update
    batch_size: int = 64
    iterations: int = 1000          # generator updates
    sample_every: int = 100         # fixed-noise grid every N iterations (0 = only at the end)
    n_samples: int = 64             # images in the fixed-noise grid
    metric_every: int = 0           # SWD (images) / mode coverage (toys) every N iterations; 0 = off
    log_every: int = 1              # step events every N iterations
    ema: float = 0.0                # generator EMA decay (e.g. 0.999); 0 = off
    flip: bool = False              # random horizontal flips of the real images
    holdout: int = 0                # images kept out of training (fixed split) and used as the SWD reference
    seed: int = 0
    device: str = "cpu"
    threads: int = 0                # torch threads for this run; 0 = leave as is

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        for text, role in ((self.d_loss, "d"), (self.g_loss, "g")):
            if not isinstance(text, str) or len(text) > MAX_LENGTH:
                raise ValueError(f"a loss formula is at most {MAX_LENGTH} characters")
            if text:
                check_text(text, role)      # FormulaError (a ValueError): one sentence that says where
        checks = [
            (self.r1 >= 0 and math.isfinite(self.r1) and self.r1 <= 1e4, "r1 must be between 0 (off) and 10000"),
            (self.lr > 0 and math.isfinite(self.lr), "lr must be a positive number"),
            (self.lr_d is None or self.lr_d > 0, "lr_d must be positive"),
            (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1, "Adam betas must be in [0, 1)"),
            (1 <= self.d_train_iters <= 100, "d_train_iters must be between 1 and 100"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.iterations >= 1, "iterations must be at least 1"),
            (self.noise_size >= 1, "noise_size must be at least 1"),
            (self.conv_dim >= 1, "conv_dim must be at least 1"),
            (0 <= self.ema < 1, "ema must be 0 (off) or a decay in (0, 1)"),
            (self.sample_every >= 0 and self.metric_every >= 0, "sample_every/metric_every must be >= 0"),
            (self.log_every >= 1, "log_every must be at least 1"),
            (self.n_samples >= 1, "n_samples must be at least 1"),
            (self.holdout >= 0, "holdout must be >= 0"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    @property
    def is_toy(self) -> bool:
        return datasets.is_toy(self.dataset)

    @property
    def penalty_with_batch_norm(self) -> bool:
        """A gradient penalty (WGAN-GP's or R1) on a D with batch norm: the penalty is on each sample's
        own gradient, but batch norm ties every output to the whole batch (the WGAN page's advice)."""
        return (not self.is_toy and self.d_batch_norm
                and (LOSSES[self.loss].gradient_penalty_weight > 0 or self.r1 > 0))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"unknown TrainConfig field(s): {', '.join(unknown)}")
        return cls(**d)

    def cli_command(self, out: str = "runs/my-run") -> str:
        """The shell command that repeats this run."""
        default = TrainConfig()
        parts = ["python -m gan_core.train", f"--data {shlex.quote(self.dataset)}"]   # an upload's own name
        for f in dataclasses.fields(self):
            if f.name == "dataset":
                continue
            value = getattr(self, f.name)
            if value == getattr(default, f.name) and f.name not in ("loss", "lr", "iterations"):
                continue
            flag = "--" + f.name.replace("_", "-")
            if isinstance(value, bool):
                parts.append(flag if value else "--no-" + f.name.replace("_", "-"))
            elif f.name in ("d_loss", "g_loss"):     # "=": a formula may start with "-"
                parts.append(f"{flag}={shlex.quote(value)}")
            elif value is not None:
                parts.append(f"{flag} {value}")
        parts.append(f"--out {out}")
        return " ".join(parts)


# ---------------------------------------------------------------- events
