"""Small MLPs for the 2-D toy distributions of the theory pages (GAN Lab's setting)."""

import torch.nn as nn


def _mlp(n_in: int, width: int, n_out: int, depth: int) -> nn.Sequential:
    layers, d = [], n_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """z (B, noise_size) -> points (B, 2). No output squashing: toy data is unbounded."""

    def __init__(self, noise_size: int = 2, width: int = 64, depth: int = 3):
        super().__init__()
        self.noise_size = noise_size
        self.net = _mlp(noise_size, width, 2, depth)

    def forward(self, z):
        return self.net(z)

    def sefa_weight(self):
        return self.net[0].weight.detach()


class MLPDiscriminator(nn.Module):
    """points (B, 2) -> logits (B,)."""

    def __init__(self, width: int = 64, depth: int = 3, spectral_norm: bool = False):
        super().__init__()
        self.net = _mlp(2, width, 1, depth)
        if spectral_norm:
            from torch.nn.utils.parametrizations import spectral_norm as sn

            for i, m in enumerate(self.net):
                if isinstance(m, nn.Linear):
                    self.net[i] = sn(m)

    def forward(self, x):
        return self.net(x).view(-1)
