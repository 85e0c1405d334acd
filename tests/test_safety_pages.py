"""Issue 28 on the pages: a stranger's text reaches the page as plain text, never as markdown.

1. Statically: every Streamlit call in pages/ and ui/ that draws markdown takes text that is
   constant, our own sentence with number-like values, or went through ui/plain.py; the rest is a
   reviewed list below, each with the reason its text is ours.
2. On the pages (AppTest): the markdown-injection link, a checkpoint and a dataset zip with markdown
   and right-to-left-override names, a markdown Hub id, in English and Persian.
"""

import ast
import io
import json
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from PIL import Image
from streamlit.testing.v1 import AppTest

from gan_core.faces import PhotoError
from gan_core.hub import save_generator
from gan_core.models import DCGenerator
from gan_core.textsafe import Sentence
from ui import i18n, plain

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = str(ROOT / "pages" / "1_Playground.py")
TRAIN = str(ROOT / "pages" / "2_Train.py")
RLO = "\u202e"
EVIL = "evil.example"

# ---------------------------------------------------------------- 1. the static audit

DRAWS_MARKDOWN = {"markdown", "warning", "error", "info", "success", "caption", "toast", "write", "table",
                  "exception", "progress", "subheader", "header", "title"}
NOT_STREAMLIT = {"log", "logging", "logger"}
NUMBER_CALLS = {"len", "int", "float", "round", "min", "max", "sum", "abs", "format"}
# Placeholders that hold numbers (or our own short words) in content/*.json; a stranger's text goes
# into placeholders such as name, error, label, source, reason, note, what, text, v.
NUMBER_PLACEHOLDERS = {
    "n", "i", "k", "d", "seed", "psi", "secs", "seconds", "steps", "start", "end", "h", "w", "js", "w_hat", "avg",
    "lo", "hi", "theta", "varied", "same", "done", "planned", "iterations", "batch", "minutes", "threads", "torch",
    "direct", "n_generated", "n_photos", "generated", "photos", "labels", "bins", "mb", "cap", "total", "seen",
    "size", "eig", "gan", "wgan", "status", "formula", "rate", "acc", "has", "hasnt", "need", "per", "ms", "page",
    "first", "last", "majority", "cells", "side", "render", "units", "measured", "inside", "outside", "threshold",
    "region",
}

