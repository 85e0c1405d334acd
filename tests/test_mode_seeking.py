"""Mode-seeking vs mode-covering (Goodfellow 2016, §3.2.5): one Gaussian fitted to the two-bump data."""

import math

import numpy as np
import pytest

from gan_core.theory import divergences as dv


@pytest.fixture(scope="module")
def fits():
    land = dv.fit_landscape()
    return {o: dv.fit_gaussian(o, landscape=land) for o in dv.FIT_OBJECTIVES}


def test_forward_kl_covers_both_bumps_with_a_wide_gaussian_between_them(fits):
    f = fits["kl_forward"]
    # forward KL's optimum over Gaussians matches moments: mean 0, variance 0.5^2 + 1.5^2
    assert f.mean == pytest.approx(0.0, abs=0.02)
    assert f.std == pytest.approx(math.sqrt(0.25 + 2.25), rel=0.01)
    assert f.kept == (0, 1)


@pytest.mark.parametrize("objective", ["kl_reverse", "ns"])
def test_reverse_kl_and_the_non_saturating_objective_pick_one_bump(fits, objective):
    f = fits[objective]
    assert abs(f.mean) == pytest.approx(1.5, abs=0.05)
    assert f.std == pytest.approx(0.5, abs=0.05)
    assert len(f.kept) == 1


def test_jsd_covers_at_this_distance_and_seeks_once_the_bumps_are_far_apart(fits):
    assert fits["jsd"].kept == (0, 1) and abs(fits["jsd"].mean) < 0.05
    far = dv.fit_gaussian("jsd", data_means=(-2.5, 2.5))
    assert len(far.kept) == 1 and abs(far.mean) == pytest.approx(2.5, abs=0.05)


def test_the_objectives_agree_with_the_grid_integrals_of_divergences():
    x = dv.FIT_GRID
    p_data = dv.mixture_pdf(x, dv.DATA_MEANS, dv.DATA_STDS)
    p_g = dv.gaussian_pdf(x, 0.7, 1.1)
    got = dv.fit_objectives(0.7, 1.1)
    assert float(got["kl_forward"]) == pytest.approx(dv.kl_divergence(p_data, p_g, x), rel=1e-6)
    assert float(got["kl_reverse"]) == pytest.approx(dv.kl_divergence(p_g, p_data, x), rel=1e-6)
    assert float(got["jsd"]) == pytest.approx(dv.js_divergence(p_data, p_g, x), rel=1e-6)
    assert float(got["ns"]) == pytest.approx(float(got["kl_reverse"] - 2 * got["jsd"]))


def test_the_optimum_is_the_landscapes_minimum(fits):
    means, stds, values = dv.fit_landscape()
    for name, f in fits.items():
        assert f.value <= values[name].min() + 1e-9
    assert np.all(np.isfinite(values["kl_reverse"]))
