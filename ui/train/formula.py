"""The Train page's "write your own loss": the two formulas, what's wrong with them, and before Start,
what G's loss asks of G (gan_core.training.formula does the work; this draws it).

The editor starts from the selected loss's formula (BUILTIN_FORMULAS) and follows that loss while it
is off; switched on, the text is the user's and TrainConfig.d_loss / g_loss carry it (the shown CLI
command, the model card and a prefill from another page carry it too).
"""

from __future__ import annotations

import streamlit as st

from gan_core.training import BUILTIN_FORMULAS, MAX_LENGTH, FormulaError, check_text
from ui import formula as shared
from ui.i18n import engine_error, labels, t
from ui.train.settings import loss_labels, mark_custom

ROLES = (("d", "tr_d_formula"), ("g", "tr_g_formula"))


def _load(name: str) -> None:
    """Put the formulas of built-in loss `name` into the editor (before the widgets are drawn)."""
    ss = st.session_state
    start = BUILTIN_FORMULAS[name]
    ss["tr_d_formula"], ss["tr_g_formula"] = start.d, start.g
    ss["tr_formula_start"] = name


def _on_start() -> None:
    _load(st.session_state["tr_formula_start"])
    mark_custom()


def _on_toggle() -> None:
    if st.session_state.get("tr_formula_on"):
        _load(st.session_state.get("tr_loss", "lsgan"))
    mark_custom()


def refusals(values) -> list[str]:
    """Why each formula cannot train, in the page's language ([] when both are fine or the editor is off)."""
    if not values.get("tr_formula_on"):
        return []
    out = []
    for role, key in ROLES:
        try:
            check_text(str(values.get(key) or ""), role)
        except FormulaError as exc:
            out.append(t("formula.invalid", role=t(f"formula.roles.{role}"), error=engine_error(exc)))
    return out


def editor(running: bool, locked=frozenset()) -> None:
    """The expander: switch, starting point, the two formulas, their refusals, and the profile.
    `locked`: widget keys a class link fixes (drawn disabled; ui/train/queue.py enforces them)."""
    ss = st.session_state
    on = bool(ss.get("tr_formula_on"))
    if not on and not running:      # off: the text follows the selected loss, ready to be edited
        _load(ss.get("tr_loss", "lsgan"))
    with st.expander(t("formula.editor"), expanded=on):
        st.toggle(t("formula.use"), key="tr_formula_on", on_change=_on_toggle,
                  disabled=running or "tr_formula_on" in locked,
                  help=t("formula.use_help"), persist_state="session")
        st.selectbox(t("formula.start_from"), list(BUILTIN_FORMULAS), format_func=labels("formula.starts"),
                     key="tr_formula_start", on_change=_on_start,
                     disabled=running or not on or "tr_formula_start" in locked,
                     persist_state="session")
        st.caption(t("formula.language", limit=MAX_LENGTH))
        for role, key in ROLES:
            st.text_input(t(f"formula.{role}_label"), key=key, max_chars=MAX_LENGTH, on_change=mark_custom,
                          disabled=running or not on or key in locked, persist_state="session")
        for text in refusals(ss):
            st.error(text)
        st.caption(t("formula.keeps", loss=loss_labels()(ss.get("tr_loss", "lsgan"))))
        if on:      # what your G loss asks of G (the built-in losses' own stories are on the theory pages)
            shared.preview(ss.get("tr_g_formula"), ss.get("tr_d_formula"), chart_key="tr_formula_profile")
