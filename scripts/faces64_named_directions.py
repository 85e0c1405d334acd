"""Fit and measure faces64's named directions (InterFaceGAN style), and the bias audit.

    python scripts/faces64_named_directions.py [--zip ../shared/data/faces64.zip] [--n 6000]

1. Scores n random faces G(z) with the attribute model (gan_core.faces.attributes) and
   fits a linear boundary in z per attribute: age (least squares) and P(female)
   (logistic); the conditional "age|gender" and "gender|age" are each normal
   projected orthogonal to the other.
2. Measures every named direction and the top 20 SeFa directions on the
   playground's faces of seeds 0-199: moving +3 changes predicted age and
   P(female) by how much (mean and std).
3. Bias audit: predicted age histogram and female share of 2,000 generated
   faces next to the same predictions on the training photos (and their labels).
Writes pretrained/faces64/named_directions.json and prints every number.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gan_core.data import holdout_split  # noqa: E402
from gan_core.faces import attributes as A  # noqa: E402
from gan_core.hub import load_generator  # noqa: E402
from gan_core.playground import directions as latent  # noqa: E402


def fmt(e):
    return (f"age {e['age_mean']:+.2f} ± {e['age_std']:.2f} years, "
            f"P(female) {e['female_mean']:+.3f} ± {e['female_std']:.3f} (|mean| {e['female_abs_mean']:.3f})")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", default=str(ROOT.parent / "shared" / "data" / "faces64.zip"))
    p.add_argument("--labels", default=str(ROOT.parent / "shared" / "data" / "faces64.labels.csv"))
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--photos", type=int, default=5000, help="training photos scored for the audit (random subset)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--attributes", default="faces64-attributes")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    generator, _ = load_generator("faces64")
    model = A.load_attribute_model(args.attributes)
    dirs = A.fit_named_directions(generator, model, n=args.n)
    print(f"fitted on {args.n} faces in {time.perf_counter() - t0:.0f} s; "
          f"cos(age, gender) = {float(dirs['age'] @ dirs['gender']):+.3f}", flush=True)

    codes = torch.cat([latent.seed_to_z(s, generator.noise_size) for s in range(200)])
    before = A.score_codes(generator, model, codes)
    effects = {}
    for name, d in dirs.items():
        effects[name] = A.measure_direction(generator, model, codes, d, 3.0, before)
        print(f"+3 along {name:<11}: {fmt(effects[name])}", flush=True)
    sefa_dirs, _ = latent.sefa_directions(generator, 20)
    sefa = []
    # SeFa captions: seeds 0-99 (a caption needs the sign and rough size, not the named ones' precision)
    sefa_before = {k: v[:100] for k, v in before.items()}
    for i, d in enumerate(sefa_dirs):
        e = A.measure_direction(generator, model, codes[:100], d, 3.0, sefa_before)
        e["reading"] = A.describe_effect(e)
        sefa.append(e)
        print(f"+3 along SeFa {i + 1:02d}   : {fmt(e)} -> {e['reading']}", flush=True)

    z = torch.randn(2000, generator.noise_size, generator=torch.Generator().manual_seed(0))
    gen_pred = A.score_codes(generator, model, z)
    images, ages, genders = A.load_labelled_faces(args.zip, args.labels)
    train_idx, _ = holdout_split(len(images), 2000)
    train_idx = train_idx[torch.randperm(len(train_idx), generator=torch.Generator().manual_seed(0))[:args.photos]]
    photo_pred = model.predict(images[train_idx])
    audit = {
        "bins": A.age_bin_labels(),
        "generated": A.age_histogram(gen_pred["age"]), "generated_female": float((gen_pred["female"] > 0.5).float().mean()),
        "photos": A.age_histogram(photo_pred["age"]), "photos_female": float((photo_pred["female"] > 0.5).float().mean()),
        "labels": A.age_histogram(ages[train_idx]), "labels_female": float(genders[train_idx].mean()),
        "n_generated": 2000, "n_photos": len(train_idx),
    }
    print("age bins          " + " ".join(f"{b:>6}" for b in audit["bins"]))
    for key in ("generated", "photos", "labels"):
        print(f"{key:<17} " + " ".join(f"{100 * v:5.1f}%" for v in audit[key])
              + f"   female {100 * audit[key + '_female']:.1f} %")
    under, over = A.audit_reading(audit["generated"], audit["photos"])
    print("under-produced:", under, " over-produced:", over)

    out = {
        "model": "faces64", "attribute_model": "faces64-attributes",
        "fitted_on": f"{args.n} random faces (z seed 0), scripts/faces64_named_directions.py",
        "directions": {k: [round(float(x), 7) for x in v] for k, v in dirs.items()},
        "effects": effects, "sefa_effects": sefa, "audit": audit,
    }
    path = ROOT / "pretrained" / "faces64" / latent.NAMED_FILE
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path} ({time.perf_counter() - t0:.0f} s, load average {os.getloadavg()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
