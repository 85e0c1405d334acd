"""Experiments: the course's hyperparameter study, re-run with numbers.

Everything shown comes from results/course_study/ (written by
`python -m gan_core.study`); gan_core.study reads and compares the runs, this
page only lays them out. The user's own runs from the Train page can be
compared with the study's.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from ui.common import ROOT, page_setup

page_setup("Experiments", "🧪")

from gan_core import study  # noqa: E402  (after set_page_config)
from gan_core.viz import upscale  # noqa: E402

ss = st.session_state
RESULTS = Path(os.environ.get("GAN_PLAYGROUND_STUDY_DIR", ROOT / "results" / "course_study"))
FACTOR_LABELS = {"lr": "learning rate", "spectral_norm": "spectral norm on D",
                 "d_train_iters": "D steps per G step", "seed": "random seed (base config)"}
COLOURS = qualitative.Plotly


def _signature(folder: Path) -> tuple:
    """Changes whenever a run file is (re)written, so a finished run shows up without a restart."""
    records = folder / study.RECORDS_DIR
    files = sorted(records.glob("*.json")) if records.is_dir() else []
    extra = [folder / "study.json", folder / "reading.md"]
    return tuple((str(p), p.stat().st_mtime_ns) for p in [*files, *extra] if p.exists())


@st.cache_data(max_entries=2, show_spinner=False)
def load(folder: str, signature: tuple):
    records = study.load_runs(folder)
    reading = Path(folder, "reading.md")
    return records, study.load_study(folder), reading.read_text() if reading.is_file() else None


@st.cache_data(max_entries=64, show_spinner=False)
def grid_png(path: str) -> np.ndarray | None:
    from PIL import Image

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"))
    except OSError:
        return None


def raw_grid(run: dict, iteration: int) -> np.ndarray | None:
    for it, item in study.grid_list(run):
        if it == iteration:
            return item if isinstance(item, np.ndarray) else grid_png(str(RESULTS / item))
    return None


def grid_image(run: dict, iteration: int) -> np.ndarray | None:
    """The run's sample grid at `iteration`, enlarged 2x so 32x32 faces are visible."""
    grid = raw_grid(run, iteration)
    if grid is None:
        return None
    return upscale(grid, 2 * grid.shape[0]) if grid.shape[0] == grid.shape[1] else grid


@st.cache_data(max_entries=1, show_spinner=False)
def training_nn() -> tuple[np.ndarray, float]:
    from gan_core.data import emoji_faces

    reference = emoji_faces(32).numpy()
    return reference, study.training_nn_distance(reference)


def smooth(values, window: int):
    """Moving average that skips missing values (a diverged loss is stored as null)."""
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    if window <= 1 or len(x) < window:
        return x
    out = np.full_like(x, np.nan)
    for i in range(len(x)):
        chunk = x[max(0, i - window + 1): i + 1]
        if np.isfinite(chunk).any():
            out[i] = np.nanmean(chunk)
    return out


def curves_figure(runs: list[dict], labels: list[str], smoothing: int) -> go.Figure:
    """SWD, D loss and G loss against iteration, one colour per run; x marks a divergence."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("SWD vs the data (lower is better)",
                                                        "discriminator loss (log)", "generator loss (log)"))
    for i, (run, label) in enumerate(zip(runs, labels)):
        colour = COLOURS[i % len(COLOURS)]
        swd = run.get("swd") or []
        if swd:
            fig.add_trace(go.Scatter(x=[c["iteration"] for c in swd], y=[c["swd"] for c in swd],
                                     mode="lines+markers", name=label, legendgroup=label,
                                     line=dict(color=colour)), row=1, col=1)
        losses = run.get("losses") or {}
        its = losses.get("iteration", [])
        for col, key in ((2, "d_loss"), (3, "g_loss")):
            if its and key in losses:
                fig.add_trace(go.Scatter(x=its, y=smooth(losses[key], smoothing), mode="lines", name=label,
                                         legendgroup=label, showlegend=not swd and col == 2,
                                         line=dict(color=colour, width=1.5)), row=1, col=col)
        if run.get("diverged_at") and its:
            y = next((v for v in reversed(losses.get("d_loss", [])) if v is not None), None)
            if y is not None:
                fig.add_trace(go.Scatter(x=[run["diverged_at"]], y=[y], mode="markers", showlegend=False,
                                         legendgroup=label, hovertext=f"{label}: diverged",
                                         marker=dict(symbol="x", size=12, color=colour)), row=1, col=2)
    fig.update_xaxes(title_text="iteration")
    # Log scale: the first iterations' losses (and lr 0.1's) are 100x the settled values.
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=3)
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=-0.2))
    return fig


def rerun_live(run: dict, key: str) -> None:
    """Hand the run's config to the Train page and go there."""
    if st.button("Re-run this config live", key=key, icon="🏋️",
                 help="Opens the Train page with this run's settings (at most 1,500 iterations)."):
        ss["train_prefill"] = study.live_config(run)
        try:
            st.switch_page("pages/2_Train.py")
        except st.errors.StreamlitAPIException:
            st.info("The settings are stored: open the **Train a GAN** page to run them.")


