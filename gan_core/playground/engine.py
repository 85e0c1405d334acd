"""The latent playground's engine: from (seed, psi, slider values) to pixels.

UI-agnostic: the Streamlit page reads widgets, builds a `LatentState`, and asks
a `LatentEngine` for images; the bench and the tests use the same calls. The
engine is the same for every generator; what differs between the two families
the app can load lives in one small adapter per family, which treats each the
way its paper does:

* DCGenerator (`DCGANAdapter`: the bundled faces64 model, models trained in
  the app): z goes straight into the first linear layer. Truncation scales z
  toward the prior's mean (0) before any edit, SeFa and raw-dimension offsets
  are added to z. Images are always the native size; they cost milliseconds.
* PGGANGenerator (`PGGANAdapter`, CelebA-HQ 1024): the network
  pixel-normalises z onto the sphere of radius sqrt(512), so edits are added
  to pixel_norm(z), as genforce's SeFa does, and scaling z would change
  nothing. Truncation therefore works on the 4x4 features after the first
  (dense) layer: they are pulled toward their average over many random codes,
  the PGGAN analogue of StyleGAN's w-space truncation. A 1024 image costs
  about 1 s on one CPU thread, so the adapter also renders cheap previews
  from PGGAN's lower-resolution toRGB heads, and PGGAN renders on the GPU
  when there is one.
"""

from __future__ import annotations

import copy
import hashlib
import io
import math
import threading
import time
from collections import OrderedDict
from dataclasses import replace

import numpy as np
import torch

from ..data.pixels import to_image_array
from ..data.pixels import to_uint8 as _dc_to_uint8
from ..models import pggan as _pggan
from ..models.dcgan import DCGenerator, SubPixelRenderer
from ..models.pggan import PGGANGenerator, pixel_norm
from . import custom
from . import directions as latent
from .state import (
    DCGAN_SEFA_RANGE,
    MAX_SEED,
    MAX_SEMANTICS,
    PGGAN_SEFA_RANGE,
    LatentState,
    SliderSpec,
)
from .state import fmt as _fmt

QUALITY_SIZES = {"preview": 256, "thumb": 128, "tiny": 64}
PREVIEW_SIZE = QUALITY_SIZES["preview"]


# -----------------------------------------------------------------------------
# one adapter per generator family


class DCGANAdapter:
    """DCGenerator: edits and truncation on z itself; one size; the CPU."""

    kind = "dcgan"
    sefa_range = DCGAN_SEFA_RANGE
    default_k = 5
    psi_at_render = False     # psi is already in the code (prior_code truncates z)

    def __init__(self, generator):
        self.generator = generator
        self.noise_size = int(generator.noise_size)
        self.image_size = int(generator.image_size)
        # The same function with sub-pixel convs: ~2x faster for one face, ~3x for a grid
        # (models/dcgan.py, subpixel_weights). The engine's generator is not trained further.
        self.renderer = SubPixelRenderer(generator) if isinstance(generator, DCGenerator) else generator

    @staticmethod
    def render_device() -> str:
        return "cpu"          # a DCGAN face costs milliseconds on the CPU

    def prior_code(self, seed: int, psi: float) -> torch.Tensor:
        """truncate(z, psi): the prior's mean is 0."""
        return latent.truncate(latent.seed_to_z(int(seed), self.noise_size), psi)

    def size_for(self, quality: str) -> int:
        return self.image_size  # always the native size (it costs milliseconds anyway)

    def forward_uint8(self, codes: torch.Tensor, psi: float, size: int) -> np.ndarray:
        images = _dc_to_uint8(self.renderer(codes))          # (B, 3, H, W) uint8
        return images.permute(0, 2, 3, 1).contiguous().numpy()

    def estimate_seconds(self, n: int, size: int, measured: dict[int, float]) -> float:
        return n * measured.get(size, 0.005)


