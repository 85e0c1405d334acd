"""Named training configurations: the one place each of them is defined.

    from gan_core.training.presets import PRESETS, DEFAULT
    config = PRESETS[DEFAULT]                      # a TrainConfig
    config = dataclasses.replace(PRESETS["course"], iterations=3000)

The Train page, the course study (gan_core.study), the theory page on the
course's DCGAN and the CLI (`python -m gan_core.train --preset NAME`) all read
these; none keeps a copy. Every preset trains the course's architecture (the
DCGAN of gan_core.models.dcgan, 32x32 emoji faces); they differ only in settings.
DESCRIPTIONS says what each one is for, in a paragraph (the Train page shows the
same text, translated, from content/*.json "presets").
"""

from __future__ import annotations

import dataclasses

from .config import TrainConfig

# The course's settings, as the course study trains them. What the course
# assignment states: the DCGAN of gan_core.models.dcgan, emoji faces at 32x32,
# the least-squares loss, Adam with betas (0.5, 0.999), batch 16, noise of size
# 100, conv_dim 32, one D step per G step, no spectral norm. Where it is silent
# or inconsistent we chose: lr 5e-4 (its argparse default is 3e-4, a value its
# report never compares; 5e-4 is the nearest studied one, see
# results/course_study/README.md), seed 0, no EMA, no flips.
COURSE = TrainConfig(
    dataset="emoji", image_size=32, noise_size=100, conv_dim=32,
    loss="lsgan", lr=5e-4, beta1=0.5, beta2=0.999,
    spectral_norm=False, d_batch_norm=True, d_activation="relu", d_train_iters=1,
    batch_size=16, iterations=1000, sample_every=50, n_samples=64, seed=0,
)

# The fast default: the course's networks and loss, two settings changed, for
# recognisable faces within 30 s on a 2-core CPU: lr 1e-3 (the course study found
# it as good as 5e-4) and samples from an EMA of G's weights (decay 0.95: a short
# average suits a run of a few hundred steps). A grid every 25 steps (the first one
# at step 10, Trainer.FIRST_GRID_AT): with EMA each grid also pays a standing-statistics
# refresh, and a grid every 10 steps cost the run about a quarter of its speed.
# The search (hinge, spectral norm, TTUR, batch, width, EMA decays): bench/search_fast_default.py; the measurement:
# bench/bench_first_faces.py; the tables: docs/benchmarks.md, "How the fast default was found".
FAST = dataclasses.replace(COURSE, lr=1e-3, ema=0.95, iterations=2000, sample_every=25)

PRESETS: dict[str, TrainConfig] = {
    "fast": FAST,
    "course": COURSE,
    "stable": dataclasses.replace(
        COURSE, lr=2e-4, spectral_norm=True, d_batch_norm=False, d_activation="leaky",
        batch_size=32, ema=0.99),
    "diverge": dataclasses.replace(COURSE, lr=0.1, batch_size=32, iterations=500, sample_every=25),
    "collapse": dataclasses.replace(
        COURSE, loss="bce", lr=5e-3, lr_d=1e-4, batch_size=32, conv_dim=16, iterations=600,
        sample_every=25),
}

# The iteration at which the preset's samples first score SWD <= 70 (recognisable emoji) in
# bench/search_fast_default.py (seed 0; SWD x1e3 of 329 samples vs the 329 emoji). The
# Train page divides it by the iterations per second measured on its server.
FIRST_FACES_ITERATION: dict[str, int] = {"fast": 250}

# The learning rates the app's sliders offer (the Train page's G and D sliders and the
# toy lab's): every preset's lr and lr_d is one of them (tests/test_presets.py), from
# 1e-5 up to the course's failing 0.1. The CLI takes any value.
LR_OPTIONS = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 4e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1)


def format_lr(lr: float) -> str:
    """How every page writes a learning rate: 0.1, 0.01, 0.001, then 5e-4, 2e-4, 1e-5.
    Plain decimals as far as the course's grid goes, exponents below, where zeros hide the digit."""
    if lr >= 1e-3:
        return f"{lr:g}"
    mantissa, exponent = f"{lr:.0e}".split("e")
    return f"{mantissa}e-{int(exponent[1:])}"


DEFAULT = "fast"           # the preset the Train page and `--preset` examples start from
COURSE_NAME = "course"

DESCRIPTIONS: dict[str, str] = {
    "fast": (
        "First faces, fast: the course's networks and least-squares loss at batch 16, with two settings "
        "changed. The learning rate is 1e-3 instead of 5e-4 (the course study found 1e-3 as good), and the "
        "samples come from an exponential moving average of the generator's weights (EMA, decay 0.95), "
        "which smooths out the jitter of early training. The first grid at step 10, then one every 25. Not the course's settings: "
        "those are one click away."),
    "course": (
        "The course's settings, as the course study trains them: emoji faces at 32x32, the least-squares "
        "loss, Adam at lr 5e-4 with betas (0.5, 0.999), batch 16, no spectral norm. The course states the "
        "architecture, the loss, the optimiser and the batch size; its default lr (3e-4) is not among the "
        "values its report compares, so we use 5e-4, the nearest one it studied. Faces appear after a few "
        "hundred steps."),
    "stable": (
        "Spectral norm on every discriminator layer (instead of batch norm) keeps D smooth, so G always "
        "gets a useful gradient; EMA averages G's weights for cleaner samples."),
    "diverge": (
        "The course's experiment: Adam with a learning rate 500x too high. Within about a hundred steps "
        "the generator saturates; the run stops and explains what happened."),
    "collapse": (
        "The generator learns 50x faster than the discriminator (lr 5e-3 vs 1e-4, BCE loss), so it keeps "
        "jumping to whatever single picture fools D right now. Within about 200 steps all 64 faces of the "
        "grid are the same image and the diversity curve sits near 0.1 (the course's settings stay around "
        "0.3-0.4 and show varied faces)."),
}


def get(name: str, **overrides) -> TrainConfig:
    """The preset `name`, with some fields replaced; a clear error for an unknown name."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return dataclasses.replace(PRESETS[name], **overrides)


def measure_its_per_sec(config: TrainConfig, seconds: float = 1.0, warmup: int = 2) -> float:
    """Iterations per second of `config` on this machine, from a throwaway run of about `seconds`
    (grids excluded: they cost a few per cent at the presets' frequencies)."""
    import time

    from .loop import Trainer

    trainer = Trainer(dataclasses.replace(config, iterations=10**6))
    for _ in range(warmup):
        for _ in range(config.d_train_iters):
            trainer.d_step()
        trainer.g_step()
    n, start = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - start < seconds:
        for _ in range(config.d_train_iters):
            trainer.d_step()
        trainer.g_step()
        n += 1
    return n / (time.perf_counter() - start)
