"""Experiments: the course's hyperparameter study, re-run with numbers.

Everything shown comes from results/course_study/ (written by
`python -m gan_core.study`); gan_core.study reads and compares the runs,
ui.experiments loads and draws them, this page only lays them out. The user's
own runs from the Train page can be compared with the study's.
"""

from __future__ import annotations

import streamlit as st

from ui.common import page_setup
from ui.i18n import t

page_setup(t("experiments.page_title"), "🧪")

from gan_core import study  # noqa: E402  (after set_page_config)
from ui import experiments as ex  # noqa: E402
from ui import i18n  # noqa: E402

ss = st.session_state
RESULTS = ex.results_dir()

# ------------------------------------------------------------------ header

st.title(t("experiments.title"))
st.caption(t("experiments.intro"))

records, meta, readings = ex.load(RESULTS)
by_name = {r["name"]: r for r in records}
user_runs = study.user_runs(ss.get("train_runs", []))

if not records:
    st.info(t("experiments.no_results", folder=RESULTS))
else:
    planned = (meta or {}).get("planned") or [r.name for r in study.run_list()]
    missing = [n for n in planned if n not in by_name]
    if missing:
        st.warning(t("experiments.incomplete", done=len(records), planned=len(planned), missing=", ".join(missing)))
    with st.expander(t("experiments.how_h"), expanded=False):
        base = study.BASE_CONFIG
        st.markdown(t("experiments.how", conv_dim=base["conv_dim"], noise=base["noise_size"],
                      batch=base["batch_size"], lr=f"{base['lr']:g}", beta1=base["beta1"], beta2=base["beta2"],
                      iterations=(meta or {}).get("iterations", "?"), side=study.GRID_SIDE,
                      every=study.CHECKPOINT_EVERY, loss_every=study.LOSS_EVERY))
        if meta:
            st.code(meta.get("command", ""), language="bash")
            hw = meta.get("hardware", {})
            st.caption(t("experiments.hardware", torch=hw.get("torch"), threads=hw.get("threads")))

    # ------------------------------------------------------------------ table + reading

    st.subheader(t("experiments.results_h"))
    col = {k: t(f"experiments.table.{k}") for k in ("run", "factor", "final", "best", "diverged", "iterations", "wall")}
    rows = [{
        col["run"]: r["name"],
        col["factor"]: t("experiments.table.base") if r["factor"] == "base" else f"{r['factor']} = {r['value_label']}",
        col["final"]: r.get("final_swd"),
        col["best"]: r.get("best_swd"),
        col["diverged"]: (t("experiments.table.diverged_yes", step=r["diverged_at"]) if r.get("diverged_at")
                          else t("experiments.table.diverged_no")),
        col["iterations"]: r.get("iterations_run"),
        col["wall"]: round(r["wall_time_s"] / 60, 1) if r.get("wall_time_s") else None,
    } for r in records]
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        col["final"]: st.column_config.NumberColumn(format="%.1f"),
        col["best"]: st.column_config.NumberColumn(format="%.1f"),
    })
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
                            format_func=lambda n: f"{n} ({t('experiments.status.' + by_name[n]['status'])})"
                            if by_name[n]["status"] in ex.STATUSES else f"{n} ({by_name[n]['status']})")
        run = by_name[name]
        iterations = [it for it, _ in study.grid_list(run)]
        if iterations:
            it = st.select_slider(t("experiments.checkpoint"), options=iterations, value=iterations[-1],
                                  key=f"grid_iter_{name}")
            swd_at = {c["iteration"]: c["swd"] for c in run.get("swd", [])}
            m1, m2 = st.columns(2)
            m1.metric(t("experiments.swd_here"), f"{swd_at[it]:.1f}" if swd_at.get(it) is not None else "–")
            grid = ex.raw_grid(run, it, RESULTS)
            if grid is not None:
                reference, train_nn = ex.training_nn()
                tiles = study.grid_tiles(grid)[:study.GRID_SIDE ** 2]
                m2.metric(t("experiments.nearest"), f"{study.nearest_training_distance(tiles, reference):.1f}",
                          help=t("experiments.nearest_help", train_nn=f"{train_nn:.1f}"))
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
    groups = study.factor_groups()
    c1, c2 = st.columns([2, 1])
    factor = c1.radio(t("experiments.factor"), list(groups), key="factor", horizontal=True,
                      format_func=i18n.labels("experiments.factors"))
    smoothing = c2.select_slider(t("experiments.smooth"), options=[1, 5, 10, 20], value=10, key="smooth",
                                 format_func=lambda w: t("experiments.smooth_value", n=w * study.LOSS_EVERY))
    members = [(label, n) for label, n in groups[factor] if n in by_name]
    if members:
        st.plotly_chart(ex.curves_figure([by_name[n] for _, n in members],
                                         [f"{factor}={label}" for label, _ in members], smoothing),
                        key="factor_chart")
    absent = [n for _, n in groups[factor] if n not in by_name]
    if absent:
        st.caption(t("experiments.not_run", runs=", ".join(absent)))

# ------------------------------------------------------------------ compare two runs

st.subheader(t("experiments.compare_h"))
study_prefix, user_prefix = t("experiments.prefix_study"), t("experiments.prefix_yours")
choices = {f"{study_prefix}: {r['name']}": r for r in records}
choices.update({f"{user_prefix}: {r['name']}": r for r in user_runs})
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

        common = study.common_grid_iterations(a, b)
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

        diff = study.config_diff(a["config"], b["config"])
        st.markdown(f"**{t('experiments.diff_h')}**")
        if diff:
            st.table({t("experiments.diff_setting"): [k for k, _, _ in diff], "A": [str(v) for _, v, _ in diff],
                      "B": [str(v) for _, _, v in diff]})
        else:
            st.caption(t("experiments.identical"))
