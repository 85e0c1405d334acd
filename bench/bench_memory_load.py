"""The server's memory under load, against Community Cloud's 2.7 GB: the whole process tree.

    python bench/bench_memory_load.py                       # 6 sessions, PGGAN in one, a training
    python bench/bench_memory_load.py --sessions 6 --moves 30 --trainings 2
    python bench/bench_memory_load.py --settings local     # a server off Cloud, its default workers

Starts `streamlit run app.py` with Community Cloud's settings (`--settings cloud`, the default:
GAN_PLAYGROUND_CLOUD=1, which is what ui.common.cloud_mode sees on Cloud, where /mount/src exists,
and the server options Cloud forces)
or a local server's (`--settings local`: GAN_PLAYGROUND_CLOUD=0); no other GAN_PLAYGROUND_*
variable from the caller's environment, so the backend's workers and spares are exactly
gan_core.jobs.local_settings' for that place (printed),
with PGGAN CelebA-HQ 1024 in an offline Hub cache laid out as the Hub's (random weights of the
real shapes: the same memory). Then, at the same time (bench/stclient.py, the app's websocket
protocol, no browser):

  * `--trainings` sessions press Start training on the Train page (the app's default preset)
    and keep their tabs open, their live fragments rerunning on timers as in a browser; a
    server that runs one training at a time shows the others its "another training" message;
  * one session opens the Playground on PGGAN and moves its SeFa sliders (a 1024x1024 render
    per move);
  * `--photos` sessions (default 1) open "Your photo", upload a photo (a generated face in a
    larger picture), wait for its inversion and move an edit slider, `--uploads` photos each;
  * the remaining sessions move the bundled faces model's sliders.

The RSS of the server and all its children (the training workers, busy and spare) is summed
every 0.2 s (scripts/cloud_emulation.py's sampler). Prints the peak, when it happened, what each
process of the tree held at that moment (server, training workers, others), the most worker
processes seen at once, the end value, the load average, and whether the peak stays under the
limit. Exit status 1 when it does not, or when a page showed an exception.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_server import fake_pggan_cache  # noqa: E402
from stclient import Session, start_server, stop_server  # noqa: E402

_spec = importlib.util.spec_from_file_location("cloud_emulation", HERE.parent / "scripts" / "cloud_emulation.py")
emu = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = emu
_spec.loader.exec_module(emu)


def kind_of(pid: int) -> str:
    """'worker' for a training worker of the local backend, else the program's name."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return "gone"
    if any(b"_worker_entry" in a for a in argv):
        return "worker"
    return Path(argv[0].decode(errors="replace")).name or "?"


def pss_bytes(pid: int) -> int:
    """Proportional set size: each shared page split between the processes that map it (what a
    memory cgroup charges is closer to the sum of these than to the sum of RSS)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class TreeSampler(emu.PeakSampler):
    """The emulation's sampler, also naming each process it sees (a worker or not), counting
    the most training workers alive at once, and keeping the peak of the tree's summed PSS."""

    def __init__(self, pid: int):
        super().__init__(pid)
        self.kinds: dict[int, str] = {}
        self.most_workers = 0
        self.peak_pss = 0

    def sample(self) -> int:
        value = super().sample()
        pids = emu.process_tree(self.pid)
        for pid in pids:
            if pid not in self.kinds:
                self.kinds[pid] = kind_of(pid)
        self.most_workers = max(self.most_workers, sum(self.kinds.get(p) == "worker" for p in pids))
        self.peak_pss = max(self.peak_pss, sum(pss_bytes(p) for p in pids))
        return value

    def peak_breakdown(self) -> str:
        server = self.peak_tree.get(self.pid, 0)
        workers = [rss for pid, rss in self.peak_tree.items() if self.kinds.get(pid) == "worker"]
        others = [rss for pid, rss in self.peak_tree.items() if pid != self.pid and self.kinds.get(pid) != "worker"]
        text = f"server {emu.mb(server):,.0f} MiB"
        text += f", {len(workers)} worker(s) " + (" + ".join(f"{emu.mb(w):,.0f}" for w in sorted(workers, reverse=True))
                                                  + " MiB" if workers else "")
        if others:
            text += f", {len(others)} other process(es) {emu.mb(sum(others)):,.0f} MiB"
        return text


