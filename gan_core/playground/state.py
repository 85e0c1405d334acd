"""What decides a playground face: `LatentState`, the sliders' limits, each model's seeds and licence.

Shared by the page (gan_core/playground.py re-exports it all), the link codec
(gan_core/links.py) and the engine (gan_core/latent_engine.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import pggan as _pggan

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
NAMED_MIN, NAMED_MAX, NAMED_STEP = -5.0, 5.0, 0.1   # distance along a unit named direction
# A slider of the visitor's own (playground/custom.py): faces per labelling page, pages at most,
# the name's length, and the attributes its "keep" options can hold fixed.
MINE_PAGE_SIZE = 24
MINE_MAX_PAGES = 8
MINE_MAX_NAME = 40
MINE_KEEP = ("age", "gender")

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
ANY_SEFA = max(abs(PGGAN_SEFA_RANGE.lo), abs(DCGAN_SEFA_RANGE.lo))


# -----------------------------------------------------------------------------
# the state of the sliders


@dataclass(frozen=True)
class SliderSpec:
    """A visitor's own slider, as labels: everything needed to fit it again, anywhere.

    marks: one entry per labelling face in page order (custom.label_seeds):
    0 skipped, 1 "hasn't it", 2 "has it"; trailing zeros are dropped. keep: the
    shipped normals ("age", "gender") the fitted direction is made orthogonal to.
    The direction is a deterministic function of (model, marks, keep), so a link
    carries the labels, not 128 floats.
    """

    name: str = ""
    marks: tuple[int, ...] = ()
    keep: tuple[str, ...] = ()


@dataclass(frozen=True)
class LatentState:
    """Everything that decides the current face: what a link carries.

    dims: (dimension, offset) pairs for raw-z sliders; sefa: (index, alpha)
    pairs for the semantic sliders (only non-zero ones need to be there);
    k: how many semantic sliders are shown (None: the model's default);
    named: (name, alpha) pairs along the model's named directions
    (latent.named_directions: "age", "gender", conditional "age|gender" ...);
    mine, mine_alpha: the visitor's own slider (SliderSpec) and its value.
    """

    model: str = DEFAULT_MODEL
    seed: int = default_seed(DEFAULT_MODEL)
    psi: float = 1.0
    dims: tuple[tuple[int, float], ...] = ()
    sefa: tuple[tuple[int, float], ...] = ()
    k: int | None = None
    named: tuple[tuple[str, float], ...] = ()
    mine: SliderSpec | None = None
    mine_alpha: float = 0.0

    def sefa_alphas(self, k: int) -> list[float]:
        alphas = [0.0] * k
        for i, value in self.sefa:
            if i < k:
                alphas[i] = value
        return alphas


def fmt(value: float) -> str:
    """Short, exact enough for sliders with 0.05-0.2 steps: 0.7, -1.2, 3."""
    text = f"{round(float(value), 4):g}"
    return "0" if text == "-0" else text
