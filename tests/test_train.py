import threading

import numpy as np
import pytest
import torch
from tinytrain import data16, tiny_config

from gan_core.cli import main
from gan_core.data import holdout_split
from gan_core.training import FINAL_KINDS, LOSSES, TrainConfig, Trainer


def tiny(**kw):
    return tiny_config(**{"sample_every": 10, "n_samples": 4, **kw})


def run_all(trainer):
    events = list(trainer.run())
    assert events[-1].kind in FINAL_KINDS
    assert sum(e.kind in FINAL_KINDS for e in events) == 1
    return events


def test_run_streams_steps_samples_and_done():
    events = run_all(Trainer(tiny(), dataset=data16()))
    steps = [e for e in events if e.kind == "step"]
    samples = [e for e in events if e.kind == "samples"]
    assert [e.iteration for e in steps] == list(range(1, 21))
    assert [e.iteration for e in samples] == [10, 20]
    assert samples[0].images.shape == (4, 3, 16, 16) and samples[0].images.dtype == np.uint8
    assert samples[0].grid.shape == (2 * 18 + 2, 2 * 18 + 2, 3)
    assert events[-1].kind == "done" and "20 iterations" in events[-1].message
    s = steps[0]
    assert s.d_loss == pytest.approx(s.d_loss_real + s.d_loss_fake, rel=1e-5)
    assert s.its_per_sec > 0


def test_same_seed_gives_the_same_first_20_losses():
    a = [(e.d_loss, e.g_loss) for e in Trainer(tiny(), dataset=data16()).run() if e.kind == "step"]
    b = [(e.d_loss, e.g_loss) for e in Trainer(tiny(), dataset=data16()).run() if e.kind == "step"]
    c = [(e.d_loss, e.g_loss) for e in Trainer(tiny(seed=1), dataset=data16()).run() if e.kind == "step"]
    assert len(a) == 20 and a == b
    assert a != c


def test_d_train_iters_makes_k_discriminator_steps_per_generator_step():
    trainer = Trainer(tiny(d_train_iters=2, iterations=5), dataset=data16())
    calls = {"d": 0, "g": 0}
    d_orig, g_orig = trainer.opt_d.step, trainer.opt_g.step

    def d_step(*a, **k):
        calls["d"] += 1
        return d_orig(*a, **k)

    def g_step(*a, **k):
        calls["g"] += 1
        return g_orig(*a, **k)

    trainer.opt_d.step, trainer.opt_g.step = d_step, g_step
    run_all(trainer)
    assert calls == {"d": 10, "g": 5}


def test_lr_0_1_diverges_with_explanation():
    # The course's lr=0.1 on emoji faces: the run must end with an explanation, not an exception.
    config = TrainConfig(dataset="emoji", lr=0.1, iterations=400, batch_size=32, sample_every=25, seed=0)
    events = run_all(Trainer(config))
    final = events[-1]
    assert final.kind == "diverged", final.message
    assert "learning rate" in final.message and "0.1" in final.message
    assert f"step {final.iteration}" in final.message


def test_a_blow_up_advises_spectral_norm_for_the_losses_that_do_not_bound_ds_slope():
    # BCE and hinge do nothing to bound D's slope; WGAN-GP has its penalty, and least squares
    # is the calmer loss the advice names. With spectral norm on, the advice is the generic one.
    def advice(**kw):
        trainer = Trainer(tiny(**kw), dataset=data16())
        trainer._advice()
        return trainer._problem["advice"]

    assert {loss: advice(loss=loss) for loss in LOSSES} == {
        "lsgan": "generic", "bce": "sn", "wgan-gp": "generic", "hinge": "sn"}
    assert {advice(loss=loss, spectral_norm=True) for loss in LOSSES} == {"generic"}


def test_stop_from_another_thread_ends_the_run_within_one_iteration():
    trainer = Trainer(tiny(iterations=100_000), dataset=data16())
    seen = []

    def consume():
        for e in trainer.run():
            seen.append(e)
            if e.kind == "step" and e.iteration == 5:
                threading.Timer(0.01, trainer.stop).start()

    t = threading.Thread(target=consume)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive()
    final = seen[-1]
    assert final.kind == "stopped" and "stopped at step" in final.message
    assert final.iteration < 100


def test_ema_generator_is_an_average():
    trainer = Trainer(tiny(ema=0.9, iterations=5), dataset=data16())
    run_all(trainer)
    assert trainer.generator is trainer.G_ema
    diff = [(a - b).abs().max().item() for a, b in zip(trainer.G_ema.parameters(), trainer.G.parameters())]
    assert max(diff) > 0


def test_tiny_dataset_and_batch_larger_than_dataset_still_train():
    events = run_all(Trainer(tiny(batch_size=16, iterations=3), dataset=data16(n=1)))
    assert events[-1].kind == "done"


def test_every_loss_trains():
    for loss in LOSSES:
        events = run_all(Trainer(tiny(loss=loss, iterations=3, spectral_norm=True), dataset=data16()))
        assert events[-1].kind == "done", (loss, events[-1].message)


