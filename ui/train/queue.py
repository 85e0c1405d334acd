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
from gan_core.jobs.classlink import LINK_KEYS, LOCKABLE, ClassLink
from gan_core.training import starting_formulas
from gan_core.training.presets import DEFAULT as DEFAULT_PRESET
from ui.common import cloud_mode
from ui import i18n, plain
from ui.i18n import engine_error, t
from ui.train import messages as msg
from ui.train.settings import FIELDS, PRESETS, bounds

SERVICES: list[JobService] = []      # every service this process made (tests close them)
# TrainConfig field -> the Train page's widget key (the class link locks widgets by field).
WIDGET_OF = {**{field: key for key, field in FIELDS.items()}, "dataset": "tr_dataset",
             "d_activation": "tr_d_activation", "image_size": "tr_image_size",
             "d_loss": "tr_d_formula", "g_loss": "tr_g_formula"}
FORMULA_FIELDS = ("d_loss", "g_loss")


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
    link = ClassLink.from_query({k: st.query_params.get(k) for k in LINK_KEYS})
    earlier = ss.get("train_link")
    if link is not None and link != earlier:
        if earlier is not None and earlier.locked:
            # A learner who edits the address cannot lift what the teacher's link locked: a second link
            # in this session is not read (a new one opens in a new tab, a new session).
            ss["train_link_ignored"] = True
        else:
            ss["train_link"] = link
            ss["train_link_new"] = True
    return ss.get("train_link")


def apply_link(link: ClassLink | None) -> None:
    """Before the widgets are drawn: the link's preset and formulas once, and its locked settings every run."""
    if link is None:
        return
    ss = st.session_state
    values = PRESETS[link.preset]
    if ss.pop("train_link_new", False):
        ss["tr_preset"] = link.preset
        ss.update(values)
        if link.d_loss or link.g_loss:      # the editor opens on, with the link's text
            _put_formulas(ss, link, FORMULA_FIELDS)
            ss["tr_formula_on"] = True
    for field in link.locked:
        key = WIDGET_OF.get(field)
        if key in values and field not in FORMULA_FIELDS:
            ss[key] = values[key]
    held = [f for f in FORMULA_FIELDS if f in link.locked]
    if held:
        _put_formulas(ss, link, held)
        if any(getattr(link, f) for f in held):
            ss["tr_formula_on"] = True          # a locked formula of the link's is what trains
        elif len(held) == 2:
            ss["tr_formula_on"] = False         # both locked to the built-in loss


def _put_formulas(ss, link: ClassLink, fields) -> None:
    """The link's formula in each of `fields`' boxes, or the loss's own where the link has none."""
    start = starting_formulas(ss.get("tr_loss", "lsgan"))
    for f in fields:
        ss[WIDGET_OF[f]] = getattr(link, f) or getattr(start, f[0])


def locked_keys(link: ClassLink | None) -> set[str]:
    """The widget keys the class link locks (drawn disabled); with a locked formula, also the editor's
    switch and starting point (either would change the locked text)."""
    if link is None:
        return set()
    keys = {WIDGET_OF[f] for f in link.locked if f in WIDGET_OF}
    if link.locked & set(FORMULA_FIELDS):
        keys |= {"tr_formula_on", "tr_formula_start"}
    return keys


def link_banner(link: ClassLink | None, server_limit_s: float | None) -> None:
    if link is None:
        return
    names = i18n.join(sorted(link.locked)) or t("queue.link_nothing_locked")
    cap = link.cap_s(server_limit_s)
    st.info(plain.said("queue.link", preset=plain.Plain(t(f"presets.names.{link.preset}")), locked=names,
              minutes=plain.num((cap or 0) / 60, "g")))
    for note in link.notes:
        st.caption(plain.said("queue.link_note", note=plain.engine(note)))      # it may repeat the link's values
    if st.session_state.get("train_link_ignored"):
        st.caption(t("queue.link_second"))
    for role, exc in link.refused:      # one sentence each, its repeated text escaped (i18n.engine_error)
        st.caption(plain.said("queue.link_formula", role=plain.Plain(t(f"formula.roles.{role}")),
                              error=engine_error(exc)))


# Short names a teacher's link may lock (the "class link for these settings" box offers these).
LOCK_CHOICES = ("preset", "formulas", "loss", "lr", "optimizer", "r1", "batch", "iterations", "dataset")


def link_maker(config, max_minutes: float | None) -> None:
    """"Class link for these settings": the query of a link that opens this page on the chosen
    preset with the formulas in the boxes, and locks what the teacher picks (ClassLink.to_query)."""
    from urllib.parse import urlencode

    ss = st.session_state
    with st.expander(t("queue.maker")):
        preset = ss.get("tr_preset")
        if preset not in PRESETS:       # a class link names a preset: the default one, said so
            preset = DEFAULT_PRESET
            st.caption(plain.said("queue.maker_custom", preset=plain.Plain(t(f"presets.names.{preset}"))))
        lock = st.multiselect(t("queue.maker_lock"), LOCK_CHOICES, key="tr_link_lock",
                              format_func=i18n.labels("queue.lock_names"))
        minutes = st.number_input(t("queue.maker_minutes"), 0.0, float(max_minutes or 600), 0.0, step=1.0,
                                  key="tr_link_minutes", help=t("queue.maker_minutes_help"))
        locked = frozenset(f for name in lock for f in LOCKABLE[name])
        d_loss, g_loss = (config.d_loss, config.g_loss) if config is not None else ("", "")
        link = ClassLink(preset, locked, minutes or None, d_loss=d_loss, g_loss=g_loss)
        params = link.to_query()
        if i18n.current() != i18n.DEFAULT:
            params["lang"] = i18n.current()     # the link opens in the language it was made in
        base = (st.context.url or "").split("?")[0] or "/Train"
        st.code(plain.label(f"{base}?{urlencode(params)}"), language=None)
        st.caption(t("queue.maker_caption"))


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
