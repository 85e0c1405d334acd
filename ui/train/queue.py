"""The Train page's side of the job service: the shared queue, a learner's place in it, the
teacher's class link, and which backend trains (gan_core.jobs.service, .classlink).

Every session of this server shares one JobService (st.cache_resource); a session is one owner
(one queued-or-running training). The page draws a queued run's place and wait from the
handle's snapshot, exactly as it draws a running run's progress.
"""

from __future__ import annotations

import uuid

import streamlit as st

from gan_core.jobs import BackendChoice, JobService, make_backend
from gan_core.jobs.classlink import ClassLink
from ui.common import cloud_mode
from ui import i18n, plain
from ui.i18n import t
from ui.train import messages as msg
from ui.train.settings import FIELDS, PRESETS, bounds

SERVICES: list[JobService] = []      # every service this process made (tests close them)
# TrainConfig field -> the Train page's widget key (the class link locks widgets by field).
WIDGET_OF = {**{field: key for key, field in FIELDS.items()}, "dataset": "tr_dataset",
             "d_activation": "tr_d_activation", "image_size": "tr_image_size"}


def _secrets() -> dict:
    """The backend settings from .streamlit/secrets.toml, if the server has one."""
    try:
        return {k: v for k, v in st.secrets.items() if k.startswith("GAN_PLAYGROUND_")}
    except Exception:       # no secrets file: the environment alone decides
        return {}


@st.cache_resource(show_spinner=False)
def job_service() -> JobService:
    """One per server process, shared by every session: the queue in front of the workers."""
    cloud = cloud_mode()
    backend = make_backend(BackendChoice.from_env(secrets=_secrets()), cloud=cloud)
    service = JobService(backend, max_seconds=bounds(cloud).max_seconds)
    SERVICES.append(service)
    return service


def owner_id() -> str:
    """This browser session's name in the queue (one queued-or-running training each)."""
    return st.session_state.setdefault("train_owner", uuid.uuid4().hex)


# ---------------------------------------------------------------- the class link

def class_link() -> ClassLink | None:
    """The class link this session arrived with (?preset=…&lock=…&max_minutes=…), kept for the
    session once seen, so that leaving the page and coming back does not lift it."""
    ss = st.session_state
    link = ClassLink.from_query({k: st.query_params.get(k) for k in ("preset", "lock", "max_minutes")})
    if link is not None and link != ss.get("train_link"):
        ss["train_link"] = link
        ss["train_link_new"] = True
    return ss.get("train_link")


def apply_link(link: ClassLink | None) -> None:
    """Before the widgets are drawn: the link's preset once, and its locked settings every run."""
    if link is None:
        return
    ss = st.session_state
    values = PRESETS[link.preset]
    if ss.pop("train_link_new", False):
        ss["tr_preset"] = link.preset
        ss.update(values)
    for field in link.locked:
        key = WIDGET_OF.get(field)
        if key in values:
            ss[key] = values[key]


def locked_keys(link: ClassLink | None) -> set[str]:
    """The widget keys the class link locks (drawn disabled)."""
    return set() if link is None else {WIDGET_OF[f] for f in link.locked if f in WIDGET_OF}


def link_banner(link: ClassLink | None, server_limit_s: float | None) -> None:
    if link is None:
        return
    names = i18n.join(sorted(link.locked)) or t("queue.link_nothing_locked")
    cap = link.cap_s(server_limit_s)
    st.info(plain.said("queue.link", preset=plain.Plain(t(f"presets.names.{link.preset}")), locked=names,
              minutes=plain.num((cap or 0) / 60, "g")))
    for note in link.notes:
        st.caption(plain.said("queue.link_note", note=plain.engine(note)))      # it may repeat the link's values


# ---------------------------------------------------------------- what the page says

def ordinal(n: int) -> str:
    """1 -> "1st" ("اول"), 2 -> "2nd", 11 -> "11th" …, from content "queue.ordinals"."""
    words = t("queue.ordinals")
    if 1 <= n <= len(words):
        return words[n - 1]
    if n % 10 in (1, 2, 3) and n % 100 not in (11, 12, 13):
        return t(f"queue.ordinal_{n % 10}", n=n)
    return t("queue.ordinal_n", n=n)


def position_text(snap) -> str:
    """ "3rd in line, about 1 min 40 s" """
    wait = msg.duration(snap.wait_s) if snap.wait_s is not None else None
    if wait is None:
        return t("queue.position_unknown", ordinal=ordinal(snap.position))
    return t("queue.position", ordinal=ordinal(snap.position), wait=wait)


def rule_text(status) -> str:
    """The shrinking cap, stated: the limit, the rule, and what it is right now."""
    return t("queue.rule", limit=msg.duration(status.limit_s), floor=msg.duration(min(status.floor_s, status.limit_s)),
             now=msg.duration(status.cap_now_s), waiting=status.waiting)


def server_line(service: JobService) -> None:
    """Which backend trains, with how many workers, and how busy it is; a fallback note if any."""
    status = service.status()
    st.caption(t("queue.backend", backend=t(f"queue.backends.{status.backend}")
                 if status.backend in ("local", "ray") else status.backend,
                 workers=status.workers, running=status.running, waiting=status.waiting)
               + " " + rule_text(status))
    if status.note:
        st.info(t("queue.fallback", note=status.note))


def queued_panel(snap) -> None:
    """A run waiting for a worker: its place and wait (redrawn with the live status)."""
    st.progress(0.0, text=position_text(snap))
    st.info(t("queue.waiting_hint"))
