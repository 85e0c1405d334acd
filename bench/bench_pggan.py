"""How long does the PGGAN CelebA-HQ generator take on this CPU, and how much memory?

Random weights in the exact layout of the Hub file (speed does not depend on
the values), batch 1, torch.inference_mode. Prints seconds per full 1024x1024
image, per 256x256 preview (native image at lod 2, which stops after the 256
block), and the process's peak RSS at each stage.

    .venv/bin/python bench/bench_pggan.py [--repeats 5] [--threads 1]

On a shared 2-core machine the numbers swing a lot with load; compare runs
made back to back, and look at the CPU-time column as well as wall time.
"""

import argparse
import os
import resource
import statistics
import sys
import time

# Run as a plain script from anywhere: make the repository root importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from gan_core.models.pggan import PGGANGenerator  # noqa: E402


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024


def time_it(fn, repeats: int):
    fn()  # warm-up: oneDNN picks and caches its kernels on the first call per shape
    walls, cpus = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), statistics.median(walls), statistics.median(cpus)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {os.getloadavg()[0]:.2f}, repeats {args.repeats}")
    print(f"peak RSS after import torch:      {peak_rss_mib():7.0f} MiB")

    torch.manual_seed(0)
    g = PGGANGenerator().eval()
    n_params = sum(v.numel() for v in g.state_dict().values())
    print(f"peak RSS with the model loaded:   {peak_rss_mib():7.0f} MiB  ({n_params:,} elements)")

    z = torch.randn(1, 512)
    lod = g.lod_for_resolution(256)
    with torch.inference_mode():
        best, median, cpu = time_it(lambda: g.native_image(z, lod), args.repeats)
        print(f"preview 256x256 (lod {lod}):        best {best:.3f} s, median {median:.3f} s, "
              f"CPU {cpu:.3f} s per image")
        print(f"peak RSS after previews:          {peak_rss_mib():7.0f} MiB")

        best, median, cpu = time_it(lambda: g(z), args.repeats)
        print(f"full 1024x1024 (lod 0):           best {best:.3f} s, median {median:.3f} s, "
              f"CPU {cpu:.3f} s per image")
        print(f"peak RSS after 1024 forwards:     {peak_rss_mib():7.0f} MiB")


if __name__ == "__main__":
    main()
