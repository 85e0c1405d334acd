"""Metrics: multi-scale SWD, 2-D mode coverage, sample diversity. Generated data only."""

import math

import numpy as np
import pytest
import torch

from gan_core import metrics
from gan_core.metrics import ModeCoverage, SWDResult, diversity, mode_coverage, swd
from gan_core.metrics import sliced_wasserstein as swd_module


def blobs(n, size, seed):
    """A toy 'dataset': three soft coloured discs on a vertical colour gradient, uint8 (n, 3, size, size)."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing="ij")
    top, bottom = torch.rand(n, 3, 1, 1, generator=g), torch.rand(n, 3, 1, 1, generator=g)
    img = top + (bottom - top) * yy
    for _ in range(3):
        cy, cx = torch.rand(2, n, 1, 1, generator=g)
        radius = 0.1 + 0.2 * torch.rand(n, 1, 1, generator=g)
        disc = torch.sigmoid((radius - ((yy - cy) ** 2 + (xx - cx) ** 2).sqrt()) * 40)[:, None]
        img = img * (1 - disc) + torch.rand(n, 3, 1, 1, generator=g) * disc
    return (img.clamp(0, 1) * 255).round().to(torch.uint8)


def uniform_noise(n, size, seed):
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def real():
    return blobs(200, 32, seed=1)


@pytest.fixture(scope="module")
def same_distribution_score(real):
    return swd(real, blobs(200, 32, seed=2))


# -- SWD: behaviour --------------------------------------------------------------


def test_swd_of_a_set_with_itself_is_exactly_zero(real):
    result = swd(real, real)
    assert result.levels == {32: 0.0, 16: 0.0}
    assert result.mean == 0.0


def test_noise_reads_far_worse_than_a_fresh_sample_of_the_same_data(real, same_distribution_score):
    noise = swd(real, uniform_noise(200, 32, seed=3))
    assert same_distribution_score.mean > 0
    assert noise.mean > 5 * same_distribution_score.mean
    for res in (32, 16):
        assert noise.levels[res] > 3 * same_distribution_score.levels[res]


def test_levels_are_keyed_by_resolution_finest_first():
    for size, expected in [(16, [16]), (32, [32, 16]), (64, [64, 32, 16])]:
        result = swd(blobs(8, size, 1), blobs(8, size, 2), n_descriptors=16, n_projections=32)
        assert isinstance(result, SWDResult)
        assert list(result.levels) == expected
        assert result.mean == pytest.approx(np.mean(list(result.levels.values())))
    coarser = swd(blobs(8, 32, 1), blobs(8, 32, 2), n_descriptors=16, n_projections=32, min_resolution=8)
    assert list(coarser.levels) == [32, 16, 8]


def test_seed_makes_it_deterministic(real):
    fake = blobs(50, 32, seed=4)
    first = swd(real[:50], fake, seed=7, n_projections=64)
    assert swd(real[:50], fake, seed=7, n_projections=64) == first
    assert swd(real[:50], fake, seed=8, n_projections=64) != first


def test_numpy_and_channels_last_inputs_give_the_same_numbers(real):
    fake = blobs(40, 32, seed=5)
    reference = swd(real[:40], fake, n_projections=64)
    assert swd(real[:40].numpy(), fake.numpy(), n_projections=64) == reference
    as_hwc = swd(real[:40].permute(0, 2, 3, 1).numpy(), fake.permute(0, 2, 3, 1), n_projections=64)
    assert as_hwc == reference


def test_sets_of_different_sizes_are_subsampled_to_the_smaller(real):
    result = swd(real[:60], blobs(90, 32, seed=6), n_projections=64)
    assert list(result.levels) == [32, 16]
    assert all(math.isfinite(v) and v > 0 for v in result.levels.values())
    assert swd(real[:60], blobs(90, 32, seed=6), n_projections=64) == result


def test_a_flat_colour_generator_gives_a_finite_large_score(real, same_distribution_score):
    flat = torch.full((200, 3, 32, 32), 128, dtype=torch.uint8)
    result = swd(real, flat)
    assert all(math.isfinite(v) for v in result.levels.values())
    assert result.mean > 5 * same_distribution_score.mean


def test_a_global_contrast_change_is_nearly_invisible(real, same_distribution_score):
    # The paper normalises each set by its own per-channel mean and std, so SWD
    # compares the shape of local statistics, not brightness or contrast.
    washed_out = (real.int() // 2 + 64).to(torch.uint8)
    assert swd(real, washed_out).mean < 0.3 * same_distribution_score.mean


def test_str_lists_every_level_and_the_mean():
    text = str(SWDResult(levels={64: 12.345, 32: 6.0, 16: 3.5}, mean=7.28))
    assert "64px 12.35" in text and "16px 3.50" in text and "mean 7.28" in text


@pytest.mark.parametrize(
    "images, message",
    [
        (torch.zeros(4, 3, 24, 24, dtype=torch.uint8), "power of two"),
        (torch.zeros(4, 3, 32, 16, dtype=torch.uint8), "square"),
        (torch.zeros(4, 1, 32, 32, dtype=torch.uint8), "3 colour channels"),
        (torch.zeros(4, 3, 32, 32), "uint8"),
        (np.zeros((4, 3, 32, 32), dtype=np.float64), "uint8"),
        (torch.zeros(3, 32, 32, dtype=torch.uint8), r"\(N, 3, H, W\)"),
        (torch.zeros(4, 3, 8, 8, dtype=torch.uint8), "smaller than min_resolution"),
        ([[0]], "torch.Tensor or numpy"),
    ],
)
def test_bad_inputs_fail_with_a_clear_message(images, message):
    with pytest.raises(ValueError, match=message):
        swd(images, images)


def test_real_and_fake_must_have_the_same_size():
    with pytest.raises(ValueError, match="differ in size"):
        swd(blobs(4, 32, 1), blobs(4, 64, 1))


# -- SWD: building blocks checked against independent references ----------------

_KERNEL = np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0


def _convolve_mirror(img):
    """The paper's 5x5 filter with scipy.ndimage's 'mirror' borders, one 2-D image, the slow way."""
    h, w = img.shape
    padded = np.pad(img, 2, mode="reflect")
    return sum(_KERNEL[dy, dx] * padded[dy:dy + h, dx:dx + w] for dy in range(5) for dx in range(5))


def _reference_laplacian(img, n_levels):
    down = lambda x: _convolve_mirror(x)[::2, ::2]  # noqa: E731

    def up(x):
        zeros = np.zeros((2 * x.shape[0], 2 * x.shape[1]))
        zeros[::2, ::2] = x
        return 4 * _convolve_mirror(zeros)

    pyramid = [img]
    for _ in range(1, n_levels):
        pyramid.append(down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - up(pyramid[-1])
    return pyramid


def test_laplacian_pyramid_matches_the_papers_definition():
    images = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 255
    for level in range(3):
        ours = swd_module._pyramid_level(images, level, n_levels=3)
        for i in range(2):
            for c in range(3):
                reference = _reference_laplacian(images[i, c].double().numpy(), 3)[level]
                np.testing.assert_allclose(ours[i, c].numpy(), reference, atol=2e-3)


def test_sliced_wasserstein_of_a_shifted_gaussian_matches_theory():
    # N(0, I) vs N(mu, I) projected on unit u: N(0, 1) vs N(u.mu, 1), W1 = |u.mu|.
    # Averaged over uniform directions in d dims: |mu| * Gamma(d/2) / (sqrt(pi) Gamma((d+1)/2)).
    g = torch.Generator().manual_seed(0)
    d, shift = 147, 4.0
    mu = torch.randn(d, generator=g)
    mu *= shift / mu.norm()
    a, b = torch.randn(20000, d, generator=g), torch.randn(20000, d, generator=g) + mu
    expected = shift * math.exp(math.lgamma(d / 2) - math.lgamma((d + 1) / 2)) / math.sqrt(math.pi)
    ours = swd_module._sliced_wasserstein(a, b, 512, 4, torch.Generator().manual_seed(1))
    assert ours == pytest.approx(expected, rel=0.04)


def test_16_bit_radix_sort_agrees_with_a_float_sort():
    # Heavy-tailed data (Student-t like) stretches the key range, the hard case for 16-bit keys.
    g = torch.Generator().manual_seed(0)
    heavy = lambda n: torch.randn(n, 147, generator=g) / (torch.rand(n, 1, generator=g) + 0.05)  # noqa: E731
    a, b = heavy(5000), 1.05 * heavy(5000)
    gen = torch.Generator().manual_seed(1)
    total = 0.0
    for size in swd_module._split(512, 4):  # the same directions, in the same order, as the metric draws them
        dirs = torch.randn(147, size, generator=gen)
        dirs /= dirs.norm(dim=0, keepdim=True)
        sorted_a, sorted_b = torch.sort(a @ dirs, dim=0).values, torch.sort(b @ dirs, dim=0).values
        total += (sorted_a - sorted_b).abs().double().mean(dim=0).sum().item()
    exact = total / 512
    assert swd_module._sliced_wasserstein(a, b, 512, 4, torch.Generator().manual_seed(1)) == pytest.approx(exact, rel=1e-4)


# -- mode coverage -----------------------------------------------------------------

# The Unrolled GAN / VEEGAN ring: 8 Gaussians of std 0.02 on a circle of radius 2.
ANGLES = torch.arange(8) * 2 * math.pi / 8
RING = 2 * torch.stack([ANGLES.cos(), ANGLES.sin()], dim=1)
STD = 0.02


def ring_samples(n, modes, seed=0):
    g = torch.Generator().manual_seed(seed)
    which = torch.tensor(modes)[torch.randint(len(modes), (n,), generator=g)]
    return RING[which] + STD * torch.randn(n, 2, generator=g)


def test_perfect_samples_cover_all_eight_modes():
    result = mode_coverage(ring_samples(2500, list(range(8))), RING, STD)
    assert isinstance(result, ModeCoverage)
    assert (result.modes_covered, result.n_modes) == (8, 8)
    # within 3 std in 2-D: 1 - exp(-9/2) = 98.9 %
    assert result.high_quality == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    assert sum(result.per_mode) == round(result.high_quality * 2500)
    assert "8/8 modes" in str(result)


def test_a_collapsed_generator_covers_one_mode():
    result = mode_coverage(ring_samples(2500, [3]).numpy(), RING.numpy(), STD)
    assert result.modes_covered == 1
    assert result.per_mode[3] > 2400
    assert result.high_quality > 0.97


def test_uniform_noise_is_rarely_high_quality():
    noise = (torch.rand(2500, 2, generator=torch.Generator().manual_seed(0)) - 0.5) * 6
    assert mode_coverage(noise, RING, STD).high_quality < 0.02


def test_min_samples_ignores_modes_touched_by_a_few_strays():
    samples = torch.cat([ring_samples(2490, [0]), ring_samples(5, [1], seed=1)])
    assert mode_coverage(samples, RING, STD).modes_covered == 2  # VEEGAN: one high-quality sample is enough
    assert mode_coverage(samples, RING, STD, min_samples=20).modes_covered == 1


def test_mode_coverage_checks_its_inputs():
    with pytest.raises(ValueError, match="2-D"):
        mode_coverage(torch.zeros(10, 3), RING, STD)
    with pytest.raises(ValueError, match="std"):
        mode_coverage(torch.zeros(10, 2), RING, 0.0)
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        mode_coverage(torch.zeros(10), RING, STD)


# -- diversity ------------------------------------------------------------------------


def test_identical_images_have_zero_diversity():
    same = blobs(1, 32, seed=0).repeat(20, 1, 1, 1)
    result = diversity(same, blobs(20, 32, seed=1))
    assert result.fake == pytest.approx(0.0, abs=1e-6)
    assert result.ratio == pytest.approx(0.0, abs=1e-6)


def test_a_healthy_generator_is_as_diverse_as_the_data(real):
    result = diversity(blobs(200, 32, seed=2), real)
    assert 0.9 < result.ratio < 1.1


def test_uniform_noise_diversity_matches_theory():
    # two independent uniform pixels in [0, 1] differ by sqrt(2 * var) = sqrt(2 * (256^2 - 1) / 12) / 255 RMS
    result = diversity(uniform_noise(100, 32, seed=0))
    assert result.real is None and result.ratio is None
    assert result.fake == pytest.approx(math.sqrt(2 * (256**2 - 1) / 12) / 255, rel=0.01)


def test_a_near_collapse_reads_low():
    one = blobs(1, 32, seed=0).repeat(64, 1, 1, 1).int()
    jitter = torch.randint(-3, 4, one.shape, generator=torch.Generator().manual_seed(0))
    collapsed = (one + jitter).clamp(0, 255).to(torch.uint8)
    assert diversity(collapsed, blobs(64, 32, seed=1)).ratio < 0.2


def test_diversity_needs_two_images():
    with pytest.raises(ValueError, match="at least 2"):
        diversity(blobs(1, 32, seed=0))


# -- SWD: shared normalisation and colour statistics ------------------------------


def _contrast(images, factor, shift=0.0):
    """A copy with contrast x factor about mid-grey and a brightness shift (grey levels)."""
    x = (images.float() - 127.5) * factor + 127.5 + shift
    return x.round().clamp(0, 255).to(torch.uint8)


def test_a_contrast_scaled_copy_scores_near_the_floor_per_set_and_clearly_higher_shared(real):
    fresh = blobs(200, 32, seed=2)
    dimmer = _contrast(fresh, 0.9, 5.0)
    floor_per_set, floor_shared = swd(real, fresh), swd(real, fresh, normalise="shared")
    per_set, shared = swd(real, dimmer), swd(real, dimmer, normalise="shared")
    # per set: the copy reads like another sample of the same data
    assert per_set.mean < 1.2 * floor_per_set.mean
    # shared: the same copy is clearly worse than a fresh sample (1.7x here; the toy set's
    # coarse level has a high floor at N = 200, the finest level alone reads ~3x)
    assert shared.mean > 1.4 * floor_shared.mean
    assert shared.levels[32] > 2 * floor_shared.levels[32]
    assert swd(real, real, normalise="shared").mean == 0.0


def test_normalise_must_be_one_of_the_two_options(real):
    with pytest.raises(ValueError, match="normalise"):
        swd(real, real, normalise="global")


def test_colour_stats_report_a_contrast_and_brightness_deficit(real):
    stats = metrics.colour_stats(real, _contrast(real, 0.9, 10.0))
    assert all(-0.13 < e < -0.07 for e in stats.std_error)       # ~10 % less contrast
    assert all(e > 0.02 for e in stats.mean_error)               # brighter
    assert stats.worst == max(abs(e) for e in stats.mean_error + stats.std_error)
    assert metrics.colour_stats(real, real).worst == 0.0
    assert "std" in str(stats) and "%" in str(stats)


# ---------------------------------------------------------------- memorisation

def test_copies_of_training_images_are_at_distance_zero_and_new_images_are_not():
    reference = blobs(40, 16, seed=0)
    assert metrics.nearest_training_distance(reference[:10], reference) == 0.0
    others = blobs(10, 16, seed=1)
    assert metrics.nearest_training_distance(others, reference) > 1.0
    # the training set against itself, each image's own copy left out: a scale for the numbers above
    spread = metrics.training_nn_distance(reference)
    assert spread > 1.0 and metrics.training_nn_distance(torch.cat([reference, reference])) == 0.0
