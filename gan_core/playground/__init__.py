"""The latent playground's engine: from (seed, psi, slider values) to pixels, and back to a link.

* state.py: `LatentState` (everything that decides a face), the sliders' limits, curated seeds.
* directions.py: seeds to codes, slerp, truncation, SeFa and the named (age, gender ...) directions.
* custom.py: a slider of the visitor's own, fitted from faces they labelled (and its link form).
* dissect.py: paint with units (GAN Dissection): feature maps, edits in a painted region, rankings.
* engine.py: `LatentEngine`, with one adapter per generator family (DCGAN, PGGAN).
* links.py: share links (`encode_query_params` / `decode_query_params`, which never raises).
"""

from .state import (ANY_SEFA, CURATED_SEEDS, DCGAN_SEFA_RANGE, DEFAULT_MODEL, DIM_MAX, DIM_MIN,
                    DIM_STEP, FACES64_LICENCE_NOTE, MAX_DIMS, MAX_PARAM_CHARS, MAX_SEED,
                    MAX_SEMANTICS, NAMED_MAX, NAMED_MIN, NAMED_STEP, PGGAN_SEFA_RANGE, PSI_MAX,
                    PSI_MIN, PSI_STEP, LatentState, SliderRange, SliderSpec, curated_seeds, default_seed,
                    fmt, licence_note)
from .directions import (NAMED_FILE, PGGAN_BOUNDARIES, PGGAN_DIR, apply_directions, lerp,
                         named_directions, named_info, seed_to_z, sefa_directions, slerp, truncate)
from .custom import (FittedSlider, SliderError, fit_slider, label_seeds, make_spec, measure_slider,
                     parse_slider_text, slider_json, slider_text, spec_from_json)
from .engine import (ADAPTERS, PREVIEW_SIZE, QUALITY_SIZES, DCGANAdapter, LatentEngine,
                     PGGANAdapter, adapter_class, grid_seeds, latent_npy_bytes, render_device)
from .links import decode_query_params, encode_query_params
from .dissect import Dissector, Layer, PaintResult, Ranking, UnitEffect, edited

__all__ = [
    "DEFAULT_MODEL", "MAX_SEED", "PSI_MIN", "PSI_MAX", "PSI_STEP", "DIM_MIN", "DIM_MAX", "DIM_STEP",
    "MAX_DIMS", "MAX_SEMANTICS", "MAX_PARAM_CHARS", "NAMED_MIN", "NAMED_MAX", "NAMED_STEP", "CURATED_SEEDS",
    "FACES64_LICENCE_NOTE", "curated_seeds", "default_seed", "licence_note", "SliderRange",
    "PGGAN_SEFA_RANGE", "DCGAN_SEFA_RANGE", "ANY_SEFA", "LatentState", "fmt", "seed_to_z", "lerp", "slerp",
    "truncate", "sefa_directions", "apply_directions", "NAMED_FILE", "PGGAN_BOUNDARIES", "PGGAN_DIR",
    "named_info", "named_directions", "QUALITY_SIZES", "PREVIEW_SIZE", "DCGANAdapter", "PGGANAdapter",
    "ADAPTERS", "adapter_class", "render_device", "LatentEngine", "grid_seeds", "latent_npy_bytes",
    "encode_query_params", "decode_query_params", "SliderSpec", "FittedSlider", "SliderError", "fit_slider",
    "label_seeds", "make_spec", "measure_slider", "parse_slider_text", "slider_text", "slider_json",
    "spec_from_json", "Dissector", "Layer", "PaintResult", "Ranking", "UnitEffect", "edited"
]
