"""Derivations a reader can unfold (d2l.ai style): one expander per derivation, text in content/*.json
under theorylab.deriv.NAME (title, body). The theory pages call derivation("optd") where it belongs."""

import streamlit as st

from ui.i18n import t

DERIVATIONS = ("optd", "jsd", "ns", "kr", "power")


def derivation(name: str) -> None:
    """A closed expander titled theorylab.deriv.NAME.title holding its body (markdown with LaTeX)."""
    if name not in DERIVATIONS:
        raise ValueError(f"unknown derivation {name!r}; choose one of {', '.join(DERIVATIONS)}")
    with st.expander(t(f"theorylab.deriv.{name}.title")):
        st.markdown(t(f"theorylab.deriv.{name}.body"))
