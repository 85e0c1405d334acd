"""Train a GAN: pick data and settings, start a run, watch it learn (or fail) live.

The run trains in a worker thread (gan_core.job.TrainingJob); this page only
starts it, stops it and draws its snapshots. One training runs per server.
"""

import streamlit as st

from ui.common import page_setup

page_setup("Train a GAN", "🏋️")

from gan_core.device import device_name, resolve_device  # noqa: E402
from gan_core.job import TrainingJob, checkpoint_zip, format_duration, model_info_for, timeline_gif, trained_copy  # noqa: E402
from ui import i18n, uploads  # noqa: E402
from ui import training as tr  # noqa: E402
from ui.common import cloud_mode, session_models  # noqa: E402
from ui.i18n import t  # noqa: E402

ss = st.session_state
prefill_notes = tr.init_state(ss)
device = resolve_device("auto")     # the GPU when the server has one
bound = tr.bounds(cloud_mode())
slot = tr.training_slot()

st.title("Train a GAN")
st.markdown(
    "Train the course's DCGAN on this server's CPU and watch it learn: the losses, what the discriminator "
    "thinks of real and fake images, and a grid of faces drawn from the **same noise** every few steps. "
    "Try a preset, change one setting at a time, and compare two runs side by side."
)
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
    name = st.selectbox("Dataset", options, format_func=tr.DATA_LABELS.get, key="tr_dataset",
                        disabled=running, on_change=tr.mark_custom, persist_state="session")
    if not all(online.values()):
        missing = " and ".join(tr.DATA_LABELS[n].split(" (")[0] for n, ok in online.items() if not ok)
        st.caption(f"{missing} need internet to download, and this server cannot reach it right now.")
    if name in ("emoji", "shapes"):
        return tr.DataChoice(name, n_images=329 if name == "emoji" else 512)
    if name in tr.ONLINE:
        return tr.DataChoice(name, n_images=tr.ONLINE_MAX_IMAGES,
                             notes=[("info", "Downloaded on the first run (needs internet); "
                                             f"the first {tr.ONLINE_MAX_IMAGES:,} training images are used.")])
    return choose_uploads()