# ------------------------------------------------------------------ header

st.title("🧪 Experiments: the course's hyperparameter study")
st.caption("The course compared learning rates, spectral normalisation and the number of discriminator steps "
           "by looking at sample grids. Here every run is repeated with the same budget and scored with the "
           "sliced Wasserstein distance (SWD) between 329 generated faces and the 329 training faces.")

records, meta, reading = load(str(RESULTS), _signature(RESULTS))
by_name = {r["name"]: r for r in records}
user_runs = study.user_runs(ss.get("train_runs", []))

if not records:
    st.info("**No study results yet.** They are produced by\n\n"
            "```\npython -m gan_core.study --out results/course_study\n```\n\n"
            f"(expected in `{RESULTS}`). Your own runs from the Train page can still be compared below.")
else:
    planned = (meta or {}).get("planned") or [r.name for r in study.run_list()]
    missing = [n for n in planned if n not in by_name]
    if missing:
        st.warning(f"The study is incomplete: {len(records)} of {len(planned)} runs have results "
                   f"(missing: {', '.join(missing)}).")
    with st.expander("How these runs were made", expanded=False):
        base = study.BASE_CONFIG
        st.markdown(
            f"* **Base config** (the course's): emoji faces 32x32, DCGAN conv_dim {base['conv_dim']}, "
            f"noise {base['noise_size']}, D with batch norm + ReLU, least-squares loss, batch "
            f"{base['batch_size']}, Adam lr {base['lr']:g}, betas ({base['beta1']}, {base['beta2']}), seed 0.\n"
            "* **One factor at a time**: learning rate, spectral norm, D steps per G step; the base config "
            "again with seeds 1 and 2 to show how much runs differ by chance alone.\n"
            f"* **Budget**: {(meta or {}).get('iterations', '?')} iterations per run; SWD and a {study.GRID_SIDE}x{study.GRID_SIDE} grid from "
            f"fixed noise every {study.CHECKPOINT_EVERY} iterations; losses are means over "
            f"{study.LOSS_EVERY} iterations.")
        if meta:
            st.code(meta.get("command", ""), language="bash")
            hw = meta.get("hardware", {})
            st.caption(f"torch {hw.get('torch')}, {hw.get('threads')} thread, CPU shared with other jobs. "
                       "Wall times are those of that machine.")

    # ------------------------------------------------------------------ table + reading

    st.subheader("Results")
    rows = [{
        "run": r["name"],
        "factor changed": "— (base)" if r["factor"] == "base" else f"{r['factor']} = {r['value_label']}",
        "final SWD": r.get("final_swd"),
        "best SWD": r.get("best_swd"),
        "diverged?": f"yes, at step {r['diverged_at']}" if r.get("diverged_at") else "no",
        "iterations": r.get("iterations_run"),
        "wall time (min)": round(r["wall_time_s"] / 60, 1) if r.get("wall_time_s") else None,
    } for r in records]
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "final SWD": st.column_config.NumberColumn(format="%.1f"),
        "best SWD": st.column_config.NumberColumn(format="%.1f"),
    })
    st.caption("SWD x1e3, lower is better; the three seeds of the base config show the noise level.")

    st.subheader("What the data says, next to what the course said")
    if reading:
        # reading.md is also part of the results README, where it carries its own title
        lines = reading.strip().splitlines()
        st.markdown("\n".join(lines[1:] if lines and lines[0].startswith("#") else lines))
    else:
        st.info("The written reading of these results is added once the study has finished.")

    # ------------------------------------------------------------------ samples per checkpoint

    st.subheader("Samples per checkpoint")
    left, right = st.columns([1, 2])
    with left:
        name = st.selectbox("Run", list(by_name), key="grid_run",
                            format_func=lambda n: f"{n} ({by_name[n]['status']})")
        run = by_name[name]
        iterations = [it for it, _ in study.grid_list(run)]
        if iterations:
            it = st.select_slider("Checkpoint (iteration)", options=iterations, value=iterations[-1],
                                  key=f"grid_iter_{name}")
            swd_at = {c["iteration"]: c["swd"] for c in run.get("swd", [])}
            m1, m2 = st.columns(2)
            m1.metric("SWD at this checkpoint", f"{swd_at[it]:.1f}" if swd_at.get(it) is not None else "–")
            grid = raw_grid(run, it)
            if grid is not None:
                reference, train_nn = training_nn()
                tiles = study.grid_tiles(grid)[:study.GRID_SIDE ** 2]
                m2.metric("Closest training image", f"{study.nearest_training_distance(tiles, reference):.1f}",
                          help="Mean RMS pixel distance (0-255) from each sample to its nearest training "
                               "image. Copies of the training set would score near 0; the training images "
                               f"score {train_nn:.1f} against each other.")
        if run.get("diverged_at"):
            st.error(run.get("message", f"Diverged at step {run['diverged_at']}."))
        rerun_live(run, key="rerun_live")
        st.code(run.get("command", ""), language="bash")
    with right:
        if iterations:
            image = grid_image(run, it)
            if image is None:
                st.warning("This grid's image file is missing.")
            else:
                st.image(image, caption=f"{name}, iteration {it} (fixed noise)", output_format="PNG")

    # ------------------------------------------------------------------ curves per factor

    st.subheader("Curves, one factor at a time")
    groups = study.factor_groups()
    c1, c2 = st.columns([2, 1])
    factor = c1.radio("Factor", list(groups), key="factor", horizontal=True,
                      format_func=lambda f: FACTOR_LABELS.get(f, f))
    smoothing = c2.select_slider("Smooth losses over", options=[1, 5, 10, 20], value=10, key="smooth",
                                 format_func=lambda w: f"{w * study.LOSS_EVERY} iterations")
    members = [(label, n) for label, n in groups[factor] if n in by_name]
    if members:
        st.plotly_chart(curves_figure([by_name[n] for _, n in members],
                                      [f"{factor}={label}" for label, _ in members], smoothing),
                        key="factor_chart")
    absent = [n for _, n in groups[factor] if n not in by_name]
    if absent:
        st.caption(f"Not run yet: {', '.join(absent)}.")

