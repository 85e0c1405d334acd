"""Paint with units (gan_core.playground.dissect) on tiny random generators."""

import numpy as np
import pytest
import torch

from gan_core.faces import AttributeNet
from gan_core.models.dcgan import DCGenerator
from gan_core.models.pggan import PGGANGenerator
from gan_core.playground import dissect
from gan_core.playground.dissect import Dissector, edited, grid_mask, layers


@pytest.fixture(scope="module")
def dc():
    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32).eval()
    for m in g.modules():          # a trained-looking batch norm: not the identity
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
    return g


@pytest.fixture(scope="module")
def pggan():
    torch.manual_seed(0)
    return PGGANGenerator(resolution=32, z_dim=16, fmaps_base=128, fmaps_max=16).eval()


def capture(generator, layer, z):
    seen = {}
    handle = getattr(generator, layer.name).register_forward_hook(lambda m, i, o: seen.__setitem__("x", o.clone()))
    try:
        with torch.inference_mode():
            generator(z)
    finally:
        handle.remove()
    return seen["x"]


def test_layers_are_the_hidden_blocks(dc, pggan):
    assert [(l.name, l.units, l.side) for l in layers(dc)] == [("upconv1", 16, 8), ("upconv2", 8, 16)]
    assert [(l.name, l.side) for l in layers(pggan)] == [("layer1", 4), ("layer3", 8), ("layer5", 16)]
    with pytest.raises(TypeError):
        layers(torch.nn.Linear(2, 2))


def test_hooks_change_only_the_painted_region_of_the_chosen_units(dc):
    layer = layers(dc)[0]
    z = torch.randn(3, 16)
    before = capture(dc, layer, z)
    mask = np.zeros((8, 8))
    mask[2:5, 1:4] = 1
    with edited(dc, layer, [3, 7], mask, 5.0):
        after = capture(dc, layer, z)
    changed = (after != before)
    assert changed[:, [3, 7]][:, :, 2:5, 1:4].all()
    assert (after[:, [3, 7]][:, :, 2:5, 1:4] == 5.0).all()
    outside = changed.clone()
    outside[:, [3, 7], 2:5, 1:4] = False
    assert not outside.any()


def test_the_generator_is_unchanged_afterwards_even_after_an_error(dc):
    layer = layers(dc)[1]
    z = torch.randn(2, 16)
    with torch.inference_mode():
        before = dc(z)
        with edited(dc, layer, [0, 1], np.ones((16, 16)), 0.0):
            during = dc(z)
        with pytest.raises(RuntimeError):
            with edited(dc, layer, [2], np.ones((16, 16)), 3.0):
                raise RuntimeError("boom")
        after = dc(z)
    assert not torch.equal(before, during)
    assert torch.equal(before, after)
    assert all(not m._forward_hooks for m in dc.modules())


def test_a_painted_mask_of_any_size_lands_on_the_layers_grid():
    m = np.zeros((64, 64), dtype=bool)
    m[:32, :32] = True
    g = grid_mask(m, 8)
    assert g.shape == (8, 8) and g[:4, :4].eq(1).all() and g[4:].eq(0).all()
    assert float(grid_mask(np.ones((3, 3)), 4).mean()) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        grid_mask(np.ones((2, 2, 2)), 4)


def test_painting_changes_the_face_inside_the_region_more_than_outside(dc):
    d = Dissector(dc)
    layer = d.layer("upconv2")
    mask = np.zeros((16, 16))
    mask[4:10, 4:10] = 1
    result = d.paint(5, layer, list(range(layer.units)), mask, "up", 2.0)
    assert result.before.shape == result.after.shape == (32, 32, 3)
    assert result.inside > result.outside and not result.vetoed
    assert result.region_mask.shape == (32, 32) and result.region_mask[12:18, 12:18].all()


def test_switching_off_a_dead_unit_is_vetoed(dc):
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=32).eval()
    g.load_state_dict(dc.state_dict())
    with torch.no_grad():
        g.upconv1.bn.bias[4] = -1e4            # unit 4 of block 1 never fires
    d = Dissector(g)
    result = d.paint(1, d.layer("upconv1"), [4], np.ones((8, 8)), "off")
    assert result.inside == 0.0 and result.vetoed


