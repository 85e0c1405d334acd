"""The course DCGAN page's numbers: least-squares losses under different label codings, power
iteration for spectral normalisation, the layer-by-layer shape table, and the singular values
after a short training with and without spectral norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn

# ---------------------------------------------------------------------------
# 6. The course DCGAN: label coding, spectral norm, layer shapes
# ---------------------------------------------------------------------------


def lsgan_d_loss(d_real: np.ndarray, d_fake: np.ndarray, a: float, b: float) -> float:
    """Mao et al.'s D loss: 1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2] (b = real label, a = fake label)."""
    return float(0.5 * np.mean((np.asarray(d_real) - b) ** 2) + 0.5 * np.mean((np.asarray(d_fake) - a) ** 2))


def lsgan_g_loss(d_fake: np.ndarray, c: float) -> float:
    """1/2 E[(D(G(z)) - c)^2]: c is the value G wants D to give its fakes."""
    return float(0.5 * np.mean((np.asarray(d_fake) - c) ** 2))


def power_iteration(weight: np.ndarray, n_iter: int = 10, seed: int = 0) -> np.ndarray:
    """Estimates of the largest singular value after 1 ... n_iter power iterations.

    Spectral normalisation (Miyato et al. 2018) divides W by this estimate.
    In training, one iteration per step suffices because u is kept between
    steps and W changes little; here we start from a random u to show how fast
    the estimate converges.
    """
    w = np.asarray(weight, dtype=float).reshape(weight.shape[0], -1)
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(w.shape[0])
    u /= np.linalg.norm(u)
    estimates = []
    for _ in range(n_iter):
        v = w.T @ u
        v /= np.linalg.norm(v) + 1e-12
        u = w @ v
        u /= np.linalg.norm(u) + 1e-12
        estimates.append(float(u @ w @ v))
    return np.array(estimates)


def top_singular_value(weight: torch.Tensor) -> float:
    """Largest singular value of a layer's weight reshaped to (out, in * kh * kw), the matrix SN normalises."""
    w = weight.detach().float().reshape(weight.shape[0], -1)
    return float(torch.linalg.matrix_norm(w, ord=2))


@dataclass
class LayerRow:
    name: str
    kind: str
    in_shape: tuple[int, ...]
    out_shape: tuple[int, ...]
    params: int


def _is_layer(mod: nn.Module) -> bool:
    """A leaf module; a spectral-norm-wrapped conv counts as one layer (its only child is the parametrisation)."""
    children = [n for n, _ in mod.named_children() if n != "parametrizations"]
    return not children


def layer_table(module: nn.Module, example_input: torch.Tensor) -> list[LayerRow]:
    """One row per layer, in execution order, with input and output shapes (batch axis dropped).

    The shapes are measured with forward hooks on the real module, not copied
    from a docstring, so the table stays right if the architecture changes.
    Reshapes done in forward() (e.g. the generator's view to 128x4x4) show as
    an input shape that differs from the previous row's output.
    """
    rows: list[LayerRow] = []
    hooks = []

    def record(name):
        def hook(mod, inputs, output):
            params = sum(p.numel() for p in mod.parameters())
            in_shape = tuple(inputs[0].shape[1:]) if inputs and isinstance(inputs[0], torch.Tensor) else ()
            kind = type(mod).__name__
            if hasattr(mod, "parametrizations"):   # torch names the wrapped class "ParametrizedConv2d"
                kind = f"{type(mod).__bases__[0].__name__} + spectral norm"
            rows.append(LayerRow(name, kind, in_shape, tuple(output.shape[1:]), params))
        return hook

    for name, mod in module.named_modules():
        if name and "parametrizations" not in name and _is_layer(mod):
            hooks.append(mod.register_forward_hook(record(name)))
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            module(example_input)
    finally:
        module.train(was_training)
        for h in hooks:
            h.remove()
    return rows


def spectral_norms_after_training(spectral_norm: bool, iterations: int = 30, batch_size: int = 16,
                                  seed: int = 0, dataset: str = "emoji") -> list[float]:
    """Top singular value of each D conv's effective weight after a short course-DCGAN run.

    With spectral_norm=True the effective weight is W / sigma(W), so the values
    sit at ~1; without it they drift wherever training takes them.
    """
    from ..training.config import TrainConfig
    from ..training.loop import Trainer

    config = TrainConfig(dataset=dataset, spectral_norm=spectral_norm, batch_size=batch_size,
                         iterations=iterations, sample_every=0, n_samples=4, seed=seed)
    trainer = Trainer(config)
    for _ in range(iterations):
        for _ in range(config.d_train_iters):
            trainer.d_step()
        trainer.g_step()
    values = []
    with torch.no_grad():
        for conv in trainer.D.conv_layers():
            values.append(top_singular_value(conv.weight))  # the parametrised (normalised) weight under SN
    return values


# The two configurations the course page offers to open in the Train page: the
# course's settings and the SN-GAN recipe on the same networks (gan_core.training.presets).
def course_train_config(iterations: int | None = None):
    """The course's settings (gan_core.training.presets), for the page's "open in the Train page" button."""
    from ..training import presets

    return presets.get("course", **({} if iterations is None else {"iterations": iterations}))


def stable_train_config(iterations: int | None = None):
    from ..training import presets

    return presets.get("stable", **({} if iterations is None else {"iterations": iterations}))
