"""Train a GAN: pick data and settings, start a run, watch it learn (or fail) live.

The run trains in a worker thread (gan_core.job.TrainingJob); this page only
starts it, stops it and draws its snapshots. One training runs per server.
"""

import streamlit as st

from ui import i18n
from ui.common import page_setup

i18n.init()
page_setup(i18n.t("train.page_title"), "🏋️")

from gan_core.device import device_name, resolve_device  # noqa: E402
from gan_core.job import TrainingJob, checkpoint_zip, model_info_for, timeline_gif, trained_copy  # noqa: E402
from ui import uploads  # noqa: E402
from ui import training as tr  # noqa: E402
from ui.common import cloud_mode, session_models  # noqa: E402
from ui.i18n import t  # noqa: E402

ss = st.session_state
prefill_notes = tr.init_state(ss)
device = resolve_device("auto")     # the GPU when the server has one
bound = tr.bounds(cloud_mode())
slot = tr.training_slot()

st.title(t("train.title"))
st.markdown(t("train.intro"))
for note in prefill_notes:
    st.info(note)

job = ss.get("train_job")
running = job is not None and job.running


# ---------------------------------------------------------------- data and settings

def choose_data() -> tr.DataChoice:
    online = tr.online_datasets()
    options = ["emoji", "shapes", "upload"] + [name for name, ok in online.items() if ok]
    if ss.get("tr_dataset") not in options:
        ss["tr_dataset"] = "emoji"
    name = st.selectbox(t("train.dataset"), options, format_func=i18n.labels("train.data"), key="tr_dataset",
                        disabled=running, on_change=tr.mark_custom, persist_state="session")
    if not all(online.values()):
        missing = t("train.and").join(t(f"train.data_short.{n}") for n, ok in online.items() if not ok)
        st.caption(t("train.offline", names=missing))
    if name in ("emoji", "shapes"):
        return tr.DataChoice(name, n_images=329 if name == "emoji" else 512)
    if name in tr.ONLINE:
        return tr.DataChoice(name, n_images=tr.ONLINE_MAX_IMAGES,
                             notes=[("info", t("train.online_note", n=tr.ONLINE_MAX_IMAGES))])
    return choose_uploads()


def choose_uploads() -> tr.DataChoice:
    size = st.radio(t("train.image_size"), (32, 64), key="tr_image_size", horizontal=True, disabled=running,
                    persist_state="session", help=t("train.image_size_help"))
    files = st.file_uploader(t("train.uploader"), accept_multiple_files=True,
                             key="tr_uploads", disabled=running)
    pairs = [(f.name, f.getvalue()) for f in files or []]
    if pairs:
        key = tr.uploads_key(pairs, size)
        if ss.get("tr_upload_key") != key:
            read = uploads.read_images(pairs, size)      # any failure is one sentence, never a traceback
            report, ss["tr_upload_error"] = read.value, read.error
            ss["tr_upload_report"], ss["tr_upload_key"] = report, key
            ss["tr_upload_name"] = tr.upload_dataset_name(pairs)
    elif not running:
        ss["tr_upload_report"], ss["tr_upload_key"], ss["tr_upload_error"] = None, None, ""
    report = ss.get("tr_upload_report")
    if ss.get("tr_upload_error"):
        st.error(t("train.upload_error", error=ss["tr_upload_error"]))
    if report is None:
        st.caption(t("train.upload_formats"))
        return tr.DataChoice("upload", image_size=size, ready=False)
    (st.success if report.accepted else st.error)(tr.upload_summary(report))
    if report.budget_note:
        st.warning(i18n.t("harden.budget_note", note=report.budget_note))
    if not report.accepted:
        st.error(i18n.t("harden.need_one_image"))
    if report.rejected_files:
        with st.expander(t("train.rejected_files")):
            st.markdown("\n".join(f"- `{name}`: {tr.upload_reason(reason)}" for name, reason in report.rejected_files))
    if report.accepted:
        st.image(tr.preview_grid(report.images), caption=t("train.preview", n=min(32, report.accepted)),
                 output_format="PNG")
    return tr.DataChoice(ss.get("tr_upload_name", "my_images/"), image_size=size, images=report.images,
                         n_images=report.accepted, ready=report.accepted > 0)


