"""Training with your own loss, R1 and the optimisers: the built-in losses typed as formulas give the
same first 20 losses as the built-in classes, a NaN stops the run with its term and step, R1 matches a
hand computation, every optimiser trains, and the CLI and the model card carry the formulas.
"""

import json
import shlex

import pytest
import torch
from tinytrain import tiny_config

from gan_core import cli
from gan_core.training import OPTIMIZERS, TrainConfig, Trainer
from gan_core.training.formula import BUILTIN_FORMULAS, MAX_LENGTH, FormulaLoss
from gan_core.training.losses import LOSSES, r1_penalty

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TOY = dict(dataset="ring8", noise_size=2, conv_dim=32, batch_size=64, iterations=20, sample_every=0, seed=0)
KEYS = ("d_loss_real", "d_loss_fake", "d_loss", "g_loss")


def steps(config):
    return [ev for ev in Trainer(config).run() if ev.kind == "step"]


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_builtin_loss_typed_as_its_formula_trains_the_same_first_20_steps(name):
    start = BUILTIN_FORMULAS[name]
    builtin = steps(TrainConfig(**TOY, loss=name))
    typed = steps(TrainConfig(**TOY, loss=name, d_loss=start.d, g_loss=start.g))
    assert len(builtin) == len(typed) == 20
    for a, b in zip(builtin, typed):
        for key in KEYS:
            assert getattr(a, key) == pytest.approx(getattr(b, key), abs=1e-5, rel=1e-5), (a.iteration, key)


def test_the_same_on_images():
    start = BUILTIN_FORMULAS["lsgan"]
    a = steps(tiny_config(sample_every=0))
    b = steps(tiny_config(sample_every=0, d_loss=start.d, g_loss=start.g))
    assert [s.g_loss for s in a] == pytest.approx([s.g_loss for s in b], abs=1e-5, rel=1e-5)


def test_a_trainer_with_formulas_trains_a_formula_loss():
    trainer = Trainer(TrainConfig(**TOY, loss="bce", g_loss=BUILTIN_FORMULAS["minimax"].g))
    assert isinstance(trainer.loss, FormulaLoss) and trainer.loss.like == "bce"
    assert not isinstance(Trainer(TrainConfig(**TOY)).loss, FormulaLoss)


def test_nan_stops_the_run_with_the_term_and_the_step():
    events = list(Trainer(TrainConfig(**TOY, loss="bce", g_loss="softplus(-d_fake) + log(d_fake - 100)")).run())
    final = events[-1]
    assert final.kind == "diverged" and final.iteration == 1
    assert final.detail["cause"] == "formula" and final.detail["net"] == "g_loss"
    assert final.detail["term"] == "log(d_fake - 100)" and final.detail["hint"] == "log" and final.detail["step"] == 1
    assert "G's loss became NaN at step 1 in the term `log(d_fake - 100)`" in final.message
    assert "log of a negative number" in final.message


def test_nan_in_ds_loss_names_ds_term():
    final = list(Trainer(TrainConfig(**TOY, loss="lsgan", d_loss="sqrt(d_real - 100) + square(d_fake)")).run())[-1]
    assert final.kind == "diverged" and final.detail["role"] == "d" and final.detail["term"] == "sqrt(d_real - 100)"
    assert final.detail["hint"] == "sqrt"


# ---------------------------------------------------------------- R1


def test_r1_matches_a_hand_computation():
    torch.manual_seed(0)
    linear = torch.nn.Linear(2, 1)
    x = torch.randn(16, 2)
    # D(x) = w.x + b: the gradient is w at every point, the penalty ||w||^2.
    assert r1_penalty(linear, x).item() == pytest.approx((linear.weight ** 2).sum().item(), rel=1e-6)

    class Square(torch.nn.Module):
        def forward(self, x):
            return (x ** 2).sum(dim=1)

    # D(x) = ||x||^2: the gradient is 2x, the penalty E[4 ||x||^2].
    assert r1_penalty(Square(), x).item() == pytest.approx(float((4 * (x ** 2).sum(dim=1)).mean()), rel=1e-6)


def test_r1_is_added_to_ds_loss_and_its_gradient_flows():
    trainer = Trainer(TrainConfig(**TOY, r1=10.0))
    stats = trainer.d_step()
    extra = float(stats["d_loss"] - stats["d_loss_real"] - stats["d_loss_fake"])
    assert extra > 0
    plain = Trainer(TrainConfig(**TOY)).d_step()
    assert float(plain["d_loss"] - plain["d_loss_real"] - plain["d_loss_fake"]) == pytest.approx(0, abs=1e-6)


def test_r1_and_the_optimizer_are_checked():
    with pytest.raises(ValueError, match="r1"):
        TrainConfig(r1=-1)
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ValueError, match=str(MAX_LENGTH)):
        TrainConfig(g_loss="d_fake + " * 100)
    with pytest.raises(ValueError, match="Unknown name `os`"):
        TrainConfig(g_loss="os")


# ---------------------------------------------------------------- optimisers


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_each_optimizer_trains(name):
    trainer = Trainer(TrainConfig(**TOY, optimizer=name, lr=1e-3))
    expected = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}[name]
    assert isinstance(trainer.opt_g, expected) and isinstance(trainer.opt_d, expected)
    before = [p.detach().clone() for p in trainer.G.parameters()]
    events = list(trainer.run())
    assert events[-1].kind == "done"
    assert all(torch.isfinite(torch.tensor([e.d_loss, e.g_loss])).all() for e in events if e.kind == "step")
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.G.parameters()))


# ---------------------------------------------------------------- the CLI, the shown command, the card


def test_the_cli_flags_and_the_shown_command_carry_the_formulas():
    args = cli.parse_args(["--data", "ring8", "--loss", "bce", "--d-loss", "softplus(-d_real) + softplus(d_fake)",
                           "--g-loss=-softplus(d_fake)", "--r1", "5", "--optimizer", "rmsprop", "--out", "x"])
    config = cli.config_from_args(args)
    assert (config.d_loss, config.g_loss, config.r1, config.optimizer) == (
        "softplus(-d_real) + softplus(d_fake)", "-softplus(d_fake)", 5.0, "rmsprop")
    command = config.cli_command("x")
    assert "--g-loss=-softplus(d_fake)" in shlex.split(command)
    again = cli.config_from_args(cli.parse_args(shlex.split(command)[3:]))
    assert again.to_dict() == {**config.to_dict(), "device": again.device}


def test_the_cli_refuses_a_bad_formula_with_its_sentence(tmp_path, capsys):
    assert cli.main(["--data", "ring8", "--g-loss", "__import__('os')", "--out", str(tmp_path / "x")]) == 2
    assert "Unknown name `__import__` at column 1" in capsys.readouterr().err


def test_a_cli_run_with_formulas_saves_them_in_its_config_and_card(tmp_path):
    out = tmp_path / "run"
    code = cli.main(["--data", "shapes", "--image-size", "16", "--conv-dim", "4", "--noise-size", "8",
                     "--batch-size", "4", "--iterations", "2", "--sample-every", "0", "--loss", "bce",
                     "--g-loss=-softplus(d_fake)", "--optimizer", "sgd", "--out", str(out)])
    assert code == 0
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["g_loss"] == "-softplus(d_fake)" and saved["optimizer"] == "sgd"
    card = (out / "README.md").read_text()
    assert "--g-loss='-softplus(d_fake)'" in card and "--optimizer sgd" in card
