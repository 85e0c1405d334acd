"""How a GAN is trained: the run's config, the loop, the losses and the named presets.

* config.py: `TrainConfig`, everything that defines a run (the CLI and the Train page build one).
* events.py: what `Trainer.run()` yields (step, samples, metric, final).
* loop.py: `Trainer`, the plain D-step / G-step loop, and standing batch-norm statistics.
* losses.py: least squares (the course's), BCE, WGAN-GP, hinge; `LOSSES` is every menu's list; R1.
* formula.py: write your own loss, a safe formula language (`FormulaLoss`, `BUILTIN_FORMULAS`).
* optimizers.py: Adam, RMSProp, SGD with momentum (`OPTIMIZERS`, `make_optimizer`).
* presets.py: the named configurations (`fast`, `course`, `stable`, `diverge`, `collapse`).
"""

from .config import TrainConfig
from .events import FINAL_KINDS, LOSS_KEYS, Event, FinalEvent, MetricEvent, SamplesEvent, StepEvent
from .losses import (LOSSES, BCELoss, GANLoss, HingeLoss, LSGANLoss, WGANGPLoss, get_loss,
                     gradient_penalty, loss_class, r1_penalty)
from .formula import (BUILTIN_FORMULAS, FUNCTIONS, MAX_LENGTH, VARIABLES, FormulaError, FormulaLoss,
                      GProfile, LossFormulas, check_text, g_profile, make_loss, starting_formulas)
from .optimizers import OPTIMIZERS, make_optimizer
from .loop import Trainer, recompute_bn_stats
from .presets import (COURSE, COURSE_NAME, DEFAULT, DESCRIPTIONS, FAST, FIRST_FACES_ITERATION,
                      LR_OPTIONS, PRESETS, format_lr, measure_its_per_sec)

__all__ = [
    "TrainConfig", "Event", "StepEvent", "LOSS_KEYS", "SamplesEvent", "MetricEvent", "FinalEvent",
    "FINAL_KINDS", "GANLoss", "LSGANLoss", "BCELoss", "WGANGPLoss", "HingeLoss", "LOSSES", "loss_class",
    "get_loss", "gradient_penalty", "recompute_bn_stats", "Trainer", "COURSE", "FAST", "PRESETS",
    "FIRST_FACES_ITERATION", "LR_OPTIONS", "format_lr", "DEFAULT", "COURSE_NAME", "DESCRIPTIONS",
    "measure_its_per_sec", "r1_penalty", "BUILTIN_FORMULAS", "FUNCTIONS", "MAX_LENGTH", "VARIABLES",
    "FormulaError", "FormulaLoss", "GProfile", "LossFormulas", "check_text", "g_profile", "make_loss",
    "starting_formulas", "OPTIMIZERS", "make_optimizer"
]