def settings():
    tr.preset_picker(running, device)
    data = choose_data()
    kw = dict(disabled=running, on_change=tr.mark_custom, persist_state="session")
    st.selectbox(t("train.loss"), tr.LOSSES, format_func=tr.loss_labels(), key="tr_loss", **kw,
                 help=t("train.loss_help"))
    st.select_slider(t("train.lr"), tr.LR_OPTIONS, format_func=tr.format_lr, key="tr_lr", **kw, help=t("train.lr_help"))
    c1, c2 = st.columns(2)
    c1.select_slider("beta1", (0.0, 0.5, 0.9), key="tr_beta1", **kw, help=t("train.beta1_help"))
    c2.select_slider("beta2", (0.9, 0.99, 0.999), key="tr_beta2", **kw)
    st.toggle(t("train.sn"), key="tr_spectral_norm", **kw, help=t("train.sn_help"))
    st.slider(t("train.d_steps"), 1, 5, key="tr_d_train_iters", **kw, help=t("train.d_steps_help"))
    batches = [b for b in tr.BATCH_OPTIONS if b <= bound.max_batch]
    st.select_slider(t("train.batch"), batches, key="tr_batch_size", **kw)
    c1, c2 = st.columns(2)
    c1.select_slider(t("train.noise"), tr.NOISE_OPTIONS, key="tr_noise_size", **kw, help=t("train.noise_help"))
    c2.select_slider("conv_dim", [c for c in tr.CONV_DIM_OPTIONS if c <= bound.max_conv_dim], key="tr_conv_dim",
                     **kw, help=t("train.conv_dim_help"))
    st.number_input(t("train.iterations"), 10, bound.max_iterations, step=50, key="tr_iterations", **kw)
    c1, c2 = st.columns(2)
    c1.select_slider(t("train.sample_every"), tr.SAMPLE_EVERY_OPTIONS, key="tr_sample_every", **kw,
                     help=t("train.sample_every_help"))
    c2.number_input(t("train.seed"), 0, 2**31 - 1, key="tr_seed", **kw)
    off = t("train.ema_off")
    st.select_slider(t("train.ema"), tr.EMA_OPTIONS, format_func=lambda v: f"{v:g}" if v else off,
                     key="tr_ema", **kw, help=t("train.ema_help"))
    with st.expander(t("train.more_d")):
        same = t("train.lr_d_same")
        st.select_slider(t("train.lr_d"), tr.LR_D_OPTIONS, key="tr_lr_d", **kw, help=t("train.lr_d_help"),
                         format_func=lambda v: same if v == tr.SAME_AS_G else tr.format_lr(v))
        st.toggle(t("train.d_bn"), key="tr_d_batch_norm", **kw, help=t("train.d_bn_help"))
        st.radio(t("train.d_act"), ("relu", "leaky"), key="tr_d_activation", horizontal=True, **kw,
                 format_func=i18n.labels("train.d_acts"))
    return data


with st.sidebar:
    st.header(t("train.settings"))
    data = settings()

try:
    config = tr.config_from_values(ss, data.name, data.image_size, bound, device=device)
    config_error = ""
except (ValueError, TypeError) as exc:
    config, config_error = None, str(exc)


# ---------------------------------------------------------------- start / stop (outside the fragment)

def start_job(config, data):
    ss["train_busy"] = False
    ss["train_notice"] = None
    n = ss.get("train_run_count", 0) + 1
    job = TrainingJob(config, data.images, slot=slot, label=tr.run_label(config, n),
                      is_alive=tr.session_is_connected(), trainer_factory=tr.trainer_factory(data.name),
                      max_seconds=bound.max_seconds)
    started = job.run_inline() if ss.get("sync_training") else job.start()
    if not started:
        ss["train_busy"] = True          # keep this session's previous run on screen
        return
    ss["train_run_count"] = n
    ss["train_job"] = job