class PGGANAdapter:
    """PGGANGenerator: edits on pixel_norm(z), truncation on the 4x4 features, previews from lower heads."""

    kind = "pggan"
    sefa_range = PGGAN_SEFA_RANGE
    default_k = _pggan.SEFA_NUM_SEMANTICS
    psi_at_render = True

    def __init__(self, generator):
        self.generator = generator
        self.noise_size = int(generator.noise_size)
        self.image_size = int(generator.image_size)
        self._lock = threading.Lock()
        self._feature_mean = None

    @staticmethod
    def render_device() -> str:
        """The GPU when torch sees one: a 1024 face takes ~1 s on 2 CPU cores."""
        from ..device import resolve_device

        return resolve_device("auto")

    def prior_code(self, seed: int, psi: float) -> torch.Tensor:
        """pixel_norm(z); psi is applied later, in forward()."""
        return pixel_norm(latent.seed_to_z(int(seed), self.noise_size))

    def size_for(self, quality: str) -> int:
        return self.image_size if quality == "full" else min(QUALITY_SIZES[quality], self.image_size)


    def feature_mean(self) -> torch.Tensor:
        """The average 4x4 feature map after layer0 over 1024 random codes (fixed seed)."""
        with self._lock:
            if self._feature_mean is None:
                device = next(self.generator.parameters()).device
                z = latent.seed_to_z(0, self.noise_size, n=1024).to(device)
                with torch.inference_mode():
                    self._feature_mean = self.generator.layer0(pixel_norm(z)).mean(0, keepdim=True)
        return self._feature_mean

    def forward(self, codes: torch.Tensor, psi: float, size: int) -> torch.Tensor:
        """Float images at `size` (a lower toRGB head for a preview), truncated by psi on the 4x4 features."""
        g = self.generator
        lod = g.lod_for_resolution(size)
        if psi == 1.0:
            return g.native_image(codes, lod)
        mean = self.feature_mean()
        return g.native_image(codes, lod, edit_layer0=lambda x: mean + psi * (x - mean))

    def forward_uint8(self, codes: torch.Tensor, psi: float, size: int) -> np.ndarray:
        # One 1024 forward alone peaks near 0.75 GB, so full images go one
        # at a time; small previews can share a batch.
        chunk = 1 if size >= 512 else 8
        return np.concatenate([to_image_array(self.forward(c, psi, size)) for c in codes.split(chunk)])

    def estimate_seconds(self, n: int, size: int, measured: dict[int, float]) -> float:
        """A size not measured yet is scaled from one that was. PGGAN's cost grows
        with the number of blocks run, and more than linearly: the early
        512-channel blocks are the expensive ones, so a 128 preview still costs
        ~40 % of a 1024 image. (blocks / all blocks)^2 follows the
        multiply-add counts within ~10 %. Before any measurement: ~1 s per 1024
        face on one thread (docs/pggan-celebahq-1024.md, section 6)."""

        def relative(side):  # share of a full image's work
            return ((math.log2(side) - 1) / (math.log2(self.image_size) - 1)) ** 2

        if size in measured:
            return n * measured[size]
        if measured:
            side, seconds = max(measured.items())
            return n * seconds * relative(size) / relative(side)
        return n * 1.0 * relative(size) * (self.image_size / 1024) ** 2


# kind -> adapter; a generator that is not a PGGAN is driven like a DCGAN.
ADAPTERS = {DCGANAdapter.kind: DCGANAdapter, PGGANAdapter.kind: PGGANAdapter}


def adapter_class(generator) -> type:
    return PGGANAdapter if isinstance(generator, PGGANGenerator) else DCGANAdapter


def render_device(kind: str) -> str:
    """Where a model renders: PGGAN on the GPU when torch sees one, everything else on the CPU."""
    return ADAPTERS[kind].render_device()


# -----------------------------------------------------------------------------
# the engine


def _fingerprint(generator) -> str:
    """A short hash of the first layer's weights: tells two models with the same name apart."""
    weight = generator.sefa_weight().detach().to("cpu", torch.float32).contiguous()
    return hashlib.blake2b(weight.numpy().tobytes(), digest_size=8).hexdigest()


