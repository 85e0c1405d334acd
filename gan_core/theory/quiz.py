"""The theory pages' quizzes, without Streamlit: option order per visitor, numeric answers.

* `option_order(seed, page, index, n)`: the order one visitor sees a question's options in. The
  seed is drawn once per browser session (ui/theory/quiz.py), so the order is the same on every
  rerun and page visit of that session and differs between visitors; the stored answer stays an
  index into the options as written in content/*.json.
* `parse_number(text)`: a typed number, Latin or Persian: Persian (۰–۹) and Arabic-Indic (٠–٩)
  digits, «٫» or "." as the decimal separator, «٬» or "," between thousands, a fraction "5/7",
  a percentage "75%" or «۷۵٪», "−" as minus. Returns None for anything else; never evaluates text.
* `check_number(text, answer, tolerance)`: True / False, or None when the text is not a number.
* `correct_is_longest(question)`: whether the right option is (one of) the longest, the tell
  that lets a reader guess without reading (tests keep it to at most a third of a page's questions).
"""

from __future__ import annotations

import hashlib
import math
import random
import re

MAX_ANSWER_CHARS = 40

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SIGNS = str.maketrans({"−": "-", "–": "-", "‎": None, "‏": None, "\u200c": None, "٫": ".", "٬": ",",
                        "٪": "%", "／": "/"})
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def option_order(seed: int | str, page: str, index: int, n: int) -> list[int]:
    """A permutation of range(n), fixed by (seed, page, index): the same on every call."""
    digest = hashlib.sha256(f"{seed}/{page}/{index}".encode()).digest()
    order = list(range(n))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def _plain_number(text: str) -> float | None:
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")           # "0,75": a decimal comma
    if not _PLAIN.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_number(text: str) -> float | None:
    """The number a visitor typed, or None (see the module docstring for what is accepted)."""
    if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
        return None
    text = text.translate(_DIGITS).translate(_SIGNS).replace(" ", "").strip()
    if not text:
        return None
    if text.endswith("%"):
        value = _plain_number(text[:-1])
        return None if value is None else value / 100
    if text.count("/") == 1:
        top, bottom = (_plain_number(part) for part in text.split("/"))
        if top is None or bottom is None or bottom == 0:
            return None
        return top / bottom
    return _plain_number(text)


def check_number(text: str, answer: float, tolerance: float) -> bool | None:
    """Whether `text` is within `tolerance` of `answer`; None when it is not a number."""
    value = parse_number(text)
    if value is None:
        return None
    return abs(value - answer) <= tolerance


def correct_is_longest(question: dict) -> bool:
    """True when the right option is at least as long as every other option of a multiple-choice question."""
    options, answer = question["options"], question["answer"]
    return len(options[answer]) >= max(len(o) for i, o in enumerate(options) if i != answer)