def stop_job():
    job = ss.get("train_job")
    if job is None or not job.running:
        ss["train_notice"] = t("train.nothing_to_stop")
    elif not job.stop("stopped by you"):
        ss["train_notice"] = t("train.already_stopping")


other = slot.status(for_job=job)
b1, b2, b3 = st.columns([1, 1, 3])
b1.button(t("train.start"), key="start", type="primary", on_click=start_job, args=(config, data),
          disabled=running or other.busy or config is None or not data.ready)
stopping = running and job.stopping
b2.button(t("train.stopping") if stopping else t("train.stop"), key="stop", on_click=stop_job, disabled=not running or stopping)
if config is not None and not running and data.ready:
    b3.caption(t("train.plan", iterations=config.iterations, batch=config.batch_size, n=data.n_images or "?") + " "
               + t("harden.time_cap", minutes=f"{bound.max_seconds / 60:g}") + " "
               + t("presets.device_gpu" if device.startswith("cuda") else "presets.device_cpu",
                   name=device_name(device)))

if config_error:
    st.error(t("train.cannot_run", error=config_error))
elif not data.ready and data.name == "upload":
    st.info(t("train.upload_first"))
if config is not None and not running and data.ready:
    for level, text in tr.warnings_for(config, data.n_images) + data.notes:
        getattr(st, level)(text)
if ss.get("train_notice"):
    st.toast(ss["train_notice"])
    ss["train_notice"] = None


@st.fragment(run_every=2 if other.busy else None)
def busy_banner(polling: bool):
    """Someone else's run holds the server: say so, count down, and re-enable Start when it ends."""
    status = slot.status(for_job=ss.get("train_job"))
    if status.busy:
        st.warning(tr.busy_message(status))
    elif polling:
        st.rerun()


if other.busy:
    busy_banner(True)
elif ss.get("train_busy"):
    st.warning(t("train.busy_ended"))
ss["train_busy"] = False


# ---------------------------------------------------------------- the live panel

def show_status(snap, job):
    message = tr.final_message(snap, job.max_seconds)
    if snap.status == "done":
        st.success(message)
    elif snap.status == "stopped":
        st.info(message)
    elif snap.status == "diverged":
        st.error(f"{t('train.diverged_title')} {message}")
        with st.expander(t("train.diverged_what")):
            st.markdown(t("train.diverged_text"))
    elif snap.status == "error":
        st.error(tr.error_message(snap))


def progress(snap, job):
    if snap.status == "starting":
        st.progress(0.0, text=t("train.preparing"))
        return
    text = t("train.step", i=snap.iteration, n=snap.total, rate=snap.its_per_sec)
    if snap.running:
        text += t("train.left", duration=tr.duration(snap.eta_s)) if snap.eta_s is not None else ""
        if job is not None and job.stopping:
            text += t("train.stopping_suffix")
    else:
        text += t("train.in_all", duration=tr.duration(snap.elapsed))
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


# Two timers: the progress bar and status every 0.5 s (cheap), the charts and
# the grid every second (three plotly specs per update: their cost comes out of
# the training thread's CPU share, and grids only change every N iterations).
@st.fragment(run_every=0.5 if running else None)
def live_status(polling: bool):
    job = ss["train_job"]
    snap = job.snapshot()
    progress(snap, job)
    show_status(snap, job)
    if polling and snap.finished:
        st.rerun()   # once, on the transition: the full rerun redraws buttons and stops both timers


@st.fragment(run_every=1.0 if running else None)
def live_charts():
    snap = ss["train_job"].snapshot()
    left, right = st.columns([3, 2])
    with left:
        runs = [(snap.label, snap.curves)]
        st.plotly_chart(tr.loss_figure(runs), key="loss_chart")
        st.plotly_chart(tr.health_figure(runs, snap.config.loss), key="health_chart")
    with right:
        grid_view(snap, scrub=snap.finished)
        if snap.metrics:
            st.plotly_chart(tr.metrics_figure(snap.metrics, snap.swd_floor), key="metrics_chart")