# ------------------------------------------------------------------ compare two runs

st.subheader("Compare two runs")
choices = {f"study: {r['name']}": r for r in records}
choices.update({f"yours: {r['name']}": r for r in user_runs})
if len(choices) < 2:
    st.info("Comparing needs two runs: the study's, or your own from the **Train a GAN** page "
            "(they appear here after a run).")
else:
    names = list(choices)
    a_col, b_col = st.columns(2)
    a_name = a_col.selectbox("Run A", names, index=0, key="cmp_a")
    b_name = b_col.selectbox("Run B", names, index=1, key="cmp_b")
    a, b = choices[a_name], choices[b_name]
    if a_name == b_name:
        st.info("Pick two different runs.")
    else:
        st.plotly_chart(curves_figure([a, b], [a_name, b_name], smoothing=5), key="compare_chart")

        common = study.common_grid_iterations(a, b)
        if common:
            it = st.select_slider("Grids at iteration", options=common, value=common[-1], key="cmp_iter")
            ga, gb = st.columns(2)
            for col, label, run in ((ga, a_name, a), (gb, b_name, b)):
                image = grid_image(run, it)
                if image is not None:
                    col.image(image, caption=f"{label}, iteration {it}", output_format="PNG")
        else:
            st.caption("These runs have no sample grids at the same iteration.")

        diff = study.config_diff(a["config"], b["config"])
        st.markdown("**Config differences**")
        if diff:
            st.table({"setting": [k for k, _, _ in diff], "A": [str(v) for _, v, _ in diff],
                      "B": [str(v) for _, _, v in diff]})
        else:
            st.caption("Identical configs: any difference comes from the run itself.")
