"""The whole app in two languages: same keys in both content files, matching quizzes, and no
English prose on a page in Persian mode.

To bring a page under the Persian check, add it to PERSIAN_PAGES. The check strips formulas, code, links, URLs and
italic paper titles, then flags a run of Latin words that reads like an English
sentence: three or more words with at least two English function words ("the",
"of", "is" ...). Names, code identifiers and technical terms (GAN, SWD, batch
norm, lr) pass; "the sample grid is shown" does not.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from contentfiles import CONTENT, flat_keys
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

# page file -> nothing else needed to render it
PERSIAN_PAGES = [
    "pages/0_Home.py",
    "pages/1_Playground.py",
    "pages/2_Train.py",
    "pages/3_Experiments.py",
    "pages/4_What_is_a_GAN.py",
    "pages/5_Why_training_fails.py",
    "pages/6_WGAN.py",
    "pages/7_PGGAN.py",
    "pages/8_The_course_DCGAN.py",
]

FUNCTION_WORDS = set("""the a an of to in is are was were be been and or but not no for with from by on at as
that this these those it its which who what when where why how than then there their they we you your our
can could should would will may might must do does did has have had into onto about over under after before
while if so such only also just very more most less each every all any some both either neither""".split())

# Latin text that is not prose: formulas, code, links and italic titles are removed before the check.
_STRIP = [
    re.compile(r"\$\$.*?\$\$", re.S),            # display math
    re.compile(r"\$[^$]*\$"),                    # inline math
    re.compile(r"```.*?```", re.S),              # code blocks
    re.compile(r"`[^`]*`"),                      # inline code
    re.compile(r"\[([^\]]*)\]\([^)]*\)"),        # markdown links (reference titles are names of papers)
    re.compile(r"https?://\S+"),
    re.compile(r"\*[A-Za-z0-9 ,:;/\-'’.()&]+\*"),  # an italic Latin-only span: a paper or book title
]
_NON_LATIN = re.compile(r"[^A-Za-z'’\- ,.:;()!?&/]+")


def english_prose(text: str) -> list[str]:
    """Runs of Latin words in `text` that read like English sentences."""
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    found = []
    for segment in _NON_LATIN.split(text):
        words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", segment)
        if len(words) >= 3 and sum(w.lower() in FUNCTION_WORDS for w in words) >= 2:
            found.append(segment.strip())
    return found


def page_texts(at: AppTest) -> list[str]:
    """Every piece of text a visitor reads on the page: prose, labels, options, captions, figure labels."""
    texts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        texts += [str(el.value) for el in getattr(at, kind)]
    for kind in ("radio", "selectbox", "select_slider", "slider", "number_input", "checkbox", "button", "toggle",
                 "text_input"):
        for el in getattr(at, kind):
            texts.append(str(getattr(el, "label", "")))
            if getattr(el, "placeholder", None):
                texts.append(str(el.placeholder))
            if hasattr(el, "options"):
                texts += [str(o) for o in el.options]
            if getattr(el, "help", None):
                texts.append(str(el.help))
    for el in at.metric:
        texts += [str(el.label), str(el.proto.help or "")]
    for el in at.expander:
        texts.append(str(el.label))
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        texts += [v for v in _strings(spec) if isinstance(v, str)]
    for el in at.dataframe:
        texts += [str(c) for c in el.value.columns]
    return texts


def _strings(node, key=None):
    """Strings under the keys of a plotly spec that a reader sees (titles, names, annotations, hover text)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, key)
    elif isinstance(node, str) and key in ("text", "name", "title", "hovertext", "label"):
        yield node