def choose_uploads() -> tr.DataChoice:
    size = st.radio("Image size", (32, 64), key="tr_image_size", horizontal=True, disabled=running,
                    persist_state="session",
                    help="32x32 trains in minutes on a CPU; 64x64 is 4x the pixels and much slower.")
    files = st.file_uploader("A zip of images, or several image files", accept_multiple_files=True,
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
        st.error(f"Could not read the upload: {ss['tr_upload_error']}")
    if report is None:
        st.caption("PNG, JPEG, GIF, BMP, WebP or TIFF; each image is centre-cropped to a square and resized.")
        return tr.DataChoice("upload", image_size=size, ready=False)
    (st.success if report.accepted else st.error)(report.summary())
    if report.budget_note:
        st.warning(i18n.t("harden.budget_note", note=report.budget_note))
    if not report.accepted:
        st.error(i18n.t("harden.need_one_image"))
    if report.rejected_files:
        with st.expander("Rejected files"):
            st.markdown("\n".join(f"- `{name}`: {reason}" for name, reason in report.rejected_files))
    if report.accepted:
        st.image(tr.preview_grid(report.images), caption=f"What will be trained on (first {min(32, report.accepted)})",
                 output_format="PNG")
    return tr.DataChoice(ss.get("tr_upload_name", "my_images/"), image_size=size, images=report.images,
                         n_images=report.accepted, ready=report.accepted > 0)


def settings():
    tr.preset_picker(running, device)
    data = choose_data()
    kw = dict(disabled=running, on_change=tr.mark_custom, persist_state="session")
    st.selectbox("Loss", list(tr.LOSS_LABELS), format_func=tr.LOSS_LABELS.get, key="tr_loss", **kw,
                 help="What D and G minimise. LSGAN is the course's; WGAN-GP and hinge turn D into a critic.")
    st.select_slider("Learning rate (Adam)", tr.LR_OPTIONS, format_func=tr.format_lr, key="tr_lr", **kw,
                     help="Log scale. DCGANs train at 2e-4; the course shows 0.1 diverging.")
    c1, c2 = st.columns(2)
    c1.select_slider("beta1", (0.0, 0.5, 0.9), key="tr_beta1", **kw,
                     help="Adam's momentum. DCGAN uses 0.5: with 0.9 the two players overshoot each other.")
    c2.select_slider("beta2", (0.9, 0.99, 0.999), key="tr_beta2", **kw)
    st.toggle("Spectral norm on D", key="tr_spectral_norm", **kw,
              help="Divides each D layer's weights by their largest singular value: D stays 1-Lipschitz, "
                   "so it cannot become so sharp that G's gradient vanishes.")
    st.slider("D steps per G step (d_train_iters)", 1, 5, key="tr_d_train_iters", **kw,
              help="How many discriminator updates before each generator update (k in Goodfellow et al.).")
    batches = [b for b in tr.BATCH_OPTIONS if b <= bound.max_batch]
    st.select_slider("Batch size", batches, key="tr_batch_size", **kw)
    c1, c2 = st.columns(2)
    c1.select_slider("Noise size (z)", tr.NOISE_OPTIONS, key="tr_noise_size", **kw,
                     help="Length of the random vector G turns into an image.")
    c2.select_slider("conv_dim", [c for c in tr.CONV_DIM_OPTIONS if c <= bound.max_conv_dim], key="tr_conv_dim",
                     **kw, help="Width of G and D (channels of the first/last conv). Larger is slower.")
    st.number_input("Iterations (G updates)", 10, bound.max_iterations, step=50, key="tr_iterations", **kw)
    c1, c2 = st.columns(2)
    c1.select_slider("Sample grid every", tr.SAMPLE_EVERY_OPTIONS, key="tr_sample_every", **kw,
                     help="Iterations between fixed-noise grids (each also measures diversity and SWD).")
    c2.number_input("Seed", 0, 2**31 - 1, key="tr_seed", **kw)
    st.select_slider("EMA of G's weights (decay)", tr.EMA_OPTIONS, format_func=lambda v: f"{v:g}" if v else "off",
                     key="tr_ema", **kw,
                     help="Show samples from an exponential moving average of G: smoother, less jittery faces; "
                          "the checkpoint saves the averaged generator. Short runs need short averages (0.9-0.99).")
    with st.expander("More discriminator options"):
        st.select_slider("D learning rate", tr.LR_D_OPTIONS, format_func=tr.format_lr, key="tr_lr_d", **kw,
                         help="Two learning rates (TTUR): a faster D is the usual fix; a much faster G "
                              "is how the mode-collapse preset breaks the game.")
        st.toggle("Batch norm in D", key="tr_d_batch_norm", **kw,
                  help="The course's D uses batch norm; SN-GANs usually drop it.")
        st.radio("D activation", ("relu", "leaky"), key="tr_d_activation", horizontal=True, **kw,
                 format_func={"relu": "ReLU (course)", "leaky": "LeakyReLU 0.2"}.get)
    return data


with st.sidebar:
    st.header("Settings")
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
        ss["train_notice"] = "The run had already ended: nothing to stop."
    elif not job.stop("stopped by you"):
        ss["train_notice"] = "Already stopping: the run ends after the current step."


other = slot.status(for_job=job)
b1, b2, b3 = st.columns([1, 1, 3])
b1.button("Start training", key="start", type="primary", on_click=start_job, args=(config, data),
          disabled=running or other.busy or config is None or not data.ready)
stopping = running and job.stopping
b2.button("Stopping…" if stopping else "Stop", key="stop", on_click=stop_job, disabled=not running or stopping)
if config is not None and not running and data.ready:
    b3.caption(f"{config.iterations} iterations of batch {config.batch_size} on {data.n_images or '?'} images. "
               + i18n.t("harden.time_cap", minutes=f"{bound.max_seconds / 60:g}") + " "
               + t("presets.device_gpu" if device.startswith("cuda") else "presets.device_cpu",
                   name=device_name(device)))

if config_error:
    st.error(f"These settings cannot run: {config_error}")
elif not data.ready and data.name == "upload":
    st.info("Upload a zip or some images to train on them.")
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
        st.warning(status.message)
    elif polling:
        st.rerun()


if other.busy:
    busy_banner(True)
elif ss.get("train_busy"):
    st.warning("Another training was running on this server when you pressed Start; it has ended since. "
               "Press **Start training** again.")
ss["train_busy"] = False


# ---------------------------------------------------------------- the live panel

def show_status(snap):
    if snap.status == "done":
        st.success(snap.message)
    elif snap.status == "stopped":
        st.info(snap.message)
    elif snap.status == "diverged":
        st.error(f"**The run diverged.** {snap.message}")
        with st.expander("What does 'diverged' mean?"):
            st.markdown(tr.DIVERGED_TEXT)
    elif snap.status == "error":
        st.error(snap.error)


def progress(snap, job):
    if snap.status == "starting":
        st.progress(0.0, text="Preparing the data and the models…")
        return
    text = f"Step {snap.iteration} / {snap.total} · {snap.its_per_sec:.1f} it/s"
    if snap.running:
        text += f" · about {format_duration(snap.eta_s)} left" if snap.eta_s is not None else ""
        if job is not None and job.stopping:
            text += " · stopping…"
    else:
        text += f" · {format_duration(snap.elapsed)} in all"
    st.progress(snap.progress, text=text)


def grid_view(snap, scrub: bool):
    frames = snap.timeline
    if not frames:
        st.caption("The first sample grid appears after "
                   f"{snap.config.sample_every if snap.config.sample_every else snap.total} iterations.")
        return
    if scrub and len(frames) > 1:
        its = [i for i, _ in frames]
        pick = st.select_slider("Scrub through the run's grids (iteration)", its, value=its[-1],
                                key=f"scrub_{id(snap.config)}")
        it, grid = frames[its.index(pick)]
    else:
        it, grid = frames[-1]
    st.image(grid, caption=f"Fixed noise at iteration {it}", output_format="PNG", width=360)


# Two timers: the progress bar and status every 0.5 s (cheap), the charts and
# the grid every second (three plotly specs per update: their cost comes out of
# the training thread's CPU share, and grids only change every N iterations).
@st.fragment(run_every=0.5 if running else None)
def live_status(polling: bool):
    job = ss["train_job"]
    snap = job.snapshot()
    progress(snap, job)
    show_status(snap)
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
    with st.expander("How to read these curves"):
        st.markdown(tr.HEALTH_TEXT[job.config.loss])
        st.markdown("**Sample diversity** is how different the grid's images are from each other, relative to "
                    "real images (1 = as varied as the data). A fall towards 0 while the losses look calm is "
                    "**mode collapse**. **SWD** compares the grid's image patches with real ones at two scales; "
                    "measured on only 64 images it is noisy, so read its trend against the real-vs-real line.")
else:
    st.info("Pick a preset or your own settings in the sidebar, then press **Start training**.")


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
    st.subheader("Keep the result")
    cfg, snap = latest["config"], latest["snap"]
    d1, d2, d3 = st.columns(3)
    # Built on click (in another thread), once per run: encoding up to 60 grids as a GIF takes
    # seconds of CPU that a shared server should only spend for someone who wants the file.
    d1.download_button("Download checkpoint (.zip)",
                       once(latest, "zip", lambda: checkpoint_zip(latest["generator"], cfg, latest["iteration"])),
                       file_name="gan-checkpoint.zip", mime="application/zip", key="dl_ckpt", on_click="ignore",
                       help="config.json + model.safetensors + README.md: load it with "
                            "gan_core.hub.load_generator, or upload it on the Playground page.")
    if snap.timeline:
        d2.download_button("Download the timeline (GIF)", once(latest, "gif", lambda: timeline_gif(snap.timeline)),
                           file_name="gan-training.gif", mime="image/gif", key="dl_gif", on_click="ignore")
    if d3.button("Open in Playground", key="open_playground"):
        name = f"{latest['label']} ({cfg.dataset}, {latest['iteration']} it)"
        session_models()[name] = (latest["generator"], model_info_for(latest["generator"], cfg, name,
                                                                      latest["iteration"]))
        ss["playground_model"] = name
        from ui.playground import request_model

        request_model("session:" + name)  # the Playground's picker opens on this model
        try:
            st.switch_page("pages/1_Playground.py")
        except Exception:       # the Playground page is missing in this deployment
            st.error("The Playground page is not available here; the model is kept in this session.")
    st.markdown("Repeat this run from a shell (the same engine, no browser needed):")
    st.code(cfg.cli_command("runs/my-run"), language="bash")


# ---------------------------------------------------------------- compare two runs

pinned = ss.get("train_pinned")
if latest is not None:
    if st.button("📌 Keep this run as the baseline to compare against", key="pin",
                 disabled=pinned is latest):
        ss["train_pinned"] = pinned = latest
        st.rerun()

pair = None
if pinned is not None and latest is not None and pinned is not latest:
    pair = (pinned, latest)
elif len(runs) == 2 and not running:
    pair = (runs[0], runs[1])

if pair is not None:
    st.subheader("Compare two runs")
    a, b = pair
    st.caption(f"Solid lines: **{a['label']}**; dashed: **{b['label']}**. Same seed means same fixed noise, "
               "so the grids show the same faces.")
    curves = [(a["label"], a["snap"].curves), (b["label"], b["snap"].curves)]
    c1, c2 = st.columns(2)
    c1.plotly_chart(tr.loss_figure(curves), key="cmp_loss")
    c2.plotly_chart(tr.health_figure(curves, a["config"].loss), key="cmp_health")
    g1, g2 = st.columns(2)
    for col, rec in ((g1, a), (g2, b)):
        snap = rec["snap"]
        with col:
            st.markdown(f"**{rec['label']}** — {snap.status} at step {snap.iteration}")
            if snap.timeline:
                st.image(snap.timeline[-1][1], output_format="PNG", width=300)
    diffs = {k: (v, getattr(b["config"], k)) for k, v in a["config"].to_dict().items()
             if getattr(b["config"], k) != v and k not in ("threads",)}
    if diffs:
        st.table({"setting": list(diffs), a["label"]: [str(v[0]) for v in diffs.values()],
                  b["label"]: [str(v[1]) for v in diffs.values()]})
    if pinned is not None and st.button("Unpin the baseline", key="unpin"):
        ss["train_pinned"] = None
        st.rerun()
