"""The playground's controls: the seed, the named sliders (age, gender ...), the SeFa and raw
sliders, Reset, and the bias audit under them.
"""

from __future__ import annotations

import secrets

import streamlit as st

from gan_core import playground as pg
from gan_core.playground import directions as latent
from ui import i18n
from ui.playground import custom as mine

# Slider values survive a visit to another page and back (Streamlit drops them otherwise).
KEEP = "session"


# -----------------------------------------------------------------------------
# seed control


def _random_seed(key: str) -> None:
    st.session_state[f"{key}_seed"] = secrets.randbelow(pg.MAX_SEED + 1)


def _curated_pick(key: str) -> None:
    seed = st.session_state.get(f"{key}_curated")
    if seed is not None:
        st.session_state[f"{key}_seed"] = int(seed)


def seed_control(key: str = "pg", curated=(), where=None, default: int = 0) -> int:
    """Seed number + "Random" + curated seeds. Returns the seed."""
    where = where or st
    ss = st.session_state
    seed_key, curated_key = f"{key}_seed", f"{key}_curated"
    ss.setdefault(seed_key, default)
    seed = where.number_input(i18n.t("playground.seed"), min_value=0, max_value=pg.MAX_SEED, step=1, key=seed_key,
                              persist_state=KEEP, help=i18n.t("playground.seed_help"))
    where.button(i18n.t("playground.random_seed"), key=f"{key}_random", on_click=_random_seed, args=(key,), width="stretch")
    if curated:
        # Highlight the curated seed in use, if any (set before the widget is drawn).
        ss[curated_key] = seed if seed in curated else None
        where.pills(i18n.t("playground.curated"), list(curated), key=curated_key, on_change=_curated_pick,
                    args=(key,), help=i18n.t("playground.curated_help"))
    return int(seed)


# -----------------------------------------------------------------------------
# the playground's slider panel


def reset_sliders(key: str = "pg", psi: bool = True) -> None:
    """Semantic and raw-dimension sliders back to 0 (and psi to 1): the seed's own face."""
    ss = st.session_state
    for name in list(ss.keys()):
        if isinstance(name, str) and (name.startswith(f"{key}_sefa_") or name.startswith(f"{key}_dim_")
                                      or name.startswith(f"{key}_named_") or name == mine.MINE_ALPHA):
            ss[name] = 0.0
    if psi:
        ss[f"{key}_psi"] = 1.0


def forget_sliders(key: str = "pg") -> None:
    """After a model switch: the old ranges and dimensions may not exist in the new model."""
    ss = st.session_state
    for name in list(ss.keys()):
        if isinstance(name, str) and (name.startswith(f"{key}_sefa_") or name.startswith(f"{key}_dim_")
                                      or name.startswith(f"{key}_named_")):
            del ss[name]
    ss.pop(f"{key}_keep", None)
    ss.pop(f"{key}_dims", None)
    ss.pop(f"{key}_k", None)
    mine.forget(key)


def apply_state(state: pg.LatentState, key: str = "pg") -> None:
    """Put a state's values into the widgets' session state (before they are drawn)."""
    ss = st.session_state
    forget_sliders(key)
    ss[f"{key}_seed"] = int(state.seed)
    ss[f"{key}_psi"] = float(state.psi)
    if state.k is not None:
        ss[f"{key}_k"] = int(state.k)
    ss[f"{key}_dims"] = [d for d, _ in state.dims]
    for d, value in state.dims:
        ss[f"{key}_dim_{d}"] = float(value)
    for i, value in state.sefa:
        ss[f"{key}_sefa_{i}"] = float(value)
    for name, value in state.named:
        base = name.split("|")[0]
        ss[f"{key}_named_{base}"] = float(value)
        if "|" in name:
            ss[f"{key}_keep"] = True
    mine.apply(state)


# The sliders of the named directions, in order; a conditional variant replaces
# the plain one when "keep the other one" is on.
NAMED_ORDER = ("age", "gender", "smile", "eyeglasses", "pose")
KEEP_PAIRS = {"age": "age|gender", "gender": "gender|age"}


