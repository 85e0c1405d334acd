"""Every text in the theory sections of the content files is read by some code: no dead keys.

The code is read, not run: a key counts as read when the code holds it (or a dotted parent of it,
which i18n.items / i18n.labels walk) as a string, or holds a pattern that yields it: an f-string
(t(f"theorylab.r1.cases.{case}")) or a str.format template ("toylab.losses.{name}"), where each
placeholder stands for one dotted segment. A pattern needs a letter of its own ("{a}.{b}" reads
nothing). A dead key is a sentence a translator keeps in step for no reader: delete it in both files.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from contentfiles import CONTENT

ROOT = Path(__file__).resolve().parent.parent
# The theory pages' sections and the ones they share (the other sections have tests of their own pages).
SECTIONS = ("common", "toylab", "gan", "fails", "wgan", "pggan", "course", "theorylab")
CODE = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"),
               *(ROOT / "gan_core").rglob("*.py")])
_SEGMENT = r"[^.]+"
_FORMAT_FIELD = re.compile(r"\{[^{}]*\}")


def leaf_keys(node, prefix: str):
    """Dotted keys of the leaves; a list (quiz questions, references) is one leaf, read as a whole."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaf_keys(v, f"{prefix}.{k}")
    else:
        yield prefix


def _pattern(parts) -> re.Pattern | None:
    """A regex for a key pattern given as (literal, is_placeholder) parts; None when it has no letter."""
    if not any(not hole and re.search("[A-Za-z]", text) for text, hole in parts):
        return None
    return re.compile("".join(_SEGMENT if hole else re.escape(text) for text, hole in parts))


def code_strings(paths) -> tuple[set[str], list[re.Pattern]]:
    """(string literals, key patterns) in the given Python files."""
    literals, patterns = set(), []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
                if _FORMAT_FIELD.search(node.value):
                    pieces = _FORMAT_FIELD.split(node.value)
                    parts = [p for i, piece in enumerate(pieces)
                             for p in ([(piece, False)] + ([("", True)] if i < len(pieces) - 1 else []))]
                    if (rx := _pattern(parts)) is not None:
                        patterns.append(rx)
            elif isinstance(node, ast.JoinedStr):
                parts = [(v.value, False) if isinstance(v, ast.Constant) else ("", True) for v in node.values]
                if (rx := _pattern(parts)) is not None:
                    patterns.append(rx)
    return literals, patterns


def is_read(key: str, literals: set[str], patterns: list[re.Pattern]) -> bool:
    parts = key.split(".")
    for n in range(len(parts), 1, -1):   # the key itself, then its parents (never the bare section)
        head = ".".join(parts[:n])
        if head in literals or f"{head}." in literals or any(p.fullmatch(head) for p in patterns):
            return True
    return False


@pytest.fixture(scope="module")
def code():
    return code_strings(CODE)


@pytest.mark.parametrize("section", SECTIONS)
def test_every_theory_text_is_read_by_the_code(code, section):
    unread = [k for k in leaf_keys(CONTENT["en"][section], section) if not is_read(k, *code)]
    assert not unread, f"content keys no code reads (delete them in en.json and fa.json): {unread}"


def test_the_check_sees_a_dead_key_and_each_way_of_reading_one(tmp_path):
    src = tmp_path / "page.py"
    src.write_text('t("gan.title")\nitems("gan.quiz")\nt(f"fails.cases.{name}")\n'
                   'KEY = "toylab.losses.{name}"\nt(f"{a}.{b}")\n', encoding="utf-8")
    literals, patterns = code_strings([src])
    assert is_read("gan.title", literals, patterns)
    assert is_read("gan.quiz", literals, patterns)            # a list, read whole
    assert is_read("fails.cases.weak", literals, patterns)    # an f-string
    assert is_read("toylab.losses.bce", literals, patterns)   # a format template
    assert not is_read("gan.intro", literals, patterns)       # "gan" alone reads nothing
    assert not is_read("fails.other.weak", literals, patterns)
    assert not is_read("wgan.knobs", literals, patterns)      # "{a}.{b}" reads nothing
