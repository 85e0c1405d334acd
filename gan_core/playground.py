"""The latent playground's engine: from (seed, psi, slider values) to pixels.

UI-agnostic: the Streamlit page (pages/1_Playground.py) reads widgets, builds a
`LatentState`, and asks a `LatentEngine` for images; the CLI, the bench and the
tests use the same calls. The engine knows the two generator families the app
can load and treats them the way their papers do:

* DCGenerator (the bundled faces64 model, models trained in the app): z goes
  straight into the first linear layer. Truncation scales z toward the prior's
  mean (0) before any edit, SeFa and raw-dimension offsets are added to z.
* PGGANGenerator (CelebA-HQ 1024): the network pixel-normalises z onto the
  sphere of radius sqrt(512), so edits are added to pixel_norm(z), as genforce's
  SeFa does, and scaling z would change nothing. Truncation therefore works on
  the 4x4 features after the first (dense) layer: they are pulled toward their
  average over many random codes, the PGGAN analogue of StyleGAN's w-space
  truncation. A 1024 image costs about 1 s on one CPU thread, so the engine
  also renders cheap previews from PGGAN's lower-resolution toRGB heads.

Links: `encode_query_params` / `decode_query_params` turn a state into URL
parameters and back; decoding never raises, it returns the state it could
trust plus one note per value it had to ignore.
"""

from __future__ import annotations

import copy
import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import torch

from . import latent
from .data import to_image_array
from .data import to_uint8 as _dc_to_uint8
from .models import pggan as _pggan
from .models.pggan import PGGANGenerator, pixel_norm

# -----------------------------------------------------------------------------
# limits shared by the UI and the link decoder

DEFAULT_MODEL = "faces64"
# Seeds a person can type, read aloud and put in a link. torch accepts up to
# 2**63 - 1, but browsers' number fields lose precision past 2**53 and 32 bits
# are what other playgrounds use (hysts' Spaces: 0 ... 2**32 - 1).
MAX_SEED = 2**32 - 1
PSI_MIN, PSI_MAX, PSI_STEP = 0.0, 1.5, 0.05
# A raw z entry is N(0, 1): +-3 is the range one dimension covers in 99.7 % of samples.
DIM_MIN, DIM_MAX, DIM_STEP = -3.0, 3.0, 0.1
MAX_DIMS = 16           # raw-dimension sliders at once
MAX_SEMANTICS = 20      # SeFa sliders at most
MAX_PARAM_CHARS = 400   # anything longer in a link is tampering, not a face

# Seeds whose faces64 faces are clean and varied (chosen by eye from seeds
# 0-127: smiles, glasses, a child, several ages and skin tones). The first is
# the default face. PGGAN has none: its weights could not be downloaded where
# this was written, so nobody has looked at its seeds yet.
CURATED_SEEDS = {
    "faces64": (8, 24, 35, 48, 53, 61, 74, 84, 89, 96, 109, 127, 15, 31),
}

FACES64_LICENCE_NOTE = (
    "The bundled faces model was trained by us with gan_core on UTKFace (Zhang, Song, Qi, "
    "CVPR 2017), which is released for non-commercial research only; the model inherits "
    "those terms. Its faces are generated, not photos of real people."
)


def curated_seeds(model: str) -> tuple[int, ...]:
    return CURATED_SEEDS.get(model, ())


def default_seed(model: str) -> int:
    seeds = curated_seeds(model)
    return seeds[0] if seeds else 0


def licence_note(name: str, architecture: str = "dcgan", card_licence: str = "") -> str:
    """What a user may do with this model's faces, in one paragraph ('' when unknown)."""
    if architecture == "pggan":
        return _pggan.LICENCE_NOTE
    if name == "faces64":
        return FACES64_LICENCE_NOTE
    return card_licence


@dataclass(frozen=True)
class SliderRange:
    lo: float
    hi: float
    step: float


