"""The `local` backend: each training in a worker process of its own, N of them, on this machine.

Workers are spawned (a fresh interpreter, one torch thread each; a subprocess joined by a socket pair) ahead of the first Start, so a
lone learner does not wait for Python and torch to boot; a worker trains exactly one run, answers
snapshot requests over its pipe while it trains, hands over the trained generator's weights, and
exits, so its memory goes back to the system; a fresh worker takes its place. A worker that dies
(killed, out of memory) turns its run into one clear sentence the next time anyone asks, and is
replaced. Nothing here imports Streamlit; the queue lives in service.py.

    backend = LocalBackend(workers=2)
    run = backend.start(RunSpec(TrainConfig(iterations=300)))
    snap = run.snapshot()             # the same Snapshot a TrainingJob gives
    run.stop("stopped by you")
    backend.close()
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
import time
import weakref
from multiprocessing.connection import Connection
from pathlib import Path

from .backends import (RunSpec, SnapshotPacker, SnapshotUnpacker, dead_snapshot, generator_from_state,
                       generator_state, worker_died_sentence)
from .eta import Timing
from .job import Snapshot

log = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 10.0      # a worker that does not answer for this long (while alive) is only slow
RESULT_TIMEOUT_S = 60.0      # fetching the generator's weights at the end
NICE_ENV = "GAN_PLAYGROUND_WORKER_NICE"   # how much lower the workers' OS priority is (0: the web's own)
DEFAULT_NICE = 10


def worker_nice(env=None) -> int:
    """The niceness the workers add to their own (GAN_PLAYGROUND_WORKER_NICE, default 10, 0 off).

    Why: on a small machine the web process and the workers share the cores; a slider move is a
    short burst of the web process that should not queue behind a training's next step. A nicer
    worker yields the CPU to it at once and takes it all back while the web process is idle."""
    env = os.environ if env is None else env
    try:
        return max(0, min(19, int(env.get(NICE_ENV, DEFAULT_NICE))))
    except (TypeError, ValueError):
        return DEFAULT_NICE


def default_workers(cores: int | None = None) -> int:
    """Worker processes for this machine: one per core, less one for the web server, at least 1.

    Measured on the 2-core machine (bench/bench_classroom.py, docs/classroom.md, reduced runs):
    2 workers gave 1.5x the total iterations per second of 1 with the cores shared, and the web
    server needs a core of its own for its sessions, so 2 cores keep 1 worker by default
    (GAN_PLAYGROUND_WORKERS=2 overrides it)."""
    cores = cores or os.cpu_count() or 1
    return max(1, cores - 1)


# ---------------------------------------------------------------- the worker process

def _send(conn, obj):
    """Plain pickle over the pipe: multiprocessing's own pickler would hand torch tensors over as
    shared-memory handles, which need a multiprocessing-spawned peer."""
    conn.send_bytes(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _recv(conn):
    return pickle.loads(conn.recv_bytes())     # our own worker's answers (never a user's bytes)


def _worker_entry():
    """`python -c ... FD THREADS NICE`: the worker process's main (see _Worker)."""
    fd, threads, nice = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    if nice:
        try:
            os.nice(nice)       # first, so that even the worker's boot yields to the web process
        except (OSError, AttributeError):   # not allowed or not on this OS: the web's own priority
            pass
    _worker_main(Connection(fd), threads)


def _worker_main(conn, threads: int):
    """Body of one worker process: wait for a spec, train it, answer, exit."""
    import torch

    from .job import TrainingJob

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)   # one core's worth: no idle pool of inter-op threads
    except RuntimeError:    # already started (only before any parallel work): keep torch's
        pass
    _warm_up()
    try:
        # what the process really runs with, for tests and benchmarks (pid, torch threads, niceness)
        _send(conn, ("ready", os.getpid(), {"threads": torch.get_num_threads(), "interop": torch.get_num_interop_threads(),
                              "nice": _niceness()}))
        msg = _recv(conn)
    except (EOFError, OSError, KeyboardInterrupt):
        return
    if not msg or msg[0] != "run":
        return
    spec: RunSpec = msg[1]
    job = TrainingJob(spec.config, spec.dataset_tensor(), label=spec.label, threads=threads,
                      measure=spec.measure, max_grids=spec.max_grids, max_seconds=spec.max_seconds)
    job.start()
    packer = SnapshotPacker()
    try:
        while True:
            if not conn.poll(1.0):
                continue
            cmd, arg = _recv(conn)
            if cmd == "snapshot":
                _send(conn, packer.pack(job.snapshot()))
            elif cmd == "stop":
                job.stop(arg or "")
                _send(conn, None)
            elif cmd == "generator":
                job.wait(RESULT_TIMEOUT_S / 2)
                _send(conn, generator_state(job.generator) if not job.running else None)
            elif cmd == "exit":
                job.stop("the server shut down")
                _send(conn, None)
                break
    except (EOFError, OSError, KeyboardInterrupt):   # the web process went away: so do we
        job.stop("the server shut down")
    job.wait(5.0)


def _niceness() -> int | None:
    try:
        return os.getpriority(os.PRIO_PROCESS, 0)
    except (OSError, AttributeError):
        return None