if job is not None:
    live_status(running)
    live_charts()
    with st.expander(t("train.read_curves")):
        st.latex(tr.loss_formula(job.config.loss))
        st.markdown(tr.health_text(job.config.loss))
        st.markdown(t("train.metrics_text"))
else:
    st.info(t("train.start_hint"))


# ---------------------------------------------------------------- after a run

def once(record: dict, key: str, make):
    """A download's data as a callable that builds it the first time it is asked for."""
    def get():
        if key not in record:
            record[key] = make()
        return record[key]
    return get


def archive(job):
    """Keep a finished run (its curves, grids and a frozen generator) for downloads and comparison."""
    if job.archived or job.generator is None:
        return
    job.archived = True
    snap = job.snapshot()
    record = {"label": snap.label, "snap": snap, "generator": trained_copy(job.generator),
              "config": job.config, "iteration": snap.iteration}
    runs = ss.setdefault("train_runs", [])
    runs.append(record)
    del runs[:-2]                        # the latest two; a pinned baseline is kept separately


if job is not None and not job.running:
    archive(job)

runs = ss.get("train_runs", [])
latest = runs[-1] if runs and job is not None and not job.running else None

if latest is not None and latest["snap"].iteration > 0:
    st.subheader(t("train.keep"))
    cfg, snap = latest["config"], latest["snap"]
    d1, d2, d3 = st.columns(3)
    # Built on click (in another thread), once per run: encoding up to 60 grids as a GIF takes
    # seconds of CPU that a shared server should only spend for someone who wants the file.
    d1.download_button(t("train.download_ckpt"),
                       once(latest, "zip", lambda: checkpoint_zip(latest["generator"], cfg, latest["iteration"])),
                       file_name="gan-checkpoint.zip", mime="application/zip", key="dl_ckpt", on_click="ignore",
                       help=t("train.download_ckpt_help"))
    if snap.timeline:
        d2.download_button(t("train.download_gif"), once(latest, "gif", lambda: timeline_gif(snap.timeline)),
                           file_name="gan-training.gif", mime="image/gif", key="dl_gif", on_click="ignore")
    if d3.button(t("train.open_playground"), key="open_playground"):
        name = f"{latest['label']} ({cfg.dataset}, {latest['iteration']} it)"
        session_models()[name] = (latest["generator"], model_info_for(latest["generator"], cfg, name,
                                                                      latest["iteration"]))
        ss["playground_model"] = name
        from ui.playground import request_model

        request_model("session:" + name)  # the Playground's picker opens on this model
        try:
            st.switch_page("pages/1_Playground.py")
        except Exception:       # the Playground page is missing in this deployment
            st.error(t("train.no_playground"))
    st.markdown(t("train.repeat"))
    st.code(cfg.cli_command("runs/my-run"), language="bash")


# ---------------------------------------------------------------- compare two runs

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

if pair is not None:
    st.subheader(t("train.compare"))
    a, b = pair
    st.caption(t("train.compare_caption", a=a["label"], b=b["label"]))
    curves = [(a["label"], a["snap"].curves), (b["label"], b["snap"].curves)]
    c1, c2 = st.columns(2)
    c1.plotly_chart(tr.loss_figure(curves), key="cmp_loss")
    c2.plotly_chart(tr.health_figure(curves, a["config"].loss), key="cmp_health")
    g1, g2 = st.columns(2)
    for col, rec in ((g1, a), (g2, b)):
        snap = rec["snap"]
        with col:
            st.markdown(t("train.run_status", label=rec["label"], status=t(f"train.statuses.{snap.status}"),
                          n=snap.iteration))
            if snap.timeline:
                st.image(snap.timeline[-1][1], output_format="PNG", width=300)
    diffs = {k: (v, getattr(b["config"], k)) for k, v in a["config"].to_dict().items()
             if getattr(b["config"], k) != v and k not in ("threads",)}
    if diffs:
        st.table({t("train.setting"): list(diffs), a["label"]: [str(v[0]) for v in diffs.values()],
                  b["label"]: [str(v[1]) for v in diffs.values()]})
    if pinned is not None and st.button(t("train.unpin"), key="unpin"):
        ss["train_pinned"] = None
        st.rerun()
