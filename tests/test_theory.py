"""The computations behind the theory pages' figures, checked against the formulas they illustrate."""

import math

import numpy as np
import pytest
import torch

from gan_core import theory
from gan_core.models import DCDiscriminator, DCGenerator
from gan_core.theory import divergences

pytestmark = pytest.mark.usefixtures("one_torch_thread")   # conftest.py says why

# ---------------------------------------------------------------- optimal discriminator and JSD


def test_optimal_discriminator_is_one_half_and_jsd_zero_when_generator_matches_data():
    x = np.linspace(-8, 8, 4001)
    p = theory.mixture_pdf(x, theory.DATA_MEANS, theory.DATA_STDS)
    d_star = theory.optimal_discriminator(p, p.copy())
    assert np.allclose(d_star, 0.5)
    assert theory.js_divergence(p, p, x) == pytest.approx(0.0, abs=1e-9)
    assert theory.gan_value(d_star, p, p, x) == pytest.approx(-math.log(4), abs=1e-4)


def test_value_at_optimal_d_equals_minus_log4_plus_twice_jsd():
    # Goodfellow et al. (2014), Theorem 1: checked numerically for several generators.
    for mean, std in [(2.5, 0.6), (0.0, 1.0), (-1.5, 0.5), (4.0, 0.3)]:
        res = theory.optimal_d_1d(mean, std)
        direct = theory.gan_value(res.d_star, res.p_data, res.p_g, res.x)
        assert direct == pytest.approx(res.value, abs=2e-3)
        assert 0.0 <= res.jsd <= math.log(2)
        assert np.all((res.d_star >= 0) & (res.d_star <= 1))


def test_optimal_discriminator_favours_the_denser_distribution():
    res = theory.optimal_d_1d(3.0, 0.5)
    near_data = np.argmin(np.abs(res.x - (-1.5)))
    near_fake = np.argmin(np.abs(res.x - 3.0))
    assert res.d_star[near_data] > 0.99
    assert res.d_star[near_fake] < 0.01


def test_jsd_saturates_at_log2_when_the_supports_separate_but_w1_keeps_growing():
    far, farther = theory.optimal_d_1d(5.0, 0.3), theory.optimal_d_1d(6.5, 0.3)
    assert far.jsd == pytest.approx(math.log(2), abs=1e-3)
    assert farther.jsd == pytest.approx(math.log(2), abs=1e-3)
    assert farther.w1 - far.w1 == pytest.approx(1.5, abs=0.02)


def test_w1_of_a_shifted_gaussian_is_the_shift():
    x = np.linspace(-10, 10, 8001)
    p, q = theory.gaussian_pdf(x, 0.0, 1.0), theory.gaussian_pdf(x, 1.7, 1.0)
    assert theory.wasserstein1_1d(p, q, x) == pytest.approx(1.7, abs=1e-3)


# ---------------------------------------------------------------- generator losses


def test_saturating_gradient_vanishes_when_d_rejects_fakes_but_non_saturating_does_not():
    d = np.array([1e-3])
    assert theory.generator_gradient_at("saturating", 1e-3) < 2e-3
    assert theory.generator_gradient_at("non-saturating", 1e-3) > 0.99
    assert theory.generator_gradient_at("least-squares", 1e-3) > 0.99
    assert theory.generator_gradient_at("wasserstein", 1e-3) == 1.0
    # and the saturating loss is nearly flat there
    loss, _ = theory.generator_loss_curve("saturating", d)
    assert abs(loss[0]) < 2e-3


@pytest.mark.parametrize("kind", ["saturating", "non-saturating"])
def test_cross_entropy_gradients_are_derivatives_with_respect_to_the_logit(kind):
    s = np.linspace(-4, 4, 9)
    h = 1e-5
    d = 1 / (1 + np.exp(-s))
    d_plus, d_minus = 1 / (1 + np.exp(-(s + h))), 1 / (1 + np.exp(-(s - h)))
    numeric = (theory.generator_loss_curve(kind, d_plus)[0] - theory.generator_loss_curve(kind, d_minus)[0]) / (2 * h)
    assert np.allclose(theory.generator_loss_curve(kind, d)[1], numeric, atol=1e-5)


def test_generator_loss_rejects_bad_input():
    with pytest.raises(ValueError):
        theory.generator_loss_curve("saturating", np.array([0.0]))
    with pytest.raises(ValueError):
        theory.generator_loss_curve("nonsense", np.array([0.5]))


# ---------------------------------------------------------------- Dirac-GAN


def test_simultaneous_steps_on_the_bilinear_game_spiral_out_by_sqrt_1_plus_h2():
    h = 0.1
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=h, steps=50, kind="wgan", mode="simultaneous")
    r = np.hypot(path[:, 0], path[:, 1])
    assert np.allclose(r[1:] / r[:-1], math.sqrt(1 + h * h))


