"""Latent-space tools: seeds, interpolation, truncation, SeFa directions."""

import pytest
import torch
import torch.nn as nn

from gan_core.playground import (
    apply_directions,
    lerp,
    seed_to_z,
    sefa_directions,
    slerp,
    truncate,
)


class StubGenerator(nn.Module):
    """The smallest thing SeFa can read: one linear layer from z."""

    def __init__(self, noise_size=8, out_features=32, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.first = nn.Linear(noise_size, out_features)

    def sefa_weight(self):
        return self.first.weight.detach()


# -- seeds ---------------------------------------------------------------------


def test_seed_to_z_is_reproducible_and_seeds_differ():
    z = seed_to_z(42, 100)
    assert z.shape == (1, 100) and z.dtype == torch.float32
    torch.manual_seed(0)  # the global RNG must not matter
    assert torch.equal(seed_to_z(42, 100), z)
    assert not torch.allclose(seed_to_z(43, 100), z)
    assert seed_to_z(7, 16, n=5).shape == (5, 16)


def test_seed_to_z_is_standard_normal():
    z = seed_to_z(0, 512, n=64)
    assert abs(z.mean().item()) < 0.02
    assert abs(z.std().item() - 1) < 0.02


def test_largest_seed_works_and_out_of_range_seeds_fail_clearly():
    z = seed_to_z(2**63 - 1, 10)
    assert torch.isfinite(z).all()
    assert not torch.equal(z, seed_to_z(2**63 - 2, 10))
    for bad in (-1, 2**63, 1.5, "3", True, None):
        with pytest.raises(ValueError, match="seed"):
            seed_to_z(bad, 10)


# -- interpolation -------------------------------------------------------------


def test_slerp_hits_both_endpoints():
    a, b = seed_to_z(1, 64)[0], seed_to_z(2, 64)[0]
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-5)
    assert torch.allclose(slerp(a, b, 1.0), b, atol=1e-5)
    frames = slerp(a, b, torch.linspace(0, 1, 7))
    assert frames.shape == (7, 64)
    assert torch.allclose(frames[0], a, atol=1e-5) and torch.allclose(frames[-1], b, atol=1e-5)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it():
    a, b = seed_to_z(1, 512)[0], seed_to_z(2, 512)[0]
    b = b * (a.norm() / b.norm())  # equal norms, nearly orthogonal (random 512-d)
    mid_s, mid_l = slerp(a, b, 0.5), lerp(a, b, 0.5)
    assert mid_s.norm().item() == pytest.approx(a.norm().item(), rel=1e-5)
    assert mid_l.norm().item() < 0.8 * a.norm().item()  # ~1/sqrt(2) for orthogonal codes


def test_slerp_is_batched_on_the_last_dim():
    a, b = seed_to_z(1, 16, n=4), seed_to_z(2, 16, n=4)
    batched = slerp(a, b, torch.tensor([0.25, 0.5]))
    assert batched.shape == (2, 4, 16)
    for i in range(4):
        assert torch.allclose(batched[1, i], slerp(a[i], b[i], 0.5), atol=1e-6)


def test_slerp_falls_back_to_lerp_for_parallel_vectors():
    a = seed_to_z(3, 32)[0]
    for b in (a.clone(), 2 * a, -a):
        out = slerp(a, b, torch.linspace(0, 1, 5))
        assert torch.isfinite(out).all()
        assert torch.allclose(out, lerp(a, b, torch.linspace(0, 1, 5)), atol=1e-5)


def test_lerp_frames_and_bad_t():
    a, b = torch.zeros(3), torch.ones(3)
    assert torch.allclose(lerp(a, b, 0.25), torch.full((3,), 0.25))
    assert lerp(a, b, [0.0, 0.5, 1.0]).shape == (3, 3)
    with pytest.raises(ValueError, match="1-D"):
        lerp(a, b, torch.zeros(2, 2))


# -- truncation ----------------------------------------------------------------


def test_truncate_psi_0_gives_the_mean_and_psi_1_changes_nothing():
    z = seed_to_z(5, 32, n=3)
    assert torch.equal(truncate(z, 1.0), z)
    assert torch.equal(truncate(z, 0.0), torch.zeros_like(z))
    mean = torch.full((32,), 0.5)
    assert torch.allclose(truncate(z, 0.0, mean), mean.expand_as(z))
    assert torch.allclose(truncate(z, 1.0, mean), z)
    assert torch.allclose(truncate(z, 0.5, mean), mean + 0.5 * (z - mean))
    with pytest.raises(ValueError, match="psi"):
        truncate(z, float("nan"))