def _warm_up():
    """What a first run would otherwise pay after Start: the default preset's data and models."""
    try:
        from ..training import presets
        from ..training.loop import Trainer

        Trainer(presets.get(presets.DEFAULT))
    except Exception:   # no warm-up is no reason to refuse work
        log.debug("worker warm-up failed", exc_info=True)


class _Dead(Exception):
    pass


class _Worker:
    """A spawned interpreter and our end of its pipe.

    A plain subprocess (not multiprocessing's spawn, which re-runs the parent's __main__ in the
    child: under Streamlit that is the page script) joined to us by a socket pair, speaking
    multiprocessing's Connection protocol."""

    def __init__(self, threads: int, nice: int = 0):
        ours, theirs = socket.socketpair()
        root = str(Path(__file__).resolve().parents[2])          # the folder that holds gan_core/
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
               "OMP_NUM_THREADS": str(threads)}
        code = "import sys; from gan_core.jobs.local_backend import _worker_entry; _worker_entry()"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno()), str(threads), str(nice)],
                                        pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.created = time.monotonic()
        self.ready = False
        self.info: dict = {}         # what the booted worker reported: torch threads, niceness

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def exitcode(self) -> int | None:
        return self.process.poll()

    def check_ready(self) -> bool:
        """Whether the worker has booted (reads its "ready" message; call with the run's lock)."""
        try:
            if not self.ready and self.conn.poll(0):
                msg = _recv(self.conn)
                self.ready = bool(msg) and msg[0] == "ready"
                if self.ready and len(msg) > 2:
                    self.info = dict(msg[2])
        except (EOFError, OSError):
            return False
        return self.ready

    def alive(self) -> bool:
        return self.process.poll() is None

    def join(self, timeout: float | None = None):
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def kill(self):
        if self.alive():
            self.process.kill()

    def end(self, timeout: float = 2.0):
        try:
            self.conn.close()
        except OSError:
            pass
        self.join(timeout)
        if self.alive():
            self.process.kill()
            self.join(timeout)


# ---------------------------------------------------------------- a run, seen from the web process

class LocalRun:
    """backends.Run for a worker process. Thread-safe: one lock around the pipe."""

    def __init__(self, backend: LocalBackend, worker: _Worker, spec: RunSpec, warm: bool = True):
        self.spec = spec
        self.error: str | None = None
        self.warm = warm                                    # its worker had booted when it took the run
        self.booting_for_s = time.monotonic() - worker.created   # how long that worker had existed
        self._backend = backend
        self._worker = worker
        self._lock = threading.Lock()
        self._unpacker = SnapshotUnpacker()
        self._last: Snapshot | None = None
        self._final: Snapshot | None = None
        self._generator = None
        self._released = False
        self._pending_stop: str | None = None
        self._sent = threading.Event()
        # The spec may be megabytes (uploaded images) and the worker may still be booting:
        # hand it over in a thread so that start() returns at once.
        threading.Thread(target=self._send_spec, name="gan-spec-sender", daemon=True).start()

    def _send_spec(self):
        with self._lock:
            try:
                _send(self._worker.conn, ("run", self.spec))
            except (OSError, ValueError):
                self._die()
            self._sent.set()

    def _starting(self) -> Snapshot:
        return Snapshot(status="starting", iteration=0, total=self.spec.config.iterations,
                        config=self.spec.config, label=self.spec.label)

    def _call(self, cmd: str, arg=None, timeout: float = ANSWER_TIMEOUT_S):
        """One request/answer over the pipe (lock held). None: no answer in time but alive."""
        conn = self._worker.conn
        try:
            _send(conn, (cmd, arg))
            end = time.monotonic() + timeout
            while not conn.poll(0.1):
                if not self._worker.alive():
                    raise _Dead
                if time.monotonic() > end:
                    return None
            return _recv(conn)
        except (EOFError, OSError, BrokenPipeError, ValueError) as exc:
            raise _Dead from exc

    def _die(self):
        """The worker went away mid-run: one sentence, the last known state, a freed place."""
        worker = self._worker
        worker.join(1.0)
        self.error = worker_died_sentence(worker.exitcode)
        self._final = dead_snapshot(self._last, self.spec.config, self.error, self.spec.label)
        log.warning("training worker %s died (exit code %s)", worker.pid, worker.exitcode)
        self._release()

    def _release(self):
        if not self._released:
            self._released = True
            self._backend._release(self._worker)
            # the run's uploaded images crossed to the worker long ago; nothing reads them again
            self.spec = dataclasses.replace(self.spec, dataset=None)

    def snapshot(self) -> Snapshot:
        if not self._sent.is_set():
            return self._last or self._starting()
        with self._lock:
            if self._final is not None:
                return self._final
            try:
                if not self._worker.check_ready():
                    if not self._worker.alive():
                        raise _Dead
                    return self._last or self._starting()
                if self._pending_stop is not None:
                    reason, self._pending_stop = self._pending_stop, None
                    self._call("stop", reason)
                packed = self._call("snapshot")
            except _Dead:
                self._die()
                return self._final
            if packed is None:
                return self._last or self._starting()
            snap = self._unpacker.unpack(packed)
            self._last = snap
            if snap.finished:
                self._final = snap
            return snap

    def stop(self, reason: str = "") -> None:
        if not self._sent.wait(ANSWER_TIMEOUT_S):
            return
        with self._lock:
            if self._final is not None:
                return
            if not self._worker.check_ready():     # still booting: stop as soon as it is up
                self._pending_stop = reason
                return
            try:
                self._call("stop", reason)
            except _Dead:
                self._die()

    def alive(self) -> bool:
        return not self._released and self._worker.alive()

    def generator(self):
        """The trained generator once the run is final; fetching it retires the worker."""
        with self._lock:
            if self._released:
                return self._generator
            if self._final is None or self.error:
                return None
            try:
                state = self._call("generator", timeout=RESULT_TIMEOUT_S)
                self._call("exit", timeout=5.0)
            except _Dead:
                state = None
            self._generator = generator_from_state(self.spec.config, state)
            self._release()
            return self._generator

    def kill(self):
        """Tests and benchmarks: end the worker process the hard way (as the OOM killer would)."""
        self._worker.kill()


