"""The bundled face generator: present, loadable offline, and a working generator."""

import torch

from gan_core.hub import load_generator, registry_labels


def test_bundled_faces64_loads_offline_and_generates_faces():
    generator, info = load_generator("faces64")
    assert "faces64" in registry_labels()
    assert info.image_size == 64 and generator.noise_size == info.noise_size == 128
    assert not generator.training
    z = torch.randn(2, generator.noise_size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        x = generator(z)
    assert x.shape == (2, 3, 64, 64)
    assert x.min() >= -1 and x.max() <= 1
    # two seeds give two different faces, and the images are not flat
    assert (x[0] - x[1]).abs().mean() > 0.05
    assert x.std(dim=(1, 2, 3)).min() > 0.1


def test_card_credits_the_data_and_states_the_licence():
    from pathlib import Path

    card = (Path(__file__).resolve().parent.parent / "pretrained" / "faces64" / "README.md").read_text()
    assert "UTKFace" in card and "non-commercial" in card.lower()
    assert "python -m gan_core.train" in card
