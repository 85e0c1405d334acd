"""The Playground accepts a checkpoint zip (the Train page's download) and refuses bad ones clearly."""

import json
import sys
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_core.hub import checkpoint_zip_bytes, save_generator  # noqa: E402
from gan_core.models import DCGenerator  # noqa: E402

PAGE = str(ROOT / "pages" / "1_Playground.py")


def checkpoint(tmp_path, conv_dim=4, lie_about_width=False):
    torch.manual_seed(0)
    folder = save_generator(tmp_path / "ckpt", DCGenerator(noise_size=8, conv_dim=conv_dim, image_size=32).eval())
    if lie_about_width:  # weights of one architecture under the config of another
        cfg = json.loads((folder / "config.json").read_text())
        cfg["conv_dim"] = conv_dim * 2
        (folder / "config.json").write_text(json.dumps(cfg))
    return checkpoint_zip_bytes(folder)


def upload(at, name, data):
    at.get("file_uploader")[0].set_value([(name, data, "application/zip")]).run()
    return at


def test_uploaded_checkpoint_becomes_the_current_model(tmp_path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    before = at.image[0].proto.imgs[0].url
    upload(at, "my-run.zip", checkpoint(tmp_path))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["pg_active"] == "session:uploaded my-run.zip"
    assert at.image[0].proto.imgs[0].url != before


def test_wrong_architecture_and_garbage_are_refused_and_the_model_stays(tmp_path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    upload(at, "wide.zip", checkpoint(tmp_path, lie_about_width=True))
    assert not at.exception
    assert any("layer 'linear_bn.0.weight' has shape" in e.value.replace("\\", "") for e in at.error)
    assert at.session_state["pg_active"] == "faces64"
    upload(at, "junk.zip", b"this is not a zip")
    assert any("not a valid zip" in e.value for e in at.error)
    assert at.session_state["pg_active"] == "faces64"