def test_toy_dataset_trains_an_mlp_and_reports_points_and_modes():
    config = TrainConfig(dataset="ring8", noise_size=2, conv_dim=16, batch_size=64, iterations=20,
                         sample_every=10, metric_every=20, n_samples=100)
    events = run_all(Trainer(config))
    pts = [e for e in events if e.kind == "samples"][-1].points
    assert pts.shape == (100, 2)
    metric = [e for e in events if e.kind == "metric"][-1]
    assert metric.name == "modes_covered" and 0 <= metric.value <= 8


def test_bad_config_is_rejected_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown loss"):
        TrainConfig(loss="nope")
    with pytest.raises(ValueError, match="d_train_iters"):
        TrainConfig(d_train_iters=0)
    with pytest.raises(ValueError, match="image_size is 16"):
        Trainer(tiny(), dataset=torch.zeros(4, 3, 32, 32, dtype=torch.uint8))


def test_holdout_split_is_fixed_and_disjoint():
    tr, ho = holdout_split(100, 10)
    tr2, ho2 = holdout_split(100, 10)
    assert torch.equal(ho, ho2) and len(ho) == 10 and len(tr) == 90
    assert not set(tr.tolist()) & set(ho.tolist())


def test_cli_writes_a_folder_that_load_generator_reads(tmp_path):
    from gan_core.hub import load_generator

    out = tmp_path / "run"
    code = main(["--data", "shapes", "--image-size", "16", "--conv-dim", "4", "--noise-size", "8",
                 "--batch-size", "8", "--iterations", "6", "--sample-every", "3", "--out", str(out)])
    assert code == 0
    assert (out / "samples" / "iter_000003.png").exists()
    lines = (out / "log.jsonl").read_text().splitlines()
    assert '"kind": "done"' in lines[-1]
    g, info = load_generator(str(out))
    assert info.image_size == 16 and g.noise_size == 8
    assert g(torch.randn(2, 8)).shape == (2, 3, 16, 16)


def test_cli_command_round_trips_through_the_parser():
    from gan_core.cli import build_parser, config_from_args

    c = TrainConfig(dataset="shapes", lr=1e-3, spectral_norm=True, d_train_iters=2, ema=0.99)
    argv = c.cli_command("runs/x").split()[3:]  # drop "python -m gan_core.train"
    again = config_from_args(build_parser().parse_args(argv))
    assert again == c


def _channel_stats(generator, train_mode: bool, noise_size: int):
    """Per-channel mean and std of 1,024 outputs in [0, 1], on a copy (train mode would move its stats)."""
    import copy

    g = copy.deepcopy(generator).train(train_mode)
    z = torch.randn(1024, noise_size, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        x = (g(z) + 1) / 2
    return x.mean((0, 2, 3)), x.std((0, 2, 3))


def test_ema_generator_has_standing_batch_norm_statistics():
    # A short EMA run whose averaged weights are far from the live ones: eval mode must
    # give what the same weights give with batch statistics (train mode), colour for colour.
    c = tiny(conv_dim=8, noise_size=16, batch_size=32, iterations=60, sample_every=0, ema=0.95, lr=1e-3)
    trainer = Trainer(c)
    run_all(trainer)
    g = trainer.generator
    eval_mean, eval_std = _channel_stats(g, False, 16)
    train_mean, train_std = _channel_stats(g, True, 16)
    assert ((eval_mean - train_mean).abs() / train_mean).max() < 0.02
    assert ((eval_std - train_std).abs() / train_std).max() < 0.02
    # ... which the statistics copied from the live generator (the old way) do not give.
    stale = __import__("copy").deepcopy(g)
    for b_stale, b_live in zip(stale.buffers(), trainer.G.buffers()):
        b_stale.copy_(b_live)
    stale_mean, stale_std = _channel_stats(stale, False, 16)
    assert max(((stale_mean - train_mean).abs() / train_mean).max(),
               ((stale_std - train_std).abs() / train_std).max()) > 0.05


def test_recompute_bn_stats_is_reproducible_and_leaves_the_global_rng_alone():
    from gan_core.models import DCGenerator
    from gan_core.models.mlp import MLPGenerator
    from gan_core.training import recompute_bn_stats

    g = DCGenerator(noise_size=8, conv_dim=4, image_size=16).eval()
    torch.manual_seed(0)
    before = torch.rand(1)
    torch.manual_seed(0)
    assert recompute_bn_stats(g, batches=3, batch_size=16) == 2     # linear_bn + the one non-RGB conv block
    assert torch.equal(torch.rand(1), before)
    assert not g.training and all(m.momentum == 0.1 for m in g.modules() if isinstance(m, torch.nn.BatchNorm2d))
    first = [b.clone() for b in g.buffers()]
    recompute_bn_stats(g, batches=3, batch_size=16)
    assert all(torch.equal(a, b) for a, b in zip(first, g.buffers()))
    assert recompute_bn_stats(MLPGenerator(2, width=8), noise_size=2) == 0


def test_the_first_grid_comes_at_step_10_whatever_sample_every_says():
    events = run_all(Trainer(tiny(sample_every=25, iterations=30), dataset=data16()))
    assert [e.iteration for e in events if e.kind == "samples"] == [Trainer.FIRST_GRID_AT, 25, 30]