# Calls whose text is not a constant but is ours, reviewed one by one: "path: the call" -> why.
REVIEWED = {
    "pages/1_Playground.py: st.caption(controls.dims_caption(engine, state))": "numbers and our words",
    "pages/1_Playground.py: st.caption(t(\"playground.licence_title\") + \" \" + licence)":
        "share.licence_note returns plain.Plain (a model card's licence escaped)",
    "pages/2_Train.py: st.info(note)": "prefill notes: our sentences about a config handed over by our own pages",
    "pages/3_Experiments.py: st.warning(t(\"experiments.incomplete\", done=len(records), planned=planned, "
    "missing=\", \".join(missing)))": "run names of the study design (gan_core.study), not a visitor's",
    "pages/3_Experiments.py: st.markdown(ex.how_text(meta))": "the bundled results' metadata, written by us",
    "pages/3_Experiments.py: st.markdown(reading)": "the study's reading, from content",
    "pages/3_Experiments.py: st.caption(t(\"experiments.not_run\", runs=\", \".join(absent)))": "study run names",
    "pages/3_Experiments.py: st.error(ex.run_message(run))": "the bundled results' own messages",
    "pages/3_Experiments.py: st.table(diff)": "settings of the bundled study runs",
    "pages/5_Why_training_fails.py: st.markdown(f\"| D(G(z)) = {d_now:.3f} | {t('fails.fig_b.table_loss')} | "
    "{t('fails.fig_b.table_grad')} |\\n\" \"|---|---|---|\\n\" + \"\\n\".join(rows))": "a table of numbers",
    "pages/8_The_course_DCGAN.py: st.markdown(course.labels_table())": "the course's tables, from content",
    "pages/8_The_course_DCGAN.py: st.caption(course.preset_blurb(\"course.open_course_blurb\", "
    "theory.course_train_config()))": "a preset's blurb",
    "pages/8_The_course_DCGAN.py: st.caption(course.preset_blurb(\"course.open_stable_blurb\", "
    "theory.stable_train_config()))": "a preset's blurb",
    "ui/i18n.py: st.markdown(\"\\n\".join(f\"- [{r['text']}]({r['url']})\" for r in items(f\"{page}.refs\")))":
        "the references' links, from content (the only links the app draws on purpose)",
    "ui/i18n.py: st.markdown(f\"{icon or ''} {label}\")": "a page's label, from content",
    "ui/playground/controls.py: where.caption(t(\"presets.pggan_gpu\" if gpu else \"presets.pggan_cpu\", "
    "name=device_name(engine.device)))": "torch's device name",
    "ui/playground/controls.py: where.caption(caption)": "a named slider's caption, from content",
    "ui/playground/controls.py: where.caption(sefa_effect_caption(sefa_effects[i]))": "numbers and our words",
    "ui/playground/photo.py: st.markdown(_residual_sentence(residual))": "our sentence with numbers",
    "ui/playground/views.py: col.markdown(f\"**{title}**\")": "lerp / slerp titles, from content",
    "ui/theory/dynamics.py: right.markdown(head + \"\\n|---|---|---|---|\\n\" + \"\\n\".join(rows))": "numbers",
    "ui/theory/quiz.py: st.markdown(q[\"explain\"])": "a quiz explanation, from content",
    "ui/theory/quiz.py: st.error(t(\"common.wrong\", answer=options[q[\"answer\"]]))": "a quiz option, from content",
    "ui/theory/quiz.py: st.error(t(\"common.wrong\", answer=show_number(q[\"answer\"])))": "a number",
    "ui/train/data.py: (st.success if report.accepted else st.error)(upload_summary(report))":
        "upload_summary returns plain.Plain (counts and our reason words)",
    "ui/train/data.py: st.caption(t(\"train.offline\", names=missing))": "dataset names, from content",
    "ui/train/data.py: st.error(error if isinstance(error, plain.Plain) else plain.said(\"train.upload_error\", "
    "error=plain.engine(error)))": "plain either way",
    "ui/train/data.py: bar.progress(min(seen / total, 1.0) if total else 0.0, text=text)": "plain.said",
    "ui/train/run.py: st.progress(snap.progress, text=text)": "numbers and our words",
    "ui/playground/custom.py: st.warning(error_text(code, values))": "error_text is plain.said",
    "ui/playground/custom.py: st.warning(error_text(exc.code, exc.values))": "error_text is plain.said",
    "pages/1_Playground.py: st.caption(share.hub_source_note(model.info))": "share.hub_source_note returns plain.said",
    "ui/theory/modes.py: st.markdown(\"| \" + \" | \".join(t(f\"theorylab.modes.table.{c}\") for c in cols) + "
    "\" |\\n|---|---|---|---|---|\\n\" + \"\\n\".join(rows))": "a table of numbers",
    "ui/theory/modes.py: st.markdown(t(\"theorylab.modes.after\", jsd=kept_text(found[\"jsd\"].kept)))": "numbers",
    "ui/theory/toylab.py: st.error(text)": "formula refusals: t(...) with i18n.engine_error, whose facts are escaped",
    "ui/train/formula.py: st.error(text)": "formula refusals (as in the toy lab)",
    "ui/train/formula.py: st.caption(t(\"formula.keeps\", loss=loss_labels()(ss.get(\"tr_loss\", \"lsgan\"))))":
        "a loss's label, from content",
    "ui/train/run.py: b3.caption(t(\"safety.plan_one\" if data.n_images == 1 else \"train.plan\", "
    "iterations=config.iterations, batch=config.batch_size, n=data.n_images or \"?\") + \" \" + "
    "t(\"harden.time_cap\", minutes=f\"{bound.max_seconds / 60:g}\") + \" \" + t(\"presets.device_gpu\" if "
    "device.startswith(\"cuda\") else \"presets.device_cpu\", name=device_name(device)))": "numbers and torch's device name",
    "ui/train/run.py: st.caption(t(\"train.compare_caption\", a=a.label, b=b.label))":
        "run labels are built from the config's loss and lr (messages.run_label), never from a name",
    "ui/train/run.py: st.toast(ss[\"train_notice\"])": "our notices (t(...))",
    "ui/train/run.py: st.success(message)": "messages.final_message: our sentences, gan_core's through plain.engine",
    "ui/train/run.py: st.info(message)": "messages.final_message",
    "ui/train/run.py: st.error(f\"{t('train.diverged_title')} {message}\")": "messages.final_message",
    "ui/train/run.py: st.error(msg.error_message(snap))": "messages.error_message returns plain",
    "ui/train/run.py: getattr(st, level)(text)": "settings.warnings_for and the data notes: our sentences",
    "ui/train/run.py: st.warning(msg.busy_message(status))": "our sentence with a duration",
    "ui/train/run.py: st.markdown(health_text(job.config.loss))": "a loss's text, from content",
    "ui/train/run.py: st.markdown(t(\"train.run_status\", label=rec.label, status=t(f\"train.statuses.{snap.status}\"),"
    " n=snap.iteration))": "run labels: see compare_caption",
    "ui/train/run.py: st.table({t(\"train.setting\"): [plain.md(k) for k in diffs], plain.md(a.label): "
    "[plain.md(v[0]) for v in diffs.values()], plain.md(b.label): [plain.md(v[1]) for v in diffs.values()]})":
        "every cell through plain.md",
}


