"""Share links: a `LatentState` <-> URL query parameters.

`encode_query_params` writes only what differs from the defaults;
`decode_query_params` never raises: it returns the state it could trust plus
one note per value it had to ignore (the page shows them, in the visitor's
language: content/*.json `playground.notes` mirror these sentences). The notes are
a few lines whatever the link holds (the rest is counted: "… and 590 more values
were ignored"), and every value they repeat is quoted short and neutral
(gan_core/textsafe.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from ..textsafe import BoundedNotes, quote
from ..training import links as link_values
from . import custom
from .state import (
    ANY_SEFA,
    DEFAULT_MODEL,
    DIM_MAX,
    DIM_MIN,
    MAX_DIMS,
    MAX_PARAM_CHARS,
    MAX_SEED,
    MAX_SEMANTICS,
    NAMED_MAX,
    NAMED_MIN,
    PSI_MAX,
    PSI_MIN,
    LatentState,
    default_seed,
)
from .state import fmt as _fmt

_PARAM_KEYS = ("model", "seed", "psi", "dims", "sefa", "k", "named", "mine")
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz|")
# Streamlit's own parameters: never ours to judge.
_STREAMLIT_KEYS = ("embed", "embed_options", "lang")  # lang: the app-wide language (ui.i18n)


def _pairs_text(pairs) -> str:
    """((key, value), ...) -> 'key:value,...', zeros left out (a slider at rest needs no entry)."""
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
    named = _pairs_text(sorted(state.named))
    if named:
        out["named"] = named
    if state.mine is not None:        # the visitor's own slider travels even at 0: it is part of the page
        out["mine"] = custom.slider_text(state.mine, state.mine_alpha)
    return out


# One reading of a link's numbers for every page's link (gan_core/training/links.py).
_finite = link_values.finite
_int = link_values.whole


def _valid_model(name: str, known_models) -> bool:
    if name in known_models:
        return True
    if name.startswith("hf:"):
        from ..hub.files import ModelLoadError
        from ..hub.refs import parse_hub_source

        try:
            parse_hub_source(name)
            return True
        except ModelLoadError:
            return False
    return False


def _name(text: str) -> str:
    """A named direction's key: lower-case letters and '|' ("age|gender"), at most 40."""
    if not text or not set(text) <= _NAME_CHARS or len(text) > 40:
        raise ValueError("not a direction name")
    return text


_INDEX_FORM = "index:value, for example 3:1.5"
_NAME_FORM = "name:value, for example age:1.5"


def _parse_pairs(text: str, what: str, key, form: str, lo: float, hi: float, notes: list, *,
                 index_limit: int | None = None, max_pairs: int | None = None,
                 echo_chars: int | None = None) -> tuple[tuple, ...]:
    """'key:value,key:value' -> sorted ((key, value), ...), the last value of a key winning.

    key parses the text before ':' (ValueError if malformed). Every entry that
    cannot be used is dropped with one note: malformed, index at or past
    index_limit, value outside [lo, hi], or more than max_pairs keys.
    """
    pairs: dict = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        shown = quote(item, echo_chars or 40)
        key_text, sep, value_text = item.partition(":")
        try:
            if not sep:
                raise ValueError
            k, value = key(key_text), _finite(value_text)
        except ValueError:
            notes.append(f"Ignored {what} entry {shown} from the link: expected {form}.")
            continue
        if index_limit is not None and k >= index_limit:
            notes.append(f"Ignored {what} entry {shown} from the link: the index must be below {index_limit}.")
            continue
        if not lo <= value <= hi:
            notes.append(f"Ignored {what} entry {shown} from the link: the value must be between "
                         f"{_fmt(lo)} and {_fmt(hi)}.")
            continue
        if max_pairs is not None and len(pairs) >= max_pairs and k not in pairs:
            notes.append(f"Ignored {what} entry {shown} from the link: at most {max_pairs} are allowed.")
            continue
        pairs[k] = value
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
    notes = BoundedNotes()   # a few lines, whatever the link holds: the rest is counted
    values: dict[str, str] = {}
    for key in params:
        text = link_values.one(params, key) or ""   # a repeated parameter: the last one wins
        if key in _STREAMLIT_KEYS:
            continue
        if key not in _PARAM_KEYS:
            notes.append(f"Ignored the unknown link parameter {quote(key)}.")
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
            notes.append(f"Ignored model={quote(name)} from the link: no such model here "
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
            notes.append(f"Ignored seed={quote(values['seed'])} from the link: a seed is a whole number "
                         f"between 0 and {MAX_SEED}.")

    psi = 1.0
    if "psi" in values:
        try:
            value = _finite(values["psi"])
            if not PSI_MIN <= value <= PSI_MAX:
                raise ValueError
            psi = value
        except ValueError:
            notes.append(f"Ignored psi={quote(values['psi'])} from the link: truncation ψ is a number "
                         f"between {_fmt(PSI_MIN)} and {_fmt(PSI_MAX)}.")

    k = None
    if "k" in values:
        try:
            value = _int(values["k"])
            if not 1 <= value <= MAX_SEMANTICS:
                raise ValueError
            k = value
        except ValueError:
            notes.append(f"Ignored k={quote(values['k'])} from the link: the number of semantic sliders "
                         f"is a whole number between 1 and {MAX_SEMANTICS}.")

    dims = _parse_pairs(values.get("dims", ""), "dims", _int, _INDEX_FORM, DIM_MIN, DIM_MAX, notes,
                        index_limit=noise_limit, max_pairs=MAX_DIMS)
    sefa = _parse_pairs(values.get("sefa", ""), "sefa", _int, _INDEX_FORM, -ANY_SEFA, ANY_SEFA, notes,
                        index_limit=MAX_SEMANTICS, max_pairs=MAX_SEMANTICS)
    named = _parse_pairs(values.get("named", ""), "named", _name, _NAME_FORM, NAMED_MIN, NAMED_MAX, notes,
                         echo_chars=60)
    mine, mine_alpha = None, 0.0
    if "mine" in values:
        # Only the labels travel: the direction is fitted again here, so no link can hand the
        # generator an arbitrary vector (and a tampered label string is refused whole).
        try:
            mine, mine_alpha = custom.parse_slider_text(values["mine"])
        except custom.SliderError as exc:
            notes.append(f"Ignored mine={quote(values['mine'], 60)} from the link: {exc}")
    return LatentState(model=model, seed=seed, psi=psi, dims=dims, sefa=sefa, k=k, named=named, mine=mine,
                       mine_alpha=mine_alpha), notes.lines()
