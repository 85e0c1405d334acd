"""The quiz at the end of every theory page: a page calls `quiz("gan")`.

Multiple-choice questions (content/<lang>.json "<page>.quiz") show their options in an order drawn
for this visitor (gan_core.theory.quiz.option_order, seeded once per browser session), so the
position of the right answer tells nothing and stays put while the visitor reads. The radio's
values are the options' indices as written in the content file, so an answer survives a language
switch and is compared by index. Numeric questions ("<page>.numeric") take a typed number, in
Latin or Persian digits, and accept it within the question's tolerance.
"""

from __future__ import annotations

import secrets

import streamlit as st

from gan_core.theory.quiz import check_number, option_order
from ui import i18n
from ui.i18n import t

SEED_KEY = "quiz_seed"


def session_seed() -> int:
    """This visitor's shuffle seed: drawn on the first quiz they open, kept for the whole session."""
    if SEED_KEY not in st.session_state:
        st.session_state[SEED_KEY] = secrets.randbits(32)
    return st.session_state[SEED_KEY]


def show_number(value: float) -> str:
    """A number as the page's language writes it (ui.i18n.local_number: Persian digits and «٫» in Persian)."""
    return i18n.local_number(f"{value:.4g}")


def quiz(page: str) -> None:
    st.subheader(t("common.quiz_title"))
    st.caption(t("common.quiz_intro"))
    seed = session_seed()
    for i, q in enumerate(i18n.items(f"{page}.quiz")):
        _choice_question(page, i, q, option_order(seed, page, i, len(q["options"])))
    numeric = i18n.items(f"{page}.numeric") if "numeric" in i18n.load_content(i18n.DEFAULT)[page] else []
    for i, q in enumerate(numeric):
        _numeric_question(page, i, q)


def _choice_question(page: str, i: int, q: dict, order: list[int]) -> None:
    key = f"quiz_{page}_{i}"
    options = q["options"]
    with st.container(border=True):
        choice = st.radio(q["q"], order, format_func=lambda j, o=options: o[j], index=None, key=key)
        if st.button(t("common.check"), key=f"{key}_check"):
            st.session_state[f"{key}_checked"] = True
        if st.session_state.get(f"{key}_checked"):
            if choice is None:
                st.warning(t("common.pick_first"))
            else:
                if choice == q["answer"]:
                    st.success(t("common.correct"))
                else:
                    st.error(t("common.wrong", answer=options[q["answer"]]))
                st.markdown(q["explain"])


def _numeric_question(page: str, i: int, q: dict) -> None:
    key = f"quiz_{page}_n{i}"
    # A typed number reads right to left in Persian, like its question (ui.i18n.rtl_box_key)
    with st.container(border=True, key=i18n.rtl_box_key(key)):
        text = st.text_input(q["q"], key=key, placeholder=t("common.number_hint"), max_chars=40)
        if st.button(t("common.check"), key=f"{key}_check"):
            st.session_state[f"{key}_checked"] = True
        if st.session_state.get(f"{key}_checked"):
            verdict = check_number(text, q["answer"], q["tolerance"])
            if verdict is None:
                st.warning(t("common.not_a_number"))
            else:
                if verdict:
                    st.success(t("common.correct"))
                else:
                    st.error(t("common.wrong", answer=show_number(q["answer"])))
                st.markdown(q["explain"])
