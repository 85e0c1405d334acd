"""The training loop, as a stream of events.

    trainer = Trainer(TrainConfig(dataset="emoji", iterations=2000))
    for event in trainer.run():          # step / samples / metric events ...
        ...                              # ... then one of done / stopped / diverged

One iteration is `d_train_iters` discriminator updates followed by one
generator update (Goodfellow et al. 2014, Algorithm 1, with k = d_train_iters).
The loop is written out plainly as in pytorch/examples' dcgan: D on real,
D on fake, step; then G, step. The Trainer knows nothing about the page that
shows it: the app's worker (gan_core/jobs/) and the CLI (gan_core/cli.py) consume the same events.

Run it from the shell (every app run can be repeated this way):

    python -m gan_core train --data emoji --loss lsgan --lr 2e-4 --iterations 2000 --out runs/demo
    python -m gan_core.train --preset fast --iterations 500 --out runs/fast   # the older spelling works too
"""

from __future__ import annotations

import copy
import math
import threading
import time

import numpy as np
import torch

from .. import data as gdata
from ..data import registry as datasets
from ..data.registry import holdout_split
from ..models import DCDiscriminator, DCGenerator
from ..models.mlp import MLPDiscriminator, MLPGenerator
from .config import TrainConfig
from .events import FinalEvent, MetricEvent, SamplesEvent, StepEvent
from .formula import FormulaLoss, make_loss
from .losses import gradient_penalty, r1_penalty
from .optimizers import make_optimizer

# ---------------------------------------------------------------- standing batch-norm statistics

@torch.no_grad()
def recompute_bn_stats(generator: torch.nn.Module, noise_size: int | None = None, batches: int = 40,
                       batch_size: int = 128, seed: int = 0) -> int:
    """Give a generator's batch-norm layers running statistics that belong to its own weights.

    An EMA generator's weights are an average of past weights, but the running
    means and variances it carries were measured on the *current* training
    weights (or on no weights at all), so in eval mode every BN layer shifts
    and scales its features by the wrong amounts: the faces come out washed out.
    The fix is "standing statistics": reset the running statistics, switch to
    a cumulative average (momentum=None), run `batches` batches of random z in
    train mode without gradients, then return to eval mode. Returns the number
    of BN layers updated (0 for a generator without batch norm: nothing to do).

    Its own random generator (`seed`): calling this does not move torch's
    global random stream, and the same weights always get the same statistics.
    """
    layers = [m for m in generator.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
              and m.track_running_stats]
    if not layers:
        return 0
    if batches < 1 or batch_size < 2:
        raise ValueError(f"need batches >= 1 and batch_size >= 2, got {batches} and {batch_size}")
    noise_size = int(noise_size or generator.noise_size)
    param = next(generator.parameters())
    was_training = generator.training
    momenta = [m.momentum for m in layers]
    for m in layers:
        m.reset_running_stats()
        m.momentum = None   # running stats = the plain average over all batches seen
    rng = torch.Generator(device=param.device).manual_seed(seed)
    generator.train()
    try:
        for _ in range(batches):
            generator(torch.randn(batch_size, noise_size, generator=rng, device=param.device, dtype=param.dtype))
    finally:
        for m, momentum in zip(layers, momenta):
            m.momentum = momentum
        generator.train(was_training)
    return len(layers)


# ---------------------------------------------------------------- the trainer


