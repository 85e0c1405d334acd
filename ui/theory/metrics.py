"""The course page's "how to score a GAN", measured live (pages/8_The_course_DCGAN.py lays it out):
SWD per-set vs shared on a real set and its colour-shifted copies (gan_core.theory.scoring), and
precision / recall of the bundled faces64 generator at several psi in the attribute model's feature
space (gan_core.faces.scores). Both are computed once per server on request and cached.
"""

import streamlit as st
import torch

from gan_core.faces import load_attribute_model
from gan_core.faces.scores import truncation_sweep
from gan_core.theory.scoring import swd_blind_spot
from ui.common import load_model
from ui.i18n import t

PSIS = (1.0, 0.7, 0.4)


@st.cache_data(max_entries=1, show_spinner=False)
def blind_spot():
    rows, seconds = swd_blind_spot()
    return [(r.shift, r.per_set, r.shared, r.colour_error) for r in rows], seconds


@st.cache_data(max_entries=1, show_spinner=False)
def precision_recall_rows(n: int = 500):
    generator, _ = load_model("faces64")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)        # a shared server: one thread degrades gracefully under load
    try:
        rows = truncation_sweep(generator, load_attribute_model(), psis=PSIS, n=n)
    finally:
        torch.set_num_threads(threads)
    return [(r.psi, r.scores.precision, r.scores.recall, r.seconds) for r in rows]


def _table(head: list[str], rows: list[list[str]]) -> str:
    return ("| " + " | ".join(head) + " |\n|" + "---|" * len(head) + "\n"
            + "\n".join("| " + " | ".join(r) + " |" for r in rows))


def metrics_lab(n: int = 500) -> None:
    """The button, then both tables with their readings, and what each metric cannot see."""
    st.subheader(t("theorylab.metrics.h"))
    st.markdown(t("theorylab.metrics.intro"))
    if st.button(t("theorylab.metrics.button"), key="metrics_measure"):
        st.session_state["metrics_measured"] = True
    if st.session_state.get("metrics_measured"):
        with st.spinner(t("theorylab.metrics.running")):
            swd_rows, swd_seconds = blind_spot()
            pr_rows = precision_recall_rows(n)
        m = "theorylab.metrics"
        st.markdown(_table([t(f"{m}.swd_table.{k}") for k in ("shift", "per_set", "shared", "colour")],
                           [[t(f"{m}.shifts.{name}"), f"{per:.1f}", f"{shared:.1f}", f"{colour:.1%}"]
                            for name, per, shared, colour in swd_rows]))
        st.caption(t(f"{m}.swd_after", seconds=swd_seconds))
        st.markdown(_table([t(f"{m}.pr_table.{k}") for k in ("set", "precision", "recall", "seconds")],
                           [[t(f"{m}.pr_floor") if psi is None else f"ψ = {psi:g}", f"{p:.3f}", f"{r:.3f}",
                             f"{s:.1f}"] for psi, p, r, s in pr_rows]))
        st.caption(t(f"{m}.pr_after", n=n))
    st.markdown(t("theorylab.metrics.blind"))
