"""The Train page's run: start and stop, the live panel, keeping a finished run and comparing two.

The run waits in the server's queue and trains on a worker (gan_core.jobs.JobService,
ui/train/queue.py); these functions submit it, stop or cancel it and draw its snapshots.
Each draws one section of the page, in page order.
"""

from __future__ import annotations

import streamlit as st

from gan_core.device import device_name
from gan_core.jobs import (
    AlreadyInLine,
    TrainingJob,
    checkpoint_zip,
    memorisation_check,
    model_info_for,
    timeline_gif,
    trained_copy,
)
from ui import plain
from ui.common import session_is_connected, session_models
from ui.handoff import KeptRun, keep_run, kept_runs
from ui.i18n import t
from ui.train import charts
from ui.train import messages as msg
from ui.train import queue
from ui.train.settings import fix_penalty_batch_norm, health_text, loss_formula, warnings_for

KEPT_RUNS = 2          # finished runs kept for downloads and comparison; a pinned baseline is kept separately
QUEUED_POLL_S = 1.0    # how often a tab with a place in line asks for its place (a running run: every 0.5 s)


# ---------------------------------------------------------------- start / stop

def start_job(config, data, service, bound, link=None):
    """Start's callback: join the server's queue (the worker loads a registry dataset itself;
    uploaded images travel with the run). The class link is enforced here, on the server."""
    ss = st.session_state
    ss["train_notice"] = None
    n = ss.get("train_run_count", 0) + 1
    images = data.images
    cap = bound.max_seconds
    if link is not None:
        config = link.enforce(config)
        cap = link.cap_s(bound.max_seconds)
        if "dataset" in link.locked:
            images = None
    label = msg.run_label(config, n)
    if ss.get("sync_training"):      # tests: train inline, no queue
        job = TrainingJob(config, images, label=label, max_seconds=cap)
        job.run_inline()
    else:
        try:
            job = service.submit(config, images, owner=queue.owner_id(), label=label,
                                 max_seconds=cap if cap != bound.max_seconds else None,
                                 is_alive=session_is_connected())
        except AlreadyInLine:
            ss["train_notice"] = t("queue.already")
            return
    ss["train_prev_job"] = ss.get("train_job")
    ss["train_run_count"] = n
    ss["train_job"] = job


def stop_job():
    ss = st.session_state
    job = ss.get("train_job")
    if job is None or not job.running:
        ss["train_notice"] = t("train.nothing_to_stop")
    elif getattr(job, "queued", False):       # Cancel while waiting: back to the previous run
        job.cancel()
        ss["train_job"] = ss.pop("train_prev_job", None)
        ss["train_run_count"] = max(0, ss.get("train_run_count", 1) - 1)
        ss["train_notice"] = t("queue.cancelled")
    elif not job.stop("stopped by you"):
        ss["train_notice"] = t("train.already_stopping")


def controls(config, data, service, bound, device: str, job, running: bool, link=None):
    """Start, Stop (Leave the line while waiting), and what the run will be."""
    b1, b2, b3 = st.columns([1, 1, 3])
    can_start = not (running or config is None or not data.ready)
    st.session_state["train_can_start"] = can_start        # live_panel's "press Start" hint only when it can be
    b1.button(t("train.start"), key="start", type="primary", on_click=start_job,
              args=(config, data, service, bound, link), disabled=not can_start)
    queued = running and getattr(job, "queued", False)
    stopping = running and job.stopping
    label = t("queue.cancel") if queued else t("train.stopping") if stopping else t("train.stop")
    b2.button(label, key="stop", on_click=stop_job, disabled=not running or stopping)
    if config is not None and not running and data.ready:
        cap = link.cap_s(bound.max_seconds) if link is not None else bound.max_seconds
        b3.caption(t("safety.plan_one" if data.n_images == 1 else "train.plan", iterations=config.iterations,
                     batch=config.batch_size, n=data.n_images or "?")
                   + " " + t("harden.time_cap", minutes=plain.num(cap / 60, "g")) + " "
                   + t("presets.device_gpu" if device.startswith("cuda") else "presets.device_cpu",
                       name=device_name(device)))
    queue.server_line(service)