# SeFa distances. PGGAN: genforce's and the huggan/sefa Space's +-5 in 0.2
# steps, on a code of norm sqrt(512) ~ 22.6. The 128-d faces64 code has norm
# ~11.3 but its directions need about +-6 to reach a clearly different face
# (checked by eye on seeds 0-127; artefacts start beyond ~6).
PGGAN_SEFA_RANGE = SliderRange(_pggan.SEFA_DISTANCE_MIN, _pggan.SEFA_DISTANCE_MAX, _pggan.SEFA_DISTANCE_STEP)
DCGAN_SEFA_RANGE = SliderRange(-6.0, 6.0, 0.2)
# The link decoder's outer bound, before the model (and so its range) is known.
_ANY_SEFA = max(abs(PGGAN_SEFA_RANGE.lo), abs(DCGAN_SEFA_RANGE.lo))


# -----------------------------------------------------------------------------
# the state of the sliders


@dataclass(frozen=True)
class LatentState:
    """Everything that decides the current face: what a link carries.

    dims: (dimension, offset) pairs for raw-z sliders; sefa: (index, alpha)
    pairs for the semantic sliders (only non-zero ones need to be there);
    k: how many semantic sliders are shown (None: the model's default);
    named: (name, alpha) pairs along the model's named directions
    (latent.named_directions: "age", "gender", conditional "age|gender" ...).
    """

    model: str = DEFAULT_MODEL
    seed: int = default_seed(DEFAULT_MODEL)
    psi: float = 1.0
    dims: tuple[tuple[int, float], ...] = ()
    sefa: tuple[tuple[int, float], ...] = ()
    k: int | None = None
    named: tuple[tuple[str, float], ...] = ()

    def sefa_alphas(self, k: int) -> list[float]:
        alphas = [0.0] * k
        for i, value in self.sefa:
            if i < k:
                alphas[i] = value
        return alphas


# -----------------------------------------------------------------------------
# links: state <-> query parameters

_PARAM_KEYS = ("model", "seed", "psi", "dims", "sefa", "k", "named")
NAMED_MIN, NAMED_MAX, NAMED_STEP = -5.0, 5.0, 0.1   # distance along a unit named direction
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz|")
# Streamlit's own parameters: never ours to judge.
_STREAMLIT_KEYS = ("embed", "embed_options", "lang")  # lang: the app-wide language (ui.i18n)


def _fmt(value: float) -> str:
    """Short, exact enough for sliders with 0.05-0.2 steps: 0.7, -1.2, 3."""
    text = f"{round(float(value), 4):g}"
    return "0" if text == "-0" else text


def _pairs_text(pairs) -> str:
    return ",".join(f"{i}:{_fmt(v)}" for i, v in pairs if v != 0)


def encode_query_params(state: LatentState, *, default_k: int | None = None,
                        shareable_model: bool = True) -> dict[str, str]:
    """The URL parameters of a state; values equal to the defaults are left out.

    shareable_model=False (a model trained in this browser session, which no
    one else can load) leaves the model out: the link then opens the default.
    """
    out: dict[str, str] = {}
    if shareable_model and state.model != DEFAULT_MODEL:
        out["model"] = state.model
    model = state.model if shareable_model else DEFAULT_MODEL
    if state.seed != default_seed(model):
        out["seed"] = str(int(state.seed))
    if state.psi != 1.0:
        out["psi"] = _fmt(state.psi)
    dims = _pairs_text(sorted(state.dims))
    if dims:
        out["dims"] = dims
    sefa = _pairs_text(sorted(state.sefa))
    if sefa:
        out["sefa"] = sefa
    if state.k is not None and state.k != default_k:
        out["k"] = str(int(state.k))
    named = ",".join(f"{n}:{_fmt(v)}" for n, v in sorted(state.named) if v != 0)
    if named:
        out["named"] = named
    return out


