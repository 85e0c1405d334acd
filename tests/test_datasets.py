"""The dataset registry: one entry per dataset, read by the trainer, the CLI and the Train page."""

import pytest
import torch

from gan_core.cli import build_parser
from gan_core.data import registry as datasets
from gan_core.jobs import TrainingJob
from gan_core.training import TrainConfig
from tests.contentfiles import CONTENT

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def lookup(lang, key):
    node = CONTENT[lang]
    for part in key.split("."):
        node = node[part]
    return node


@pytest.fixture
def fake_mnist(monkeypatch):
    """torchvision's MNIST without a network: 12 random 28x28 digits."""
    import torchvision

    made = []

    class FakeMNIST:
        def __init__(self, root, train, download):
            made.append(root)
            self.data = torch.randint(0, 256, (12, 28, 28), dtype=torch.uint8,
                                      generator=torch.Generator().manual_seed(0))

    monkeypatch.setattr(torchvision.datasets, "MNIST", FakeMNIST)
    return made


def test_every_kind_is_registered_once_with_a_label_in_both_languages():
    assert datasets.names(datasets.BUILTIN) == ("emoji", "shapes")
    assert datasets.names(datasets.TOY) == ("ring8", "grid25", "spiral", "moons")
    assert datasets.names(datasets.ONLINE) == ("mnist", "cifar10")
    assert datasets.names(datasets.UPLOAD) == ("upload",)
    for entry in datasets.DATASETS.values():
        for lang in ("en", "fa"):
            assert lookup(lang, entry.description), (entry.name, lang)
        assert (entry.loader is None) == (entry.kind == datasets.UPLOAD), entry.name


@pytest.mark.parametrize("name", datasets.names(datasets.BUILTIN, datasets.TOY))
def test_a_registered_size_is_what_the_loader_gives(name):
    entry = datasets.get(name)
    loaded = datasets.load_dataset(name, 16, seed=3)
    assert len(loaded) == entry.size
    if entry.is_toy:
        assert loaded.shape == (entry.size, 2) and loaded.dtype == torch.float32
    else:
        assert loaded.shape == (entry.size, 3, 16, 16) and loaded.dtype == torch.uint8


@pytest.mark.parametrize("name", datasets.names(datasets.BUILTIN))
def test_the_page_labels_quote_the_registered_size(name):
    size = datasets.get(name).size
    assert str(size) in lookup("en", f"train.data.{name}")
    assert str(size).translate(PERSIAN_DIGITS) in lookup("fa", f"train.data.{name}")


def test_unknown_names_are_refused_and_upload_is_not_loadable_by_name():
    with pytest.raises(ValueError, match="unknown dataset 'celeba'"):
        datasets.get("celeba")
    with pytest.raises(ValueError, match=r"unknown dataset 'upload'.*'emoji'.*'mnist'"):
        datasets.load_dataset("upload", 32)
    assert datasets.is_toy("spiral") and not datasets.is_toy("emoji") and not datasets.is_toy("faces.zip")


def test_the_cli_offers_every_loadable_dataset():
    help_text = build_parser().format_help()
    for name in datasets.names(datasets.BUILTIN, datasets.TOY, datasets.ONLINE):
        assert name in help_text


def test_a_downloadable_set_is_loaded_in_the_training_worker(fake_mnist):
    """The Train page hands the job only the name; the worker builds MNIST through the registry."""
    config = TrainConfig(dataset="mnist", image_size=16, conv_dim=8, noise_size=8, batch_size=4, iterations=3,
                         sample_every=0, threads=1)
    job = TrainingJob(config, measure=False)
    assert job.run_inline()
    snap = job.snapshot()
    assert snap.status == "done", snap.error
    assert fake_mnist == [str(datasets.ONLINE_ROOT)]
    assert job.trainer.data.shape == (12, 3, 16, 16)


def test_a_failed_download_is_one_sentence_from_the_worker(monkeypatch):
    import torchvision

    class Offline:
        def __init__(self, *a, **k):
            raise OSError("no network")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", Offline)
    job = TrainingJob(TrainConfig(dataset="cifar10", iterations=2, threads=1), measure=False)
    job.run_inline()
    snap = job.snapshot()
    assert snap.status == "error" and snap.error_kind == "value"
    assert "could not download cifar10" in snap.error and "needs internet access" in snap.error
