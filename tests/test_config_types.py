"""Every field of an uploaded config.json, given every wrong JSON type, is refused in one sentence.

The fuzz tests (tests/test_safety_loaders.py) reach these checks at random; this walks all of them,
field by field, so that a field added to a generator's constructor is covered the day it appears.
"""

import io
import json
import zipfile

import pytest
import torch

from gan_core.hub import ModelLoadError, load_checkpoint_zip, save_generator
from gan_core.models.dcgan import DCGenerator

WRONG = {"a list": [1], "an object": {"a": 1}, "a null": None, "true/false": True, "a fraction": 2.5,
         "a text": "64"}
FAMILIES = [DCGenerator]        # every GeneratorFamily an upload can name (PGGAN comes only from the Hub)


def cases():
    for family in FAMILIES:
        fields = ["architecture", *family.config_defaults(), "licence", "library"]
        for field in fields:
            for kind, value in WRONG.items():
                if field in ("architecture", "licence", "library") and kind == "a text":
                    continue                # text is the right type there
                yield pytest.param(family, field, value, id=f"{family.architecture}-{field}-{kind}")


@pytest.mark.parametrize("family, field, value", list(cases()))
def test_each_field_with_a_wrong_type_is_one_sentence(family, field, value):
    config = {"architecture": family.architecture, **family.config_defaults(), field: value}
    with pytest.raises(ModelLoadError) as caught:
        family.config_kwargs(config, "m.zip")
    message = str(caught.value)
    assert message.startswith("m.zip: ") and f"'{field}'" in message, message
    assert "\n" not in message and "Traceback" not in message and message.count(". ") <= 1


def test_a_wrong_type_in_an_uploaded_zip_is_the_same_sentence(tmp_path):
    torch.manual_seed(0)
    folder = save_generator(tmp_path / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=16))
    config = json.loads((folder / "config.json").read_text())
    config["conv_dim"] = {"nested": [1, 2]}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.writestr("model.safetensors", (folder / "model.safetensors").read_bytes())
    with pytest.raises(ModelLoadError, match=r"field 'conv_dim' must be an integer, got a JSON object"):
        load_checkpoint_zip(buf.getvalue(), name="m.zip")