def named_effect_caption(base: str, effects: dict, name: str | None = None) -> str:
    """'+1 ≈ +N years on average ...' from the measured effect of +3 along direction `name`
    (default `base`; e.g. base "age", name "age|gender" when the other one is kept)."""
    e = effects.get(name or base)
    if not e or base not in ("age", "gender"):
        return ""
    years, female = e["age_mean"] / e["distance"], e["female_mean"] / e["distance"]
    return i18n.t(f"named.effect_{base}", years=years, female=female)


def sefa_effect_caption(effect: dict) -> str:
    """What a SeFa direction measurably changes (age, gender, both, none), per unit of slider."""
    years, female = effect["age_mean"] / effect["distance"], effect["female_mean"] / effect["distance"]
    return i18n.t(f"named.sefa_{effect['reading']}", years=years, female=female)


def named_controls(engine: pg.LatentEngine, model: str, key: str = "pg", where=None) -> tuple:
    """Named sliders (Age, Gender, ... and "keep the other one"), each captioned with its measured
    effect. Returns the (name, alpha) pairs for the state; () for a model without named directions."""
    if not engine.named:
        return ()
    where = where or st
    ss = st.session_state
    info = latent.named_info(model)
    effects = info.get("effects", {})
    where.subheader(i18n.t("named.title"))
    where.caption(i18n.t("named.intro"))
    has_pairs = all(v in engine.named for v in KEEP_PAIRS.values())
    keep = False
    if has_pairs:
        ss.setdefault(f"{key}_keep", False)
        keep = where.toggle(i18n.t("named.keep"), key=f"{key}_keep", persist_state=KEEP, help=i18n.t("named.keep_help"))
    named = []
    for base in NAMED_ORDER:
        if base not in engine.named:
            continue
        name = KEEP_PAIRS[base] if keep and base in KEEP_PAIRS else base
        ss.setdefault(f"{key}_named_{base}", 0.0)
        value = where.slider(i18n.t(f"named.{base}"), pg.NAMED_MIN, pg.NAMED_MAX, step=pg.NAMED_STEP,
                             key=f"{key}_named_{base}", persist_state=KEEP)
        caption = named_effect_caption(base, effects, name)
        if caption:
            where.caption(caption)
        if value != 0:
            named.append((name, float(value)))
    if engine.kind == "pggan":
        where.caption(i18n.t("named.pggan_sign") + " " + i18n.t("named.pggan_credit"))
    return tuple(named)


