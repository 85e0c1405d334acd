"""How well the bundled faces64 generator can reproduce a face: inversion PSNR and time.

    python bench/bench_invert.py [--n 200] [--n-long 50] [--long-steps 500] [--threads 1]

Two sets: held-out real faces (the face model's fixed split, never trained on:
gan_core.data.holdout_split, as bench/eval_faces.py) and generated faces
(their z is known, so they are perfectly representable: the ceiling). For each:

  (a) random z, best of 1,000     (what "no inversion" gets)
  (b) encoder only                (one forward pass)
  (c) encoder + default refinement (InvertConfig().steps: what the app runs)
  (d) long refinement             (--long-steps, on the first --n-long faces)

Quality is computed in batches (the same maths as one at a time, see
gan_core.faces.invert_batch); time is measured separately, one face at a
time as the app runs it, with the load average next to it (the machine is shared).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import data  # noqa: E402
from gan_core import faces as inv  # noqa: E402
from gan_core.data import (
    holdout_split,  # noqa: E402
    load_dataset,  # noqa: E402
)
from gan_core.hub import load_generator  # noqa: E402

DEFAULT_ZIP = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "faces64.zip"


def load() -> str:
    return "load avg " + " ".join(f"{x:.1f}" for x in os.getloadavg())


@torch.no_grad()
def best_of_random(generator, targets, n_random=1000, seed=99, batch=250):
    z = torch.randn(n_random, generator.noise_size, generator=torch.Generator().manual_seed(seed))
    t0 = time.perf_counter()
    images = torch.cat([data.to_uint8(generator(z[i:i + batch])) for i in range(0, n_random, batch)])
    render_s = time.perf_counter() - t0
    best = torch.stack([inv.psnr(images, t).max() for t in targets])
    return best, render_s


def refine_batched(generator, targets, steps, chunk=50):
    out = []
    for i in range(0, len(targets), chunk):
        _, _, images, _ = inv.invert_batch(generator, targets[i:i + chunk], steps=steps)
        out.append(images)
        print(f"    {min(i + chunk, len(targets))}/{len(targets)} faces at {steps} steps ({load()})", flush=True)
    return inv.psnr(torch.cat(out), targets)


def time_one(generator, targets, steps, repeats=3):
    times = []
    for t in targets[:repeats]:
        t0 = time.perf_counter()
        inv.invert(generator, t, steps=steps)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def app_upload_seconds(repeats=3):
    """Photo uploaded -> reconstruction shown: one AppTest rerun of the Playground with a new upload
    (decode, detect, crop, encoder, default refinement, the page drawn). Server time, no browser."""
    import io

    import numpy as np
    from PIL import Image
    from streamlit.testing.v1 import AppTest

    generator, _ = load_generator("faces64")
    page = str(Path(__file__).resolve().parent.parent / "pages" / "1_Playground.py")
    times = []
    for i in range(repeats):
        with torch.no_grad():
            face = data.to_uint8(generator(torch.randn(1, 128, generator=torch.Generator().manual_seed(i))))[0]
        canvas = Image.fromarray(np.random.default_rng(i).integers(70, 120, (960, 1280, 3)).astype(np.uint8))
        canvas.paste(Image.fromarray(face.permute(1, 2, 0).numpy()).resize((300, 300)), (700, 150))
        buf = io.BytesIO()
        canvas.save(buf, format="JPEG", quality=90)
        at = AppTest.from_file(page, default_timeout=300)
        at.session_state["pg_view"] = "Your photo"
        at.run()
        at.file_uploader(key="ph_upload").upload("photo.jpg", buf.getvalue(), "image/jpeg")
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
        assert "ph_result" in at.session_state and not at.exception
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zip", default=str(DEFAULT_ZIP))
    p.add_argument("--n", type=int, default=200)
    p.add_argument("--n-long", type=int, default=50)
    p.add_argument("--long-steps", type=int, default=500)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--model", default="faces64")
    p.add_argument("--sets", default="real,generated", help="real, generated or both (comma-separated)")
    p.add_argument("--parts", default="abcdtu", help="which parts to run: columns a b c d, t = timing, u = app upload time")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if not Path(args.zip).exists():
        print(f"{args.zip} not found: the benchmark needs the faces64.zip data set", file=sys.stderr)
        return 2
    generator, _ = load_generator(args.model)
    images = load_dataset(args.zip, 64)
    _, held_idx = holdout_split(len(images), 2000)
    real = images[held_idx][: args.n]
    with torch.no_grad():
        z = torch.randn(args.n, generator.noise_size, generator=torch.Generator().manual_seed(2026))
        fake = data.to_uint8(generator(z))
    steps = inv.InvertConfig().steps
    print(f"{args.model}, {args.n} held-out real + {args.n} generated faces, torch threads {args.threads}, "
          f"default refinement {steps} steps, long {args.long_steps} steps on {args.n_long}; {load()}")

    rows = []
    render_s = float("nan")
    nan = torch.full((1,), float("nan"))
    sets = [(n, t) for key, n, t in (("real", "held-out real", real), ("generated", "generated (z known)", fake))
            if key in args.sets.split(",")]
    for name, targets in sets:
        print(f"{name}:", flush=True)
        a = b = c = d = nan
        render_s = float("nan")
        if "a" in args.parts:
            a, render_s = best_of_random(generator, targets)
            print(f"  (a) random best-of-1000: {a.mean():.2f} dB ({load()})", flush=True)
        if "b" in args.parts:
            b = refine_batched(generator, targets, 0, chunk=len(targets))
            print(f"  (b) encoder only: {b.mean():.2f} dB", flush=True)
        if "c" in args.parts:
            c = refine_batched(generator, targets, steps)
            print(f"  (c) encoder + {steps} steps: {c.mean():.2f} dB", flush=True)
        if "d" in args.parts:
            d = refine_batched(generator, targets[: args.n_long], args.long_steps)
            print(f"  (d) {args.long_steps} steps: {d.mean():.2f} dB (first {args.n_long}; (c) on the same: "
                  f"{c[: args.n_long].mean():.2f})", flush=True)
        rows.append((name, a, b, c, d))

    t_b = t_c = t_d = float("nan")
    if "t" in args.parts:
        t_b = time_one(generator, real, 0)
        t_c = time_one(generator, real, steps)
        t_d = time_one(generator, real, args.long_steps, repeats=1)
    print(f"time per face, one at a time: (a) {render_s:.2f} s (1,000 renders), (b) {t_b:.3f} s, "
          f"(c) {t_c:.2f} s, (d) {t_d:.1f} s  ({load()})")
    if "u" in args.parts:
        print(f"app: photo uploaded -> reconstruction shown (1280x960 JPEG, AppTest, server time): "
              f"{app_upload_seconds():.2f} s median of 3 ({load()})")
    print()
    print(f"| faces | (a) random best-of-1000 | (b) encoder only | (c) encoder + {steps} steps (default) "
          f"| (d) {args.long_steps} steps |")
    print("|---|---|---|---|---|")
    for name, a, b, c, d in rows:
        print(f"| {name} (N = {len(a)}; (d) N = {len(d)}) | {a.mean():.2f} ± {a.std():.2f} dB "
              f"| {b.mean():.2f} ± {b.std():.2f} dB | {c.mean():.2f} ± {c.std():.2f} dB "
              f"| {d.mean():.2f} ± {d.std():.2f} dB |")
    print(f"| time per face (1 thread) | {render_s:.2f} s | {t_b:.3f} s | {t_c:.2f} s | {t_d:.1f} s |")
    print(f"({load()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
