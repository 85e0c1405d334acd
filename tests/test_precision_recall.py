"""Improved precision and recall (Kynkäänniemi et al. 2019) on constructed sets, the nearest-training
check image by image, the faces feature space, and SWD's blind spot measured."""

import numpy as np
import pytest
import torch

from gan_core.metrics import knn_radii, nearest_training, nearest_training_distance, precision_recall


def two_blobs(n=400, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, 1.0, (n // 2, 8))
    b = rng.normal(0.0, 1.0, (n // 2, 8)) + 10.0
    return np.concatenate([a, b])


def test_a_subset_has_precision_1_and_recall_below_1():
    real = two_blobs()
    subset = real[:200]                      # only the first blob
    pr = precision_recall(real, subset)
    assert pr.precision == pytest.approx(1.0)
    assert pr.recall < 0.6


def test_a_shifted_set_has_low_precision():
    real = two_blobs()
    shifted = two_blobs(seed=1) + 6.0
    assert precision_recall(real, shifted).precision < 0.1


def test_two_samples_of_one_distribution_score_high_both_ways():
    pr = precision_recall(two_blobs(seed=0), two_blobs(seed=2))
    assert pr.precision > 0.8 and pr.recall > 0.8


def test_knn_radii_exclude_the_point_itself():
    points = np.array([[0.0], [1.0], [3.0]])
    assert knn_radii(points, k=1).tolist() == [1.0, 1.0, 2.0]
    with pytest.raises(ValueError):
        knn_radii(points, k=3)
    with pytest.raises(ValueError):
        precision_recall(points, np.zeros((3, 2)))


def test_nearest_training_finds_the_copy_and_agrees_with_the_mean():
    rng = np.random.default_rng(0)
    reference = rng.integers(0, 256, (20, 3, 8, 8), dtype=np.uint8)
    images = reference[[3, 7]].copy()
    images[1, 0, 0, 0] ^= 1                    # one grey level off
    idx, dist = nearest_training(images, reference)
    assert idx.tolist() == [3, 7]
    assert dist[0] == 0.0 and 0 < dist[1] < 0.1
    assert nearest_training_distance(images, reference) == pytest.approx(dist.mean())


def test_memorisation_check_of_a_run_pairs_each_sample_with_its_nearest():
    from gan_core.jobs import memorisation_check
    from gan_core.models import DCGenerator

    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32)
    reference = torch.randint(0, 256, (30, 3, 32, 32), dtype=torch.uint8)
    memo = memorisation_check(g, reference, n=4)
    assert memo.samples.shape == memo.nearest.shape == (4, 3, 32, 32)
    assert len(memo.distances) == 4 and memo.training_floor > 0


def test_face_features_and_the_shipped_real_features_match():
    from gan_core.faces import load_attribute_model
    from gan_core.faces.scores import load_real_features

    model = load_attribute_model()
    feats = model.embed(torch.randint(0, 256, (3, 3, 64, 64), dtype=torch.uint8))
    reference, floor = load_real_features()
    assert feats.shape == (3, model.head.in_features)
    assert reference.shape == floor.shape == (500, model.head.in_features)
    assert torch.isfinite(reference).all()


def test_truncation_lowers_recall_on_the_faces_generator():
    """A small, fast version of the course page's table (100 faces per row instead of 500)."""
    from gan_core.faces import load_attribute_model
    from gan_core.faces.scores import truncation_sweep
    from gan_core.hub import load_generator

    generator, _ = load_generator("faces64")
    rows = truncation_sweep(generator, load_attribute_model(), psis=(1.0, 0.4), n=100)
    floor, full, truncated = (r.scores for r in rows)
    assert floor.precision > 0.7 and floor.recall > 0.7
    assert truncated.recall < full.recall - 0.15


def test_per_set_swd_is_blind_to_a_contrast_loss_that_shared_swd_sees():
    from gan_core.theory.scoring import colour_shift, swd_blind_spot

    assert colour_shift(torch.full((1, 3, 2, 2), 200, dtype=torch.uint8), red=100)[0, 0, 0, 0] == 255
    rows, _ = swd_blind_spot(torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8).sort(dim=3).values)
    floor, washed = rows[0], rows[1]
    assert washed.per_set == pytest.approx(floor.per_set, rel=0.15)
    assert washed.shared > 1.5 * floor.shared
    assert washed.colour_error > floor.colour_error
