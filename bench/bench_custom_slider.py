"""How many faces must a visitor label? A slider of one's own, with labels given by a rule.

    .venv/bin/python bench/bench_custom_slider.py [--labels 20 40 80] [--draws 10] [--l2 0.05] [--fit-only]

The "visitor" is the attribute model: a face is marked "has it" when it predicts an age over
40 (--threshold). For each number of labels, `--draws` random draws of which faces (from the
192 faces of the 8 labelling pages) are labelled, the slider is fitted exactly as the page fits
it (engine.fit_custom), and compared with the shipped age slider of faces64: the cosine of the
normals, and the change in predicted age at +3 over 200 other faces (custom.measure_slider).
Also the fit's time (median over all fits, and the first fit in the process; --fit-only skips the
+3 measurements). Threads: 1, like the app. Prints the load average.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gan_core import playground as pg  # noqa: E402
from gan_core.faces import load_attribute_model  # noqa: E402
from gan_core.hub import load_generator  # noqa: E402
from gan_core.playground import custom  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--labels", type=int, nargs="+", default=[20, 40, 80])
    p.add_argument("--draws", type=int, default=10)
    p.add_argument("--threshold", type=float, default=40.0)
    p.add_argument("--l2", type=float, default=custom.L2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fit-only", action="store_true", help="time the fits, skip measuring each slider at +3")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    custom.L2 = args.l2          # fit_boundary and cross_validate read it at call time

    generator = load_generator("faces64")[0]
    engine = pg.LatentEngine(generator, named=pg.named_directions("faces64"))
    attributes = load_attribute_model()
    pool = [s for page in range(pg.state.MINE_MAX_PAGES) for s in custom.label_seeds(page)]
    codes = torch.cat([engine.prior_code(s, 1.0) for s in pool])
    images = engine.render(codes, 1.0, cache=False)
    ages = attributes.predict(torch.from_numpy(np.array(images)).permute(0, 3, 1, 2))["age"]
    older = (ages > args.threshold).numpy()
    print(f"pool: {len(pool)} faces of the labelling pages, {older.sum()} predicted older than "
          f"{args.threshold:g} ({older.mean():.0%})")

    shipped = engine.named["age"]
    ref = custom.measure_slider(engine, shipped, attributes)
    print(f"shipped age slider: +3 -> age {ref['age_mean']:+.1f} years (std {ref['age_std']:.1f}), "
          f"P(female) {ref['female_mean']:+.3f}, over {ref['n']} faces")

    rng = np.random.default_rng(0)
    fit_times = []
    print(f"| labels | fitted | cos with shipped age normal | +3: age change (years) | +3: P(female) change "
          f"| CV accuracy | L2 {args.l2:g} |")
    print("|---|---|---|---|---|---|---|")
    for n in args.labels:
        cosines, d_age, d_female, accs, refused = [], [], [], [], 0
        for _ in range(args.draws):
            chosen = rng.choice(len(pool), size=n, replace=False)
            marks = [0] * len(pool)
            for i in chosen:
                marks[i] = 2 if older[i] else 1
            spec = custom.make_spec(f"older than {args.threshold:g}", marks)
            engine._mine.clear()                 # time the fit, not the cache
            t0 = time.perf_counter()
            try:
                fitted = engine.fit_custom(spec)
            except custom.SliderError:
                refused += 1
                continue
            fit_times.append(time.perf_counter() - t0)
            cosines.append(float(fitted.direction @ shipped))
            if args.fit_only:
                continue
            effect = custom.measure_slider(engine, fitted.direction, attributes)
            d_age.append(effect["age_mean"])
            d_female.append(effect["female_mean"])
            accs.append(fitted.accuracy)

        def ms(values, f="{:.2f}"):
            if not values:
                return "-"
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            return f"{f.format(statistics.mean(values))} ± {f.format(sd)}"

        print(f"| {n} | {len(cosines)}/{args.draws}{f' ({refused} refused)' if refused else ''} | {ms(cosines)} | "
              f"{ms(d_age, '{:+.1f}')} | {ms(d_female, '{:+.3f}')} | {ms(accs, '{:.2f}')} | |", flush=True)
    if fit_times:
        print(f"fit time (fit + 5-fold CV, faces64, 1 thread): median {1000 * statistics.median(fit_times):.0f} ms, "
              f"max {1000 * max(fit_times):.0f} ms over {len(fit_times)} fits; the first fit in this process "
              f"{1000 * fit_times[0]:.0f} ms")
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
