"""PGGAN CelebA-HQ 1024 port: file layout, strict loading, lod rendering, SeFa matrix.

The real pytorch_model.bin cannot be downloaded here, so the tests build
state dicts in its exact layout (spec table below, typed in from
docs/pggan-celebahq-1024.md section 2, independent of the model code) and
fill them with seeded random numbers.
"""

import math
import os
import shlex
import time
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gan_core.data import to_image_array
from gan_core.models import pggan
from gan_core.models.pggan import PGGANGenerator, load_pggan_state_dict

R2 = math.sqrt(2.0)

# (key, shape, runtime weight multiplier or None), in the order stored in the file.
SPEC_TABLE = [
    ("lod", (), None),
    ("layer0.weight", (512, 512, 4, 4), 0.015625),
    ("layer0.bias", (512,), None),
    ("layer1.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer1.bias", (512,), None),
    ("output0.weight", (3, 512, 1, 1), 0.04419417382),
    ("output0.bias", (3,), None),
    ("layer2.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer2.bias", (512,), None),
    ("layer3.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer3.bias", (512,), None),
    ("output1.weight", (3, 512, 1, 1), 0.04419417382),
    ("output1.bias", (3,), None),
    ("layer4.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer4.bias", (512,), None),
    ("layer5.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer5.bias", (512,), None),
    ("output2.weight", (3, 512, 1, 1), 0.04419417382),
    ("output2.bias", (3,), None),
    ("layer6.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer6.bias", (512,), None),
    ("layer7.weight", (512, 512, 3, 3), 0.02083333333),
    ("layer7.bias", (512,), None),
    ("output3.weight", (3, 512, 1, 1), 0.04419417382),
    ("output3.bias", (3,), None),
    ("layer8.weight", (256, 512, 3, 3), 0.02083333333),
    ("layer8.bias", (256,), None),
    ("layer9.weight", (256, 256, 3, 3), 0.02946278255),
    ("layer9.bias", (256,), None),
    ("output4.weight", (3, 256, 1, 1), 0.0625),
    ("output4.bias", (3,), None),
    ("layer10.weight", (128, 256, 3, 3), 0.02946278255),
    ("layer10.bias", (128,), None),
    ("layer11.weight", (128, 128, 3, 3), 0.04166666667),
    ("layer11.bias", (128,), None),
    ("output5.weight", (3, 128, 1, 1), 0.08838834765),
    ("output5.bias", (3,), None),
    ("layer12.weight", (64, 128, 3, 3), 0.04166666667),
    ("layer12.bias", (64,), None),
    ("layer13.weight", (64, 64, 3, 3), 0.05892556510),
    ("layer13.bias", (64,), None),
    ("output6.weight", (3, 64, 1, 1), 0.125),
    ("output6.bias", (3,), None),
    ("layer14.weight", (32, 64, 3, 3), 0.05892556510),
    ("layer14.bias", (32,), None),
    ("layer15.weight", (32, 32, 3, 3), 0.08333333333),
    ("layer15.bias", (32,), None),
    ("output7.weight", (3, 32, 1, 1), 0.1767766953),
    ("output7.bias", (3,), None),
    ("layer16.weight", (16, 32, 3, 3), 0.08333333333),
    ("layer16.bias", (16,), None),
    ("layer17.weight", (16, 16, 3, 3), 0.1178511302),
    ("layer17.bias", (16,), None),
    ("output8.weight", (3, 16, 1, 1), 0.25),
    ("output8.bias", (3,), None),
]
TOTAL_ELEMENTS = 23_079_116


