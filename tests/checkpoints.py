"""A tiny valid checkpoint zip (config.json + model.safetensors), for upload tests in AppTest and the browser."""

import io
import zipfile

import torch

from gan_core.hub import save_generator
from gan_core.models.dcgan import DCGenerator


def tiny_checkpoint(tmp_path) -> bytes:
    torch.manual_seed(0)
    folder = save_generator(tmp_path / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=16).eval())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("config.json", "model.safetensors"):
            zf.write(folder / name, name)
    return buf.getvalue()
