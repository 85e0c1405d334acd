import math

import pytest
import torch

from gan_core.losses import get_loss, gradient_penalty

REAL = torch.tensor([0.5, 2.0, -1.0])
FAKE = torch.tensor([0.0, -3.0, 1.5])


def sigmoid(t):
    return 1 / (1 + math.exp(-t))


def test_lsgan_matches_the_formula():
    loss = get_loss("lsgan")
    # D: 1/2 mean((D(x)-1)^2) + 1/2 mean(D(G(z))^2)
    d_expected = 0.5 * ((0.5 - 1) ** 2 + (2 - 1) ** 2 + (-1 - 1) ** 2) / 3 + 0.5 * (0 + 9 + 2.25) / 3
    assert loss.d_loss(REAL, FAKE).item() == pytest.approx(d_expected)
    # G: 1/2 mean((D(G(z))-1)^2)
    assert loss.g_loss(FAKE).item() == pytest.approx(0.5 * (1 + 16 + 0.25) / 3)


def test_bce_is_the_non_saturating_cross_entropy():
    loss = get_loss("bce")
    d_expected = -sum(math.log(sigmoid(r)) for r in REAL.tolist()) / 3 \
        - sum(math.log(1 - sigmoid(f)) for f in FAKE.tolist()) / 3
    assert loss.d_loss(REAL, FAKE).item() == pytest.approx(d_expected, rel=1e-5)
    g_expected = -sum(math.log(sigmoid(f)) for f in FAKE.tolist()) / 3
    assert loss.g_loss(FAKE).item() == pytest.approx(g_expected, rel=1e-5)
    assert loss.d_output(torch.tensor([0.0])).item() == pytest.approx(0.5)


def test_wgan_and_hinge():
    w = get_loss("wgan-gp")
    assert w.d_loss(REAL, FAKE).item() == pytest.approx(FAKE.mean() - REAL.mean())
    assert w.g_loss(FAKE).item() == pytest.approx(-FAKE.mean())
    assert w.gradient_penalty_weight == 10.0
    h = get_loss("hinge")
    d_expected = (0.5 + 0 + 2.0) / 3 + (1.0 + 0 + 2.5) / 3
    assert h.d_loss(REAL, FAKE).item() == pytest.approx(d_expected)


def test_gradient_penalty_is_zero_for_a_unit_slope_critic():
    class Linear(torch.nn.Module):
        def __init__(self, slope):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2))
            self.w.data[0] = slope

        def forward(self, x):
            return x @ self.w

    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    assert gradient_penalty(Linear(1.0), real, fake).item() == pytest.approx(0.0, abs=1e-10)
    # slope 3: ||grad|| = 3 everywhere -> (3 - 1)^2 = 4
    assert gradient_penalty(Linear(3.0), real, fake).item() == pytest.approx(4.0)


def test_unknown_loss_lists_choices():
    with pytest.raises(ValueError, match="lsgan, bce, wgan-gp, hinge"):
        get_loss("mse")