def notes(config, config_error: str, data, running: bool):
    """Why the run cannot start, what to expect of it, and a pending notice."""
    ss = st.session_state
    if config_error:
        st.error(plain.said("train.cannot_run", error=plain.engine(config_error)))
    elif not data.ready and data.name == "upload":
        st.info(t("train.upload_first"))
    if config is not None and not running and data.ready:
        for level, text in warnings_for(config, data.n_images) + data.notes:
            getattr(st, level)(text)
        if config.penalty_with_batch_norm:
            st.button(t("formula.gp_bn_fix"), key="tr_fix_bn", on_click=fix_penalty_batch_norm)
    if ss.get("train_notice"):
        st.toast(ss["train_notice"])
        ss["train_notice"] = None


# ---------------------------------------------------------------- the live panel

def show_status(snap, job):
    message = msg.final_message(snap, job.max_seconds)
    if snap.status == "done":
        st.success(message)
    elif snap.status == "stopped":
        st.info(message)
    elif snap.status == "diverged":
        st.error(f"{t('train.diverged_title')} {message}")
        with st.expander(t("train.diverged_what")):
            st.markdown(t("train.diverged_text"))
    elif snap.status == "error":
        st.error(msg.error_message(snap))


def progress(snap, job):
    if snap.status == "starting":
        st.progress(0.0, text=t("train.preparing"))
        return
    text = t("train.step", i=snap.iteration, n=snap.total, rate=snap.its_per_sec)
    if snap.running:
        text += t("train.left", duration=msg.duration(snap.eta_s)) if snap.eta_s is not None else ""
        if job is not None and job.stopping:
            text += t("train.stopping_suffix")
    else:
        text += t("train.in_all", duration=msg.duration(snap.elapsed))
    st.progress(snap.progress, text=text)


def grid_view(snap, scrub: bool):
    frames = snap.timeline
    if not frames:
        st.caption(t("train.first_grid", n=snap.config.sample_every or snap.total))
        return
    if scrub and len(frames) > 1:
        its = [i for i, _ in frames]
        pick = st.select_slider(t("train.scrub"), its, value=its[-1],
                                key=f"scrub_{id(snap.config)}")
        it, grid = frames[its.index(pick)]
    else:
        it, grid = frames[-1]
    st.image(grid, caption=t("train.grid_caption", it=it), output_format="PNG", width=360)


def poll_seconds(running: bool, queued: bool) -> tuple[float | None, float | None]:
    """How often an open tab reruns its status and its charts (None: never, the page is still).

    A training: the progress bar and status every 0.5 s (cheap), the charts and the grid every
    second (three plotly specs per update: their cost comes out of the workers' CPU, and grids
    only change every N iterations). A place in line changes far more slowly: once a second,
    and no charts. In front of a class most tabs wait, and every rerun of theirs is CPU that the
    other visitors' sliders and the workers share (30 tabs, 2 training: ~90 reruns a second -> ~34).
    """
    if queued:
        return QUEUED_POLL_S, None
    return (0.5, 1.0) if running else (None, None)


