"""Store the attribute model's features of 1,000 held-out faces64 photos (gan_core.faces.scores).

    python scripts/faces64_real_features.py --zip ../shared/data/faces64.zip

The first 1,000 of the fixed 2,000-image held-out split (gan_core.data.holdout_split, which the
generator and the attribute model both left out), in index order, embedded with
AttributeNet.embed and split into two halves of 500: "reference" (the real side of precision and
recall) and "floor" (real vs real). Only the features are stored (float16, ~0.4 MB), no pixels.
"""

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core.data import holdout_split  # noqa: E402
from gan_core.data.registry import LOCAL_LIMITS  # noqa: E402
from gan_core.data.uploads import load_images_from_zip  # noqa: E402
from gan_core.faces import load_attribute_model  # noqa: E402
from gan_core.faces.scores import N_PER_SIDE, REAL_FEATURES  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", required=True)
    p.add_argument("--out", default=str(REAL_FEATURES))
    args = p.parse_args()
    torch.set_num_threads(1)
    images = load_images_from_zip(args.zip, 64, LOCAL_LIMITS).require_images()
    _, held = holdout_split(len(images), 2000)
    chosen = images[held[:2 * N_PER_SIDE]]
    features = load_attribute_model().embed(chosen)
    from safetensors.torch import save_file

    save_file({"reference": features[:N_PER_SIDE].half().contiguous(),
               "floor": features[N_PER_SIDE:].half().contiguous()}, args.out,
              metadata={"source": "faces64.zip held-out split, first 1000 by index", "model": "faces64-attributes"})
    print(f"{args.out}: {tuple(features.shape)} features of held-out photos, {len(images)} in the zip")


if __name__ == "__main__":
    main()