PHOTO_TAB = "Your photo"      # content/en.json photo.tab: the sessions are in English


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def mover(url, page, query, moves, seed, sampler, label, errors):
    rng = random.Random(seed)
    async with Session(url, page, timeout=180, query=query) as s:
        sampler.phase = sampler.phase if sampler.phase != "warm-up" else label
        await asyncio.sleep(rng.uniform(0, 0.5))
        for _ in range(moves):
            await s.move_slider(rng, "pg_sefa")
            await asyncio.sleep(rng.uniform(0.2, 0.6))
        errors.extend(f"{label}: {e}" for e in s.errors)


def photo_bytes(seed: int) -> bytes:
    """A generated faces64 face, enlarged and pasted into a larger noisy picture, as a JPEG."""
    import io

    import numpy as np
    import torch
    from PIL import Image

    from gan_core.data import to_uint8
    from gan_core.hub import load_generator

    generator, _ = load_generator("faces64")
    with torch.no_grad():
        face = to_uint8(generator(torch.randn(1, 128, generator=torch.Generator().manual_seed(seed))))[0]
    big = Image.fromarray(face.permute(1, 2, 0).numpy()).resize((220, 220), Image.Resampling.BICUBIC)
    picture = Image.fromarray(np.random.default_rng(seed).integers(70, 110, (480, 640, 3)).astype(np.uint8))
    picture.paste(big, (300 + seed % 50, 80))
    buf = io.BytesIO()
    picture.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


async def photographer(url, photos, seed, label, done, errors):
    """Opens "Your photo", uploads each photo (an inversion each) and moves an edit slider twice."""
    rng = random.Random(seed)
    async with Session(url, "Playground", timeout=300) as s:
        await s.open_tab("pg_view", PHOTO_TAB)
        for i, data in enumerate(photos):
            await s.upload("ph_upload", f"photo-{seed}-{i}.jpg", data, "image/jpeg")
            if any("Reconstruction error" in text for text in s.texts):
                done.append(label)
            for _ in range(2):
                await s.move_slider(rng, "ph_edit_sefa")
                await asyncio.sleep(rng.uniform(0.2, 0.6))
        errors.extend(f"{label}: {e}" for e in s.errors)


async def trainer(url, stop, out, errors):
    async with Session(url, "Train", timeout=180) as s:
        await s.press("Start training")
        refreshes = []
        await s.follow_timers(stop, refreshes)
        await s.rerun()
        out.append(s.progress_text or "no progress line")
        errors.extend(f"training: {e}" for e in s.errors)


