"""Issue 28: on a Persian page the app's numbers use Persian digits and separators, and lists «، », in one
place (ui.i18n.fill, behind t() and ui.plain.said); numbers that are code or maths stay Latin, and text
values (names, commands, formulas, links) are never touched. (The pages in Persian: test_safety_pages.py.)
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from ui import i18n, plain

ROOT = Path(__file__).resolve().parent.parent
LATIN = re.compile("[0-9]")


@pytest.fixture
def fa(monkeypatch):
    monkeypatch.setattr(i18n, "current", lambda: "fa")


@pytest.fixture
def en(monkeypatch):
    monkeypatch.setattr(i18n, "current", lambda: "en")


def test_numbers_take_persian_digits_and_separators(fa):
    assert i18n.fill("{n:,} / {x:.1f} / {p:.0%} / {k}", dict(n=12345, x=2.5, p=0.25, k=7)) == "۱۲٬۳۴۵ / ۲٫۵ / ۲۵٪ / ۷"
    import numpy as np

    assert i18n.fill("{n}", dict(n=np.int64(42))) == "۴۲"        # numpy's numbers are numbers too
    assert i18n.fill("{x}", dict(x=-3)) == "−۳"                    # a number's minus is the minus sign


def test_numbers_inside_our_text_change_and_the_text_around_them_does_not(fa):
    assert i18n.local_digits("run-2 took 1,234.5 s. Done: 50%.") == "run-۲ took ۱٬۲۳۴٫۵ s. Done: ۵۰٪."
    from ui.theory.quiz import show_number

    assert show_number(-0.714285) == "−۰٫۷۱۴۳"                     # the quiz uses the same rule


def test_code_maths_text_and_flags_stay_as_they_are(fa):
    text = i18n.fill("`--iterations {n}` $\\lambda={lam}$ {n} {name} {flag} {{n}}",
                     dict(n=500, lam=0.5, name="run-2024.zip", flag=True))
    assert text == "`--iterations 500` $\\lambda=0.5$ ۵۰۰ run-2024.zip True {n}"
    assert i18n.fill("$$x={a}$$ {a} \\$ {a}", dict(a=5)) == "$$x=5$$ ۵ \\$ ۵"     # display maths; an escaped dollar


def test_english_is_untouched(en):
    assert i18n.fill("{n:,} `{n}` {x:.1%}", dict(n=1234, x=0.5)) == "1,234 `1234` 50.0%"
    assert i18n.t("train.duration.min", m=1, s=40) == "1 min 40 s"


def test_durations_queue_places_and_counts_in_persian(fa):
    from ui.train import messages as msg
    from ui.train import queue

    place = queue.position_text(SimpleNamespace(position=3, wait_s=100))
    assert place == "نفر سوم صف، حدود ۱ دقیقه و ۴۰ ثانیه انتظار"
    assert not LATIN.search(queue.position_text(SimpleNamespace(position=12, wait_s=4000)))
    assert msg.duration(42) == "۴۲ ثانیه"
    assert i18n.t("train.plan", iterations=1000, batch=64, n=329) == "۱۰۰۰ تکرار با دستهٔ ۶۴ روی ۳۲۹ تصویر."


def test_said_and_t_agree_and_said_still_escapes(fa):
    said = plain.said("safety.said.too_many_pixels", w=4000, h=3000, mp=12.5, cap="[x](https://evil.example)")
    assert "۴۰۰۰×۳۰۰۰" in said and "۱۲٫۵" in said and "\\[x\\]" in said
    assert plain.num(1234.5, ",.1f") == "۱٬۲۳۴٫۵" and plain.digits("3 of 4") == "۳ of ۴"


def test_lists_are_joined_with_the_persian_comma(fa, monkeypatch):
    assert i18n.join(["a", "b", "c"]) == "a، b، c"
    monkeypatch.setattr(i18n, "current", lambda: "en")
    assert i18n.join(["a", "b"]) == "a, b"


def test_a_visitors_text_in_a_code_span_shows_as_typed(en):
    """said() in a code span keeps the words as typed (a backslash escape would show there), minus backticks."""
    caption = plain.said("formula.toy_using", d="softplus(-d_real) # `x` [a](https://evil.example)", g="d_fake")
    assert "`softplus(-d_real) # 'x' [a](https://evil.example)`" in caption
    assert caption.count("`") == 4 and "\\" not in caption


def test_one_more_hidden_note_is_singular(en):
    assert plain.notes(["a", "b", "c"], limit=2).endswith("… and 1 more value was ignored.")
    assert plain.notes(["a", "b", "c", "d"], limit=2).endswith("… and 2 more values were ignored.")


def test_photo_notes_have_one_home():
    """safety.said.grayscale / small duplicated issue 27's deploy.note_*: the notes live there alone."""
    from gan_core.faces import NOTE_KEYS

    for lang in ("en", "fa"):
        content = json.loads((ROOT / "content" / f"{lang}.json").read_text())
        assert not set(NOTE_KEYS) & set(content["safety"]["said"]), lang
        assert all(f"note_{key}" in content["deploy"] for key in NOTE_KEYS), lang
    source = (ROOT / "ui" / "playground" / "photo.py").read_text()
    assert 'f"deploy.note_{key}"' in source


def test_the_persian_page_says_photo_notes_from_their_one_home(fa):
    assert plain.said("deploy.note_small", w=48, h=40) == "عکس کوچک است (۴۸×۴۰)؛ چهره تار خواهد شد."