def test_alternating_steps_stay_bounded_but_do_not_converge():
    path = theory.dirac_gan_trajectory(1.0, 0.0, lr=0.1, steps=2000, kind="wgan", mode="alternating")
    r = np.hypot(path[:, 0], path[:, 1])
    assert r.max() < 1.2
    assert r[-200:].min() > 0.8


def test_the_standard_gan_loss_also_fails_to_converge_with_simultaneous_steps():
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.2, steps=300, kind="gan", mode="simultaneous")
    r = np.hypot(path[:, 0], path[:, 1])
    assert r[-1] > r[0]


def test_r1_penalty_makes_the_iterates_converge():
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=400, kind="wgan", mode="simultaneous", gamma=1.0)
    assert np.hypot(*path[-1]) < 0.02


def test_dirac_rejects_bad_arguments():
    with pytest.raises(ValueError):
        theory.dirac_gan_trajectory(mode="sideways")
    with pytest.raises(ValueError):
        theory.dirac_gan_trajectory(kind="lsgan")


# ---------------------------------------------------------------- WGAN parallel lines


def test_parallel_lines_distances():
    res = theory.parallel_lines(np.array([-1.5, 0.0, 0.3]))
    assert np.allclose(res.w1, [1.5, 0.0, 0.3])
    assert np.allclose(res.jsd, [math.log(2), 0.0, math.log(2)])
    assert np.isinf(res.kl[0]) and res.kl[1] == 0.0
    assert np.allclose(res.tv, [1.0, 0.0, 1.0])


def test_sample_based_em_estimate_matches_abs_theta():
    for theta in (-1.2, 0.5, 2.0):
        assert theory.parallel_lines_w1_estimate(theta, n=512) == pytest.approx(abs(theta), abs=0.02)


# ---------------------------------------------------------------- PGGAN


def test_fade_in_and_lod_to_alpha():
    new, old = np.ones((2, 2)), np.zeros((2, 2))
    assert np.allclose(theory.fade_in(new, old, 0.25), 0.25)
    assert theory.lod_to_alpha(2.25) == (2, 0.75)
    assert theory.lod_to_alpha(3.0) == (3, 1.0)
    with pytest.raises(ValueError):
        theory.fade_in(new, old, 1.5)


def test_progressive_schedule_grows_from_4_to_1024_with_a_fade_in_before_each_stage():
    phases = theory.progressive_schedule(1024)
    assert phases[0] == ("stabilise", 4) and phases[-1] == ("stabilise", 1024)
    assert len(phases) == 17
    assert [p for p in phases if p[0] == "fade-in"][0] == ("fade-in", 8)


def test_lod_view_matches_the_generators_own_fade_in():
    g = theory.tiny_pggan(seed=0)
    z = torch.randn(1, g.z_dim, generator=torch.Generator().manual_seed(0))
    view = theory.lod_view(g, z, 1.5)
    assert view.resolution == 16 and view.image.shape == (16, 16, 3)
    assert view.alpha == pytest.approx(0.5)
    fine = g.native_image(z, 1.0)
    coarse_up = torch.nn.functional.interpolate(g.native_image(z, 2.0), scale_factor=2, mode="nearest")
    blended = 0.5 * fine + 0.5 * coarse_up
    assert torch.allclose(g.native_image(z, 1.5), blended, atol=1e-6)
    assert theory.lod_view(g, z, 2.0).coarse_up is None


def test_minibatch_stddev_is_zero_for_a_collapsed_batch():
    x = torch.randn(1, 3, 4, 4).repeat(8, 1, 1, 1)
    assert theory.minibatch_stddev(x) == pytest.approx(0.0, abs=1e-7)
    assert theory.minibatch_stddev(torch.randn(8, 3, 4, 4)) > 0.5


# ---------------------------------------------------------------- the course DCGAN


def test_course_label_coding_is_the_standard_lsgan_under_d_prime_equals_one_minus_d():
    rng = np.random.default_rng(1)
    d_real, d_fake = rng.normal(size=32), rng.normal(size=32)
    course_d = theory.lsgan_d_loss(d_real, d_fake, a=1.0, b=0.0)
    course_g = theory.lsgan_g_loss(d_fake, c=0.0)
    assert course_d == pytest.approx(theory.lsgan_d_loss(1 - d_real, 1 - d_fake, a=0.0, b=1.0))
    assert course_g == pytest.approx(theory.lsgan_g_loss(1 - d_fake, c=1.0))


def test_power_iteration_converges_to_the_top_singular_value():
    torch.manual_seed(0)
    w = DCDiscriminator().conv2[0].weight.detach()
    est = theory.power_iteration(w.numpy(), n_iter=300)
    assert est[-1] == pytest.approx(theory.top_singular_value(w), rel=2e-3)
    assert abs(est[-1] - est[0]) > 0   # it really iterates (the first estimate is off)


