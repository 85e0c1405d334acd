"""What a finished run hands on: a frozen copy of its generator, a checkpoint zip, the timeline
as a GIF, the ModelInfo the Playground expects, and its memorisation check (each sample beside
its closest training image).
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass

import torch

from ..textsafe import code_span
from ..training.config import TrainConfig

# ---------------------------------------------------------------- after a run

def trained_copy(generator: torch.nn.Module) -> torch.nn.Module:
    """A frozen eval-mode copy, safe to hand to other pages while training objects go away."""
    g = copy.deepcopy(generator).cpu().eval()
    g.requires_grad_(False)
    return g


def checkpoint_zip(generator, config: TrainConfig, iterations_trained: int | None = None) -> bytes:
    """config.json + model.safetensors + README.md of a trained generator, zipped in memory."""
    from ..hub.files import checkpoint_zip_bytes, save_generator

    extra = {"iterations_trained": iterations_trained} if iterations_trained is not None else None
    with tempfile.TemporaryDirectory(prefix="gan-checkpoint-") as tmp:
        save_generator(tmp, generator, train_config=config.to_dict(), extra=extra)
        return checkpoint_zip_bytes(tmp)


def timeline_gif(timeline, duration_ms: int = 250, hold_last_ms: int = 1500) -> bytes:
    """The run's sample grids as an animated GIF (the last frame is held so the result reads)."""
    from ..viz import gif_bytes

    frames = [grid for _, grid in timeline]
    if not frames:
        raise ValueError("this run has no sample grids yet")
    # GIF frame durations are per file here, so hold the end by repeating it.
    frames += [frames[-1]] * max(0, round(hold_last_ms / duration_ms) - 1)
    return gif_bytes(frames, duration_ms=duration_ms)


def model_info_for(generator, config: TrainConfig, name: str, iterations_trained: int):
    """A hub.ModelInfo for a generator trained in the app (what the Playground expects)."""
    from ..hub.files import ModelInfo, generator_config

    cfg = {**generator_config(generator), "train_config": config.to_dict(),
           "iterations_trained": iterations_trained}
    return ModelInfo(name=name, source="trained in this browser session", architecture="dcgan",
                     noise_size=generator.noise_size, image_size=generator.image_size, config=cfg,
                     card=f"Trained on the Train page: {code_span(config.cli_command())}", licence="")


# ---------------------------------------------------------------- does it copy its training images?

MEMO_SAMPLES = 8
MEMO_FLOOR_IMAGES = 1000     # the training set's own nearest-neighbour distance, on at most this many


@dataclass
class Memorisation:
    """Each generated sample beside its closest training image (uint8 (n, 3, S, S) both), the RMS pixel
    distances (0-255), and for scale the training images' distance to their closest other one."""

    samples: torch.Tensor
    nearest: torch.Tensor
    distances: list[float]
    training_floor: float


@torch.inference_mode()
def memorisation_check(generator, reference: torch.Tensor, n: int = MEMO_SAMPLES, seed: int = 0) -> Memorisation:
    """The memorisation check of a finished run (gan_core.metrics.nearest_training, one home):
    n samples from fixed seeds, each with its nearest training image."""
    from ..data.pixels import to_uint8
    from ..metrics import nearest_training, training_nn_distance

    generator.eval()
    device = next(generator.parameters()).device
    z = torch.randn(n, generator.noise_size, generator=torch.Generator().manual_seed(seed)).to(device)
    samples = to_uint8(generator(z)).cpu()
    idx, dist = nearest_training(samples, reference)
    floor_set = reference[torch.randperm(len(reference), generator=torch.Generator().manual_seed(seed))
                          [:MEMO_FLOOR_IMAGES]]
    return Memorisation(samples, reference[torch.as_tensor(idx)], [float(d) for d in dist],
                        training_nn_distance(floor_set))