def test_ranking_a_tiny_dcgan_covers_every_unit_and_matches_the_hooks(dc):
    d = Dissector(dc)
    layer = d.layer("upconv1")
    seen = []
    ranking = d.rank(layer, n=20, attributes=AttributeNet(width=4).eval(), attribute_units=3,
                     progress=lambda done, total: seen.append((done, total)))
    assert sorted(e.unit for e in ranking.units) == list(range(layer.units))
    changes = [e.pixel_change for e in ranking.units]
    assert changes == sorted(changes, reverse=True)
    assert seen[-1] == (layer.units + 3, layer.units + 3)
    assert sum(e.age is not None for e in ranking.units) == 3 == ranking.attribute_units
    # the sub-pixel shortcut gives what switching the unit off with a hook gives
    top = ranking.units[0]
    codes = d.codes(20)
    with torch.inference_mode():
        base = dc(codes)
        with edited(dc, layer, [top.unit], np.ones((8, 8)), 0.0):
            off = dc(codes)
    assert float((off - base).abs().mean()) / 2 == pytest.approx(top.pixel_change, rel=1e-3, abs=1e-6)
    shift = dissect.region_means(off) - dissect.region_means(base)      # and the same region colours
    r = list(dissect.REGIONS).index(top.region)
    assert top.colour_shift == pytest.approx(tuple(shift[r].tolist()), abs=0.02)
    assert "block 1" in dissect.describe(top, layer)
    # the attribute model scored exactly the units that change the image most
    assert [e.age is not None for e in ranking.units] == [True] * 3 + [False] * (layer.units - 3)


def test_the_last_hidden_block_ranks_through_the_rgb_block_alone(dc):
    d = Dissector(dc)
    layer = d.layer("upconv2")                      # the next block draws the image
    ranking = d.rank(layer, n=6, batch=4)            # two chunks of unequal size
    codes = d.codes(6)
    top = ranking.units[0]
    with torch.inference_mode():
        base = dc(codes)
        with edited(dc, layer, [top.unit], np.ones((16, 16)), 0.0):
            off = dc(codes)
    assert float((off - base).abs().mean()) / 2 == pytest.approx(top.pixel_change, rel=1e-3, abs=1e-6)


def test_the_rank_buttons_time_is_measured_here_and_then_the_rankings_own(dc):
    d = Dissector(dc)
    layer = d.layer("upconv1")
    attributes = AttributeNet(width=4).eval()
    guess = d.estimate_seconds(layer, 20, attributes)
    assert 0 < guess < 60 and d.estimate_seconds(layer, 20, attributes) == guess      # probed once
    assert d.estimate_seconds(layer, 40, attributes) == pytest.approx(2 * guess)       # scales with faces
    ranking = d.ranking(layer, 20, attributes)
    assert d.estimate_seconds(layer, 20, attributes) == ranking.seconds


def test_real_pggan_blocks_are_painted_but_not_ranked():
    with torch.device("meta"):                      # the real architecture's shapes, no weights
        real = PGGANGenerator()
    d = Dissector(real)
    assert [l.side for l in d.layers] == [4, 8, 16]
    for layer in d.layers:
        assert not d.rankable(layer) and d.rank_cost(layer, 1) > 1e12        # hours on a CPU
    tiny = Dissector(PGGANGenerator(resolution=32, z_dim=16, fmaps_base=128, fmaps_max=16))
    assert all(tiny.rankable(layer) for layer in tiny.layers)


def test_rankings_are_cached_per_layer(dc):
    d = Dissector(dc)
    layer = d.layer("upconv2")
    assert not d.is_ranked(layer, 16)
    first = d.ranking(layer, 16)
    assert d.is_ranked(layer, 16) and d.ranking(layer, 16) is first
    assert d.rank_faces(layer) == dissect.RANK_FACES      # a tiny model affords the full 200


def test_pggan_low_blocks_can_be_painted_and_ranked(pggan):
    d = Dissector(pggan)
    layer = d.layer("layer3")
    mask = np.zeros((8, 8))
    mask[:4] = 1
    z = torch.randn(1, 16)
    with torch.inference_mode():
        before = pggan(z)
    result = d.paint(3, layer, [0, 1, 2], mask, "up")
    assert result.after.shape == (32, 32, 3) and result.inside > 0
    ranking = d.rank(layer, n=4)
    assert len(ranking.units) == layer.units and ranking.method == "exact (hooks)"
    with torch.inference_mode():
        assert torch.equal(pggan(z), before)


def test_strongest_cells_make_a_region(dc):
    d = Dissector(dc)
    layer = d.layer("upconv1")
    cells = dissect.strongest_unit_cells(d.unit_stats(layer), 0, 0.25)
    assert cells.shape == (8, 8) and cells.sum() >= 16