def test_layer_table_measures_the_course_generator():
    g = DCGenerator()
    rows = theory.layer_table(g, torch.randn(2, 100))
    assert rows[0].name == "linear_bn.0" and rows[0].out_shape == (2048,)
    assert any(r.in_shape == (128, 4, 4) for r in rows)     # the reshape in forward()
    assert rows[-1].out_shape == (3, 32, 32)
    assert sum(r.params for r in rows) == sum(p.numel() for p in g.parameters())
    assert g.training   # the table leaves the module's mode as it was


def test_layer_table_counts_spectral_norm_layers_once():
    d = DCDiscriminator(spectral_norm=True)
    rows = theory.layer_table(d, torch.randn(2, 3, 32, 32))
    convs = [r for r in rows if r.kind == "Conv2d + spectral norm"]
    assert [r.out_shape for r in convs] == [(32, 16, 16), (64, 8, 8), (128, 4, 4), (1, 1, 1)]


def test_spectral_norm_pins_each_layer_at_one_after_training():
    on = theory.spectral_norms_after_training(True, iterations=5, batch_size=8)
    off = theory.spectral_norms_after_training(False, iterations=5, batch_size=8)
    assert len(on) == len(off) == 4
    assert all(abs(v - 1) < 0.05 for v in on)
    assert any(abs(v - 1) > 0.1 for v in off)


def test_train_page_presets_are_valid_and_differ_as_described():
    course, stable = theory.course_train_config(), theory.stable_train_config()
    assert course.loss == stable.loss == "lsgan"
    assert (course.batch_size, course.spectral_norm, course.d_batch_norm) == (16, False, True)
    assert stable.spectral_norm and not stable.d_batch_norm and stable.d_activation == "leaky"
    assert course.to_dict()["dataset"] == "emoji"


# ---------------------------------------------------------------- second edition: E3 and E14


@pytest.mark.parametrize("mean", [-4.0, 4.0])
@pytest.mark.parametrize("std", [0.2, 3.0])
def test_identity_holds_at_the_slider_extremes(mean, std):
    """The page's sliders reach mean ±4, std 0.2..3; the grid must hold both densities there,
    or V(G, D*) computed directly and -log 4 + 2 JSD disagree (they did: -0.621 vs -0.684)."""
    res = theory.optimal_d_1d(mean, std)
    assert divergences._integrate(res.p_g, res.x) == pytest.approx(1.0, abs=1e-6)
    assert divergences._integrate(res.p_data, res.x) == pytest.approx(1.0, abs=1e-6)
    direct = theory.gan_value(res.d_star, res.p_data, res.p_g, res.x)
    assert direct == pytest.approx(res.value, abs=1e-3)


def test_the_grid_grows_with_the_generators_reach():
    assert theory.grid_half_width(4.0, 3.0) >= 4.0 + 8 * 3.0
    assert theory.grid_half_width(0.0, 0.2) >= 1.5 + 8 * 0.5   # never narrower than the data


def test_r1_with_simultaneous_steps_needs_gamma_above_the_learning_rate():
    """E3: h = 0.1, gamma = 0.05 spirals OUT with simultaneous steps; gamma = 0.2 spirals in."""
    h = 0.1
    weak = theory.dirac_gan_trajectory(1.0, 1.0, lr=h, steps=400, kind="wgan", mode="simultaneous", gamma=0.05)
    strong = theory.dirac_gan_trajectory(1.0, 1.0, lr=h, steps=400, kind="wgan", mode="simultaneous", gamma=0.2)
    assert np.hypot(*weak[-1]) > np.hypot(*weak[0])
    assert np.hypot(*strong[-1]) < 0.2 * np.hypot(*strong[0])
    assert theory.r1_step_factor(h, 0.05) > 1 > theory.r1_step_factor(h, 0.2)
    assert theory.r1_step_factor(h, h) == pytest.approx(1.0)


@pytest.mark.parametrize("mode", ["alternating", "continuous"])
def test_weak_r1_damping_converges_with_alternating_steps_and_the_flow(mode):
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=1500, kind="wgan", mode=mode, gamma=0.05)
    r = np.hypot(path[:, 0], path[:, 1])
    assert r[-1] < 0.2 * r[0]
    assert theory.r1_step_factor(0.1, 0.05, mode) < 1


def test_r1_damping_cases_show_both_sides_of_the_general_condition():
    """Correction 1: the threshold is gamma > h f'(0)^2 (h/4 for the standard loss), not gamma > h."""
    cases = theory.r1_damping_cases(0.1, steps=300)
    assert len(cases) == 4
    for (kind, gamma), dist in cases.items():
        grows = dist[-1] > dist[0]
        assert grows == (gamma < theory.r1_threshold(0.1, kind)), (kind, gamma)
    assert ("gan", pytest.approx(0.05)) in [(k, g) for k, g in cases]   # gamma = h/2 converges for the standard loss


def test_the_continuous_flow_without_penalty_keeps_its_radius():
    path = theory.dirac_gan_trajectory(1.0, 0.0, lr=0.1, steps=100, kind="wgan", mode="continuous")
    r = np.hypot(path[:, 0], path[:, 1])
    assert np.allclose(r, 1.0, atol=0.02)
