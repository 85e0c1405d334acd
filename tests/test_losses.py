import math

import pytest
import torch
from contentfiles import CONTENT, flat_keys

from gan_core.training import LOSSES, GANLoss, get_loss, gradient_penalty, loss_class

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


# ---------------------------------------------------------------- each loss's metadata and prose

TEXTS = {lang: dict(flat_keys(content)) for lang, content in CONTENT.items()}


def missing_metadata(cls) -> list[str]:
    """What a loss class lacks of what the Train page, the toy lab and the trainer read from it."""
    problems = []
    if not (isinstance(cls.formula, str) and "L_D" in cls.formula and "L_G" in cls.formula):
        problems.append("formula: LaTeX for both L_D and L_G")
    if not isinstance(cls.is_critic, bool):
        problems.append("is_critic")
    # A probability or a 0/1 target has a fixed range for the toy lab's colour bar; a critic's scores do not.
    if cls.is_critic != (cls.output_range is None):
        problems.append("output_range: (low, high) unless D is a critic")
    elif cls.output_range is not None and not cls.output_range[0] < cls.output_range[1]:
        problems.append("output_range: low < high")
    if not cls.explode_threshold > 0:
        problems.append("explode_threshold")
    for key in cls.content_keys():
        for lang, texts in TEXTS.items():
            if not (isinstance(texts.get(key), str) and texts[key].strip()):
                problems.append(f"content/{lang}.json: {key}")
    return problems


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_has_its_formula_flags_and_prose_in_both_languages(name):
    cls = LOSSES[name]
    assert cls.name == name and loss_class(name) is cls
    assert missing_metadata(cls) == []
    # Every use of prose the pages make has a key (the label, the health text, the toy lab's two).
    assert {k.split(".")[-2] for k in cls.content_keys()} >= {"losses", "health_text", "surface"}


def test_a_missing_piece_is_caught(monkeypatch):
    class NewLoss(GANLoss):
        name = "new"

    problems = missing_metadata(NewLoss)
    assert "formula: LaTeX for both L_D and L_G" in problems
    assert "content/fa.json: train.health_text.new" in problems
    # One key gone from one language is enough to fail.
    monkeypatch.delitem(TEXTS["fa"], "toylab.surface.hinge")
    assert missing_metadata(LOSSES["hinge"]) == ["content/fa.json: toylab.surface.hinge"]


def test_no_prose_is_left_for_a_loss_that_does_not_exist():
    named = {key for cls in LOSSES.values() for key in cls.content_keys()}
    prefixes = {template.rsplit(".", 1)[0] for template in GANLoss.CONTENT_KEYS.values()}
    for lang, texts in TEXTS.items():
        orphans = [k for k in texts if k.rsplit(".", 1)[0] in prefixes and k not in named]
        assert orphans == [], lang


def test_critics_and_what_they_estimate():
    assert [n for n, cls in LOSSES.items() if cls.is_critic] == ["wgan-gp", "hinge"]
    assert [n for n, cls in LOSSES.items() if cls.estimates_wasserstein] == ["wgan-gp"]