def live_panel(job, running: bool):
    """Progress, status, curves and the grid of this session's run, redrawn while it runs."""
    ss = st.session_state

    queued = running and getattr(job, "queued", False)
    status_every, charts_every = poll_seconds(running, queued)

    @st.fragment(run_every=status_every)
    def live_status(polling: bool, was_queued: bool):
        job = ss["train_job"]
        snap = job.snapshot()
        if snap.status == "queued":
            queue.queued_panel(snap)
            return
        progress(snap, job)
        show_status(snap, job)
        if polling and (snap.finished or was_queued):
            # once, on a transition: the full rerun redraws the buttons (Leave the line -> Stop)
            # and, at the end, stops both timers
            st.rerun()

    @st.fragment(run_every=charts_every)
    def live_charts():
        snap = ss["train_job"].snapshot()
        if snap.status == "queued":
            return
        left, right = st.columns([3, 2])
        with left:
            runs = [(snap.label, snap.curves)]
            st.plotly_chart(charts.loss_figure(runs), key="loss_chart")
            st.plotly_chart(charts.health_figure(runs, snap.config.loss), key="health_chart")
        with right:
            grid_view(snap, scrub=snap.finished)
            if snap.metrics:
                st.plotly_chart(charts.metrics_figure(snap.metrics, snap.swd_floor), key="metrics_chart")

    if job is not None:
        live_status(running, queued)
        live_charts()
        with st.expander(t("train.read_curves")):
            st.latex(loss_formula(job.config.loss))
            st.markdown(health_text(job.config.loss))
            st.markdown(t("train.metrics_text"))
    elif st.session_state.get("train_can_start", True):
        st.info(t("train.start_hint"))


# ---------------------------------------------------------------- after a run

def once(run: KeptRun, key: str, make):
    """A download's data as a callable that builds it the first time it is asked for."""
    def get():
        if key not in run.downloads:
            run.downloads[key] = make()
        return run.downloads[key]
    return get


def archive(job):
    """Keep a finished run (its curves, grids and a frozen generator) for downloads and comparison."""
    if job.archived or job.generator is None:
        return
    job.archived = True
    snap = job.snapshot()
    # A worker's generator was rebuilt from its weights in this process: already a frozen copy that
    # nothing trains, so the kept run shares it (a second copy per run was memory for nothing). An
    # inline TrainingJob's is the model it trained: that one is copied.
    generator = trained_copy(job.generator) if isinstance(job, TrainingJob) else job.generator
    keep_run(KeptRun(snap.label, snap, generator, job.config, snap.iteration), KEPT_RUNS)


def open_in_playground(latest):
    """Hand the run's generator to the Playground and go there."""
    cfg = latest.config
    name = f"{latest.label} ({cfg.dataset}, {latest.iteration} it)"
    session_models()[name] = (latest.generator, model_info_for(latest.generator, cfg, name, latest.iteration))
    from ui.handoff import request_model

    request_model("session:" + name)  # the Playground's picker opens on this model
    try:
        st.switch_page("pages/1_Playground.py")
    except Exception:       # the Playground page is missing in this deployment
        st.error(t("train.no_playground"))


def keep_panel(job):
    """Archive a finished run, then offer its checkpoint, its GIF, the Playground and the CLI command.

    Returns (the latest finished run's record or None, the kept runs)."""
    if job is not None and not job.running:
        archive(job)
    runs = kept_runs()
    latest = runs[-1] if runs and job is not None and not job.running else None
    if latest is None or latest.snap.iteration <= 0:
        return latest, runs
    st.subheader(t("train.keep"))
    cfg, snap = latest.config, latest.snap
    d1, d2, d3 = st.columns(3)
    # Built on click (in another thread), once per run: encoding up to 60 grids as a GIF takes
    # seconds of CPU that a shared server should only spend for someone who wants the file.
    d1.download_button(t("train.download_ckpt"),
                       once(latest, "zip", lambda: checkpoint_zip(latest.generator, cfg, latest.iteration)),
                       file_name="gan-checkpoint.zip", mime="application/zip", key="dl_ckpt", on_click="ignore",
                       help=t("train.download_ckpt_help"))
    if snap.timeline:
        d2.download_button(t("train.download_gif"), once(latest, "gif", lambda: timeline_gif(snap.timeline)),
                           file_name="gan-training.gif", mime="image/gif", key="dl_gif", on_click="ignore")
    if d3.button(t("train.open_playground"), key="open_playground"):
        open_in_playground(latest)
    st.markdown(t("train.repeat"))
    st.code(plain.label(cfg.cli_command("runs/my-run")), language="bash")   # names the upload: neutral
    return latest, runs