def _parse_named(text: str, notes: list) -> tuple[tuple[str, float], ...]:
    pairs: dict[str, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value_text = item.partition(":")
        try:
            if not sep or not name or not set(name) <= _NAME_CHARS or len(name) > 40:
                raise ValueError
            value = _finite(value_text)
        except ValueError:
            notes.append(f"Ignored named entry {item[:60]!r} from the link: expected name:value, for example age:1.5.")
            continue
        if not NAMED_MIN <= value <= NAMED_MAX:
            notes.append(f"Ignored named entry {item[:60]!r} from the link: the value must be between "
                         f"{_fmt(NAMED_MIN)} and {_fmt(NAMED_MAX)}.")
            continue
        pairs[name] = value
    return tuple(sorted(pairs.items()))


def _finite(text: str) -> float:
    value = float(text)  # ValueError on text; accepts "nan"/"inf", refused next
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def _int(text: str) -> int:
    text = text.strip()
    if not text.lstrip("+").isdigit():  # refuses "1e3", "1.5", "-3", "0x10"
        raise ValueError("not a whole number")
    return int(text)


def _valid_model(name: str, known_models) -> bool:
    if name in known_models:
        return True
    if name.startswith("hf:"):
        from .hub import ModelLoadError, parse_hub_source

        try:
            parse_hub_source(name)
            return True
        except ModelLoadError:
            return False
    return False


def _parse_pairs(text: str, what: str, index_limit: int, lo: float, hi: float,
                 max_pairs: int, notes: list) -> tuple[tuple[int, float], ...]:
    pairs: dict[int, float] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        index_text, sep, value_text = item.partition(":")
        try:
            if not sep:
                raise ValueError
            index, value = _int(index_text), _finite(value_text)
        except ValueError:
            notes.append(f"Ignored {what} entry {item!r} from the link: expected index:value, "
                         "for example 3:1.5.")
            continue
        if index >= index_limit:
            notes.append(f"Ignored {what} entry {item!r} from the link: the index must be below {index_limit}.")
            continue
        if not lo <= value <= hi:
            notes.append(f"Ignored {what} entry {item!r} from the link: the value must be between "
                         f"{_fmt(lo)} and {_fmt(hi)}.")
            continue
        if len(pairs) >= max_pairs and index not in pairs:
            notes.append(f"Ignored {what} entry {item!r} from the link: at most {max_pairs} are allowed.")
            continue
        pairs[index] = value
    return tuple(sorted(pairs.items()))


def decode_query_params(params: Mapping[str, object], known_models=(DEFAULT_MODEL,),
                        noise_limit: int = 4096) -> tuple[LatentState, list[str]]:
    """URL parameters -> (state, notes). Never raises.

    Every parameter that cannot be trusted (text where a number belongs, a
    seed out of range, NaN, an unknown model, an absurdly long value) is left
    at its default and explained in one note for the user. Checks that need
    the loaded model (a dimension beyond its noise size, a SeFa value beyond
    its range) are `fit_state`'s job.
    """
    notes: list[str] = []
    values: dict[str, str] = {}
    for key, raw in params.items():
        if isinstance(raw, (list, tuple)):  # a repeated parameter: the last one wins, as in Streamlit
            raw = raw[-1] if raw else ""
        text = str(raw)
        if key in _STREAMLIT_KEYS:
            continue
        if key not in _PARAM_KEYS:
            notes.append(f"Ignored the unknown link parameter {str(key)[:40]!r}.")
            continue
        if len(text) > MAX_PARAM_CHARS:
            notes.append(f"Ignored the link parameter {key!r}: its value is {len(text)} characters long.")
            continue
        values[key] = text

    model = DEFAULT_MODEL
    if "model" in values:
        name = values["model"].strip()
        if _valid_model(name, known_models):
            model = name
        else:
            notes.append(f"Ignored model={name[:80]!r} from the link: no such model here "
                         "(models trained in someone else's browser session cannot be shared); "
                         "showing the bundled faces model.")

    seed = default_seed(model)
    if "seed" in values:
        try:
            value = _int(values["seed"])
            if value > MAX_SEED:
                raise ValueError
            seed = value
        except ValueError:
            notes.append(f"Ignored seed={values['seed'][:40]!r} from the link: a seed is a whole number "
                         f"between 0 and {MAX_SEED}.")

    psi = 1.0
    if "psi" in values:
        try:
            value = _finite(values["psi"])
            if not PSI_MIN <= value <= PSI_MAX:
                raise ValueError
            psi = value
        except ValueError:
            notes.append(f"Ignored psi={values['psi'][:40]!r} from the link: truncation ψ is a number "
                         f"between {_fmt(PSI_MIN)} and {_fmt(PSI_MAX)}.")

    k = None
    if "k" in values:
        try:
            value = _int(values["k"])
            if not 1 <= value <= MAX_SEMANTICS:
                raise ValueError
            k = value
        except ValueError:
            notes.append(f"Ignored k={values['k'][:40]!r} from the link: the number of semantic sliders "
                         f"is a whole number between 1 and {MAX_SEMANTICS}.")

    dims = _parse_pairs(values.get("dims", ""), "dims", noise_limit, DIM_MIN, DIM_MAX, MAX_DIMS, notes)
    sefa = _parse_pairs(values.get("sefa", ""), "sefa", MAX_SEMANTICS, -_ANY_SEFA, _ANY_SEFA,
                        MAX_SEMANTICS, notes)
    named = _parse_named(values.get("named", ""), notes)
    return LatentState(model=model, seed=seed, psi=psi, dims=dims, sefa=sefa, k=k, named=named), notes


# -----------------------------------------------------------------------------
# the engine


QUALITY_SIZES = {"preview": 256, "thumb": 128, "tiny": 64}
PREVIEW_SIZE = QUALITY_SIZES["preview"]


def _fingerprint(generator) -> str:
    """A short hash of the first layer's weights: tells two models with the same name apart."""
    weight = generator.sefa_weight().detach().to("cpu", torch.float32).contiguous()
    return hashlib.blake2b(weight.numpy().tobytes(), digest_size=8).hexdigest()


def render_device(kind: str) -> str:
    """Where a model renders: PGGAN on the GPU when torch sees one, everything else on the CPU."""
    from .device import resolve_device

    return resolve_device("auto") if kind == "pggan" else "cpu"


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
        self.kind = "pggan" if isinstance(generator, PGGANGenerator) else "dcgan"
        self.noise_size = int(generator.noise_size)
        self.image_size = int(generator.image_size)
        self.sefa_range = PGGAN_SEFA_RANGE if self.kind == "pggan" else DCGAN_SEFA_RANGE
        self.default_k = _pggan.SEFA_NUM_SEMANTICS if self.kind == "pggan" else 5
        self.max_k = min(MAX_SEMANTICS, self.noise_size)
        self.fingerprint = _fingerprint(generator)
        # PGGAN renders on the GPU when there is one (a 1024 face: ~1 s on 2 CPU cores). A copy
        # moves, so whoever else holds the CPU model keeps it; DCGAN faces cost ms on the CPU.
        self.device = render_device(self.kind)
        if self.device != "cpu":
            self.generator = copy.deepcopy(generator).to(self.device).eval()
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._sefa = None
        self._feature_mean = None
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
        if self.kind == "dcgan" or quality == "full":
            return self.image_size
        return min(QUALITY_SIZES[quality], self.image_size)

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

    # -- latent codes -------------------------------------------------------------

    def prior_code(self, seed: int, psi: float = 1.0) -> torch.Tensor:
        """The unedited code of a seed, (1, noise_size): what edits are added to.

        DCGAN: truncate(z, psi) (the prior's mean is 0). PGGAN: pixel_norm(z),
        psi is applied later, in render().
        """
        z = latent.seed_to_z(int(seed), self.noise_size)
        if self.kind == "pggan":
            return pixel_norm(z)
        return latent.truncate(z, psi)

    def code(self, state: LatentState) -> torch.Tensor:
        """The code the generator receives for this state, (1, noise_size) float32."""
        z = self.prior_code(state.seed, state.psi).clone()
        for dim, offset in state.dims:
            if 0 <= dim < self.noise_size:
                z[0, dim] += float(offset)
        for name, alpha in state.named:
            if alpha != 0 and name in self.named:
                z = z + float(alpha) * self.named[name]
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
        return replace(state, dims=tuple(dims), sefa=tuple(sefa), k=k, named=tuple(named)), notes

    # -- rendering ------------------------------------------------------------------

    def feature_mean(self) -> torch.Tensor:
        """PGGAN: the average 4x4 feature map after layer0 over 1024 random codes (fixed seed)."""
        with self._lock:
            if self._feature_mean is None:
                z = latent.seed_to_z(0, self.noise_size, n=1024).to(self.device)
                with torch.inference_mode():
                    self._feature_mean = self.generator.layer0(pixel_norm(z)).mean(0, keepdim=True)
        return self._feature_mean

    def _pggan_forward(self, codes: torch.Tensor, psi: float, size: int) -> torch.Tensor:
        g = self.generator
        lod = g.lod_for_resolution(size)
        if psi == 1.0:
            return g.native_image(codes, lod)
        mean = self.feature_mean()
        return g.native_image(codes, lod, edit_layer0=lambda x: mean + psi * (x - mean))

    def _forward_uint8(self, codes: torch.Tensor, psi: float, size: int) -> np.ndarray:
        codes = codes.to(self.device)
        with torch.inference_mode():
            if self.kind == "pggan":
                # One 1024 forward alone peaks near 0.75 GB, so full images go one
                # at a time; small previews can share a batch.
                chunk = 1 if size >= 512 else 8
                parts = [to_image_array(self._pggan_forward(c, psi, size)) for c in codes.split(chunk)]
                return np.concatenate(parts)
            images = _dc_to_uint8(self.generator(codes))         # (B, 3, H, W) uint8
            return images.permute(0, 2, 3, 1).contiguous().numpy()

    def estimate_seconds(self, n: int, quality: str = "full") -> float:
        """How long n images at this quality will take, from the renders measured so far.

        A size not measured yet is scaled from one that was. PGGAN's cost grows
        with the number of blocks run, and more than linearly: the early
        512-channel blocks are the expensive ones, so a 128 preview still costs
        ~40 % of a 1024 image. (blocks / all blocks)^2 follows the
        multiply-add counts within ~10 %. Before any measurement: ~1 s per 1024
        face on one thread (docs/pggan-celebahq-1024.md), 5 ms per DCGAN face.
        """
        size = self.size_for(quality)
        if self.kind == "dcgan":
            with self._lock:
                return n * self._seconds_per_image.get(size, 0.005)

        def relative(side):  # share of a full image's work
            return ((math.log2(side) - 1) / (math.log2(self.image_size) - 1)) ** 2

        with self._lock:
            measured = dict(self._seconds_per_image)
        if size in measured:
            return n * measured[size]
        if measured:
            side, seconds = max(measured.items())
            return n * seconds * relative(size) / relative(side)
        return n * 1.0 * relative(size) * (self.image_size / 1024) ** 2

    def render(self, codes: torch.Tensor, psi: float = 1.0, quality: str = "full") -> np.ndarray:
        """Codes (B, noise_size) -> uint8 images (B, H, W, 3), from the cache when possible.

        psi matters only for PGGAN (DCGAN codes from prior_code are already
        truncated); quality picks PGGAN's resolution (see size_for).
        """
        codes = torch.as_tensor(codes, dtype=torch.float32).reshape(-1, self.noise_size).contiguous()
        size = self.size_for(quality)
        psi = float(psi) if self.kind == "pggan" else 1.0
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
            if key not in self._cache and images.nbytes <= self._cache_limit:
                self._cache[key] = images
                self._cache_bytes += images.nbytes
                while self._cache_bytes > self._cache_limit:
                    _, old = self._cache.popitem(last=False)
                    self._cache_bytes -= old.nbytes
        return images

    def is_cached(self, code: torch.Tensor, psi: float = 1.0, quality: str = "full") -> bool:
        codes = torch.as_tensor(code, dtype=torch.float32).reshape(-1, self.noise_size).contiguous()
        psi = float(psi) if self.kind == "pggan" else 1.0
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
    import io

    buf = io.BytesIO()
    np.save(buf, code.detach().to("cpu", torch.float32).reshape(1, -1).numpy())
    return buf.getvalue()


__all__ = [
    "DEFAULT_MODEL", "MAX_SEED", "PSI_MIN", "PSI_MAX", "PSI_STEP", "DIM_MIN", "DIM_MAX", "DIM_STEP",
    "MAX_DIMS", "MAX_SEMANTICS", "CURATED_SEEDS", "FACES64_LICENCE_NOTE", "PGGAN_SEFA_RANGE",
    "DCGAN_SEFA_RANGE", "SliderRange", "LatentState", "LatentEngine", "curated_seeds", "default_seed",
    "licence_note", "encode_query_params", "decode_query_params", "grid_seeds", "latent_npy_bytes",
    "QUALITY_SIZES", "PREVIEW_SIZE", "NAMED_MIN", "NAMED_MAX", "NAMED_STEP",
]