class LatentEngine:
    """Latent codes and images for one generator; thread-safe, shared by all sessions.

    Rendered images are kept in a small LRU cache keyed by the exact latent
    bytes, psi and size, bounded in megabytes (a 1024 face is 3 MB), so
    returning to a slider position or re-running the page costs nothing.
    Forward passes are serialised per model: on a 2-core server two
    simultaneous 1024 renders would each take twice as long anyway.
    """

    def __init__(self, generator, cache_mb: float = 32.0, named: dict | None = None):
        self.generator = generator.eval()
        # name -> unit direction (latent.named_directions), only those that fit this latent
        self.named = {k: torch.as_tensor(v, dtype=torch.float32).reshape(-1) for k, v in (named or {}).items()
                      if torch.as_tensor(v).numel() == int(generator.noise_size)}
        self.noise_size = int(generator.noise_size)
        self.image_size = int(generator.image_size)
        self.max_k = min(MAX_SEMANTICS, self.noise_size)
        self.fingerprint = _fingerprint(generator)
        # Where it renders is the family's choice (PGGAN: the GPU when there is one). A copy
        # moves, so whoever else holds the CPU model keeps it.
        family = adapter_class(generator)
        self.device = family.render_device()
        if self.device != "cpu":
            self.generator = copy.deepcopy(generator).to(self.device).eval()
        self.adapter = family(self.generator)
        self.kind = family.kind
        self.sefa_range = family.sefa_range
        self.default_k = family.default_k
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._sefa = None
        self._mine: OrderedDict = OrderedDict()     # SliderSpec -> FittedSlider, the visitors' own sliders
        self._cache: OrderedDict = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = int(cache_mb * 2**20)
        self._seconds_per_image: dict[int, float] = {}  # side -> measured seconds, for the UI's estimates

    # -- sizes ------------------------------------------------------------------

    def size_for(self, quality: str = "full") -> int:
        """Side in pixels of an image at this quality ("full", "preview", "thumb", "tiny").

        Only PGGAN has cheaper sizes: its lower toRGB heads. A DCGAN image is
        always its native size (it costs milliseconds anyway).
        """
        if quality != "full" and quality not in QUALITY_SIZES:
            raise ValueError(f"quality must be 'full' or one of {', '.join(QUALITY_SIZES)}, got {quality!r}")
        return self.adapter.size_for(quality)

    # -- directions -------------------------------------------------------------

    def directions(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Top-k SeFa directions (k, noise_size) and eigenvalues (k,), computed once per model."""
        if not 1 <= k <= self.max_k:
            raise ValueError(f"k must be between 1 and {self.max_k}, got {k}")
        with self._lock:
            if self._sefa is None:
                self._sefa = latent.sefa_directions(self.generator, self.max_k)
        dirs, eigvals = self._sefa
        return dirs[:k], eigvals[:k]

    def fit_custom(self, spec: SliderSpec) -> "custom.FittedSlider":
        """A visitor's own slider fitted on this model (custom.fit_slider), kept for the next
        move: the fit is deterministic, so a link's labels give the same direction every time.
        Raises custom.SliderError when the labels cannot make one."""
        with self._lock:
            hit = self._mine.get(spec)
            if hit is not None:
                self._mine.move_to_end(spec)
                return hit
        fitted = custom.fit_slider(spec, lambda seed: self.prior_code(seed, 1.0), self.named)
        with self._lock:
            self._mine[spec] = fitted
            while len(self._mine) > 64:          # each holds two directions: a few kB
                self._mine.popitem(last=False)
        return fitted

    # -- latent codes -------------------------------------------------------------

    def prior_code(self, seed: int, psi: float = 1.0) -> torch.Tensor:
        """The unedited code of a seed, (1, noise_size): what edits are added to.

        DCGAN: truncate(z, psi) (the prior's mean is 0). PGGAN: pixel_norm(z),
        psi is applied later, in render().
        """
        return self.adapter.prior_code(seed, psi)

    def code(self, state: LatentState) -> torch.Tensor:
        """The code the generator receives for this state, (1, noise_size) float32."""
        z = self.prior_code(state.seed, state.psi).clone()
        for dim, offset in state.dims:
            if 0 <= dim < self.noise_size:
                z[0, dim] += float(offset)
        for name, alpha in state.named:
            if alpha != 0 and name in self.named:
                z = z + float(alpha) * self.named[name]
        if state.mine is not None and state.mine_alpha != 0:
            z = z + float(state.mine_alpha) * self.fit_custom(state.mine).direction
        alphas = [(i, a) for i, a in state.sefa if a != 0 and i < self.max_k]
        if alphas:
            k = max(i for i, _ in alphas) + 1
            dirs, _ = self.directions(k)
            z = latent.apply_directions(z, dirs, state.sefa_alphas(k))
        return z

    def fit_state(self, state: LatentState) -> tuple[LatentState, list[str]]:
        """Drop what this model cannot show (a dimension beyond its noise size, a SeFa value
        beyond its range, more sliders than it has directions), with a note per drop."""
        notes = []
        dims = []
        for dim, value in state.dims:
            if dim >= self.noise_size:
                notes.append(f"Ignored the raw-dimension slider z[{dim}]: this model's latent has only "
                             f"{self.noise_size} dimensions.")
            else:
                dims.append((dim, value))
        r = self.sefa_range
        k = state.k if state.k is not None else self.default_k
        if k > self.max_k:
            notes.append(f"Showing {self.max_k} semantic sliders, the most this model offers (the link asked for {k}).")
            k = self.max_k
        sefa = []
        for i, value in state.sefa:
            if i >= self.max_k:
                notes.append(f"Ignored semantic slider {i + 1}: this model offers {self.max_k}.")
            elif not r.lo <= value <= r.hi:
                notes.append(f"Ignored semantic slider {i + 1} = {_fmt(value)}: this model's range is "
                             f"{_fmt(r.lo)} to {_fmt(r.hi)}.")
            else:
                sefa.append((i, value))
                k = max(k, i + 1)  # a non-zero slider must stay visible
        named = []
        for name, value in state.named:
            if name in self.named:
                named.append((name, value))
            else:
                notes.append(f"Ignored the named slider {name!r}: this model has no such direction.")
        mine, mine_alpha = state.mine, state.mine_alpha
        if mine is not None:
            try:
                self.fit_custom(mine)
            except custom.SliderError as exc:
                notes.append(f"Ignored mine={mine.name[:60]!r} from the link: {exc}")
                mine, mine_alpha = None, 0.0
        return replace(state, dims=tuple(dims), sefa=tuple(sefa), k=k, named=tuple(named), mine=mine,
                       mine_alpha=mine_alpha), notes

    # -- rendering ------------------------------------------------------------------

    def _forward_uint8(self, codes: torch.Tensor, psi: float, size: int) -> np.ndarray:
        with torch.inference_mode():
            return self.adapter.forward_uint8(codes.to(self.device), psi, size)

    def estimate_seconds(self, n: int, quality: str = "full") -> float:
        """How long n images at this quality will take, from the renders measured so far
        (the family's adapter scales a size not measured yet from one that was)."""
        size = self.size_for(quality)
        with self._lock:
            measured = dict(self._seconds_per_image)
        return self.adapter.estimate_seconds(n, size, measured)

    def render(self, codes: torch.Tensor, psi: float = 1.0, quality: str = "full",
               cache: bool = True) -> np.ndarray:
        """Codes (B, noise_size) -> uint8 images (B, H, W, 3), from the cache when possible.

        psi matters only for PGGAN (DCGAN codes from prior_code are already
        truncated); quality picks PGGAN's resolution (see size_for). cache=False
        for one-off batches (a measurement over 200 faces) that would only push
        the faces people come back to out of the cache.
        """
        codes = torch.as_tensor(codes, dtype=torch.float32).reshape(-1, self.noise_size).contiguous()
        size = self.size_for(quality)
        psi = float(psi) if self.adapter.psi_at_render else 1.0
        key = (codes.numpy().tobytes(), psi, size)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        with self._render_lock:
            t0 = time.perf_counter()
            images = self._forward_uint8(codes, psi, size)
            per_image = (time.perf_counter() - t0) / len(codes)
        images.setflags(write=False)  # shared between sessions: nobody may draw on it
        with self._lock:
            old = self._seconds_per_image.get(size)
            self._seconds_per_image[size] = per_image if old is None else 0.5 * (old + per_image)
            if cache and key not in self._cache and images.nbytes <= self._cache_limit:
                self._cache[key] = images
                self._cache_bytes += images.nbytes
                while self._cache_bytes > self._cache_limit:
                    _, old = self._cache.popitem(last=False)
                    self._cache_bytes -= old.nbytes
        return images

    def is_cached(self, code: torch.Tensor, psi: float = 1.0, quality: str = "full") -> bool:
        codes = torch.as_tensor(code, dtype=torch.float32).reshape(-1, self.noise_size).contiguous()
        psi = float(psi) if self.adapter.psi_at_render else 1.0
        with self._lock:
            return (codes.numpy().tobytes(), psi, self.size_for(quality)) in self._cache

    def face(self, state: LatentState, quality: str = "full") -> np.ndarray:
        """The current face, (H, W, 3) uint8."""
        return self.render(self.code(state), state.psi, quality)[0]

    # -- views ------------------------------------------------------------------------

    def grid(self, seeds, psi: float = 1.0, quality: str = "thumb") -> np.ndarray:
        """One face per seed, unedited, at truncation psi: (N, H, W, 3)."""
        codes = torch.cat([self.prior_code(s, psi) for s in seeds])
        return self.render(codes, psi, quality)

    def interpolation(self, code_a: torch.Tensor, code_b: torch.Tensor, frames: int,
                      method: str = "slerp", psi: float = 1.0, quality: str = "thumb"):
        """Frames from a to b inclusive: (images (T, H, W, 3), |code| per frame (T,))."""
        if frames < 2:
            raise ValueError(f"an interpolation needs at least 2 frames, got {frames}")
        if method not in ("lerp", "slerp"):
            raise ValueError(f"method must be 'lerp' or 'slerp', got {method!r}")
        fn = latent.slerp if method == "slerp" else latent.lerp
        t = torch.linspace(0.0, 1.0, frames)
        path = fn(code_a.reshape(-1), code_b.reshape(-1), t)       # (T, noise_size)
        # Exact endpoints: the first and last frames are the two faces themselves.
        path[0], path[-1] = code_a.reshape(-1), code_b.reshape(-1)
        return self.render(path, psi, quality), path.norm(dim=1).numpy()

    def sefa_walk(self, code: torch.Tensor, index: int, steps: int = 9, distance: float | None = None,
                  psi: float = 1.0, quality: str = "thumb"):
        """The face moved along SeFa direction `index` from -distance to +distance.

        Returns (images (steps, H, W, 3), alphas (steps,)); the middle frame
        (odd steps) is the face itself. distance defaults to the slider range.
        """
        if steps < 2:
            raise ValueError(f"a walk needs at least 2 steps, got {steps}")
        distance = self.sefa_range.hi if distance is None else float(distance)
        dirs, _ = self.directions(index + 1)
        alphas = torch.linspace(-distance, distance, steps)
        path = code.reshape(1, -1) + alphas[:, None] * dirs[index][None, :]
        return self.render(path, psi, quality), alphas.numpy()

    def pixel_changes(self, code: torch.Tensor, deltas: torch.Tensor, psi: float = 1.0) -> list[float]:
        """Mean absolute pixel change (0-1 of the full range) for each delta added to the code.

        One batch, rendered small (PGGAN at 64 px), so the UI can afford it.
        """
        code = code.reshape(1, -1)
        batch = torch.cat([code, code + deltas.reshape(-1, self.noise_size)])
        images = self.render(batch, psi, "tiny").astype(np.float32)
        return [float(np.abs(img - images[0]).mean() / 255.0) for img in images[1:]]

    def dim_vs_sefa_change(self, code: torch.Tensor, dim: int, distance: float = 2.0,
                           psi: float = 1.0) -> tuple[float, float]:
        """(pixel change from moving z[dim] by distance, from moving the top SeFa direction by the same)."""
        one_hot = torch.zeros(self.noise_size)
        one_hot[dim] = distance
        top, _ = self.directions(1)
        dim_change, sefa_change = self.pixel_changes(code, torch.stack([one_hot, distance * top[0]]), psi)
        return dim_change, sefa_change


def grid_seeds(batch: int, n: int, curated=()) -> list[int]:
    """n reproducible random seeds for grid page `batch` (0, 1, 2 ... for "New faces").

    Page 0 starts with the curated seeds, so the first grid a visitor sees is
    a good one; the rest of that page and every later page are random.
    """
    first = [int(s) for s in curated[:n]] if batch == 0 else []
    rng = np.random.default_rng([int(batch), 0x5EED])
    rest = [int(s) for s in rng.integers(0, MAX_SEED, size=n - len(first), endpoint=True)]
    return first + rest


def latent_npy_bytes(code: torch.Tensor) -> bytes:
    """The code as a .npy file (float32, shape (1, noise_size)): np.load gives it back."""
    buf = io.BytesIO()
    np.save(buf, code.detach().to("cpu", torch.float32).reshape(1, -1).numpy())
    return buf.getvalue()
