"""Give the bundled faces64 model standing batch-norm statistics (no retraining).

    python scripts/faces64_standing_stats.py [--model pretrained/faces64]

The shipped weights are the training run's EMA copy, whose batch-norm running
statistics had been copied from the live generator: they did not belong to the
EMA weights, and the faces came out washed out. This recomputes them with
gan_core.training.recompute_bn_stats (40 batches of 128 random codes, the same
procedure the trainer now runs before every save) and rewrites the folder in
place: weights unchanged (fp16), statistics fp32, plus before/after grids.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import data  # noqa: E402
from gan_core.hub import load_folder, save_generator  # noqa: E402
from gan_core.training import recompute_bn_stats  # noqa: E402
from gan_core.viz import make_grid, save_png  # noqa: E402


def grid(generator, n=64, seed=0):
    z = torch.randn(n, generator.noise_size, generator=torch.Generator().manual_seed(seed))
    with torch.inference_mode():
        return make_grid(data.to_uint8(generator(z)).numpy(), nrow=8)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="pretrained/faces64")
    args = p.parse_args()
    torch.set_num_threads(1)
    folder = Path(args.model)
    generator, info = load_folder(folder)
    before = grid(generator)
    config = json.loads((folder / "config.json").read_text())
    if config.get("bn_statistics") == "standing":
        print("already has standing statistics; nothing to do")
        return 0
    n = recompute_bn_stats(generator, batches=40, batch_size=128, seed=0)
    generator.eval()
    after = grid(generator)
    save_png(before, folder / "samples_before_standing_stats.png")
    save_png(after, folder / "samples_8x8.png")
    extra = {k: v for k, v in config.items() if k not in ("architecture", "noise_size", "conv_dim", "image_size",
                                                          "library", "train_config")}
    extra["bn_statistics"] = "standing"
    extra["bn_statistics_note"] = ("running statistics recomputed for the EMA weights with "
                                   "gan_core.training.recompute_bn_stats(batches=40, batch_size=128, seed=0)")
    save_generator(folder, generator, train_config=config.get("train_config"), card=None, fp16=True, extra=extra)
    print(f"recomputed {n} batch-norm layers; grids: samples_before_standing_stats.png, samples_8x8.png")
    print("pixel mean change of the seed-0 grid:", float(np.abs(after.astype(float) - before).mean()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
