"""Train a GAN: pick data and settings, start a run, watch it learn (or fail) live.

The run waits in the server's fair queue and trains on a worker process or a Ray actor
(gan_core.jobs.JobService, ui/train/queue.py); this page only lays out its sections:
settings (ui/train/settings.py, ui/train/data.py), then start/stop, the live panel,
keeping and comparing runs (ui/train/run.py). A class link (?preset=…&lock=…&max_minutes=…&d_loss=…&g_loss=…)
fixes the settings of the day.
"""

import streamlit as st

from ui import i18n
from ui.common import page_setup

i18n.init()
page_setup(i18n.t("train.page_title"), "🏋️")

from gan_core.device import resolve_device  # noqa: E402
from ui.common import cloud_mode  # noqa: E402
from ui.i18n import t  # noqa: E402
from ui.train import formula as tf  # noqa: E402
from ui.train import queue  # noqa: E402
from ui.train import run  # noqa: E402
from ui.train import settings as tr  # noqa: E402

ss = st.session_state
prefill_notes = tr.init_state(ss)
link = queue.class_link()
queue.apply_link(link)
device = resolve_device("auto")     # the GPU when the server has one
bound = tr.bounds(cloud_mode())
service = queue.job_service()

st.title(t("train.title"))
st.markdown(t("train.intro"))
for note in prefill_notes:
    st.info(note)
queue.link_banner(link, bound.max_seconds)

job = ss.get("train_job")
running = job is not None and job.running

# ---------------------------------------------------------------- data and settings

with st.sidebar:
    st.header(t("train.settings"))
    data = tr.settings_panel(running, device, bound, locked=queue.locked_keys(link))
config, config_error = tr.config_or_error(ss, data, bound, device)
tf.editor(running, locked=queue.locked_keys(link))      # write your own loss, and what G's loss asks of G


# ---------------------------------------------------------------- start / stop, what to expect

run.controls(config, data, service, bound, device, job, running, link)
run.notes(config, config_error, data, running)

# ---------------------------------------------------------------- the live panel

run.live_panel(job, running)

# ---------------------------------------------------------------- after a run: keep it, compare two

latest, runs = run.keep_panel(job)
run.compare_panel(latest, runs, running)
run.memorisation_panel(latest, data)

# ---------------------------------------------------------------- for a teacher: a class link of these settings

queue.link_maker(config, (bound.max_seconds or 0) / 60 or None)
