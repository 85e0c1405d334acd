"""The optimisers a run can train both networks with (TrainConfig.optimizer).

* adam: Adam with TrainConfig's betas (the DCGAN default; WGAN-GP uses betas (0, 0.9)).
* rmsprop: RMSProp (alpha 0.99, no momentum), the original weight-clipped WGAN's choice
  (Arjovsky et al. 2017 used lr 5e-5): Adam's momentum made its critic unstable.
* sgd: SGD with momentum 0.9 (the plain baseline; Dirac-GAN's analysis is about this family).
"""

from __future__ import annotations

from typing import Iterable

import torch

OPTIMIZERS = ("adam", "rmsprop", "sgd")
SGD_MOMENTUM = 0.9
RMSPROP_ALPHA = 0.99


def make_optimizer(name: str, params: Iterable[torch.nn.Parameter], lr: float,
                   betas: tuple[float, float] = (0.5, 0.999)) -> torch.optim.Optimizer:
    """Optimiser `name` (one of OPTIMIZERS) over `params`; `betas` are Adam's."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=betas)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=RMSPROP_ALPHA)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=SGD_MOMENTUM)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
