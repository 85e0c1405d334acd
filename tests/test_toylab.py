"""The 2-D toy lab engine: the presets do what the pages say, views are side-effect free."""

import numpy as np
import pytest
import torch

from gan_core.theory import PRESETS, ToyLab, ToyLabConfig, arrow_segments
from gan_core.training import LOSSES

pytestmark = pytest.mark.usefixtures("one_torch_thread")   # conftest.py says why


# The budget at which the pages' claims are checked: a few hundred iterations,
# what a visitor sees in well under a minute of Play.
BUDGET = 400


def test_healthy_wgan_gp_covers_the_ring_and_the_collapse_preset_does_not():
    healthy = ToyLab(PRESETS["healthy"])
    healthy.step(BUDGET)
    covered = healthy.coverage()
    assert covered.n_modes == 8
    assert covered.modes >= 6, f"WGAN-GP preset covered only {covered.modes}/8 modes"
    # The WGAN page's claim: the critic's distance estimate falls as the samples reach the ring.
    w = healthy.history["w_estimate"]
    assert np.mean(w[-40:]) < 0.5 * np.mean(w[:40])

    collapsed = ToyLab(PRESETS["collapse"])
    collapsed.step(BUDGET)
    c = collapsed.coverage()
    assert c.modes <= 2, f"the mode-collapse preset covered {c.modes}/8 modes"
    assert c.modes < covered.modes
    # Collapse, not just slowness: the samples sit in one tight blob, far less
    # spread out than the ring itself (std 1.41 per axis).
    fake = collapsed.trainer.sample(collapsed.z_eval)
    assert float(fake.std(dim=0).max()) < 0.6
    assert float(healthy.trainer.sample(healthy.z_eval).std(dim=0).min()) > 1.0


def test_drawing_a_view_does_not_change_the_run():
    # lsgan-sn: spectral norm would advance its power iteration if a view ran D in train mode.
    config = PRESETS["lsgan-sn"]
    watched, unwatched = ToyLab(config), ToyLab(config)
    for _ in range(6):
        watched.step(5)
        watched.view()
        unwatched.step(5)
    for a, b in zip(watched.trainer.G.parameters(), unwatched.trainer.G.parameters()):
        assert torch.equal(a, b)
    assert watched.history["d_loss"] == unwatched.history["d_loss"]


def test_view_contents_and_gradient_arrows_point_to_where_d_finds_points_more_real():
    lab = ToyLab(PRESETS["lsgan-sn"], n_fake=256, grid=32)
    lab.step(30)
    v = lab.view()
    assert v.real.shape == (600, 2) and v.fake.shape == (256, 2) and v.grad.shape == (256, 2)
    assert v.surface.shape == (32, 32) and len(v.grid_x) == len(v.grid_y) == 32
    x0, x1, y0, y1 = v.box
    assert x0 < -2 and x1 > 2 and y0 < -2 and y1 > 2   # the ring (radius 2) fits in the box
    # Moving each fake point a little along its arrow must raise D's score: the
    # generator's loss decreases as D(G(z)) increases for every loss here.
    D = lab.trainer.D.eval()
    with torch.no_grad():
        fake = torch.from_numpy(v.fake)
        step = torch.from_numpy(v.grad)
        step = 1e-3 * step / step.norm(dim=1, keepdim=True).clamp_min(1e-12)
        gain = D(fake + step) - D(fake)
    assert float((gain > 0).float().mean()) > 0.95


def test_step_buttons_move_one_player_at_a_time():
    lab = ToyLab(PRESETS["collapse"])
    g_before = [p.clone() for p in lab.trainer.G.parameters()]
    d_before = [p.clone() for p in lab.trainer.D.parameters()]
    lab.d_step()
    assert all(torch.equal(a, b) for a, b in zip(g_before, lab.trainer.G.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, lab.trainer.D.parameters()))
    assert (lab.iteration, lab.d_updates) == (0, 1)
    d_after = [p.clone() for p in lab.trainer.D.parameters()]
    lab.g_step()
    assert all(torch.equal(a, b) for a, b in zip(d_after, lab.trainer.D.parameters()))
    assert (lab.iteration, lab.d_updates) == (1, 1)
    assert len(lab.history["g_loss"]) == 1


def test_iterations_run_d_train_iters_discriminator_updates_each():
    lab = ToyLab(ToyLabConfig(loss="hinge", d_train_iters=3, batch_size=64))
    lab.step(4)
    assert (lab.iteration, lab.d_updates) == (4, 12)


def test_wgan_history_carries_the_critics_distance_estimate():
    lab = ToyLab(ToyLabConfig(loss="wgan-gp", d_train_iters=2, batch_size=64))
    lab.step(3)
    assert all(np.isfinite(lab.history["w_estimate"]))
    bce = ToyLab(ToyLabConfig(loss="bce", batch_size=64))
    bce.step(2)
    assert all(np.isnan(bce.history["w_estimate"]))


@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_loss_trains_in_the_lab_and_its_surface_has_a_colour_range(loss):
    lab = ToyLab(ToyLabConfig(loss=loss, batch_size=64), n_fake=64, grid=16)
    lab.step(3)
    v = lab.view()
    lo, hi = v.surface_range
    assert np.isfinite([lo, hi]).all() and lo < hi
    # A probability is drawn on [0, 1], least squares around its targets 0 and 1; a critic's scores
    # on the range they take now.
    expected = {"bce": (0.0, 1.0), "lsgan": (-0.25, 1.25)}.get(loss, tuple(np.percentile(v.surface, [1, 99])))
    assert (lo, hi) == pytest.approx(expected)


def test_history_stays_bounded(monkeypatch):
    monkeypatch.setattr(ToyLab, "MAX_POINTS", 16)
    lab = ToyLab(ToyLabConfig(loss="lsgan", batch_size=32))
    lab.step(100)
    n = len(lab.history["iteration"])
    assert 4 <= n < 16
    its = lab.history["iteration"]
    assert its == sorted(its) and its[-1] <= 100


@pytest.mark.parametrize("dataset", ["spiral", "moons"])
def test_datasets_without_modes_report_recall_and_quality(dataset):
    lab = ToyLab(ToyLabConfig(dataset=dataset, loss="lsgan", batch_size=64))
    lab.step(5)
    c = lab.coverage()
    assert c.modes is None and c.n_modes is None
    assert 0.0 <= c.recall <= 1.0 and 0.0 <= c.quality <= 1.0
    assert lab.latest_coverage().modes is None


def test_grid25_reports_25_modes():
    lab = ToyLab(ToyLabConfig(dataset="grid25", loss="lsgan", batch_size=64))
    assert lab.coverage().n_modes == 25


def test_config_validation():
    with pytest.raises(ValueError):
        ToyLabConfig(dataset="emoji")
    with pytest.raises(ValueError):
        ToyLabConfig(loss="mse")
    cfg = PRESETS["collapse"].replace(seed=3)
    assert cfg.seed == 3 and cfg.to_train_config().lr_d == 1e-4


def test_arrow_segments_scale_the_longest_arrow_to_the_given_length():
    pts = np.zeros((3, 2))
    vec = np.array([[3.0, 4.0], [0.0, 1.0], [0.0, 0.0]])
    xs, ys = arrow_segments(pts, vec, 0.5)
    assert len(xs) == 9 and np.isnan(xs[2])
    assert np.hypot(xs[1], ys[1]) == pytest.approx(0.5)
    assert np.hypot(xs[4], ys[4]) == pytest.approx(0.1)
    assert np.hypot(xs[7], ys[7]) == 0.0
