"""Pinned Hub revisions where a visitor or a user names a model: `owner/name@<40-hex commit>` in
the Playground's Hub field, `?model=hf:owner/name@<commit>` in a share link, and
`python -m gan_core encoder --generator hf:owner/name@<commit>` on the command line. Each loads
from the offline Hub cache (laid out as the Hub's, tests/hubcache.py) and the page says "pinned to
commit …"; 40 characters that are not hexadecimal are refused with one sentence, on the page in
English and Persian and on the command line. gan_core's side is tests/test_hub_pins.py."""

import json
import re
import sys
from pathlib import Path

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from contentfiles import CONTENT  # noqa: E402
from hubcache import populate_hf_cache  # noqa: E402

from gan_core.hub import save_generator  # noqa: E402
from gan_core.models import DCGenerator  # noqa: E402
from ui.playground.picker import HUB_OPTION  # noqa: E402

PAGE = str(ROOT / "pages" / "1_Playground.py")
REPO = "someone/tiny-gan"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
NOT_HEX = "z" * 40

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def hub_cache(tmp_path, monkeypatch):
    """A Hub cache holding REPO at COMMIT only (its `main` points there), as the server's default cache."""
    import huggingface_hub.constants

    torch.manual_seed(0)
    folder = save_generator(tmp_path / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=32).eval())
    files = {n: (folder / n).read_bytes() for n in ("config.json", "model.safetensors", "README.md")}
    cache = tmp_path / "hub"
    populate_hf_cache(cache, REPO, files, commit=COMMIT)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    st.cache_resource.clear()           # ui.common.load_model: no model left from another test
    yield cache
    st.cache_resource.clear()


def fragments(template: str) -> list[str]:
    """The fixed words of a content template, between its {placeholders}."""
    return [part.strip(" .،") for part in re.split(r"{\w+}", template) if part.strip(" .،`*")]


@pytest.fixture
def speak(monkeypatch):
    """The page's language for the whole process: AppTest calls a widget's format_func in the
    test's thread, outside the page's session, where ui.i18n.current() would answer English."""
    from ui import i18n

    return lambda lang: monkeypatch.setattr(i18n, "current", lambda: lang)


def page(lang: str, query=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def type_hub_id(at: AppTest, text: str) -> AppTest:
    at.selectbox(key="pg_choice").set_value(HUB_OPTION).run()
    at.text_input(key="pg_hub_text").set_value(text)
    at.button(key="pg_hub_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def says_pinned(at: AppTest, lang: str) -> bool:
    words = fragments(CONTENT[lang]["deploy"]["hub_pinned"])
    return any(COMMIT in c.value and all(w.strip("`*") in c.value for w in words) for c in at.caption)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_commit_typed_in_the_hub_field_loads_from_the_cache_and_says_pinned(hub_cache, speak, lang):
    speak(lang)
    at = type_hub_id(page(lang), f"{REPO}@{COMMIT.upper()}")        # upper-case hex is the same commit
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["pg_active"] == f"hf:{REPO}@{COMMIT}"
    assert says_pinned(at, lang), [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_forty_characters_that_are_not_hex_are_refused_in_one_sentence(hub_cache, speak, lang):
    speak(lang)
    at = type_hub_id(page(lang), f"{REPO}@{NOT_HEX}")
    assert len(at.error) == 1
    message = at.error[0].value
    assert "hexadecimal" in message and "\n" not in message.strip()
    if lang == "fa":                     # gan_core's English sentence, introduced in Persian
        assert re.search("[\u0600-\u06ff]", message)
    assert at.session_state["pg_active"] == "faces64"                # the bundled model stays


def test_a_share_link_with_a_commit_opens_that_commit_from_the_cache(hub_cache):
    at = page("en", {"model": f"hf:{REPO}@{COMMIT}", "seed": "3"})
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["pg_active"] == f"hf:{REPO}@{COMMIT}"
    assert says_pinned(at, "en")
    assert any(COMMIT in c.value for c in at.code)                   # the page's own link keeps the commit


def test_the_command_line_takes_a_pinned_hub_id_and_refuses_a_malformed_one(hub_cache, tmp_path):
    from gan_core.faces import encoder

    out = tmp_path / "enc"
    encoder.main(["--generator", f"hf:{REPO}@{COMMIT}", "--pairs", "40", "--iterations", "1",
                  "--batch-size", "4", "--width", "4", "--out", str(out)])
    saved = json.loads((out / "config.json").read_text())
    assert saved["generator"] == f"hf:{REPO}@{COMMIT}"
    with pytest.raises(SystemExit) as exc:
        encoder.main(["--generator", f"hf:{REPO}@{NOT_HEX}", "--out", str(tmp_path / "bad")])
    message = str(exc.value)
    assert "hexadecimal" in message and "\n" not in message and "Traceback" not in message
    assert not (tmp_path / "bad").exists()
