"""Issue 28 on the pages (AppTest): the markdown-injection link, a checkpoint and a dataset zip with
markdown and right-to-left-override names, a markdown Hub id, in English and Persian, show as plain
text. (The static audit of every markdown call is tests/test_safety_audit.py.)
"""

import json
import re
import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from gan_core.faces import PhotoError
from gan_core.textsafe import Sentence
from ui import i18n, plain, uploads

from checkpoints import tiny_checkpoint
from hostile import RLO, dataset_zip, hostile_name, shown_name

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = str(ROOT / "pages" / "1_Playground.py")
TRAIN = str(ROOT / "pages" / "2_Train.py")
EVIL = "evil.example"

# ---------------------------------------------------------------- helpers for the page tests

def markup_left(body: str) -> list[str]:
    """What in a markdown body could still become a link, an image, emphasis or HTML."""
    bare = re.sub(r"\\.", "", body)
    found = re.findall(r"\]\(|!\[|\*\*(?:BOLD|x\b)|<img|https?://|www\.|javascript:\S*\)", bare)
    return found + [ch for ch in ("\u202e", "\u2066", "\u200f", "\0") if ch in body]


def bodies(at) -> list[str]:
    """The markdown bodies on the page that repeat something hostile."""
    out = []
    for kind in ("warning", "error", "info", "success", "markdown", "caption"):
        out += [str(e.value) for e in getattr(at, kind)]
    return [b for b in out if "evil" in b or "BOLD" in b or RLO in b or "click" in b]


@pytest.fixture
def fresh():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def playground(lang="en", **params) -> AppTest:
    at = AppTest.from_file(PLAYGROUND, default_timeout=120)
    if lang != "en":
        at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


HOSTILE_LINK = {"model": "[Log in again](https://evil.example/login)", "seed": "![t](https://evil.example/p.png)",
                "psi": "**BOLD**"}


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_markdown_injection_link_shows_its_values_as_text(fresh, lang):
    at = playground(lang, **HOSTILE_LINK)
    assert not at.exception, [e.value for e in at.exception]
    warning = at.warning[0].value
    assert not markup_left(warning), markup_left(warning)
    assert re.sub(r"\\(.)", r"\1", warning).count("evil.example") == 2      # both values, as typed text
    assert all(not markup_left(b) for b in bodies(at))


