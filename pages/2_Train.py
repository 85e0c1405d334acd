"""Train a GAN: pick data and settings, start a run, watch it learn (or fail) live.

The run trains in a worker thread (gan_core.jobs.TrainingJob); this page only
lays out its sections: settings (ui/train/settings.py, ui/train/data.py), then
start/stop, the live panel, keeping and comparing runs (ui/train/run.py).
One training runs per server.
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
from ui.train import run  # noqa: E402
from ui.train import settings as tr  # noqa: E402

ss = st.session_state
prefill_notes = tr.init_state(ss)
device = resolve_device("auto")     # the GPU when the server has one
bound = tr.bounds(cloud_mode())
slot = run.training_slot()

st.title(t("train.title"))
st.markdown(t("train.intro"))
for note in prefill_notes:
    st.info(note)

job = ss.get("train_job")
running = job is not None and job.running

# ---------------------------------------------------------------- data and settings

with st.sidebar:
    st.header(t("train.settings"))
    data = tr.settings_panel(running, device, bound)
config, config_error = tr.config_or_error(ss, data, bound, device)
tf.editor(running)      # write your own loss, and what G's loss asks of G


# ---------------------------------------------------------------- start / stop, what to expect

other = run.controls(config, data, slot, bound, device, job, running)
run.notes(config, config_error, data, running)
run.busy_notice(other, slot)

# ---------------------------------------------------------------- the live panel

run.live_panel(job, running)

# ---------------------------------------------------------------- after a run: keep it, compare two

latest, runs = run.keep_panel(job)
run.compare_panel(latest, runs, running)
