"""The Dirac-GAN at the level of Mescheder, Geiger & Nowozin 2018: the exact flow, the update operator's
eigenvalues against the unit circle, R1's general threshold, instance noise, consensus, WGAN-GP."""

import math

import numpy as np
import pytest

from gan_core import theory


@pytest.mark.parametrize("kind", theory.DIRAC_LOSSES)
@pytest.mark.parametrize("h", [0.1, 0.5])
def test_the_continuous_flow_conserves_theta2_plus_psi2_over_1000_steps(kind, h):
    """Correction 2: forward Euler with 50 sub-steps spiralled out (x2.7 at h = 0.5); the true flow keeps the radius."""
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=h, steps=1000, kind=kind, mode="continuous")
    radius2 = path[:, 0] ** 2 + path[:, 1] ** 2
    assert np.abs(radius2 - 2.0).max() < 1e-6
    assert np.abs(path[-1]).max() > 0.1          # it moved: a rotation, not a standstill


def test_the_flow_with_r1_decays_at_exp_minus_gamma_h_over_2():
    h, gamma = 0.1, 0.3
    path = theory.dirac_gan_trajectory(1.0, 0.0, lr=h, steps=400, kind="wgan", mode="continuous", gamma=gamma)
    r = np.hypot(path[:, 0], path[:, 1])
    # a damped rotation: over many turns the mean rate is exp(-gamma h / 2)
    assert (r[-1] / r[0]) ** (1 / 400) == pytest.approx(math.exp(-gamma * h / 2), rel=1e-3)


CASES = [(kind, mode, reg, gamma) for kind in theory.DIRAC_LOSSES for mode in theory.DIRAC_MODES
         for reg, gamma in (("r1", 0.0), ("r1", 0.3), ("r1", 1.5), ("noise", 0.8), ("consensus", 0.5))]


@pytest.mark.parametrize("kind,mode,reg,gamma", CASES)
@pytest.mark.parametrize("h", [0.05, 0.3])
def test_eigenvalue_moduli_match_the_jacobian_of_one_numerical_step(kind, mode, reg, gamma, h):
    """The closed-form operator against numpy's eigenvalues of the central-difference Jacobian of dirac_step."""
    closed = np.sort(np.abs(theory.operator_eigenvalues(h, kind, mode, gamma, reg)))
    direct = np.sort(np.abs(np.linalg.eigvals(theory.numerical_step_jacobian(h, kind, mode, gamma, reg))))
    assert closed == pytest.approx(direct, abs=1e-6)


def test_without_a_regulariser_steps_sit_on_or_outside_the_unit_circle():
    for kind in theory.DIRAC_LOSSES:
        a = theory.dirac_fprime0(kind)
        sim = np.abs(theory.operator_eigenvalues(0.2, kind, "simultaneous"))
        alt = np.abs(theory.operator_eigenvalues(0.2, kind, "alternating"))
        assert sim == pytest.approx([math.sqrt(1 + 0.04 * a * a)] * 2)      # outside: spirals out
        assert alt == pytest.approx([1.0, 1.0])                              # on the circle: never closes in
    assert theory.dirac_fprime0("wgan") == 1.0 and theory.dirac_fprime0("gan") == 0.5


@pytest.mark.parametrize("kind", theory.DIRAC_LOSSES)
def test_r1_simultaneous_threshold_is_h_times_fprime0_squared(kind):
    """Correction 1: gamma > h f'(0)^2, i.e. h for WGAN and h/4 for the standard loss (section 4.1)."""
    h = 0.2
    threshold = theory.r1_threshold(h, kind)
    assert threshold == pytest.approx(h if kind == "wgan" else h / 4)
    assert theory.r1_step_factor(h, 0.9 * threshold, kind=kind) > 1
    assert theory.r1_step_factor(h, threshold, kind=kind) == pytest.approx(1.0)
    assert theory.r1_step_factor(h, 1.1 * threshold, kind=kind) < 1
    a = theory.dirac_fprime0(kind)
    gamma = 1.5 * threshold
    assert theory.r1_step_factor(h, gamma, kind=kind) == pytest.approx(math.sqrt(1 - h * gamma + h * h * a * a))


def test_one_steps_factor_differs_from_the_average_rate_per_turn():
    """sqrt(1 - h gamma + h^2) is the mean rate over a turn; single steps range over A's singular values."""
    h, gamma = 0.3, 0.9
    path = theory.dirac_gan_trajectory(1.0, 0.0, lr=h, steps=600, kind="wgan", mode="simultaneous", gamma=gamma)
    factors = theory.step_factors(path)
    low, high = theory.step_factor_range(h, gamma)
    rate = theory.r1_step_factor(h, gamma)
    assert low - 1e-9 <= factors.min() < rate < factors.max() <= high + 1e-9
    assert factors.max() - factors.min() > 0.05
    assert np.exp(np.log(factors).mean()) == pytest.approx(rate, rel=2e-3)


def test_instance_noise_damps_the_standard_loss_but_not_wasserstein():
    """Eigenvalues f''(0) sigma^2 +- sqrt(f''(0)^2 sigma^4 - f'(0)^2): f''(0) = 0 for WGAN, -1/4 for the standard loss."""
    sigma = 1.0
    j = theory.dirac_jacobian("gan", sigma, "noise")
    lam = np.linalg.eigvals(j)
    expected = -0.25 * sigma**2 + np.sqrt(complex(0.0625 * sigma**4 - 0.25))
    assert max(lam.real) == pytest.approx(expected.real)
    assert np.abs(theory.operator_eigenvalues(0.1, "wgan", "alternating", sigma, "noise")) == pytest.approx([1, 1])
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=1500, kind="gan", mode="alternating", gamma=sigma,
                                       reg="noise")
    assert np.hypot(*path[-1]) < 1e-3


def test_consensus_optimisation_converges_with_simultaneous_steps():
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=600, kind="wgan", mode="simultaneous", gamma=0.5,
                                       reg="consensus")
    assert np.hypot(*path[-1]) < 1e-3
    assert np.abs(theory.operator_eigenvalues(0.1, "wgan", "simultaneous", 0.5, "consensus")).max() < 1


@pytest.mark.parametrize("mode", ["simultaneous", "alternating"])
def test_wgan_gp_does_not_converge_on_the_dirac_gan(mode):
    """Mescheder et al. 2018, section 3: the penalty pulls |psi| to 1, so the iterates keep circling."""
    path = theory.dirac_gan_trajectory(1.0, 1.0, lr=0.1, steps=2000, kind="wgan", mode=mode, gamma=1.0, reg="gp")
    r = np.hypot(path[:, 0], path[:, 1])
    assert r[-300:].min() > 0.5
    with pytest.raises(ValueError, match="not differentiable"):
        theory.dirac_jacobian("wgan", 1.0, "gp")


def test_unknown_regulariser_is_refused():
    with pytest.raises(ValueError, match="regulariser"):
        theory.dirac_gan_trajectory(reg="dropout")