def _receiver_names(func) -> set:
    names, node = set(), func.value
    while isinstance(node, ast.Attribute):
        names.add(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def _is_call_to(node, module: str, names=None) -> bool:
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == module:
        return names is None or f.attr in names
    return False


def _is_t(node) -> bool:
    return (isinstance(node.func, ast.Name) and node.func.id in ("t", "text_in")) or \
        _is_call_to(node, "i18n", {"t", "text_in"})


def safe(node) -> bool:
    """Text that cannot hold a stranger's markdown: constants, our sentences with number-like values,
    and anything ui/plain.py made."""
    if isinstance(node, ast.Constant) or isinstance(node, ast.Name) and node.id.isupper():   # a module constant
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or v.format_spec is not None or safe(v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return safe(node.left) and safe(node.right)
    if isinstance(node, ast.IfExp):
        return safe(node.body) and safe(node.orelse)
    if isinstance(node, ast.Call):
        if _is_call_to(node, "plain"):
            return True
        if _is_t(node):
            return all(k.arg in NUMBER_PLACEHOLDERS or safe(k.value) for k in node.keywords)
        if isinstance(node.func, ast.Name) and node.func.id in ("engine_text", "engine_error", "formula_nonfinite"):
            return True           # ui/i18n.py's plain-text makers (they return i18n.Plain)
        return isinstance(node.func, ast.Name) and node.func.id in NUMBER_CALLS
    return False


def markdown_calls():
    """(key for REVIEWED, is it safe) for every call that draws markdown in pages/ and ui/."""
    paths = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"])
    for path in paths:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            getattr_st = (isinstance(f, ast.Call) and isinstance(f.func, ast.Name) and f.func.id == "getattr"
                          and isinstance(f.args[0], ast.Name) and f.args[0].id == "st")
            either_st = isinstance(f, ast.IfExp) and isinstance(f.body, ast.Attribute) and f.body.attr in DRAWS_MARKDOWN
            draws = (isinstance(f, ast.Attribute) and f.attr in DRAWS_MARKDOWN
                     and not _receiver_names(f) & NOT_STREAMLIT) or getattr_st or either_st
            if not draws:
                continue
            first = [] if isinstance(f, ast.Attribute) and f.attr == "progress" else list(node.args[:1])   # a number
            texts = first + [k.value for k in node.keywords if k.arg in ("body", "text")]
            key = f"{path.relative_to(ROOT)}: " + " ".join(ast.get_source_segment(source, node).split())
            yield key, all(safe(t) for t in texts), node


def test_every_markdown_call_takes_plain_text_or_is_reviewed():
    calls = list(markdown_calls())
    assert len(calls) > 100                       # the walk sees the pages' calls
    unreviewed = [key for key, ok, _ in calls if not ok and key not in REVIEWED]
    assert not unreviewed, ("route these through ui.plain (md / said / engine / notes), or add them to "
                            "REVIEWED with the reason their text is ours:\n" + "\n".join(unreviewed))
    stale = set(REVIEWED) - {key for key, ok, _ in calls if not ok}
    assert not stale, f"REVIEWED names calls that are gone or now plain: {sorted(stale)}"


def test_html_is_allowed_only_for_our_own_constant_css():
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]):
        tree = ast.parse(path.read_text())
        constants = {t.id for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and any(k.arg == "unsafe_allow_html" for k in node.keywords):
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name) and arg.id in constants), \
                    f"{path.name}:{node.lineno}: unsafe_allow_html with text that is not a module constant"


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


def tiny_checkpoint(tmp_path) -> bytes:
    torch.manual_seed(0)
    folder = save_generator(tmp_path / "m", DCGenerator(noise_size=8, conv_dim=4, image_size=16).eval())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in ("config.json", "model.safetensors"):
            zf.write(folder / name, name)
    return buf.getvalue()


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


def dataset_zip() -> bytes:
    png = io.BytesIO()
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(png, format="PNG")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ok.png", png.getvalue())
        zf.writestr("![x](http://evil.example/md.png) [click](https://evil.example).txt", "not an image")
        zf.writestr(f"photo{RLO}gnp.exe", "not an image")
        zf.writestr("Xevil.png", png.getvalue())
    return buf.getvalue().replace(b"Xevil.png", b"\0evil.png")


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
    if lang == "fa":
        assert "۱ پذیرفته" in " ".join(bodies(at))          # Persian digits in the summary


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
