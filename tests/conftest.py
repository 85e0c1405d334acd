# Tests never touch the network: the Hub is unreachable on our machines, and a
# forgotten download should fail in milliseconds, not after a 23 s retry loop.
# HF_HUB_OFFLINE is read when huggingface_hub is imported, so set it first.
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GAN_PLAYGROUND_TEST", "1")
# Ray (tests/test_ray_backend.py) keeps every address on 127.0.0.1 instead of the machine's network
# address; read when ray is first imported, whichever test imports it.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
# The app hides exception details from visitors (.streamlit/config.toml); tests want them, so a
# failing AppTest or browser test prints its traceback. Environment variables override config.toml.
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")

import torch  # noqa: E402  (a cold torch import inside AppTest would hit its timeout)

torch.set_num_threads(max(1, min(2, torch.get_num_threads())))


import pytest  # noqa: E402


@pytest.fixture(scope="module")
def one_torch_thread():
    """For modules that train many small steps (`pytestmark = pytest.mark.usefixtures(...)`):
    two OpenMP threads collapse when other processes share the 2 cores; one degrades gracefully."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def fresh_job_service(monkeypatch):
    """For page tests that press Start (`pytestmark = pytest.mark.usefixtures(...)`): AppTests in one
    process share st.cache_resource, so no run (nor worker) may leak into the next test."""
    import streamlit as st

    from ui.train import queue as train_queue

    monkeypatch.setenv("GAN_PLAYGROUND_WORKERS", "1")
    st.cache_resource.clear()
    yield
    while train_queue.SERVICES:
        train_queue.SERVICES.pop().close()
    st.cache_resource.clear()
