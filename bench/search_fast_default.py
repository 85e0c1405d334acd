"""The search behind the Train page's fast default preset (issue 14), in iterations.

    python bench/search_fast_default.py [--iterations 500] [--only NAME,NAME] [--out FILE.jsonl]

For each candidate configuration (the course's architecture; only settings change) it
trains with a fixed seed and records the SWD (x1e3, 329 generated vs the 329 emoji, the
same measure as bench/bench_first_faces.py) at fixed iterations. SWD at iteration N does
not depend on how busy the machine is, so this search can run on a shared CPU; the
iterations per second of each candidate are measured separately (the `its` lines, with
the load average), and the two combine into "SWD after T seconds".

EMA does not change training, only which generator is sampled: every run scores its raw
generator and several EMA decays at once (columns ema0, ema0.9, ...).
"""

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import data as gdata  # noqa: E402
from gan_core import metrics  # noqa: E402
from gan_core.data import load_dataset  # noqa: E402
from gan_core.training import TrainConfig, Trainer  # noqa: E402

COURSE = dict(dataset="emoji", loss="lsgan", lr=5e-4, batch_size=16, seed=0, sample_every=0, threads=1)
SN = dict(spectral_norm=True, d_batch_norm=False, d_activation="leaky")
CANDIDATES = {
    "course": {},
    "course_lr1e-3": dict(lr=1e-3),
    "hinge_sn_2e-4_4e-4": dict(loss="hinge", lr=2e-4, lr_d=4e-4, **SN),
    "hinge_sn_1e-4_4e-4": dict(loss="hinge", lr=1e-4, lr_d=4e-4, **SN),
    "hinge_sn_5e-4_1e-3": dict(loss="hinge", lr=5e-4, lr_d=1e-3, **SN),
    "hinge_sn_1e-3_1e-3": dict(loss="hinge", lr=1e-3, lr_d=1e-3, **SN),
    "hinge_sn_2e-4_4e-4_b8": dict(loss="hinge", lr=2e-4, lr_d=4e-4, batch_size=8, **SN),
    "hinge_sn_2e-4_4e-4_b32": dict(loss="hinge", lr=2e-4, lr_d=4e-4, batch_size=32, **SN),
    "hinge_sn_2e-4_4e-4_cd16": dict(loss="hinge", lr=2e-4, lr_d=4e-4, conv_dim=16, **SN),
    "hinge_sn_5e-4_1e-3_cd16": dict(loss="hinge", lr=5e-4, lr_d=1e-3, conv_dim=16, **SN),
    "lsgan_sn_5e-4_1e-3": dict(loss="lsgan", lr=5e-4, lr_d=1e-3, **SN),
    "hinge_sn_2e-4_4e-4_b0": dict(loss="hinge", lr=2e-4, lr_d=4e-4, beta1=0.0, beta2=0.99, **SN),
    "hinge_sn_5e-4_1e-3_b8": dict(loss="hinge", lr=5e-4, lr_d=1e-3, batch_size=8, **SN),
    # spectral norm on the course's D, batch norm and ReLU kept
    "hinge_snbn_2e-4_4e-4": dict(loss="hinge", lr=2e-4, lr_d=4e-4, spectral_norm=True),
    "hinge_snbn_5e-4_1e-3": dict(loss="hinge", lr=5e-4, lr_d=1e-3, spectral_norm=True),
    "hinge_bn_2e-4_4e-4": dict(loss="hinge", lr=2e-4, lr_d=4e-4),
    "lsgan_snbn_5e-4_1e-3": dict(loss="lsgan", lr=5e-4, lr_d=1e-3, spectral_norm=True),
    # the course's settings at a higher learning rate (the study: 1e-3 is as good as 5e-4)
    "course_lr2e-3": dict(lr=2e-3),
    "course_lr1e-3_b8": dict(lr=1e-3, batch_size=8),
    "course_lr1e-3_2e-3": dict(lr=1e-3, lr_d=2e-3),
}
EMAS = (0.0, 0.9, 0.95, 0.99)


def score(g, z, reference):
    g.eval()
    with torch.no_grad():
        fake = gdata.to_uint8(g(z))
    return float(metrics.swd(reference, fake).mean)


def run(name, overrides, iterations, checkpoints, images):
    cfg = TrainConfig(**{**COURSE, **overrides, "iterations": iterations})
    trainer = Trainer(cfg, dataset=images)
    emas = {d: copy.deepcopy(trainer.G) for d in EMAS if d > 0}
    z = torch.randn(len(trainer.reference), cfg.noise_size, generator=torch.Generator().manual_seed(cfg.seed + 2))
    rows = []
    for ev in trainer.run():
        if ev.kind == "step":
            with torch.no_grad():
                for d, g in emas.items():
                    for pe, p in zip(g.parameters(), trainer.G.parameters()):
                        pe.lerp_(p, 1 - d)
                    for be, b in zip(g.buffers(), trainer.G.buffers()):
                        be.copy_(b)
            if ev.iteration in checkpoints:
                row = {"name": name, "iteration": ev.iteration, "ema0": score(copy.deepcopy(trainer.G), z,
                                                                               trainer.reference)}
                for d, g in emas.items():
                    row[f"ema{d:g}"] = score(g, z, trainer.reference)
                rows.append(row)
                print(json.dumps(row), flush=True)
        elif ev.kind in ("diverged",):
            print(json.dumps({"name": name, "diverged": ev.iteration, "message": ev.message}), flush=True)
    return rows


def its_per_sec(overrides, images, n=40):
    cfg = TrainConfig(**{**COURSE, **overrides, "iterations": 10**6})
    trainer = Trainer(cfg, dataset=images)
    torch.set_num_threads(cfg.threads)
    for _ in range(3):
        trainer.d_step(), trainer.g_step()
    t0 = time.perf_counter()
    for _ in range(n):
        trainer.d_step(), trainer.g_step()
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iterations", type=int, default=500)
    p.add_argument("--only", default="")
    p.add_argument("--its-only", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    images = load_dataset("emoji", 32)
    names = [n for n in CANDIDATES if not args.only or n in args.only.split(",")]
    checkpoints = {50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000}
    for name in names:
        load = os.getloadavg()[0]
        r = its_per_sec(CANDIDATES[name], images)
        print(json.dumps({"name": name, "its": round(r, 2), "load1": round(load, 2),
                          "load1_after": round(os.getloadavg()[0], 2)}), flush=True)
        if not args.its_only:
            run(name, CANDIDATES[name], args.iterations, checkpoints, images)


if __name__ == "__main__":
    main()