def open_in(lang: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    at.run()
    if page != "pages/0_Home.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


pytestmark = pytest.mark.usefixtures("one_torch_thread")   # conftest.py says why


# ---------------------------------------------------------------- the content files




def test_both_content_files_have_the_same_keys_and_no_empty_text():
    en, fa = dict(flat_keys(CONTENT["en"])), dict(flat_keys(CONTENT["fa"]))
    assert set(en) ^ set(fa) == set()
    assert [k for k, v in fa.items() if not str(v).strip()] == []


def test_every_quiz_has_the_same_answer_index_in_both_languages():
    quizzes = [(section, i) for section, body in CONTENT["en"].items() if isinstance(body, dict)
               for i in range(len(body.get("quiz", [])))]
    assert len(quizzes) >= 25
    for section, i in quizzes:
        q_en, q_fa = CONTENT["en"][section]["quiz"][i], CONTENT["fa"][section]["quiz"][i]
        assert q_en["answer"] == q_fa["answer"], (section, i)
        assert len(q_en["options"]) == len(q_fa["options"]), (section, i)
        assert 0 <= q_en["answer"] < len(q_en["options"]), (section, i)


def test_placeholders_match_in_both_languages():
    """A {placeholder} missing from one language would raise (or leave braces) on the page."""
    en, fa = dict(flat_keys(CONTENT["en"])), dict(flat_keys(CONTENT["fa"]))
    names = re.compile(r"(?<!\{)\{([a-z_]+)(?::[^}]*)?\}(?!\})")
    for key, value in en.items():
        if isinstance(value, str):
            assert set(names.findall(value)) == set(names.findall(fa[key])), key


def test_the_prose_detector_catches_english_and_spares_formulas_names_and_terms():
    assert english_prose("The sample grid is shown next to the curves.")
    assert english_prose("متن فارسی و بعد an English sentence that is here و باز فارسی")
    assert not english_prose("نرمال‌سازی طیفی (spectral norm) روی D و هزینهٔ WGAN-GP با lr = 0.1")
    assert not english_prose("فرمول $\\mathbb E_{x \\sim p}[\\log D(x)]$ و کد `python -m gan_core.study --out a`")
    assert not english_prose("Karras و همکاران، *Progressive Growing of GANs for Improved Quality*، ICLR 2018")


# ---------------------------------------------------------------- the pages


@pytest.mark.parametrize("page", PERSIAN_PAGES)
def test_page_in_persian_shows_no_english_prose(page):
    at = open_in("fa", page)
    offenders = [(text[:80], run) for text in page_texts(at) for run in english_prose(text)]
    assert offenders == []


def test_the_check_would_see_english_on_an_english_page():
    at = open_in("en", "pages/3_Experiments.py")
    assert any(english_prose(text) for text in page_texts(at))


def test_navigation_names_follow_the_language():
    at = open_in("fa", "pages/0_Home.py")
    assert at.title[0].value == CONTENT["fa"]["home"]["title"]
    at.radio(key="_lang_switch").set_value("en").run()
    assert at.title[0].value == CONTENT["en"]["home"]["title"]
    assert at.session_state["lang"] == "en"


def test_train_page_after_two_runs_in_persian_shows_no_english_prose():
    """Progress, the final message, the three charts, downloads, the comparison of two runs."""
    at = open_in("fa", "pages/2_Train.py")
    tiny = {"tr_conv_dim": 8, "tr_batch_size": 8, "tr_noise_size": 16, "tr_iterations": 20, "tr_sample_every": 10}
    at.session_state["sync_training"] = True
    for key, value in tiny.items():
        at.session_state[key] = value
    at.run()
    for _ in range(2):
        at.button(key="start").click().run()
        assert not at.exception, [e.value for e in at.exception]
    assert CONTENT["fa"]["train"]["compare"] in [h.value for h in at.subheader]
    assert at.success[0].value.startswith("آموزش تمام شد: ۲۰ تکرار")   # Persian digits (issue 28)
    assert len(at.get("plotly_chart")) >= 5
    texts = page_texts(at) + [str(p.proto.text) for p in at.get("progress")]
    offenders = [(text[:80], run) for text in texts for run in english_prose(text)]
    assert offenders == []


def test_playground_share_link_keeps_the_language():
    """The Playground rewrites the query string on every slider move; ?lang= must survive it."""
    at = AppTest.from_file(str(ROOT / "pages" / "1_Playground.py"), default_timeout=120)
    at.query_params["lang"] = "fa"
    at.query_params["seed"] = "2"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.slider(key="pg_psi").set_value(0.5).run()
    assert at.query_params["lang"] in ("fa", ["fa"])
    link = next(c.value for c in at.code if "seed=2" in c.value)
    assert "lang=fa" in link and "psi=0.5" in link


def view_label(lang, view):
    if view in ("photo", "myslider", "dissect"):          # the views that name themselves
        return CONTENT[lang][view]["tab"]
    return CONTENT[lang]["playground"]["views"][view]


@pytest.mark.parametrize("view", ["grid", "interp", "walk", "photo", "myslider", "dissect"])
def test_every_playground_view_in_persian_shows_no_english_prose(view):
    """The default view (the face) is checked above; the other tabs render only when open."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "fa"
    at.session_state["pg_view"] = view_label("en", view)   # chosen in English: the same view opens in Persian
    at.run()
    at.switch_page("pages/1_Playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["pg_view"] == view_label("fa", view)
    assert not at.error, [e.value for e in at.error]
    texts = page_texts(at) + [str(b.proto.label) for b in at.get("download_button")]
    texts += [str(tab.label) for tab in at.tabs]
    offenders = [(text[:80], run) for text in texts for run in english_prose(text)]
    assert offenders == []


def test_the_open_bias_audit_in_persian_shows_no_english_prose():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "fa"
    at.session_state["pg_audit"] = True
    at.run()
    at.switch_page("pages/1_Playground.py").run()
    assert not at.exception, [e.value for e in at.exception]
    texts = page_texts(at)
    assert any(CONTENT["fa"]["named"]["audit_note"][:20] in t for t in texts)   # the audit is drawn
    offenders = [(text[:80], run) for text in texts for run in english_prose(text)]
    assert offenders == []


def engine_link_notes() -> list[str]:
    """Every kind of note gan_core.playground writes about a link it cannot fully use."""
    from gan_core import playground as pg
    from gan_core.hub import load_generator

    many = ",".join(f"{i}:0.5" for i in range(pg.MAX_DIMS + 1))
    params = {"seed": "abc", "psi": "nan", "model": "no-such-model", "k": "0", "foo": "1",
              "dims": "1:x,9999:1,3:99," + many, "sefa": "x" * (pg.MAX_PARAM_CHARS + 1),
              "named": "age,age:99"}
    notes = []
    for key, value in params.items():      # one at a time: a link's notes are bounded (issue 28)
        notes += pg.decode_query_params({key: value})[1]
    engine = pg.LatentEngine(load_generator("faces64")[0])
    r = engine.sefa_range
    state = pg.LatentState(dims=((engine.noise_size + 5, 1.0),), k=pg.MAX_SEMANTICS,
                           sefa=((0, r.hi * 10), (pg.MAX_SEMANTICS - 1, 0.5)), named=(("no-such", 1.0),))
    notes += engine.fit_state(state)[1]
    from gan_core.models.dcgan import DCGenerator

    small = pg.LatentEngine(DCGenerator(noise_size=16, conv_dim=4, image_size=16))   # fewer directions than asked
    notes += small.fit_state(pg.LatentState(k=pg.MAX_SEMANTICS, sefa=((pg.MAX_SEMANTICS - 1, 0.5),)))[1]
    return notes


def test_link_notes_are_said_in_persian(monkeypatch):
    """content/en.json playground.notes mirrors gan_core's wording exactly (it is how the page
    recognises a note), and every note reads in Persian without English prose."""
    from ui import i18n
    from ui.playground import share as ui

    notes = engine_link_notes()
    keys = set()
    for note in notes:
        matched = [key for key, pattern in ui._note_patterns() if pattern.fullmatch(note)]
        assert matched, note
        keys.add(matched[0])
    assert keys == set(CONTENT["en"]["playground"]["notes"])
    assert ui.link_note(notes[0]) == notes[0]                       # English: gan_core's own words
    monkeypatch.setattr(i18n, "current", lambda: "fa")
    for note in notes:
        persian = ui.link_note(note)
        assert persian != note and english_prose(persian) == [], persian


def test_a_broken_persian_link_is_explained_in_persian():
    at = AppTest.from_file(str(ROOT / "pages" / "1_Playground.py"), default_timeout=120)
    for key, value in {"lang": "fa", "seed": "abc", "psi": "nan", "model": "no-such-model", "dims": "1:x"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warning = at.warning[0].value
    assert CONTENT["fa"]["playground"]["link_notes"] in warning and "seed='abc'" in warning
    assert english_prose(warning) == []
