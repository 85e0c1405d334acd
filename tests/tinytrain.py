"""A training small enough for a test on a shared CPU: its config and random 16x16 images.

For the tests that train (test_train, test_job); each says its own grid settings.
"""

import torch

from gan_core.training import TrainConfig

TINY = dict(dataset="shapes", image_size=16, conv_dim=4, noise_size=8, batch_size=8, iterations=20, seed=0)


def tiny_config(**kw) -> TrainConfig:
    return TrainConfig(**{**TINY, **kw})


def data16(n=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 16, 16), dtype=torch.uint8, generator=g)
