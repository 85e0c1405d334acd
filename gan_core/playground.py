"""The latent playground, as the page imports it (`from gan_core import playground as pg`).

Three modules, one job each; this one gathers their public names:

* gan_core/playground_state.py: `LatentState` (everything that decides a
  face), the sliders' limits, each model's curated seeds and licence note.
* gan_core/links.py: share links, `encode_query_params` / `decode_query_params`
  (decoding never raises: it returns the state it could trust plus one note
  per value it had to ignore).
* gan_core/latent_engine.py: `LatentEngine`, from (seed, psi, slider values)
  to pixels, with one small adapter per generator family (DCGAN, PGGAN) for
  what differs between them.
"""

from .latent_engine import (ADAPTERS, PREVIEW_SIZE, QUALITY_SIZES, DCGANAdapter, LatentEngine, PGGANAdapter,
                            grid_seeds, latent_npy_bytes, render_device)
from .links import decode_query_params, encode_query_params
from .playground_state import (CURATED_SEEDS, DCGAN_SEFA_RANGE, DEFAULT_MODEL, DIM_MAX, DIM_MIN, DIM_STEP,
                               FACES64_LICENCE_NOTE, MAX_DIMS, MAX_PARAM_CHARS, MAX_SEED, MAX_SEMANTICS,
                               NAMED_MAX, NAMED_MIN, NAMED_STEP, PGGAN_SEFA_RANGE, PSI_MAX, PSI_MIN, PSI_STEP,
                               LatentState, SliderRange, curated_seeds, default_seed, licence_note)

__all__ = [
    "DEFAULT_MODEL", "MAX_SEED", "PSI_MIN", "PSI_MAX", "PSI_STEP", "DIM_MIN", "DIM_MAX", "DIM_STEP",
    "MAX_DIMS", "MAX_SEMANTICS", "MAX_PARAM_CHARS", "CURATED_SEEDS", "FACES64_LICENCE_NOTE", "PGGAN_SEFA_RANGE",
    "DCGAN_SEFA_RANGE", "SliderRange", "LatentState", "LatentEngine", "curated_seeds", "default_seed",
    "licence_note", "encode_query_params", "decode_query_params", "grid_seeds", "latent_npy_bytes",
    "QUALITY_SIZES", "PREVIEW_SIZE", "NAMED_MIN", "NAMED_MAX", "NAMED_STEP",
    "ADAPTERS", "DCGANAdapter", "PGGANAdapter", "render_device",
]