def latent_controls(engine: pg.LatentEngine, model: str, seed: int, key: str = "pg",
                    where=None) -> pg.LatentState:
    """ψ, the SeFa sliders, the raw-dimension sliders and Reset. Returns the state they describe."""
    where = where or st
    ss = st.session_state

    ss.setdefault(f"{key}_psi", 1.0)
    psi = where.slider(
        i18n.t("playground.psi"), pg.PSI_MIN, pg.PSI_MAX, step=pg.PSI_STEP, key=f"{key}_psi", persist_state=KEEP,
        help=i18n.t("playground.psi_help"))
    if engine.kind == "pggan":
        where.caption(i18n.t("playground.psi_pggan"))
        from gan_core.device import device_name
        from ui.i18n import t

        gpu = engine.device != "cpu"
        where.caption(t("presets.pggan_gpu" if gpu else "presets.pggan_cpu", name=device_name(engine.device)))

    named = named_controls(engine, model, key, where)
    own, own_alpha = mine.mine_slider(engine, where)
    sefa_effects = latent.named_info(model).get("sefa_effects", [])

    where.subheader(i18n.t("playground.sefa_title"))
    ss.setdefault(f"{key}_k", engine.default_k)
    ss[f"{key}_k"] = min(int(ss[f"{key}_k"]), engine.max_k)
    k = where.number_input(i18n.t("playground.k"), 1, engine.max_k, step=1, key=f"{key}_k", persist_state=KEEP,
                           help=i18n.t("playground.k_help"))
    _, eigvals = engine.directions(int(k))
    r = engine.sefa_range
    sefa = []
    for i in range(int(k)):
        ss.setdefault(f"{key}_sefa_{i}", 0.0)
        value = where.slider(i18n.t("playground.semantic", i=i + 1, value=float(eigvals[i])), r.lo, r.hi,
                             step=r.step, key=f"{key}_sefa_{i}", persist_state=KEEP)
        if i < len(sefa_effects):
            where.caption(sefa_effect_caption(sefa_effects[i]))
        if value != 0:
            sefa.append((i, float(value)))

    where.subheader(i18n.t("playground.raw_title"))
    dims_key = f"{key}_dims"
    ss[dims_key] = [d for d in ss.get(dims_key, []) if 0 <= d < engine.noise_size]
    chosen = where.multiselect(i18n.t("playground.dims", last=engine.noise_size - 1),
                               list(range(engine.noise_size)), key=dims_key, max_selections=pg.MAX_DIMS,
                               persist_state=KEEP,
                               placeholder=i18n.t("playground.dims_placeholder"))
    dims = []
    for d in chosen:
        ss.setdefault(f"{key}_dim_{d}", 0.0)
        value = where.slider(f"z[{d}]", pg.DIM_MIN, pg.DIM_MAX, step=pg.DIM_STEP, key=f"{key}_dim_{d}",
                             persist_state=KEEP)
        if value != 0:
            dims.append((int(d), float(value)))

    where.button(i18n.t("playground.reset"), key=f"{key}_reset", on_click=reset_sliders, args=(key,),
                 width="stretch", help=i18n.t("playground.reset_help"))
    return pg.LatentState(model=model, seed=seed, psi=float(psi), dims=tuple(dims), sefa=tuple(sefa), k=int(k),
                          named=named, mine=own, mine_alpha=own_alpha)


def bias_audit(model: str, where=None) -> None:
    """An expander: predicted age histogram and gender share of generated faces vs training photos."""
    audit = latent.named_info(model).get("audit")
    if not audit:
        return
    from gan_core.faces import audit_reading

    # Lazy (on_change="rerun"): building the chart is about half of a slider move's server time
    # (measured with AppTest: 85 -> 41-58 ms per rerun without it), so it runs only while open.
    box = (where or st).expander(i18n.t("named.audit_title"), key="pg_audit", on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption(i18n.t("named.audit_intro", n_generated=audit["n_generated"], n_photos=audit["n_photos"]))
        import pandas as pd

        table = pd.DataFrame({i18n.t("named.audit_generated"): audit["generated"],
                              i18n.t("named.audit_photos"): audit["photos"]}, index=audit["bins"])
        st.bar_chart(table, x_label=i18n.t("named.audit_age_axis"), y_label=i18n.t("named.audit_share_axis"),
                     stack=False, height=260)
        st.markdown(i18n.t("named.audit_female", generated=audit["generated_female"], photos=audit["photos_female"],
                           labels=audit["labels_female"]))
        under, over = audit_reading(audit["generated"], audit["photos"])
        ratio = lambda pairs: i18n.join(i18n.t("named.audit_ratio", bin=b, ratio=r) for b, r in pairs)  # noqa: E731
        if under:
            st.markdown(i18n.t("named.audit_under", bins=ratio(under)))
        if over:
            st.markdown(i18n.t("named.audit_over", bins=ratio(over)))
        if not under and not over:
            st.markdown(i18n.t("named.audit_balanced"))
        st.caption(i18n.t("named.audit_note"))


def dims_caption(engine: pg.LatentEngine, state: pg.LatentState, key: str = "pg") -> str:
    """How little one raw dimension means, measured on the current face."""
    chosen = st.session_state.get(f"{key}_dims") or []
    n = engine.noise_size
    if not chosen:
        return i18n.t("playground.dims_none", n=n)
    dim = int(chosen[0])
    base = engine.prior_code(state.seed, state.psi)
    dim_change, sefa_change = engine.dim_vs_sefa_change(base, dim, 2.0, state.psi)
    return i18n.t("playground.dims_one", n=n, dim=dim, dim_change=100 * dim_change, sefa_change=100 * sefa_change)
