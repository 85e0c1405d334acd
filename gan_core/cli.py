"""The `train` command: `python -m gan_core train ...` (also `python -m gan_core.train ...`).

    python -m gan_core train --data emoji --loss lsgan --lr 2e-4 --iterations 2000 --out runs/demo
    python -m gan_core train --preset fast --iterations 500 --out runs/fast   # a preset, flags override it

Every run in the app is one TrainConfig, and every TrainConfig is one of these commands
(`TrainConfig.cli_command()` writes it). It sits above the training loop, the presets and the
Hub code it ties together, and nothing in gan_core imports it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from pathlib import Path

import torch

from .data import registry as datasets
from .training.config import TrainConfig
from .training.loop import Trainer, recompute_bn_stats
from .training.formula import BUILTIN_FORMULAS, MAX_LENGTH
from .training.losses import LOSSES
from .training.optimizers import OPTIMIZERS


def save_run(trainer: Trainer, out: str | Path, card: str | None = None, fp16: bool = False,
             extra: dict | None = None) -> Path:
    """Write the trained generator as a model folder that hub.load_generator reads."""
    from .hub.files import save_generator

    extra = {"iterations_trained": trainer.iteration, **(extra or {})}
    if trainer.G_ema is not None:   # a model that ships gets the full 40 x 128 standing statistics
        recompute_bn_stats(trainer.G_ema, trainer.config.noise_size, seed=trainer.config.seed + 3)
        trainer.G_ema.eval()
        extra["bn_statistics"] = "standing"
    return save_generator(out, trainer.generator, train_config=trainer.config.to_dict(), card=card,
                          fp16=fp16, extra=extra)


def _bool_flag(parser, name, help_):
    dest = name.replace("-", "_")
    parser.add_argument(f"--{name}", dest=dest, action="store_true", help=help_)
    parser.add_argument(f"--no-{name}", dest=dest, action="store_false")


def build_parser(base: TrainConfig | None = None) -> argparse.ArgumentParser:
    """The CLI; `base` (a preset) supplies the defaults that flags override."""
    from .training.presets import PRESETS

    d = base or TrainConfig()
    p = argparse.ArgumentParser(
        prog="python -m gan_core.train",
        description="Train a GAN with gan_core (the same engine as the app's Train page).")
    p.add_argument("--preset", choices=list(PRESETS), default=None,
                   help="start from a named configuration (gan_core/training/presets.py); other flags override it")
    p.add_argument("--data", default=d.dataset,
                   help=" | ".join([*datasets.names(datasets.BUILTIN, datasets.TOY, datasets.ONLINE),
                                    "PATH.zip", "FOLDER"]))
    p.add_argument("--image-size", type=int, default=d.image_size)
    p.add_argument("--noise-size", type=int, default=d.noise_size)
    p.add_argument("--conv-dim", type=int, default=d.conv_dim)
    p.add_argument("--loss", default=d.loss, choices=list(LOSSES))
    p.add_argument("--d-loss", default=d.d_loss, metavar="FORMULA",
                   help=f"your own D loss in d_real and d_fake (D's raw outputs), e.g. "
                        f"\"{BUILTIN_FORMULAS['bce'].d}\"; at most {MAX_LENGTH} characters; keeps --loss's "
                        f"reading of D and its gradient penalty")
    p.add_argument("--g-loss", default=d.g_loss, metavar="FORMULA",
                   help=f"your own G loss in d_fake, e.g. \"{BUILTIN_FORMULAS['minimax'].g}\" "
                        f"(the saturating minimax loss)")
    p.add_argument("--r1", type=float, default=d.r1, metavar="GAMMA",
                   help="R1 penalty on real data: D's loss + GAMMA/2 * E||grad D(x)||^2 (0 = off)")
    p.add_argument("--optimizer", default=d.optimizer, choices=list(OPTIMIZERS),
                   help="both networks' optimiser (rmsprop: the original WGAN's; sgd: momentum 0.9)")
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--lr-d", type=float, default=d.lr_d, help="discriminator lr (two-timescale); default = --lr")
    p.add_argument("--beta1", type=float, default=d.beta1)
    p.add_argument("--beta2", type=float, default=d.beta2)
    _bool_flag(p, "spectral-norm", "spectral norm on every discriminator conv")
    _bool_flag(p, "d-batch-norm", "batch norm in the discriminator (course default: on)")
    p.set_defaults(spectral_norm=d.spectral_norm, d_batch_norm=d.d_batch_norm, flip=d.flip)
    p.add_argument("--d-activation", default=d.d_activation, choices=["relu", "leaky"])
    p.add_argument("--d-train-iters", type=int, default=d.d_train_iters)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--iterations", type=int, default=d.iterations)
    p.add_argument("--sample-every", type=int, default=d.sample_every)
    p.add_argument("--n-samples", type=int, default=d.n_samples)
    p.add_argument("--metric-every", type=int, default=d.metric_every)
    p.add_argument("--log-every", type=int, default=d.log_every)
    p.add_argument("--ema", type=float, default=d.ema)
    _bool_flag(p, "flip", "random horizontal flips of the real images")
    p.add_argument("--holdout", type=int, default=d.holdout,
                   help="hold out N images (fixed split) from training; SWD is measured against them")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--device", default="auto",
                   help="auto (the GPU when torch sees one, else the CPU), cpu or cuda")
    p.add_argument("--threads", type=int, default=d.threads)
    p.add_argument("--out", required=True, help="output folder (checkpoint, log.jsonl, samples/)")
    p.add_argument("--max-minutes", type=float, default=0,
                   help="stop the run gracefully after this many minutes (0 = no limit)")
    p.add_argument("--keep-best", action="store_true",
                   help="also save the generator with the lowest SWD so far to OUT/best")
    p.add_argument("--fp16", action="store_true", help="store the weights in float16 (half the size)")
    p.add_argument("--push-to-hub", metavar="REPO_ID", default=None,
                   help="upload the finished model folder to the Hugging Face Hub (needs a token)")
    return p


def config_from_args(args) -> TrainConfig:
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    values["dataset"] = args.data
    from .device import resolve_device

    values["device"] = resolve_device(values.get("device", "auto"))
    return TrainConfig(**values)


def parse_args(argv=None):
    """Arguments with the defaults of `--preset NAME` when given (flags still override)."""
    from .training.presets import PRESETS

    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--preset", choices=list(PRESETS), default=None)
    known, _ = pre.parse_known_args(argv)
    return build_parser(PRESETS[known.preset] if known.preset else None).parse_args(argv)


def main(argv=None) -> int:
    from tqdm import tqdm

    from .viz import save_png

    args = parse_args(argv)
    try:
        config = config_from_args(args)
        trainer = Trainer(config)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if config.device.startswith("cuda"):
        torch.backends.cudnn.benchmark = True
    if args.max_minutes > 0:
        timer = threading.Timer(args.max_minutes * 60, trainer.stop)
        timer.daemon = True
        timer.start()
    out = Path(args.out)
    (out / "samples").mkdir(parents=True, exist_ok=True)
    (out / "train_config.json").write_text(json.dumps(config.to_dict(), indent=2))
    final, best = None, float("inf")
    with open(out / "log.jsonl", "w") as log, tqdm(total=config.iterations, unit="it", file=sys.stderr) as bar:
        for ev in trainer.run():
            record = {"kind": ev.kind, "iteration": ev.iteration}
            if ev.kind == "step":
                record.update({k: v for k, v in dataclasses.asdict(ev).items() if k not in record})
                bar.n = ev.iteration
                bar.set_postfix(D=f"{ev.d_loss:.3f}", G=f"{ev.g_loss:.3f}", refresh=False)
                bar.refresh()
            elif ev.kind == "samples":
                name = f"samples/iter_{ev.iteration:06d}.png"
                if ev.grid is not None:
                    save_png(ev.grid, out / name)
                    record["file"] = name
            elif ev.kind == "metric":
                record.update(name=ev.name, value=ev.value, details=ev.details)
                tqdm.write(f"iter {ev.iteration}: {ev.name} = {ev.value:.2f}", file=sys.stderr)
                if args.keep_best and ev.name == "swd" and ev.value < best:
                    best = ev.value
                    save_run(trainer, out / "best", fp16=args.fp16,
                             extra={"swd_during_training": ev.value, "swd_iteration": ev.iteration})
            else:
                record.update(message=ev.message, elapsed=ev.elapsed)
                final = ev
            log.write(json.dumps(record) + "\n")
    print(final.message, file=sys.stderr)
    if not config.is_toy:
        save_run(trainer, out, fp16=args.fp16)
        print(f"model saved to {out} (load it with gan_core.hub.load_generator({str(out)!r}))", file=sys.stderr)
        if args.push_to_hub:
            from .hub.files import push_to_hub

            url = push_to_hub(out, args.push_to_hub)
            print(f"pushed to {url}", file=sys.stderr)
    return 0 if final.kind in ("done", "stopped") else 1


if __name__ == "__main__":
    sys.exit(main())
