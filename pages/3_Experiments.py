"""Experiments: the course's hyperparameter study, re-run with numbers.

Everything shown comes from results/course_study/ (written by
`python -m gan_core.study`); gan_core.study.results reads and compares the
runs, ui.experiments loads them, words and draws them, this page only lays
them out. The user's own runs from the Train page can be compared with the study's.
"""

from __future__ import annotations

import streamlit as st

from ui.common import page_setup
from ui.i18n import t

page_setup(t("experiments.page_title"), "🧪")

from gan_core.study import (
    design,  # noqa: E402  (after set_page_config)
    results,  # noqa: E402
)
from ui import experiments as ex  # noqa: E402
from ui import i18n, plain  # noqa: E402

RESULTS = ex.results_dir()

# ------------------------------------------------------------------ header

st.title(t("experiments.title"))
st.caption(t("experiments.intro"))

records, meta, readings = ex.load(RESULTS)
by_name = {r["name"]: r for r in records}

if not records:
    st.info(t("experiments.no_results", folder=RESULTS))
else:
    missing, planned = ex.missing_runs(records, meta)
    if missing:
        st.warning(t("experiments.incomplete", done=len(records), planned=planned, missing=i18n.join(missing)))
    with st.expander(t("experiments.how_h"), expanded=False):
        st.markdown(ex.how_text(meta))
        if meta:
            st.code(meta.get("command", ""), language="bash")
            hw = meta.get("hardware", {})
            st.caption(t("experiments.hardware", torch=hw.get("torch"), threads=hw.get("threads")))

    # ------------------------------------------------------------------ table + reading

    st.subheader(t("experiments.results_h"))
    rows, columns = ex.results_table(records)
    st.dataframe(rows, hide_index=True, width="stretch", column_config=columns)
    st.caption(t("experiments.table_caption"))

    st.subheader(t("experiments.reading_h"))
    reading = ex.reading_body(readings.get(i18n.current()) or readings.get("en"))
    if reading:
        st.markdown(reading)
    else:
        st.info(t("experiments.reading_missing"))

    # ------------------------------------------------------------------ samples per checkpoint

    st.subheader(t("experiments.samples_h"))
    left, right = st.columns([1, 2])
    with left:
        name = st.selectbox(t("experiments.run"), list(by_name), key="grid_run",
                            format_func=lambda n: ex.run_label(by_name[n]))
        run = by_name[name]
        iterations = [it for it, _ in results.grid_list(run)]
        if iterations:
            it = st.select_slider(t("experiments.checkpoint"), options=iterations, value=iterations[-1],
                                  key=f"grid_iter_{name}")
            swd_at = {c["iteration"]: c["swd"] for c in run.get("swd", [])}
            m1, m2 = st.columns(2)
            m1.metric(t("experiments.swd_here"), f"{swd_at[it]:.1f}" if swd_at.get(it) is not None else "–")
            grid = ex.raw_grid(run, it, RESULTS)
            if grid is not None:
                nearest, train_nn = ex.nearest_training(grid)
                m2.metric(t("experiments.nearest"), f"{nearest:.1f}",
                          help=t("experiments.nearest_help", train_nn=plain.num(train_nn, ".1f")))
        if run.get("diverged_at"):
            st.error(ex.run_message(run))
        ex.rerun_live(run, key="rerun_live")
        st.code(run.get("command", ""), language="bash")
    with right:
        if iterations:
            image = ex.grid_image(run, it, RESULTS)
            if image is None:
                st.warning(t("experiments.grid_missing"))
            else:
                st.image(image, caption=t("experiments.grid_caption", run=name, it=it), output_format="PNG")

    # ------------------------------------------------------------------ curves per factor

    st.subheader(t("experiments.curves_h"))
    groups = design.factor_groups()
    c1, c2 = st.columns([2, 1])
    factor = c1.radio(t("experiments.factor"), list(groups), key="factor", horizontal=True,
                      format_func=i18n.labels("experiments.factors"))
    smoothing = c2.select_slider(t("experiments.smooth"), options=[1, 5, 10, 20], value=10, key="smooth",
                                 format_func=lambda w: t("experiments.smooth_value", n=w * design.LOSS_EVERY))
    members = [(label, n) for label, n in groups[factor] if n in by_name]
    if members:
        st.plotly_chart(ex.curves_figure([by_name[n] for _, n in members],
                                         [f"{factor}={label}" for label, _ in members], smoothing),
                        key="factor_chart")
    absent = [n for _, n in groups[factor] if n not in by_name]
    if absent:
        st.caption(t("experiments.not_run", runs=i18n.join(absent)))

# ------------------------------------------------------------------ compare two runs

st.subheader(t("experiments.compare_h"))
choices = ex.compare_choices(records)
if len(choices) < 2:
    st.info(t("experiments.compare_needs_two"))
else:
    names = list(choices)
    a_col, b_col = st.columns(2)
    a_name = a_col.selectbox(t("experiments.run_a"), names, index=0, key="cmp_a")
    b_name = b_col.selectbox(t("experiments.run_b"), names, index=1, key="cmp_b")
    a, b = choices[a_name], choices[b_name]
    if a_name == b_name:
        st.info(t("experiments.pick_two"))
    else:
        st.plotly_chart(ex.curves_figure([a, b], [a_name, b_name], smoothing=5), key="compare_chart")

        common = results.common_grid_iterations(a, b)
        if common:
            it = st.select_slider(t("experiments.grids_at"), options=common, value=common[-1], key="cmp_iter")
            ga, gb = st.columns(2)
            for column, label, run in ((ga, a_name, a), (gb, b_name, b)):
                image = ex.grid_image(run, it, RESULTS)
                if image is not None:
                    column.image(image, caption=t("experiments.grid_caption_short", run=label, it=it),
                                 output_format="PNG")
        else:
            st.caption(t("experiments.no_common_grid"))

        diff = ex.diff_table(a, b)
        st.markdown(f"**{t('experiments.diff_h')}**")
        if diff:
            st.table(diff)
        else:
            st.caption(t("experiments.identical"))