async def scenario(url, args, sampler, photos, inverted):
    stop, progress, errors = asyncio.Event(), [], []
    trainers = [asyncio.create_task(trainer(url, stop, progress, errors)) for _ in range(args.trainings)]
    await asyncio.sleep(3)                       # the training is past its data loading
    sampler.phase = f"{args.trainings} training(s) + {args.sessions} sessions"
    movers = [mover(url, "Playground", "model=pggan-celebahq-1024", args.moves, 0, sampler, "pggan", errors)]
    movers += [photographer(url, photos[i::args.photos], 100 + i, f"photo #{i}", inverted, errors)
               for i in range(args.photos)]
    movers += [mover(url, "Playground", "", args.moves, i, sampler, f"faces64 #{i}", errors)
               for i in range(1, args.sessions - args.photos)]
    t0 = time.perf_counter()
    await asyncio.gather(*movers)
    wall = time.perf_counter() - t0
    stop.set()
    await asyncio.gather(*trainers)
    return wall, progress, errors


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=6, help="Playground sessions (one on PGGAN)")
    ap.add_argument("--moves", type=int, default=20, help="slider moves per session")
    ap.add_argument("--trainings", type=int, default=1, help="sessions that press Start training")
    ap.add_argument("--photos", type=int, default=1, help="of the sessions, those that invert photos")
    ap.add_argument("--uploads", type=int, default=3, help="photos each photo session uploads")
    ap.add_argument("--limit-gb", type=float, default=emu.CLOUD_LIMIT_GB)
    ap.add_argument("--settings", choices=("cloud", "local"), default="cloud",
                    help="Community Cloud's settings (default) or a local server's")
    args = ap.parse_args(argv)
    if not 0 <= args.photos <= args.sessions - 1:
        ap.error("--photos must leave the PGGAN session: 0 to --sessions - 1")
    sys.path.insert(0, str(HERE.parent))
    from gan_core.jobs import BackendChoice, local_settings

    cache = Path(tempfile.mkdtemp(prefix="bench-hf-"))
    fake_pggan_cache(cache)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAN_PLAYGROUND_") and k != "OMP_NUM_THREADS"}
    cloud = args.settings == "cloud"
    env.update(HF_HUB_CACHE=str(cache), HF_HUB_OFFLINE="1", GAN_PLAYGROUND_CLOUD="1" if cloud else "0")
    workers, spares = local_settings(BackendChoice.from_env(env), cloud=cloud)
    photos = [photo_bytes(seed) for seed in range(args.photos * args.uploads)]
    inverted: list[str] = []
    print(f"cpus {os.cpu_count()}, load average before: {load()}; {args.sessions} sessions "
          f"(1 on PGGAN, {args.photos} inverting {args.uploads} photo(s) each), {args.moves} moves each, "
          f"{args.trainings} training session(s); "
          f"{args.settings} settings: local backend, {workers} worker(s), {spares} spare(s)")
    # On Cloud also the server options Community Cloud forces (the emulation's list)
    forced = [arg for key, value in emu.CLOUD_FORCED.items() for arg in (f"--{key}", value)] if cloud else []
    t_start = time.perf_counter()
    proc, url = start_server(env, command=[sys.executable, "-m", "streamlit", "run", "app.py", *forced])
    sampler = TreeSampler(proc.pid).start()
    sampler.phase = "warm-up"
    try:
        asyncio.run(mover(url, "Playground", "", 2, 99, sampler, "warm-up", []))
        warm = emu.tree_rss_bytes(proc.pid)
        wall, progress, errors = asyncio.run(scenario(url, args, sampler, photos, inverted))
        time.sleep(1)
        end = sampler.sample()
    finally:
        sampler.stop()
        n_procs = len(emu.process_tree(proc.pid))
        stop_server(proc)
    limit = args.limit_gb * 1e9
    print(f"server tree after warm-up: {emu.mb(warm):,.0f} MiB")
    print(f"under load ({wall:.0f} s): peak {emu.mb(sampler.peak):,.0f} MiB during '{sampler.peak_phase}', "
          f"{emu.mb(end):,.0f} MiB at the end ({n_procs} process(es) in the tree at the end, "
          f"{sampler.samples} samples every {emu.SAMPLE_S} s, {time.perf_counter() - t_start:.0f} s in all)")
    print(f"  at the peak: {sampler.peak_breakdown()}; at most {sampler.most_workers} training worker "
          f"process(es) at once, {sampler.most_processes} process(es) in the tree at once")
    print(f"  peak of the tree's summed PSS (shared pages counted once): {emu.mb(sampler.peak_pss):,.0f} MiB")
    for text in progress:
        print(f"  a training tab at the end: {text}")
    if args.photos:
        print(f"  photos inverted (a reconstruction shown): {len(inverted)} of {len(photos)}")
    print(f"  exceptions on screen: {len(errors)}" + (f" ({'; '.join(errors[:5])})" if errors else ""))
    print(f"  load average after: {load()}")
    ok = sampler.peak <= limit and not errors and len(inverted) == len(photos)
    print(f"limit {args.limit_gb:g} GB ({emu.mb(limit):,.0f} MiB): {'under' if sampler.peak <= limit else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
