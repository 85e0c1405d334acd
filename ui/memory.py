"""Housekeeping that gives a long-running server's memory back (issue 17, bench/bench_memory.py).

Why the server's memory grew and did not come back when idle, found by walking the referrers
of leftover tensors in a replayed server:

1. Closed tabs stay in memory. Streamlit keeps a disconnected session (its session state:
   toy labs, training runs with generators and grids, uploaded models) for
   server.disconnectedSessionTTL = 120 s so a reconnect finds it, in a TTL cache of up to 128
   sessions. But expired entries are removed only when the cache is written to or its length
   read, that is when another tab connects or closes: on an idle server, the last 128 visitors'
   state stays for good. expire_closed_sessions() reaps them (under the session manager's lock).
2. Freed memory stays with the process. Every session's script runs on its own thread, glibc
   gives threads their own malloc arenas, and torch's freed tensors leave free pages there that
   glibc keeps. malloc_trim(0) hands them back.

One daemon thread does both every TRIM_EVERY_S seconds. GAN_PLAYGROUND_MALLOC_TRIM=0 turns it
off (to measure the difference).
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time

TRIM_EVERY_S = 30.0
_lock = threading.Lock()
_started = False


def _malloc_trim():
    """glibc's malloc_trim, or None on other C libraries (macOS, musl)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def expire_closed_sessions() -> int:
    """Drop the sessions of closed tabs whose reconnect time has passed; returns how many.

    Reads Streamlit internals (the session manager's storage and its lock): if they move in
    a new release this does nothing, and memory is bounded by Streamlit's own 128 sessions.
    """
    try:
        from streamlit import runtime

        if not runtime.exists():
            return 0
        manager = runtime.get_instance()._session_mgr
        cache = manager._session_storage._cache
        with manager._storage_lock:
            before = len(getattr(cache, "_data", ()))
            after = len(cache)          # len() reaps expired entries
        return max(0, before - after)
    except Exception:  # noqa: BLE001 -- internals moved: leave it to Streamlit
        return 0


def housekeeping() -> None:
    if expire_closed_sessions():
        gc.collect()                    # session state is full of cycles; collect them now
    trim_now()


def trim_now() -> bool:
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def start_trimmer(every_s: float = TRIM_EVERY_S) -> bool:
    """Start the trimming thread once per process; True if it runs."""
    global _started
    if os.environ.get("GAN_PLAYGROUND_MALLOC_TRIM", "1") in ("0", "false", "False"):
        return False
    with _lock:
        if _started:
            return True
        trim = _malloc_trim()
        if trim is None:
            return False
        _started = True

    def loop():
        while True:
            time.sleep(every_s)
            try:
                housekeeping()
            except Exception:  # noqa: BLE001 -- housekeeping must never kill the thread
                pass

    threading.Thread(target=loop, name="gan-playground-malloc-trim", daemon=True).start()
    return True