def compare_panel(latest, runs, running: bool):
    """Pin a run as a baseline; two runs side by side: curves, last grids, the settings that differ."""
    ss = st.session_state
    pinned = ss.get("train_pinned")
    if latest is not None:
        if st.button(t("train.pin"), key="pin",
                     disabled=pinned is latest):
            ss["train_pinned"] = pinned = latest
            st.rerun()

    pair = None
    if pinned is not None and latest is not None and pinned is not latest:
        pair = (pinned, latest)
    elif len(runs) == 2 and not running:
        pair = (runs[0], runs[1])
    if pair is None:
        return

    st.subheader(t("train.compare"))
    a, b = pair
    st.caption(t("train.compare_caption", a=a.label, b=b.label))
    curves = [(a.label, a.snap.curves), (b.label, b.snap.curves)]
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.loss_figure(curves), key="cmp_loss")
    c2.plotly_chart(charts.health_figure(curves, a.config.loss), key="cmp_health")
    g1, g2 = st.columns(2)
    for col, rec in ((g1, a), (g2, b)):
        snap = rec.snap
        with col:
            st.markdown(t("train.run_status", label=rec.label, status=t(f"train.statuses.{snap.status}"),
                          n=snap.iteration))
            if snap.timeline:
                st.image(snap.timeline[-1][1], output_format="PNG", width=300)
    diffs = {k: (v, getattr(b.config, k)) for k, v in a.config.to_dict().items()
             if getattr(b.config, k) != v and k not in ("threads",)}
    if diffs:
        # st.table draws markdown in its cells; a setting's value may be an upload's name
        st.table({t("train.setting"): [plain.md(k) for k in diffs], plain.md(a.label): [plain.md(v[0]) for v in diffs.values()],
                  plain.md(b.label): [plain.md(v[1]) for v in diffs.values()]})
    if pinned is not None and st.button(t("train.unpin"), key="unpin"):
        ss["train_pinned"] = None
        st.rerun()


# ---------------------------------------------------------------- does it copy its training images?

@st.cache_resource(max_entries=2, show_spinner=False)
def _registered_images(name: str, image_size: int):
    from gan_core.data import is_toy, load_dataset

    return None if is_toy(name) else load_dataset(name, image_size)


def training_images(config, data):
    """The run's training images (uint8 tensor), or None where they cannot be had (a toy, a changed upload)."""
    if data is not None and getattr(data, "images", None) is not None and data.name == config.dataset:
        return data.images
    try:
        return _registered_images(config.dataset, config.image_size)
    except Exception:       # a path or an upload that is gone, an offline download: no check, no error
        return None


def memorisation_panel(latest, data):
    """For the latest finished run: each of 8 samples beside its closest training image, with distances."""
    if latest is None or latest.snap.iteration <= 0:
        return
    reference = training_images(latest.config, data)
    if reference is None or getattr(reference, "ndim", 0) != 4:
        return
    with st.expander(t("theorylab.memo.title")):
        st.markdown(t("theorylab.memo.text"))
        ss = st.session_state
        if st.button(t("theorylab.memo.button"), key="memo_check"):
            ss["memo_result"] = (latest.label, memorisation_check(latest.generator, reference))
        result = ss.get("memo_result")
        if not result or result[0] != latest.label:
            return
        memo = result[1]
        cols = st.columns(len(memo.distances))
        for col, sample, near, dist in zip(cols, memo.samples, memo.nearest, memo.distances):
            col.image(sample.permute(1, 2, 0).numpy(), output_format="PNG", width=64)
            col.image(near.permute(1, 2, 0).numpy(), output_format="PNG", width=64)
            col.caption(f"{dist:.1f}")
        st.caption(t("theorylab.memo.reading", low=min(memo.distances), mean=sum(memo.distances) / len(memo.distances),
                     floor=memo.training_floor))
