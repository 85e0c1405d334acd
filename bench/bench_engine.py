"""Engine benchmarks: Trainer overhead, generator latency, bundled model load.

    python bench/bench_engine.py [--threads 2] [--seconds 6]

Prints:
  - the course DCGAN (32x32, batch 64, LSGAN) trained by a bare hand-written loop vs by Trainer.run()
    (it/s each, and the overhead; goal < 10 %),
  - course generator forward latency for 1 and 64 images,
  - the bundled faces64 model: load time and one 64x64 image.
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gan_core import data  # noqa: E402
from gan_core.hub import load_generator  # noqa: E402
from gan_core.models import DCDiscriminator, DCGenerator  # noqa: E402
from gan_core.training import (  # noqa: E402
    TrainConfig,
    Trainer,
    get_loss,  # noqa: E402
)


def bare_loop_its(images, seconds, batch=64):
    """The training step written out by hand, with nothing around it."""
    torch.manual_seed(0)
    G, D = DCGenerator(), DCDiscriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    loss = get_loss("lsgan")
    x_all = data.to_float(images)

    def step():
        real = x_all[torch.randint(0, len(x_all), (batch,))]
        fake = G(torch.randn(batch, 100)).detach()
        d = loss.d_loss(D(real), D(fake))
        opt_d.zero_grad()
        d.backward()
        opt_d.step()
        g = loss.g_loss(D(G(torch.randn(batch, 100))))
        opt_g.zero_grad()
        g.backward()
        opt_g.step()

    for _ in range(3):
        step()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        step()
        n += 1
    return n / (time.perf_counter() - t0)


def trainer_its(images, seconds, batch=64):
    cfg = TrainConfig(dataset="emoji", batch_size=batch, iterations=10**6, sample_every=200, seed=0)
    trainer = Trainer(cfg, dataset=images)
    n, t0 = None, None
    for ev in trainer.run():
        if ev.kind != "step":
            continue
        if ev.iteration == 3:
            t0, n = time.perf_counter(), 0
        elif t0 is not None:
            n += 1
            if time.perf_counter() - t0 >= seconds:
                trainer.stop()
    return n / (time.perf_counter() - t0)


@torch.inference_mode()
def latency_ms(generator, batch, repeats=30):
    z = torch.randn(batch, generator.noise_size)
    for _ in range(3):
        generator(z)
    t0 = time.perf_counter()
    for _ in range(repeats):
        generator(z)
    return (time.perf_counter() - t0) / repeats * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--seconds", type=float, default=6.0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)")
    images = data.emoji_faces(32)
    bare = bare_loop_its(images, args.seconds)
    ours = trainer_its(images, args.seconds)
    print(f"course DCGAN 32x32 batch 64: bare loop {bare:.2f} it/s, Trainer.run() {ours:.2f} it/s, "
          f"overhead {100 * (1 - ours / bare):+.1f} %")
    g = DCGenerator().eval()
    print(f"course generator forward: 1 image {latency_ms(g, 1):.2f} ms, 64 images {latency_ms(g, 64):.1f} ms")
    t0 = time.perf_counter()
    faces, _ = load_generator("faces64")
    load_s = time.perf_counter() - t0
    print(f"faces64: load {load_s * 1000:.0f} ms, one 64x64 image {latency_ms(faces, 1):.2f} ms, "
          f"64 images {latency_ms(faces, 64, repeats=5):.0f} ms")


if __name__ == "__main__":
    main()
