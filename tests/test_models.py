import pytest
import torch

from gan_core.models import DCDiscriminator, DCGenerator


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_course_generator_shapes_and_parameter_count():
    g = DCGenerator()  # noise 100, conv_dim 32, 32x32: the course's settings
    # 100 -> 2048 (=128x4x4) linear + BN, then 5x5 convs 128->64->32->3 with biases and BN.
    expected = (100 * 2048 + 2048) + 2 * 2048 + (128 * 64 * 25 + 64) + 2 * 64 \
        + (64 * 32 * 25 + 32) + 2 * 32 + (32 * 3 * 25 + 3)
    assert n_params(g) == expected == 469_635
    z = torch.randn(5, 100)
    x = g(z)
    assert x.shape == (5, 3, 32, 32)
    assert x.min() >= -1 and x.max() <= 1
    # the layer-by-layer shapes of the course code
    h = g.linear_bn(z).view(5, 128, 4, 4)
    h = g.upconv1(h)
    assert h.shape == (5, 64, 8, 8)
    h = g.upconv2(h)
    assert h.shape == (5, 32, 16, 16)
    assert g.upconv3(h).shape == (5, 3, 32, 32)
    assert g.noise_size == 100 and g.image_size == 32


def test_course_discriminator_shapes_and_parameter_count():
    d = DCDiscriminator()
    convs = [(3, 32), (32, 64), (64, 128)]
    expected = sum(i * o * 25 + o + 2 * o for i, o in convs) + (128 * 25 + 1)
    assert n_params(d) == expected
    x = torch.randn(7, 3, 32, 32)
    assert d(x).shape == (7,)
    h = d.conv3(d.conv2(d.conv1(x)))
    assert h.shape == (7, 128, 4, 4)
    assert d.conv4(h).shape == (7, 1, 1, 1)


def test_spectral_norm_wraps_every_conv_and_bounds_the_top_singular_value():
    torch.manual_seed(0)
    d = DCDiscriminator(spectral_norm=True)
    convs = d.conv_layers()
    assert len(convs) == 4
    assert all(hasattr(c, "parametrizations") and "weight" in c.parametrizations for c in convs)
    d.train()
    for _ in range(30):  # power iterations converge in training-mode forwards
        d(torch.randn(4, 3, 32, 32))
    w = convs[1].weight.detach().flatten(1)
    assert torch.linalg.matrix_norm(w, ord=2) == pytest.approx(1.0, rel=0.05)


def test_64x64_variant_adds_one_block_each_side():
    g = DCGenerator(noise_size=128, conv_dim=16, image_size=64)
    assert hasattr(g, "upconv4") and not hasattr(g, "upconv5")
    assert g(torch.randn(2, 128)).shape == (2, 3, 64, 64)
    d = DCDiscriminator(conv_dim=16, image_size=64, spectral_norm=True, batch_norm=False, activation="leaky")
    assert hasattr(d, "conv5")
    assert d(torch.randn(3, 3, 64, 64)).shape == (3,)


def test_bad_sizes_fail_clearly():
    with pytest.raises(ValueError, match="image_size must be one of"):
        DCGenerator(image_size=48)
    g = DCGenerator()
    with pytest.raises(ValueError, match=r"expected noise of shape \(batch, 100\)"):
        g(torch.randn(2, 64))
    with pytest.raises(ValueError, match="expected images of shape"):
        DCDiscriminator()(torch.randn(2, 3, 64, 64))


def test_sefa_weight_is_the_first_layer():
    g = DCGenerator(noise_size=20, conv_dim=8)
    assert g.sefa_weight().shape == (8 * 4 * 16, 20)


@pytest.mark.parametrize("image_size", [16, 32, 64])
def test_the_subpixel_renderer_computes_the_same_faces(image_size):
    from gan_core.models.dcgan import SubPixelRenderer

    torch.manual_seed(0)
    g = DCGenerator(noise_size=16, conv_dim=8, image_size=image_size)
    for m in g.modules():           # statistics far from the defaults, so BatchNorm matters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.normal_()
            m.running_var.uniform_(0.5, 2.0)
    g.eval()
    z = torch.randn(6, 16)
    with torch.no_grad():
        expected, got = g(z), SubPixelRenderer(g)(z)
    assert got.shape == expected.shape == (6, 3, image_size, image_size)
    assert torch.allclose(got, expected, atol=1e-5), float((got - expected).abs().max())


@pytest.mark.parametrize("kwargs", [dict(noise_size=8, conv_dim=4, image_size=16),
                                    dict(noise_size=100, conv_dim=32, image_size=32),
                                    dict(noise_size=128, conv_dim=16, image_size=64)])
def test_layer_outputs_from_shapes_match_a_forward(kwargs):
    """The loader's memory budget uses DCGenerator.layer_outputs; it must be what a forward produces."""
    g = DCGenerator(**kwargs).eval()
    outputs = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: outputs.append(out.numel()))
             for m in g.modules() if not list(m.children())]
    with torch.no_grad():
        g(torch.randn(3, kwargs["noise_size"]))
    for h in hooks:
        h.remove()
    assert DCGenerator.layer_outputs(**kwargs, batch=3) == outputs
