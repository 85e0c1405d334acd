"""A minimal Streamlit client for benches: speaks the app's websocket protocol, no browser.

Each Session opens /_stcore/stream on a local server, runs a page, remembers its sliders
and buttons, and can move a slider, press a button, open a tab or upload a file. Every rerun returns two times:

  client_s  from sending the rerun to the server's "script finished" (what a visitor waits)
  server_s  the script's own run time, as the server measured it (PageProfile.exec_time,
            sent only when the server runs with --browser.gatherUsageStats true; the bench's
            client reads it and nothing is sent anywhere else)

Loopback only, and every wait is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, timeout: float = 120, command=None) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` (or `command`, e.g. a wrapper that instruments the server) on
    127.0.0.1, with the per-run profile the bench reads."""
    port = free_port()
    proc = subprocess.Popen(
        (command or [sys.executable, "-m", "streamlit", "run", "app.py"]) + ["--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "true"],  # makes the server send PageProfile (exec time) to our client
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            if urllib.request.urlopen(f"http://{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("streamlit did not start") from None
            time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Session:
    use_fragments = True   # rerun only a widget's fragment, as a browser does (False: the whole page every time)

    def __init__(self, url: str, page: str, timeout: float = 60, query: str = ""):
        self.url, self.page, self.timeout, self.query = url, page, timeout, query   # query: "model=...&lang=fa"
        self.sliders: dict[str, object] = {}   # widget id -> Slider proto
        self.fragment_of: dict[str, str] = {}  # widget id -> the fragment that drew it ("" = none)
        self.timers: dict[str, float] = {}     # fragment id -> run_every seconds (a browser reruns it on a timer)
        self.buttons: dict[str, str] = {}      # widget id -> label
        self.values: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.dropped = 0                       # timer reruns the server dropped (see rerun)
        self.reloads = 0                       # whole-page reruns after a dropped timer rerun
        self.progress_text = ""                # the last progress bar's text (e.g. the Train page's step line)
        self.captions: list[str] = []          # every image caption drawn so far (e.g. "Fixed noise at iteration 10")
        self.texts: list[str] = []             # the last run's alert and markdown bodies
        self.widget_ids: set[str] = set()      # every widget id seen (tabs, uploaders ...), to find one by its key
        self.states: dict[str, object] = {}    # widget id -> fills a WidgetState (a tab, an uploaded file)
        self.session_id = ""
        self.page_hash = ""                    # the page the server says it ran (st.navigation's answer)
        self.ws = None

    async def __aenter__(self):
        self.ws = await asyncio.wait_for(
            connect(f"ws://{self.url}/_stcore/stream", subprotocols=["streamlit"], max_size=2**26),
            self.timeout)
        await self.rerun()
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    def _collect(self, msg: ForwardMsg):
        if msg.WhichOneof("type") == "new_session":
            self.session_id = msg.new_session.initialize.session_id
            return
        if msg.WhichOneof("type") == "navigation" and msg.navigation.page_script_hash:
            # A browser sends this hash with every later rerun. Without it a fragment's run has no
            # page, and its st.rerun() (the Train page's at a run's end) reruns the app's first page.
            self.page_hash = msg.navigation.page_script_hash
            return
        if msg.WhichOneof("type") != "delta":
            return
        if msg.delta.WhichOneof("type") == "add_block":
            if msg.delta.add_block.WhichOneof("type") == "tab_container" and msg.delta.add_block.tab_container.id:
                self.widget_ids.add(msg.delta.add_block.tab_container.id)
            return
        if msg.delta.WhichOneof("type") != "new_element":
            return
        el = msg.delta.new_element
        kind = el.WhichOneof("type")
        inner = getattr(el, kind) if kind else None
        if getattr(inner, "id", ""):
            self.widget_ids.add(inner.id)
        if kind in ("alert", "markdown"):
            self.texts.append(inner.body)
        if kind == "slider" and el.slider.id:
            self.sliders[el.slider.id] = el.slider
            self.fragment_of[el.slider.id] = msg.delta.fragment_id
        elif kind == "button" and el.button.id:
            self.buttons[el.button.id] = el.button.label
        elif kind == "progress":
            self.progress_text = el.progress.text
        elif kind == "imgs":
            self.captions.extend(img.caption for img in el.imgs.imgs)
        elif kind == "exception":
            self.errors.append(el.exception.type or "exception")

    async def rerun(self, trigger: str | None = None, fragment_id: str = "", auto: bool = False,
                    start_timeout: float | None = None) -> tuple[float, float | None]:
        """Rerun the page (or, like a browser, only the fragment that drew the widget that changed;
        auto: a fragment's run_every timer, flagged as a browser flags it).

        The server silently drops a fragment rerun it no longer holds the fragment of (a full run
        dropped it); a browser's timer just fires again. With start_timeout, a rerun that has not
        started (no new_session message) after that many seconds counts as dropped: it returns
        (nan, None) and self.dropped grows by one."""
        back = BackMsg()
        state = back.rerun_script
        state.page_name = self.page
        state.page_script_hash = self.page_hash
        state.query_string = self.query
        state.is_auto_rerun = auto
        if fragment_id:
            state.fragment_id = fragment_id
        else:
            self.timers.clear()        # a whole-page run announces the timers it still wants
        for wid, value in self.values.items():
            w = state.widget_states.widgets.add()
            w.id = wid
            w.double_array_value.data.extend(value)
        for wid, fill in self.states.items():
            w = state.widget_states.widgets.add()
            w.id = wid
            fill(w)
        self.texts = []
        if trigger:
            w = state.widget_states.widgets.add()
            w.id, w.trigger_value = trigger, True
        self.last_request = (fragment_id, auto, bool(trigger))     # what a timed-out rerun was waiting for
        self.last_seen = []
        t0 = time.perf_counter()
        await self.ws.send(back.SerializeToString())
        server_s = None
        deadline = t0 + self.timeout
        started = rerun_follows = False
        while True:
            wait = deadline - time.perf_counter()
            if start_timeout is not None and not started:
                wait = min(wait, t0 + start_timeout - time.perf_counter())
            try:
                raw = await asyncio.wait_for(self.ws.recv(), max(0.1, wait))
            except TimeoutError:
                if start_timeout is not None and not started and time.perf_counter() < deadline:
                    self.dropped += 1
                    return float("nan"), None
                raise
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            self.last_seen = self.last_seen[-7:] + [kind if kind != "script_finished" else f"finished {msg.script_finished}"]
            started = started or kind == "new_session"
            if kind == "new_session" and rerun_follows:
                self.timers.clear()    # the page's st.rerun(): a whole-page run follows and announces its timers
                rerun_follows = False
            rerun_follows = rerun_follows or (kind == "script_finished" and msg.script_finished == EARLY)
            if kind == "page_profile":
                server_s = msg.page_profile.exec_time / 1e6
            elif kind == "auto_rerun":
                self.timers[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                for fid in msg.stop_auto_rerun.fragment_ids:
                    self.timers.pop(fid, None)
            elif kind == "script_finished" and msg.script_finished != EARLY:
                return time.perf_counter() - t0, server_s
            else:
                self._collect(msg)

    async def move_slider(self, rng: random.Random, match: str = "") -> tuple[float, float | None]:
        """Set one slider (its id containing `match`) to a random allowed value and rerun."""
        ids = [i for i in self.sliders if match in i]
        if not ids:
            raise RuntimeError(f"no slider matching {match!r} on {self.page}")
        wid = rng.choice(ids)
        s = self.sliders[wid]
        steps = max(1, int(round((s.max - s.min) / (s.step or 1))))
        value = s.min + rng.randint(0, steps) * (s.step or 1)
        self.values[wid] = [min(s.max, value)]
        return await self.rerun(fragment_id=self.fragment_of.get(wid, "") if self.use_fragments else "")

    async def follow_timers(self, stop: asyncio.Event, out: list, after=None) -> None:
        """Rerun the page's run_every fragments on their timers, as an open browser tab does,
        until `stop` is set or the page has no timer left; each rerun's (client, server) seconds go to `out`, and `after()`
        (if given) is called after each one (it may set `stop`)."""
        due: dict[str, float] = {}
        while not stop.is_set():
            now = time.perf_counter()
            for fid, every in self.timers.items():
                due.setdefault(fid, now + every)
            if not due:
                return      # the page stopped its timers (a run's end): nothing on it changes any more
            fid = min(due, key=due.get)
            await asyncio.sleep(max(0.0, due[fid] - time.perf_counter()))
            if stop.is_set():
                break
            del due[fid]
            if fid in self.timers:
                dropped = self.dropped
                out.append(await self.rerun(fragment_id=fid, auto=True, start_timeout=15.0))
                if self.dropped > dropped:       # the page no longer updates itself: reload it, as a visitor would
                    self.reloads += 1
                    await self.rerun()
                if after is not None:
                    after()

    def widget(self, key: str) -> str:
        """The id of the widget made with key=`key` (Streamlit puts the key in the id)."""
        ids = [i for i in self.widget_ids if i.endswith(f"-{key}") or key in i]
        if not ids:
            raise RuntimeError(f"no widget with key {key!r} on {self.page}")
        return ids[0]

    async def open_tab(self, key: str, label: str) -> tuple[float, float | None]:
        """Open the tab labelled `label` of st.tabs(key=...) and rerun, as a click does."""
        wid = self.widget(key)
        self.states[wid] = lambda w: setattr(w, "string_value", label)
        return await self.rerun()

    async def upload(self, key: str, name: str, data: bytes, mime: str) -> tuple[float, float | None]:
        """Upload a file into st.file_uploader(key=...) as the browser does (ask for upload URLs
        over the websocket, PUT the file, then rerun with the uploader's new state)."""
        back = BackMsg()
        back.file_urls_request.request_id = f"bench-{random.getrandbits(32):08x}"
        back.file_urls_request.file_names.append(name)
        back.file_urls_request.session_id = self.session_id
        await self.ws.send(back.SerializeToString())
        deadline = time.perf_counter() + self.timeout
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.perf_counter()))
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if msg.WhichOneof("type") == "file_urls_response" \
                    and msg.file_urls_response.response_id == back.file_urls_request.request_id:
                break
        if msg.file_urls_response.error_msg:
            raise RuntimeError(msg.file_urls_response.error_msg)
        urls = msg.file_urls_response.file_urls[0]
        await asyncio.to_thread(self._put, urls.upload_url, name, data, mime)
        wid = self.widget(key)

        def fill(w, urls=urls):
            info = w.file_uploader_state_value.uploaded_file_info.add()
            info.file_id, info.name, info.size = urls.file_id, name, len(data)
            info.file_urls.CopyFrom(urls)

        self.states[wid] = fill
        return await self.rerun()

    def _put(self, upload_url: str, name: str, data: bytes, mime: str) -> None:
        url = upload_url if upload_url.startswith("http") else f"http://{self.url}{upload_url}"
        headers = {}
        with urllib.request.urlopen(f"http://{self.url}/_stcore/health", timeout=self.timeout) as r:
            for cookie in r.headers.get_all("Set-Cookie") or []:
                if cookie.startswith("_streamlit_xsrf="):
                    token = cookie.split(";", 1)[0].split("=", 1)[1]
                    headers.update({"Cookie": f"_streamlit_xsrf={token}", "X-Xsrftoken": token})
        boundary = f"bench{random.getrandbits(64):016x}"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: {mime}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        request = urllib.request.Request(url, data=body, headers=headers, method="PUT")
        with urllib.request.urlopen(request, timeout=self.timeout) as r:
            if r.status not in (200, 204):
                raise RuntimeError(f"upload answered {r.status}")

    async def press(self, label_part: str) -> tuple[float, float | None]:
        wid = next(i for i, label in self.buttons.items() if label_part.lower() in label.lower())
        return await self.rerun(trigger=wid)
