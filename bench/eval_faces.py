"""Recompute the bundled face model's SWD and colour statistics against the 2,000 held-out real faces.

    python bench/eval_faces.py [--zip ../shared/data/faces64.zip] [--model faces64 [OTHER ...]] [--n 2000]

Both SWD variants are printed (per-set normalisation = the paper's, and
shared normalisation by the real set's statistics), each with its own
real-vs-real floor from the same run, plus per-channel colour statistics
against the held-out photos. Several --model values (e.g. an older copy of the
folder) are measured against the same real sets in one run.

The held-out set is the same fixed split the training run used
(gan_core.data.holdout_split with its fixed seed), so the images the model
is measured against were never shown to it. Also prints real-vs-real (held-out
vs as many training images) as the floor the metric can reach at this N.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import (
    data,
    metrics,  # noqa: E402
)
from gan_core.data import (
    holdout_split,  # noqa: E402
    load_dataset,  # noqa: E402
)
from gan_core.hub import load_generator  # noqa: E402

DEFAULT_ZIP = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces64.zip"


@torch.inference_mode()
def generate(generator, n, seed=0, batch=250):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, generator.noise_size, generator=g)
    return torch.cat([data.to_uint8(generator(z[i:i + batch])) for i in range(0, n, batch)])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", default=str(DEFAULT_ZIP))
    p.add_argument("--model", nargs="+", default=["faces64"])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if not Path(args.zip).exists():
        print(f"{args.zip} not found: the evaluation needs the faces64.zip data set", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    images = load_dataset(args.zip, 64)
    train_idx, held_idx = holdout_split(len(images), 2000)
    held = images[held_idx][: args.n]
    print(f"loaded {len(images)} faces ({len(held)} held out) in {time.perf_counter() - t0:.1f} s")
    real = images[train_idx[torch.randperm(len(train_idx), generator=torch.Generator().manual_seed(1))[: len(held)]]]
    sets = [("training faces (the floor at this N)", real)]
    for name in args.model:
        generator, info = load_generator(name)
        sets.append((name, generate(generator, len(held), seed=args.seed)))
    for name, fake in sets:
        for normalise in ("per_set", "shared"):
            t0 = time.perf_counter()
            result = metrics.swd(held, fake, normalise=normalise)
            print(f"SWD x1e3 [{normalise}], {name} vs held-out ({len(held)} vs {len(held)}): mean {result.mean:.2f}  "
                  + "  ".join(f"{k}px {v:.2f}" for k, v in result.levels.items())
                  + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
        stats = metrics.colour_stats(held, fake)
        print(f"{name}: {stats}; worst {stats.worst:.1%}  (real mean "
              + "/".join(f"{v:.1f}" for v in stats.real_mean) + ", std " + "/".join(f"{v:.1f}" for v in stats.real_std)
              + "; this set mean " + "/".join(f"{v:.1f}" for v in stats.fake_mean)
              + ", std " + "/".join(f"{v:.1f}" for v in stats.fake_std) + ")", flush=True)
    print(f"load average: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
