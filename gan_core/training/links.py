"""Reading one value of a share link, the same way on every page that has one: the Train page's class
link (gan_core/jobs/classlink.py), the Playground's share link (gan_core/playground/links.py) and the
2-D toy lab's (gan_core/theory/toylab.py). Here because the formulas a link carries are parsed by the
training's own formula language (formula.py); no Streamlit.

A link is a stranger's text: every reader here either returns a value the page can use or raises
ValueError (a FormulaError for a formula: its one sentence says what and where); none runs anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from .formula import MAX_LENGTH, FormulaError, check_text


def one(params: Mapping, key: str) -> str | None:
    """The value of `key` (a repeated parameter: the last one wins, as in Streamlit), stripped; None if absent."""
    value = params.get(key)
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else None
    return None if value is None else str(value).strip()


def finite(text: str) -> float:
    """A finite number ("nan" and "inf" are refused)."""
    value = float(text)  # ValueError on text; accepts "nan"/"inf", refused next
    if not math.isfinite(value):
        raise ValueError("not finite")
    return value


def whole(text: str) -> int:
    """A whole number >= 0 written in digits: refuses "1e3", "1.5", "-3", "0x10"."""
    text = text.strip()
    if not text.lstrip("+").isdigit():
        raise ValueError("not a whole number")
    return int(text)


def formula(params: Mapping, key: str, role: str) -> str:
    """The formula under `key` for `role` ("d" or "g"), checked by the formula language; "" if absent.
    Raises FormulaError (one sentence) for one that cannot train, an over-long one before it is read."""
    text = one(params, key)
    if not text:
        return ""
    if len(text) > MAX_LENGTH:        # never parse a 100,000-character link
        raise FormulaError("too_long", length=len(text), limit=MAX_LENGTH)
    check_text(text, role)
    return text