def spec_state_dict(seed: int = 0) -> dict:
    """A state dict in the Hub file's layout: unit-variance weights, small biases, lod 0."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape, _ in SPEC_TABLE:
        if key == "lod":
            state[key] = torch.tensor(0.0)
        elif key.endswith(".weight"):
            state[key] = torch.randn(shape, generator=gen)
        else:
            state[key] = 0.1 * torch.randn(shape, generator=gen)
    return state


@pytest.fixture(scope="module")
def hub_state():
    return spec_state_dict(seed=0)


@pytest.fixture(scope="module")
def hub_file(hub_state, tmp_path_factory):
    path = tmp_path_factory.mktemp("hub") / "pytorch_model.bin"
    torch.save(hub_state, path)
    return path


def tiny_generator(seed: int = 0) -> PGGANGenerator:
    """Same architecture pattern at 64x64 with narrow layers: 5 blocks, 32 -> 16 channels at 64x64."""
    torch.manual_seed(seed)
    g = PGGANGenerator(resolution=64, z_dim=32, fmaps_base=1024, fmaps_max=32)
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith(".bias"):
                p.normal_(0.0, 0.1)  # non-zero biases, so scaling them by mistake would show
    return g.eval()


# -- layout -------------------------------------------------------------------


def test_state_dict_keys_shapes_and_order_match_the_hub_file():
    with torch.device("meta"):
        g = PGGANGenerator()
    got = [(k, tuple(v.shape)) for k, v in g.state_dict().items()]
    assert got == [(k, shape) for k, shape, _ in SPEC_TABLE]
    assert sum(v.numel() for v in g.state_dict().values()) == TOTAL_ELEMENTS
    assert g.noise_size == 512 and g.image_size == 1024


def test_runtime_weight_multipliers_match_the_spec():
    # A toRGB layer with gain sqrt(2), or a missing weight scale, would change every image.
    with torch.device("meta"):
        g = PGGANGenerator()
    for key, _, multiplier in SPEC_TABLE:
        if multiplier is not None:
            layer = g.get_submodule(key.removesuffix(".weight"))
            assert layer.scale == pytest.approx(multiplier, rel=1e-9), key


def test_resolution_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        PGGANGenerator(resolution=100)


# -- forward pass --------------------------------------------------------------


def reference_forward(g: PGGANGenerator, z: torch.Tensor) -> torch.Tensor:
    """lod-0 forward written the way genforce runs it: layer0 as a conv with padding 3 on a 1x1 map."""

    def pn(x):
        return x / torch.sqrt((x * x).mean(dim=1, keepdim=True) + 1e-8)

    def conv(x, name, gain, pad):
        w = getattr(g, name).weight
        fan_in = w[0].numel()
        return F.conv2d(x, w * (gain / math.sqrt(fan_in)), getattr(g, name).bias, padding=pad)

    x = pn(pn(z))[:, :, None, None]
    x = F.leaky_relu(conv(x, "layer0", R2, 3), 0.2)
    x = F.leaky_relu(conv(pn(x), "layer1", R2, 1), 0.2)
    for b in range(1, g.num_blocks):
        x = F.interpolate(pn(x), scale_factor=2, mode="nearest")
        x = F.leaky_relu(conv(x, f"layer{2 * b}", R2, 1), 0.2)
        x = F.leaky_relu(conv(pn(x), f"layer{2 * b + 1}", R2, 1), 0.2)
    return conv(pn(x), f"output{g.num_blocks - 1}", 1.0, 0)


def test_forward_matches_genforce_formulation():
    # Independent form: conv with padding 3 flips layer0 implicitly, the model uses an explicit flip.
    g = tiny_generator()
    z = torch.randn(3, 32, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = g(z)
        ref = reference_forward(g, z)
    assert out.shape == (3, 3, 64, 64)
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)


def test_transposed_and_plain_upsampling_paths_agree(monkeypatch):
    # The model switches to a transposed-conv form on large maps for speed; both must be the same function.
    g = tiny_generator()
    z = torch.randn(2, 32)
    with torch.no_grad():
        monkeypatch.setattr(pggan, "TRANSPOSED_UPSAMPLE_MIN_SIZE", 10**9)
        plain = g(z)
        monkeypatch.setattr(pggan, "TRANSPOSED_UPSAMPLE_MIN_SIZE", 1)
        fused = g(z)
    torch.testing.assert_close(fused, plain, rtol=1e-4, atol=1e-5)


def test_image_depends_only_on_the_direction_of_z():
    g = tiny_generator()
    z = torch.randn(2, 32)
    with torch.no_grad():
        torch.testing.assert_close(g(z), g(10.0 * z), rtol=1e-4, atol=1e-5)
        assert not torch.allclose(g(z[:1]), g(z[1:]), atol=1e-3)


def test_output_is_not_squashed_into_minus_one_one():
    g = tiny_generator()
    with torch.no_grad():
        g.output4.bias.fill_(10.0)
        out = g(torch.randn(1, 32))
    assert out.min() > 2.0  # a tanh or clamp would keep it <= 1


def test_wrong_latent_shape_is_a_clear_error():
    with pytest.raises(ValueError, match=r"\(batch, 32\)"):
        tiny_generator()(torch.randn(2, 31))


# -- level of detail -------------------------------------------------------------


def test_integer_lod_gives_blocks_of_one_colour_and_the_native_image():
    g = tiny_generator()
    z = torch.randn(2, 32)
    with torch.no_grad():
        full = g(z, lod=2)
        native = g.native_image(z, lod=2)
    assert full.shape == (2, 3, 64, 64) and native.shape == (2, 3, 16, 16)
    blocks = full.unfold(2, 4, 4).unfold(3, 4, 4)  # (B, 3, 16, 16, 4, 4)
    assert torch.equal(blocks, blocks[..., :1, :1].expand_as(blocks))
    torch.testing.assert_close(full[..., ::4, ::4], native)
    # and it really is a different (coarser) picture than lod 0
    assert not torch.allclose(g(z, lod=0)[..., ::4, ::4], native, atol=1e-3)


def test_lod_zero_native_image_is_the_full_image():
    g = tiny_generator()
    z = torch.randn(1, 32)
    with torch.no_grad():
        torch.testing.assert_close(g.native_image(z, 0), g(z, 0))


def test_fractional_lod_blends_the_two_neighbouring_heads():
    g = tiny_generator()
    z = torch.randn(2, 32)
    with torch.no_grad():
        fine, coarse = g(z, lod=1), g(z, lod=2)
        for lod in (1.25, 1.5, 1.9):
            blend = g(z, lod=lod)
            fade = lod - 1  # share of the coarser head: lod 1.9 is almost the lod-2 image
            torch.testing.assert_close(blend, (1 - fade) * fine + fade * coarse, rtol=1e-5, atol=1e-6)
        assert (g(z, 1.9) - coarse).abs().max() < (g(z, 1.9) - fine).abs().max()
        assert g.native_image(z, 1.5).shape[-1] == 32


def test_lod_out_of_range_is_refused():
    g = tiny_generator()
    with pytest.raises(ValueError, match="lod must be between 0"):
        g(torch.randn(1, 32), lod=4.5)
    with pytest.raises(ValueError, match="lod must be between 0"):
        g.native_image(torch.randn(1, 32), lod=-1)


def test_preview_stops_early_and_skips_the_high_resolution_layers():
    g = tiny_generator()
    called = []
    for name, module in g.named_children():
        module.register_forward_hook(lambda m, i, o, name=name: called.append(name))
    with torch.no_grad():
        g.native_image(torch.randn(1, 32), lod=g.lod_for_resolution(16))
    assert "layer5" in called and "output2" in called
    assert not {"layer6", "layer7", "output3", "layer8", "layer9", "output4"} & set(called)
    assert g.native_resolution(1) == 32 and g.lod_for_resolution(16) == 2


# -- SeFa ----------------------------------------------------------------------


def test_sefa_weight_shape_for_the_hub_model():
    with torch.device("meta"):
        g = PGGANGenerator()
    assert tuple(g.sefa_weight().shape) == (8192, 512)


def test_sefa_weight_is_the_dense_map_layer0_applies():
    # Rows in the wrong order (e.g. without the flip) would not reproduce layer0's output.
    g = tiny_generator()
    z = pggan.pixel_norm(torch.randn(4, 32))
    w = g.sefa_weight()
    assert w.shape == (32 * 16, 32) and not w.requires_grad
    with torch.no_grad():
        pre = (z @ w.T) * g.layer0.scale
        expected = F.leaky_relu(pre.view(4, 32, 4, 4) + g.layer0.bias.view(1, -1, 1, 1), 0.2)
        torch.testing.assert_close(g.layer0(z), expected, rtol=1e-5, atol=1e-6)


def test_sefa_slider_constants_follow_the_space():
    assert (pggan.SEFA_DISTANCE_MIN, pggan.SEFA_DISTANCE_MAX) == (-5.0, 5.0)
    assert pggan.SEFA_DISTANCE_STEP == pytest.approx(0.2)
    assert pggan.SEFA_NUM_SEMANTICS == 10


# -- uint8 conversion ------------------------------------------------------------


def test_to_image_array_maps_range_rounds_half_up_and_returns_nhwc():
    x = torch.zeros(1, 3, 1, 5)
    x[0, 0, 0] = torch.tensor([-1.0, 0.0, 1.0, 1.7, -3.0])
    x[0, 1, 0] = torch.tensor([-1 + 1 / 255, -1 + 0.99 / 255, 0, 0, 0], dtype=torch.float64).float()
    u = to_image_array(x)
    assert u.dtype == np.uint8 and u.shape == (1, 1, 5, 3)
    assert u[0, 0, :, 0].tolist() == [0, 128, 255, 255, 0]  # red channel stays channel 0 (RGB)
    assert u[0, 0, :2, 1].tolist() == [1, 0]  # 0.5 rounds up, 0.495 down
    assert to_image_array(x[0]).shape == (1, 5, 3)


# -- loading -------------------------------------------------------------------


def test_hub_layout_loads_strictly_and_round_trips(hub_file, hub_state):
    g = load_pggan_state_dict(hub_file)
    assert not g.training
    loaded = g.state_dict()
    assert list(loaded) == [k for k, _, _ in SPEC_TABLE]
    for key, value in hub_state.items():
        assert torch.equal(loaded[key], value), key


def test_loader_accepts_an_in_memory_dict(hub_state):
    g = load_pggan_state_dict(hub_state)
    assert torch.equal(g.output8.bias, hub_state["output8.bias"])


def test_missing_key_is_named(hub_state):
    broken = {k: v for k, v in hub_state.items() if k != "output5.bias"}
    with pytest.raises(ValueError, match=r"missing key 'output5\.bias'"):
        load_pggan_state_dict(broken)


def test_wrong_shape_names_key_and_both_shapes(hub_state):
    broken = dict(hub_state, **{"layer11.weight": torch.zeros(128, 128, 1, 1)})
    with pytest.raises(ValueError) as info:
        load_pggan_state_dict(broken)
    message = str(info.value)
    assert "'layer11.weight'" in message and "(128, 128, 1, 1)" in message and "(128, 128, 3, 3)" in message


def test_unexpected_key_is_named(hub_state):
    with pytest.raises(ValueError, match=r"unexpected key 'layer18\.weight'"):
        load_pggan_state_dict(dict(hub_state, **{"layer18.weight": torch.zeros(3)}))


def test_fused_scale_layout_is_refused_with_an_explanation(hub_state):
    fused = dict(hub_state)
    for key, shape, _ in SPEC_TABLE:
        if key.startswith("layer") and key.endswith(".weight") and key != "layer0.weight":
            fused[key] = torch.zeros(shape[1], shape[0], *shape[2:])  # (in, out, 3, 3)
    with pytest.raises(ValueError, match=r"'layer8\.weight'.*fused-scale"):
        load_pggan_state_dict(fused)


def test_generator_smooth_wrapper_is_preferred(hub_state):
    other = spec_state_dict(seed=1)
    g = load_pggan_state_dict({"generator": other, "generator_smooth": hub_state, "discriminator": {}})
    assert torch.equal(g.layer3.weight, hub_state["layer3.weight"])
    g = load_pggan_state_dict({"generator": other})
    assert torch.equal(g.layer3.weight, other["layer3.weight"])


def test_nonzero_stored_lod_warns(hub_state):
    with pytest.warns(UserWarning, match="stored lod is 1.5"):
        load_pggan_state_dict(dict(hub_state, lod=torch.tensor(1.5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_pggan_state_dict(hub_state)  # lod 0: silent


class _RunsAShellCommand:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


def test_pickle_with_code_is_refused_and_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "pytorch_model.bin"
    torch.save({"layer0.weight": _RunsAShellCommand(marker)}, path)

    with pytest.raises(ValueError, match="refused to load"):
        load_pggan_state_dict(path)
    assert not marker.exists()

    # The payload is live: an unsafe load would have run it.
    torch.load(path, weights_only=False)
    assert marker.exists()


def test_truncated_file_is_a_clear_error(hub_file, tmp_path):
    cut = tmp_path / "pytorch_model.bin"
    cut.write_bytes(hub_file.read_bytes()[:100_000])
    with pytest.raises(ValueError, match="truncated or corrupted"):
        load_pggan_state_dict(cut)


def test_non_mapping_checkpoint_is_refused(tmp_path):
    path = tmp_path / "tensor.pt"
    torch.save(torch.zeros(3), path)
    with pytest.raises(ValueError, match="expected a state dict"):
        load_pggan_state_dict(path)


# -- full resolution -------------------------------------------------------------


def test_full_resolution_1024_face_at_lod_zero_and_eight(hub_state):
    g = load_pggan_state_dict(hub_state)
    z = torch.randn(1, 512, generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    with torch.inference_mode():
        image = g(z)
    seconds = time.perf_counter() - start
    assert image.shape == (1, 3, 1024, 1024) and torch.isfinite(image).all()
    with torch.inference_mode():
        coarsest = g(z, lod=8)
    torch.testing.assert_close(coarsest, coarsest[..., ::256, ::256].repeat_interleave(256, 2).repeat_interleave(256, 3))
    assert to_image_array(image).shape == (1, 1024, 1024, 3)
    # Generous: ~1-2 s idle on 2 cores; this catches a pathological slowdown, not noise.
    assert seconds < 30
