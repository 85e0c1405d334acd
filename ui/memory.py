"""Give memory that Python and torch have freed back to the operating system.

Why the server's memory grew and stayed up (issue 17, bench/bench_memory.py): every browser
session runs its script on its own thread, glibc gives threads their own malloc arenas, and
torch's freed tensors (faces, grids, training batches) leave those arenas full of free pages
that glibc keeps for reuse instead of returning them. RSS then ratchets up with the number of
visits although nothing is referenced. malloc_trim(0) hands the free pages back; one daemon
thread does it every TRIM_EVERY_S seconds (a few milliseconds of work, outside the GIL).
GAN_PLAYGROUND_MALLOC_TRIM=0 turns it off (to measure the difference).
"""

from __future__ import annotations

import ctypes
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
            trim(0)

    threading.Thread(target=loop, name="gan-playground-malloc-trim", daemon=True).start()
    return True