# -- SeFa ----------------------------------------------------------------------


def test_sefa_directions_are_orthonormal_and_sorted():
    directions, eigenvalues = sefa_directions(StubGenerator(), 5)
    assert directions.shape == (5, 8) and eigenvalues.shape == (5,)
    assert directions.dtype == torch.float32 and eigenvalues.dtype == torch.float32
    assert torch.allclose(directions @ directions.T, torch.eye(5), atol=1e-5)
    assert (eigenvalues[:-1] >= eigenvalues[1:]).all()
    assert (eigenvalues >= 0).all()


def test_sefa_are_eigenvectors_of_the_row_normalised_weight():
    g = StubGenerator()
    w = g.sefa_weight().double()
    w = w / w.norm(dim=1, keepdim=True)
    directions, eigenvalues = sefa_directions(g, 8)
    gram = (w.T @ w).float()
    assert torch.allclose(directions @ gram, eigenvalues[:, None] * directions, atol=1e-4)
    # unit rows -> trace(W^T W) = out_features: the normalisation runs along z, per output feature
    assert eigenvalues.sum().item() == pytest.approx(32, rel=1e-5)


def test_sefa_finds_the_dominant_direction_with_a_fixed_sign():
    # Every output feature mostly reads z[3] (with either sign): moving along z[3]
    # changes the features most, so it must be the first direction, pointing +z[3].
    g = StubGenerator(noise_size=6, out_features=40)
    with torch.no_grad():
        g.first.weight.mul_(0.05)
        g.first.weight[:, 3] = torch.where(torch.arange(40) % 2 == 0, 1.0, -1.0)
    directions, eigenvalues = sefa_directions(g, 2)
    assert directions[0, 3].item() > 0.99
    assert eigenvalues[0] > 5 * eigenvalues[1]


def test_sefa_is_deterministic_with_largest_component_positive():
    first, vals1 = sefa_directions(StubGenerator(seed=1), 8)
    second, vals2 = sefa_directions(StubGenerator(seed=1), 8)
    assert torch.equal(first, second) and torch.equal(vals1, vals2)
    largest = first.gather(1, first.abs().argmax(dim=1, keepdim=True))
    assert (largest > 0).all()


def test_sefa_rejects_models_without_a_weight_and_bad_k():
    with pytest.raises(TypeError, match="sefa_weight"):
        sefa_directions(nn.Linear(4, 4), 2)
    for bad_k in (0, 9, 2.0):
        with pytest.raises(ValueError, match="k must be"):
            sefa_directions(StubGenerator(), bad_k)


def test_sefa_on_the_course_generator():
    dcgan = pytest.importorskip("gan_core.models.dcgan")
    generator = dcgan.DCGenerator()
    if not hasattr(generator, "sefa_weight"):
        pytest.skip("DCGenerator has no sefa_weight yet")
    directions, eigenvalues = sefa_directions(generator, 10)
    assert directions.shape == (10, generator.noise_size)
    assert torch.allclose(directions @ directions.T, torch.eye(10), atol=1e-5)


# -- applying directions -------------------------------------------------------


def test_apply_directions_adds_the_weighted_sum():
    z = seed_to_z(9, 8, n=2)
    directions, _ = sefa_directions(StubGenerator(), 3)
    alphas = [1.5, 0.0, -2.0]
    expected = z + 1.5 * directions[0] - 2.0 * directions[2]
    assert torch.allclose(apply_directions(z, directions, alphas), expected, atol=1e-6)
    # a unit direction moves z by exactly alpha
    moved = apply_directions(z[0], directions, [0.0, 3.0, 0.0])
    assert (moved - z[0]).norm().item() == pytest.approx(3.0, rel=1e-5)
    # one row of alphas per edit
    assert apply_directions(z[0], directions, torch.eye(3)).shape == (3, 8)


def test_apply_directions_checks_shapes():
    directions, _ = sefa_directions(StubGenerator(), 3)
    with pytest.raises(ValueError, match="one alpha per direction"):
        apply_directions(torch.zeros(8), directions, [1.0, 2.0])
    with pytest.raises(ValueError, match="directions must have shape"):
        apply_directions(torch.zeros(5), directions, [1.0, 2.0, 3.0])