def test_a_1_kb_link_gives_one_short_warning_fast(fresh):
    t0 = time.perf_counter()
    at = playground(dims=",".join(["a"] * 199), sefa=",".join(["b"] * 199), named=",".join(["c"] * 199))
    assert not at.exception
    warning = at.warning[0].value
    assert warning.count("\n- ") <= 6 and len(warning) < 3000, warning
    assert "more values were ignored" in warning
    assert time.perf_counter() - t0 < 60        # the page itself (faces64 included); the notes are instant


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_checkpoint_names_with_markdown_and_rlo_show_as_typed(fresh, tmp_path, lang):
    at = playground(lang)
    good = f"[Session expired - sign in](https://evil.example/login){RLO}piz.exe.zip"
    at.get("file_uploader")[0].set_value([(good, tiny_checkpoint(tmp_path), "application/zip")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["pg_active"].startswith("session:uploaded ")
    line = next(m.value for m in at.markdown if "Session expired" in m.value)      # the model line above the face
    assert not markup_left(line) and "[U+202E]piz.exe.zip" in re.sub(r"\\(.)", r"\1", line)
    broken = "[click](javascript:alert(1)) **x**.zip"
    at.get("file_uploader")[0].set_value([(broken, b"not a zip", "application/zip")]).run()
    error = next(e.value for e in at.error if "click" in e.value)
    assert not markup_left(error), error
    assert all(not markup_left(b) for b in bodies(at))
    labels = at.sidebar.selectbox(key="pg_choice").options
    assert not any(RLO in option for option in labels)


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_markdown_hub_id_is_answered_in_plain_text(fresh, lang):
    at = playground(lang)
    at.sidebar.selectbox(key="pg_choice").set_value("__hub__").run()
    at.sidebar.text_input(key="pg_hub_text").set_value("[Sign in again](https://evil.example)").run()
    at.sidebar.button(key="pg_hub_load").click().run()
    error = at.sidebar.error[0].value
    assert not markup_left(error) and "Sign in again" in error
    if lang == "fa":
        assert "به انگلیسی" in error               # gan_core's English, marked as such


def test_a_hub_id_typed_in_persian_keeps_the_in_english_label(fresh):
    at = playground("fa")
    at.sidebar.selectbox(key="pg_choice").set_value("__hub__").run()
    at.sidebar.text_input(key="pg_hub_text").set_value("مدل/من").run()
    at.sidebar.button(key="pg_hub_load").click().run()
    error = at.sidebar.error[0].value
    assert "مدل/من" in re.sub(r"\\(.)", r"\1", error) and "به انگلیسی" in error


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_a_dataset_zip_with_hostile_names_lists_them_as_text(fresh, lang):
    at = AppTest.from_file(TRAIN, default_timeout=120)
    if lang != "en":
        at.query_params["lang"] = lang
    at.session_state["tr_dataset"] = "upload"
    at.run()
    at.get("file_uploader")[0].set_value([(f"my{RLO}piz.zip", dataset_zip(), "application/zip")]).run()
    assert not at.exception, [e.value for e in at.exception]
    listed = next(m.value for m in at.markdown if "evil" in m.value)       # the "Rejected files" list
    assert not markup_left(listed), markup_left(listed)
    shown = re.sub(r"\\(.)", r"\1", listed)
    assert "[U+202E]gnp.exe" in shown and "[U+0000]evil.png" in shown and listed.count("\n- ") == 2
    assert all(not markup_left(b) for b in bodies(at))
    named = next(str(c.value) for c in at.caption if "piz.zip" in str(c.value))    # the page says the zip's name
    assert not markup_left(named) and "my[U+202E]piz.zip" in re.sub(r"\\(.)", r"\1", named)
    if lang == "fa":
        everything = " ".join(str(e.value) for kind in ("warning", "error", "info", "success", "markdown", "caption")
                              for e in getattr(at, kind))
        assert "۱ پذیرفته" in everything          # Persian digits in the summary


# ---------------------------------------------------------------- every uploader says the names itself

def unescaped(text) -> str:
    """A markdown body as the reader sees it: escapes gone, and the word joiner that keeps URLs unlinked."""
    return re.sub(r"\\(.)", r"\1", str(text)).replace("\u2060", "")


def said_names(at, fragment: str = "piz") -> list[str]:
    """The captions (main area and sidebar) that name an upload."""
    return [str(c.value) for c in at.caption if fragment in str(c.value)]


def assert_named_as_typed(at, lang, ext):
    assert not at.exception, [e.value for e in at.exception]
    named = said_names(at)
    assert len(named) == 1, named
    assert not markup_left(named[0]), markup_left(named[0])
    assert shown_name(ext) in unescaped(named[0])
    assert unescaped(named[0]).startswith(i18n.text_in(lang, "safety.uploaded").split("{")[0])
    assert uploads.UPLOAD_NAMES_CSS.strip() in [m.value.strip() for m in at.markdown]      # the chip's own name is hidden
    assert all(not markup_left(b) for b in bodies(at))


def view(monkeypatch, lang: str, tab: str) -> AppTest:
    """The Playground on one of its views. AppTest formats a widget's options in the test's own thread,
    where ui.i18n.current() would answer English (tests/test_photo_notes_page.py): the whole process
    speaks the page's language."""
    monkeypatch.setattr(i18n, "current", lambda: lang)
    at = AppTest.from_file(PLAYGROUND, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["pg_view"] = i18n.text_in(lang, f"{tab}.tab")
    return at.run()


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_checkpoint_uploader_says_the_name_neutral(fresh, tmp_path, lang):
    at = playground(lang)
    uploader = next(u for u in at.get("file_uploader") if u.key == "pg_ckpt")
    uploader.set_value([(hostile_name(".exe.zip"), tiny_checkpoint(tmp_path), "application/zip")]).run()
    assert_named_as_typed(at, lang, ".exe.zip")
    assert at.session_state["pg_active"].startswith("session:uploaded ")


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_photo_uploader_says_the_name_neutral(fresh, monkeypatch, lang):
    at = view(monkeypatch, lang, "photo")
    at.file_uploader(key="ph_upload").upload(hostile_name(".exe.png"), b"not an image", "image/png").run()
    assert_named_as_typed(at, lang, ".exe.png")
    assert at.error                     # the photo's own refusal still comes, beside the name


@pytest.mark.parametrize("lang", ["en", "fa"])
def test_the_slider_file_uploader_says_the_name_neutral(fresh, monkeypatch, lang):
    at = view(monkeypatch, lang, "myslider")
    uploader = next(u for u in at.get("file_uploader") if u.key == "pg_mine_upload")
    uploader.set_value([(hostile_name(".exe.json"), b"{", "application/json")]).run()
    assert_named_as_typed(at, lang, ".exe.json")


def test_a_broken_upload_is_said_once(fresh, monkeypatch):
    from ui.train import data as train_data

    def explode(*_a, **_k):
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(train_data, "handle_uploads", explode)
    at = AppTest.from_file(TRAIN, default_timeout=120)
    at.session_state["tr_dataset"] = "upload"
    at.run()
    at.get("file_uploader")[0].set_value([("x.zip", b"x", "application/zip")]).run()
    errors = " ".join(e.value for e in at.error)
    assert errors.count("Could not read") == 1 and "/srv/secret" not in errors


def test_the_start_hint_shows_only_when_start_can_be_pressed(fresh):
    at = AppTest.from_file(TRAIN, default_timeout=120)
    at.session_state["tr_dataset"] = "upload"
    at.run()
    hint = i18n.text_in("en", "train.start_hint")
    assert at.button(key="start").disabled and hint not in [i.value for i in at.info]
    at = AppTest.from_file(TRAIN, default_timeout=120).run()
    assert not at.button(key="start").disabled and hint in [i.value for i in at.info]


# ---------------------------------------------------------------- the page's words for gan_core's facts

def test_photo_errors_and_notes_are_said_in_persian(monkeypatch):
    monkeypatch.setattr(i18n, "current", lambda: "fa")
    error = PhotoError("The image is 32x10000 pixels: far too long …", "aspect", w=32, h=10000, ratio=4)
    said = plain.engine(error)
    assert "۳۲×۱۰۰۰۰" in said and "به انگلیسی" not in said and not re.search("[A-Za-z]{4,}", said)
    budget = Sentence("stopped decoding after 400 million pixels …", "budget_pixels", done=400, budget=400)
    assert "۴۰۰" in plain.engine(budget) and "میلیون" in plain.engine(budget)
    assert "به انگلیسی" in plain.engine("Some English from gan_core [x](https://evil.example)")
    monkeypatch.setattr(i18n, "current", lambda: "en")
    assert plain.engine(error) == plain.md(str(error))


def test_every_safety_key_has_both_languages_and_the_same_placeholders():
    en, fa = (json.loads((ROOT / "content" / f"{lang}.json").read_text())["safety"] for lang in ("en", "fa"))

    def leaves(d, prefix=""):
        for k, v in d.items():
            yield from leaves(v, f"{prefix}{k}.") if isinstance(v, dict) else [(prefix + k, v)]

    en_leaves, fa_leaves = dict(leaves(en)), dict(leaves(fa))
    assert en_leaves.keys() == fa_leaves.keys()
    for key, text in en_leaves.items():
        assert set(re.findall(r"\{(\w+)", text)) == set(re.findall(r"\{(\w+)", fa_leaves[key])), key


# ---------------------------------------------------------------- Persian digits on the pages (ui.i18n.fill)

def captions_with(at, fragment: str) -> list[str]:
    return [str(c.value) for c in at.caption if fragment in str(c.value)]


def test_the_train_page_in_persian_writes_its_numbers_in_persian_digits(fresh):
    at = AppTest.from_file(TRAIN, default_timeout=120)
    at.query_params["lang"] = "fa"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    iterations, batch = at.session_state["tr_iterations"], at.session_state["tr_batch_size"]
    plan = captions_with(at, "تکرار با دستهٔ")             # "{iterations} iterations at batch {batch} on {n} images."
    assert len(plan) == 1, plan
    head = plan[0].split(".")[0]
    assert i18n.local_digits(iterations, "fa") in head and i18n.local_digits(batch, "fa") in head
    assert not re.search("[0-9]", head), head
    server = captions_with(at, "کارگر")                    # the queue's line: workers, waiting, durations
    assert server and not re.search("[0-9]", server[0]), server


def test_the_playground_in_persian_writes_its_numbers_in_persian_digits(fresh):
    at = playground("fa")
    assert not at.exception, [e.value for e in at.exception]
    dims = captions_with(at, "z از")                       # "z has {n} numbers …"
    assert dims and re.search("[۰-۹]", dims[0]) and not re.search("[0-9]", dims[0]), dims
