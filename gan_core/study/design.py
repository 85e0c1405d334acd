"""The course's hyperparameter study, as data: the base config, the factors, the run list.

The course (the CSC321 DCGAN assignment: 32x32 emoji faces, batch 16, Adam
betas (0.5, 0.999), least-squares loss) drew conclusions about the learning
rate, spectral norm and the number of discriminator steps from looking at a
few sample grids. The study asks the same questions one factor at a time
around one base config, every run for the same number of iterations.

gan_core.study trains the runs, gan_core.study.results reads them back and
gan_core.study.report writes the results folder's index and README; all three
take the study's shape from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..training import presets
from ..training.config import TrainConfig

# The course's setup: gan_core.training.presets.COURSE (the one definition; its comment says
# what the course states and what we chose), plus this study's own bookkeeping.
STUDY_FIELDS = dict(
    n_samples=36,          # fixed noise for the grids (part of the random stream: keep it to reproduce)
    sample_every=500, metric_every=0,   # SWD is computed here, against the full set
    log_every=1, threads=1,
)
BASE_CONFIG = {
    **{k: v for k, v in presets.COURSE.to_dict().items()
       if k in ("dataset", "image_size", "noise_size", "conv_dim", "loss", "lr", "beta1", "beta2",
                "spectral_norm", "d_batch_norm", "d_activation", "d_train_iters", "batch_size", "seed")},
    **STUDY_FIELDS,
}

# One factor at a time; the first value listed that equals the base is the base run.
FACTORS = {
    "lr": [0.1, 0.01, 0.001, 0.0005],
    "spectral_norm": [False, True],
    "d_train_iters": [1, 2, 4],
    "seed": [0, 1, 2],
}

DEFAULT_ITERATIONS = 3000
CHECKPOINT_EVERY = 500     # SWD + sample grid
LOSS_EVERY = 10            # losses are stored as means over windows of this many iterations
N_FIRST_LOSSES = 20        # stored at full precision for the determinism test
GRID_SIDE = 5              # grids show the first 5x5 fixed-noise samples: a 6x6 PNG neared 100 KB
RECORDS_DIR = "records"    # one JSON per run ("runs/" is git-ignored in this repo: local training output)
EVAL_SEED = 2024           # the noise behind the 329 images scored at every checkpoint, shared by all runs


@dataclass(frozen=True)
class StudyRun:
    name: str
    factor: str            # the factor this run changes, "base" for the base run
    value: object          # the factor's value in this run (for "base": None)
    overrides: dict        # the differences from BASE_CONFIG

    def config(self, iterations: int = DEFAULT_ITERATIONS) -> TrainConfig:
        return TrainConfig(**{**BASE_CONFIG, **self.overrides, "iterations": iterations})


def value_label(factor: str, value) -> str:
    if factor == "spectral_norm":
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_list() -> list[StudyRun]:
    """The base run, then one run per non-base value of each factor."""
    runs = [StudyRun("base", "base", None, {})]
    for factor, values in FACTORS.items():
        for value in values:
            if value == BASE_CONFIG[factor]:
                continue
            name = f"{factor}_{value_label(factor, value)}"
            runs.append(StudyRun(name, factor, value, {factor: value}))
    return runs


# The order the full study trains in: on a shared CPU it runs for hours, and if
# it is cut short the runs that answer the most questions per minute exist first
# (lr 0.1 diverges within minutes; the seeds are the yardstick for every other
# difference; 4 D steps per iteration cost the most).
RUN_ORDER = ("base", "lr_0.1", "lr_0.01", "lr_0.001", "seed_1", "spectral_norm_on",
             "d_train_iters_2", "seed_2", "d_train_iters_4")


def run_by_name(name: str) -> StudyRun:
    for run in run_list():
        if run.name == name:
            return run
    raise ValueError(f"no study run named {name!r}; choose from {', '.join(r.name for r in run_list())}")


def factor_groups() -> dict[str, list[tuple[str, str]]]:
    """factor -> [(value label, run name)], the base run included at its value, in FACTORS order."""
    groups = {}
    for factor, values in FACTORS.items():
        rows = []
        for value in values:
            name = "base" if value == BASE_CONFIG[factor] else f"{factor}_{value_label(factor, value)}"
            rows.append((value_label(factor, value), name))
        groups[factor] = rows
    return groups
