"""Where torch work runs: the GPU when there is one, else the CPU.

    resolve_device("auto")   # "cuda" when torch.cuda.is_available(), else "cpu"
    device_name("cuda")      # "NVIDIA H200", for the pages

Training (the Train page, `python -m gan_core.train --device auto`) and PGGAN
rendering ask here. CPU stays the tested path: CI has no GPU, so the tests
monkeypatch torch.cuda.is_available to check the choice.
"""

from __future__ import annotations

import os

import torch

CHOICES = ("auto", "cpu", "cuda")
THREADS_ENV = "GAN_PLAYGROUND_THREADS"


def torch_threads() -> int:
    """Torch threads for the app's work: 1 unless GAN_PLAYGROUND_THREADS says otherwise.

    Measured (bench/bench_first_faces.py --its-only, README "Presets"): with a second
    busy process on the 2 cores, 2 OpenMP threads fall far below 1 thread, because
    each parallel region waits for its slowest thread; a server shares its cores
    with Streamlit, other visitors and other apps, so 1 is the safe default.
    """
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


def cuda_available() -> bool:
    try:
        return bool(torch.cuda.is_available())
    except Exception:       # a broken driver must not break the CPU path
        return False


def resolve_device(name: str = "auto") -> str:
    """"auto" -> "cuda" if a GPU is usable, else "cpu"; anything else is checked and returned."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        return "cuda" if cuda_available() else "cpu"
    if name.startswith("cuda") and not cuda_available():
        raise ValueError(f"device {name!r} was asked for, but torch sees no GPU here; use --device cpu or auto")
    if name != "cpu" and not name.startswith("cuda"):
        raise ValueError(f"unknown device {name!r}; choose one of {', '.join(CHOICES)}")
    return name


def device_name(device: str) -> str:
    """What the pages name: the GPU's model ("NVIDIA H200") for cuda, "CPU" otherwise."""
    if str(device).startswith("cuda"):
        try:
            return torch.cuda.get_device_name(torch.device(device))
        except Exception:
            return "GPU"
    return "CPU"