# ---------------------------------------------------------------- the backend

class LocalBackend:
    """backends.Backend with `workers` spawned processes on this machine."""

    name = "local"
    # Priors for the queue's estimates until this server has measured its own (eta.py), from the
    # 2-core machine: Start -> first step on a booted worker 0.31 s (bench/bench_ray_backend.py);
    # runs held their worker 18.1 s for a 15 s cap (bench/bench_classroom.py, reduced run), ~2.5 s
    # of it after the last step; a fresh worker boots (torch, the default preset warmed up) in ~5 s.
    timing = Timing(start_s=0.3, boot_s=5.0, tail_s=2.5)

    def __init__(self, workers: int | None = None, threads: int = 1, prestart: bool = True, spares: int = 1,
                 nice: int | None = None):
        self.workers = workers or default_workers()
        self.threads = threads
        self.nice = worker_nice() if nice is None else max(0, nice)
        # Booted processes kept beyond the busy ones: a run that follows another starts on a
        # worker that is already up (booting takes seconds), at the price of an idle process's memory.
        self._target = self.workers + max(0, spares)
        self.note = ""
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False
        if prestart:
            for _ in range(self._target):
                self._idle.append(_Worker(threads, self.nice))
        _live.add(self)

    def start(self, spec: RunSpec) -> LocalRun:
        with self._lock:
            if self._closed:
                raise RuntimeError("this backend is closed")
            for dead in [w for w in self._idle if not w.alive()]:   # an idle worker that died: drop it
                self._idle.remove(dead)
                dead.end(0.1)
            ready = [w for w in self._idle if w.check_ready()]
            worker = (ready or self._idle or [None])[0]     # a booted one first, else the oldest booting
            if worker is not None:
                self._idle.remove(worker)
            else:
                worker = _Worker(self.threads, self.nice)
            self._busy.add(worker)
            self._refill()
        return LocalRun(self, worker, spec, warm=bool(ready))

    def idle_workers(self) -> list[float | None]:
        """The idle workers in the order start() takes them: None for a booted one, else the seconds
        it has been booting (the queue's estimates)."""
        now = time.monotonic()
        with self._lock:
            alive = [w for w in self._idle if w.alive()]
            ready = [w for w in alive if w.check_ready()]
            return [None] * len(ready) + sorted(now - w.created for w in alive if w not in ready)[::-1]

    def _refill(self):
        """Boot workers until idle + busy is the target again (lock held)."""
        while not self._closed and len(self._idle) + len(self._busy) < self._target:
            self._idle.append(_Worker(self.threads, self.nice))

    def _release(self, worker: _Worker):
        """A run has ended: retire its worker (its memory goes back), then boot a fresh one.

        The fresh one boots only once the old one has exited: booting beside it held two workers'
        memory at once (about 1.5 GB) just when a visitor goes on to something else, which took the
        Cloud emulation's peak to within a few MiB of the 2.7 GB cap. A Start meanwhile does not wait
        for this: start() boots what it needs."""
        with self._lock:
            self._busy.discard(worker)

        def retire():
            worker.end()
            with self._lock:
                self._refill()

        threading.Thread(target=retire, name="gan-worker-reaper", daemon=True).start()

    def booted_info(self) -> list[dict]:
        """What each booted idle worker reported (torch threads, niceness): tests, benchmarks."""
        with self._lock:
            return [dict(w.info) for w in self._idle if w.check_ready()]

    def pids(self) -> dict[str, list[int]]:
        """Process ids of the idle and busy workers (tests, benchmarks)."""
        with self._lock:
            return {"idle": [w.pid for w in self._idle], "busy": [w.pid for w in self._busy]}

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = self._idle + list(self._busy)
            self._idle, self._busy = [], set()
        for w in workers:
            try:
                _send(w.conn, ("exit", None))
            except (OSError, ValueError):
                pass
        for w in workers:
            w.end(3.0)


_live: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all():
    for backend in list(_live):
        try:
            backend.close()
        except Exception:  # at exit, nothing to tell anyone
            pass