class Trainer:
    def __init__(self, config: TrainConfig, dataset: torch.Tensor | None = None):
        self.config = c = config
        self.device = torch.device(c.device)
        self._stop = threading.Event()
        self.loss = make_loss(c.loss, c.d_loss, c.g_loss)   # built in, or your own formulas
        self.iteration = 0

        # Models are initialised from the run's seed; everything random after
        # this point draws from self.rng so that a run does not depend on
        # what other threads do with torch's global generator.
        torch.manual_seed(c.seed)
        if c.is_toy:
            self.G = MLPGenerator(c.noise_size, width=c.conv_dim)
            self.D = MLPDiscriminator(width=c.conv_dim, spectral_norm=c.spectral_norm)
        else:
            self.G = DCGenerator(c.noise_size, c.conv_dim, c.image_size)
            self.D = DCDiscriminator(c.conv_dim, c.image_size, spectral_norm=c.spectral_norm,
                                     batch_norm=c.d_batch_norm, activation=c.d_activation)
        self.G.to(self.device).train()
        self.D.to(self.device).train()
        self.G_ema = copy.deepcopy(self.G).eval() if c.ema > 0 else None
        if self.G_ema is not None:
            self.G_ema.requires_grad_(False)
        self._ema_stats_at = None   # the iteration whose EMA weights the BN statistics were measured for
        self._ema_stats_batches = 0  # ... and from how many batches of codes

        self.opt_g = make_optimizer(c.optimizer, self.G.parameters(), c.lr, (c.beta1, c.beta2))
        self.opt_d = make_optimizer(c.optimizer, self.D.parameters(), c.lr_d or c.lr, (c.beta1, c.beta2))

        self.rng = torch.Generator(device=self.device).manual_seed(c.seed + 1)
        self.data = self._load_data(dataset)
        self.fixed_noise = torch.randn(c.n_samples, c.noise_size, generator=self.rng, device=self.device)
        if c.holdout:
            train_idx, held_idx = holdout_split(len(self.data), c.holdout)
            self.reference = self.data[held_idx.to(self.device)]
            self.data = self.data[train_idx.to(self.device)]
        else:
            # A fixed subset of the training data to measure the samples against.
            n_ref = min(len(self.data), 512 if not c.is_toy else 2500)
            idx = torch.randperm(len(self.data), generator=self.rng, device=self.device)[:n_ref]
            self.reference = self.data[idx]
        self._perm, self._pos = None, 0
        # Divergence needs persistence: one wild step can recover, a streak does not.
        self._explode_streak = 0
        self._saturated_streak = 0
        self._problem: dict = {}     # what the divergence message says, as data (FinalEvent.detail)
        if not c.is_toy:
            ref = self.reference[:256]
            self._real_saturation = float(((ref <= 2) | (ref >= 253)).float().mean())

    # ---- data

    def _load_data(self, dataset):
        c = self.config
        if dataset is None:
            dataset = datasets.load_dataset(c.dataset, c.image_size, seed=c.seed)
        if c.is_toy:
            if dataset.dim() != 2 or dataset.shape[1] != 2:
                raise ValueError(f"toy data must have shape (N, 2), got {tuple(dataset.shape)}")
            return dataset.float().to(self.device)
        if dataset.dtype != torch.uint8 or dataset.dim() != 4 or dataset.shape[1] != 3:
            raise ValueError(f"dataset must be a uint8 tensor (N, 3, H, W), got {dataset.dtype} {tuple(dataset.shape)}")
        if dataset.shape[-1] != c.image_size or dataset.shape[-2] != c.image_size:
            raise ValueError(f"dataset images are {dataset.shape[-2]}x{dataset.shape[-1]} "
                             f"but image_size is {c.image_size}")
        if len(dataset) == 0:
            raise ValueError("the dataset is empty: no images to train on")
        # Kept as uint8 (4x smaller); each batch is converted on the fly.
        return dataset.to(self.device)

    def _next_real(self):
        """The next batch, sampling without replacement within an epoch.

        A batch larger than the dataset is filled by drawing with repeats:
        tiny datasets (even one image) still train, they just memorise.
        """
        c, n = self.config, len(self.data)
        if self._perm is None or self._pos + min(c.batch_size, n) > n:
            self._perm = torch.randperm(n, generator=self.rng, device=self.device)
            self._pos = 0
        if c.batch_size <= n:
            idx = self._perm[self._pos:self._pos + c.batch_size]
            self._pos += c.batch_size
        else:
            idx = torch.randint(0, n, (c.batch_size,), generator=self.rng, device=self.device)
        batch = self.data[idx]
        if c.is_toy:
            return batch
        x = batch.float().div_(127.5).sub_(1.0)
        if c.flip:
            flip = torch.rand(len(x), generator=self.rng, device=self.device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        return x

    def _noise(self, n):
        return torch.randn(n, self.config.noise_size, generator=self.rng, device=self.device)

    # ---- one update of each player (public: the theory pages step them by hand)

    def d_step(self) -> dict:
        """One discriminator update. Returns tensors (not synced) for logging."""
        real = self._next_real()
        with torch.no_grad():
            fake = self.G(self._noise(len(real)))
        real_logits = self.D(real)
        fake_logits = self.D(fake)
        real_term, fake_term = self.loss.d_loss_terms(real_logits, fake_logits)
        d_loss = real_term + fake_term
        if self.loss.gradient_penalty_weight > 0:
            penalty = gradient_penalty(self.D, real, fake, generator=self.rng)
            d_loss = d_loss + self.loss.gradient_penalty_weight * penalty
        if self.config.r1 > 0:
            d_loss = d_loss + 0.5 * self.config.r1 * r1_penalty(self.D, real)
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        return {
            "d_loss_real": real_term.detach(), "d_loss_fake": fake_term.detach(),
            "d_loss": d_loss.detach(),
            "d_x": self.loss.d_output(real_logits.detach()).mean(),
            "d_g_z": self.loss.d_output(fake_logits.detach()).mean(),
        }

    def g_step(self) -> dict:
        """One generator update (the batch size of D's batches)."""
        fake = self.G(self._noise(self.config.batch_size))
        g_loss = self.loss.g_loss(self.D(fake))
        self.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        self.opt_g.step()
        if self.G_ema is not None:
            self._update_ema()
        return {"g_loss": g_loss.detach()}

    @torch.no_grad()
    def _update_ema(self):
        decay = self.config.ema
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p, 1 - decay)
        # Batch-norm running statistics are copied, not averaged.
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    # x 128 random codes per refresh. recompute_bn_stats' default of 40 is for a model
    # that ships; 20 (2,560 codes) keeps eval-mode colours within 2 % of batch statistics
    # (tests/test_train.py; 10 did not) at half the cost. That is the refresh at the end
    # of a run, before a save and in sample().
    STANDING_STATS_BATCHES = 20
    # The grids and metrics *during* a run get a refresh sized to the training done since
    # the last one: one batch of 128 codes per 256 training codes (iterations x batch),
    # at least 1, at most STANDING_STATS_BATCHES. A full refresh costs about as much as
    # 25 training steps of the course's G at batch 16, so at the fast preset's grid every
    # 10 steps a full one would cost 2.6x the training itself (measured: 1.7 instead of
    # 7 it/s); the sized one costs about 13 %, and a grid every few hundred steps still
    # gets the full 20. Early grids are estimated from fewer codes: their colours are a
    # few per cent noisier, which a grid of blobs does not show.
    GRID_CODES_PER_BATCH = 256
    # A visitor decides within seconds whether anything is happening: the first grid comes
    # at this step whatever sample_every says (when grids are on at all).
    FIRST_GRID_AT = 10

    def refresh_ema_stats(self, batches: int | None = None) -> None:
        """Standing batch-norm statistics for the EMA weights (see recompute_bn_stats).

        `batches` of 128 codes (default STANDING_STATS_BATCHES). Called before every
        sample grid and metric (sized, see GRID_CODES_PER_BATCH), before a save and when
        a run ends (full); free when the weights have not changed since a refresh at
        least as large.
        """
        if self.G_ema is None:
            return
        batches = self.STANDING_STATS_BATCHES if batches is None else batches
        if self._ema_stats_at == self.iteration and self._ema_stats_batches >= batches:
            return
        recompute_bn_stats(self.G_ema, self.config.noise_size, batches=batches,
                           seed=self.config.seed + 3)
        self.G_ema.eval()
        self._ema_stats_at, self._ema_stats_batches = self.iteration, batches

    def _refresh_for_grid(self) -> None:
        """The sized refresh before an in-run grid or metric (see GRID_CODES_PER_BATCH)."""
        if self._ema_stats_at == self.iteration:
            return
        since = self.iteration - (self._ema_stats_at or 0)
        batches = round(since * self.config.batch_size / self.GRID_CODES_PER_BATCH)
        self.refresh_ema_stats(max(1, min(self.STANDING_STATS_BATCHES, batches)))

    @property
    def generator(self):
        """The generator to use after training: the EMA copy when EMA is on.

        The EMA copy's batch-norm statistics are fresh after a run ends, after
        every samples/metric event and after sample(); call refresh_ema_stats()
        first if you step the trainer by hand.
        """
        return self.G_ema if self.G_ema is not None else self.G

    @property
    def discriminator(self):
        return self.D

    @torch.no_grad()
    def sample(self, z=None, stats_batches: int | None = None):
        """Generator output for `z` (default: the run's fixed noise), in eval mode.

        The EMA copy's batch-norm statistics are refreshed first, from `stats_batches`
        batches of codes (default: the full STANDING_STATS_BATCHES)."""
        z = self.fixed_noise if z is None else z.to(self.device)
        self.refresh_ema_stats(stats_batches)
        g = self.generator
        was_training = g.training
        g.eval()
        try:
            return g(z)
        finally:
            g.train(was_training)

    # ---- the loop

    def stop(self):
        """Ask the run to end; safe from any thread. The loop ends within one iteration."""
        self._stop.set()

    def run(self):
        c = self.config
        if c.threads:
            torch.set_num_threads(c.threads)
        start = time.perf_counter()
        window_start, window_iters = start, 0
        last = None
        for it in range(1, c.iterations + 1):
            if self._stop.is_set():
                self.refresh_ema_stats()
                yield FinalEvent("stopped", self.iteration, f"Training stopped at step {self.iteration}.",
                                 time.perf_counter() - start)
                return
            for _ in range(c.d_train_iters):
                d_stats = self.d_step()
            g_stats = self.g_step()
            self.iteration = it
            window_iters += 1

            if it % c.log_every == 0 or it == c.iterations:
                stats = {k: float(v) for k, v in {**d_stats, **g_stats}.items()}
                now = time.perf_counter()
                rate = window_iters / max(now - window_start, 1e-9)
                window_start, window_iters = now, 0
                last = StepEvent("step", it, its_per_sec=rate, elapsed=now - start, **stats)
                problem = self._divergence(stats, it)
                if problem:
                    yield last
                    self.refresh_ema_stats()
                    yield FinalEvent("diverged", it, problem, now - start, detail=self._problem)
                    return
                yield last

            if (c.sample_every and (it % c.sample_every == 0 or it == self.FIRST_GRID_AT)) or it == c.iterations:
                self._refresh_for_grid()
                sample_ev = self._samples_event(it)
                problem = self._saturation(sample_ev, it)
                yield sample_ev
                if problem:
                    yield FinalEvent("diverged", it, problem, time.perf_counter() - start, detail=self._problem)
                    return
            if (c.metric_every and it % c.metric_every == 0) or (c.metric_every and it == c.iterations):
                self._refresh_for_grid()
                yield self._metric_event(it)

        self.refresh_ema_stats()
        elapsed = time.perf_counter() - start
        yield FinalEvent("done", c.iterations,
                         f"Training finished: {c.iterations} iterations in {elapsed:.1f} s "
                         f"({c.iterations / max(elapsed, 1e-9):.1f} it/s).", elapsed)

    def _samples_event(self, it):
        from ..viz import make_grid

        out = self.sample(stats_batches=self._ema_stats_batches or None)
        if self.config.is_toy:
            return SamplesEvent("samples", it, points=out.cpu().numpy().astype(np.float32))
        images = gdata.to_uint8(out).cpu().numpy()
        nrow = int(math.ceil(math.sqrt(len(images))))
        return SamplesEvent("samples", it, images=images, grid=make_grid(images, nrow=nrow))

    def _metric_event(self, it):
        from .. import metrics

        if self.config.is_toy:
            eval_rng = torch.Generator(device=self.device).manual_seed(self.config.seed + 2)
            z = torch.randn(2500, self.config.noise_size, generator=eval_rng, device=self.device)
            fake = self.sample(z, stats_batches=self._ema_stats_batches or None).cpu()
            modes = gdata.toy_modes(self.config.dataset)
            if modes is None:
                return MetricEvent("metric", it, name="none")
            centres, std = modes
            mc = metrics.mode_coverage(fake, centres, std)
            return MetricEvent("metric", it, name="modes_covered", value=float(mc.modes_covered),
                               details={"n_modes": mc.n_modes, "high_quality": mc.high_quality})
        n = len(self.reference)
        # Its own noise, the same at every check: measuring must not shift the
        # training's random stream, and a fixed z makes checkpoints comparable.
        eval_rng = torch.Generator(device=self.device).manual_seed(self.config.seed + 2)
        z = torch.randn(n, self.config.noise_size, generator=eval_rng, device=self.device)
        batches = self._ema_stats_batches or None
        fake = torch.cat([gdata.to_uint8(self.sample(z[i:i + 256], stats_batches=batches)) for i in range(0, n, 256)])
        result = metrics.swd(self.reference, fake)
        return MetricEvent("metric", it, name="swd", value=float(result.mean),
                           details={"levels": {int(k): float(v) for k, v in result.levels.items()}})

    # ---- failure detection: a run that breaks ends with an explanation, not an exception

    def _advice(self) -> str:
        c = self.config
        lr = max(c.lr, c.lr_d or 0)
        if lr >= 5e-3:
            self._problem.update(advice="lr", lr=lr)
            return (f"The likely cause is the learning rate: {lr:g} is far too high for Adam here "
                    f"(DCGANs train at about 2e-4). Try 2e-4 or 1e-3.")
        if not c.spectral_norm and self.loss.advise_spectral_norm:
            self._problem["advice"] = "sn"
            return "Try spectral norm on the discriminator, a lower learning rate, or the least-squares loss."
        self._problem["advice"] = "generic"
        return "Try a lower learning rate, spectral norm on the discriminator, or fewer discriminator steps."

    EXPLODE_PATIENCE = 10     # logged steps in a row above the loss's threshold
    SATURATION_PATIENCE = 2   # sample grids in a row with saturated outputs

    def _divergence(self, stats: dict, it: int) -> str | None:
        names = {"d_loss": "the discriminator's loss", "g_loss": "the generator's loss"}
        for key, label in names.items():
            v = stats[key]
            if not math.isfinite(v):
                if isinstance(self.loss, FormulaLoss):
                    # Your own loss: say which term broke, and how (formula.HINTS).
                    facts = self.loss.explain_nonfinite(key[0], it)
                    if facts:
                        self._problem = {"cause": "formula", "net": key, **facts}
                        return facts["message"]
                self._problem = {"cause": "nonfinite", "step": it, "net": key,
                                 "value": "nan" if math.isnan(v) else "inf"}
                return (f"Diverged at step {it}: {label} became {'NaN' if math.isnan(v) else 'infinite'}. "
                        + self._advice())
        worst = max(names, key=lambda k: abs(stats[k]))
        if abs(stats[worst]) > self.loss.explode_threshold:
            self._explode_streak += 1
            if self._explode_streak >= self.EXPLODE_PATIENCE:
                self._problem = {"cause": "exploded", "step": it, "net": worst, "value": stats[worst],
                                 "loss": self.config.loss, "threshold": self.loss.explode_threshold}
                return (f"Diverged at step {it}: {names[worst]} exploded to {stats[worst]:.3g} and stayed "
                        f"there (healthy values for {self.config.loss} stay below "
                        f"{self.loss.explode_threshold:g}). " + self._advice())
        else:
            self._explode_streak = 0
        return None

    def _saturation(self, ev: SamplesEvent, it: int) -> str | None:
        """Generator outputs pinned at the tanh limits: every image is a flat block of pure colours.

        This is how a too-high learning rate usually ends on images: batch norm
        keeps the losses finite, but the generator's last layer saturates and
        its gradient (through tanh) vanishes, so the run cannot recover.
        """
        if ev.images is None or it < 50:
            return None
        x = ev.images.astype(np.float32)
        saturated = float(((x <= 2) | (x >= 253)).mean())
        spread = float(x.std(axis=0).mean())  # how different the samples are from each other
        # Relative to the data: line drawings are mostly pure black/white by nature.
        limit = min(0.98, max(0.9, self._real_saturation + 0.35))
        if saturated > limit or (saturated > limit - 0.3 and spread < 2.0):
            self._saturated_streak += 1
        else:
            self._saturated_streak = 0
        if self._saturated_streak >= self.SATURATION_PATIENCE:
            self._problem = {"cause": "saturated", "step": it, "share": saturated}
            return (f"Diverged at step {it}: {saturated:.0%} of the generated pixels are stuck at pure black/white/"
                    f"primary colours (the generator's tanh output saturated), so its gradients vanished. "
                    + self._advice())
