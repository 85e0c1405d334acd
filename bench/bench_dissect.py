"""Time of a dissection ranking: every unit of a faces64 layer switched off over many faces.

    .venv/bin/python bench/bench_dissect.py [--layers upconv1 upconv2 upconv3] [--threads 1]

Each layer is ranked as the Playground's "Paint with units" tab ranks it (Dissector.ranking:
its default number of faces, the attribute model on the 24 units that change the image most),
then once more from the cache; before it, the estimate the rank button shows (Dissector.estimate_seconds,
a timed probe), so the two can be compared. Also one painted edit (3 units, a 5x10 region) and, with
--faces, a ranking over that many faces (block 1 at 200 faces: what its budget saves). Prints the load average.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gan_core.faces import load_attribute_model  # noqa: E402
from gan_core.hub import load_generator  # noqa: E402
from gan_core.playground.dissect import Dissector, describe  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--layers", nargs="+", default=["upconv1", "upconv2", "upconv3"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--faces", type=int, default=None, help="rank over this many faces instead of the default")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    d = Dissector(load_generator("faces64")[0])
    attributes = load_attribute_model()
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    for name in args.layers:
        layer = d.layer(name)
        d.unit_stats(layer)                     # the page has these before it offers the button
        t0 = time.perf_counter()
        estimate = d.estimate_seconds(layer, args.faces, attributes)
        probe = time.perf_counter() - t0
        t0 = time.perf_counter()
        ranking = d.ranking(layer, args.faces, attributes=attributes)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        d.ranking(layer, args.faces, attributes=attributes)
        again = time.perf_counter() - t0
        print(f"{layer.label}: all {layer.units} units over {ranking.n_faces} faces, attribute model on "
              f"{ranking.attribute_units}: {first:.1f} s (estimated {estimate:.1f} s by a {1000 * probe:.0f} ms "
              f"probe; cached: {1000 * again:.2f} ms), load {os.getloadavg()[0]:.2f}")
        for e in ranking.units[:3]:
            print("   ", describe(e, layer))
    layer = d.layer("upconv2")
    mask = np.zeros((16, 16))
    mask[0:5, 3:13] = 1
    t0 = time.perf_counter()
    result = d.paint(8, layer, [e.unit for e in d.ranking(layer, attributes=attributes).units[:3]], mask, "off")
    print(f"one painted edit (3 units, 50 cells of block 2): {1000 * (time.perf_counter() - t0):.0f} ms, "
          f"change {100 * result.inside:.1f} % inside / {100 * result.outside:.2f} % outside")
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
