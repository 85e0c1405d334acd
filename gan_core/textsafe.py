"""Text a stranger controls, made safe to show: the one rule, here, for every message that repeats it.

A link value, a file name, a Hub id, an exception's words: any of them may hold markdown
(`[Log in again](https://evil.example)`, `![t](https://evil.example/p.png)`), HTML, entity
references, or Unicode direction controls that turn `exe.zip` into `piz.exe`. Before such text
reaches a page it passes through here:

    neutral(text)          direction controls and other invisible format/control characters
                           made visible as [U+202E]
    shorten(name, n)       a long name cut in the middle, so its extension stays visible
    quote(text, n)         neutral, cut short with an ellipsis, in quotes: what an error repeats
    escape_markdown(text)  every character that can start markup backslash-escaped: no link,
                           image, emphasis, HTML, entity, autolink or directive survives
    code_span(text)        a whole code span (`...`) that nothing inside can end early;
    code_block(text)       the same as a fenced block (a command in a model card)
    plain_markdown(text)   neutral + escape_markdown: a whole sentence with a stranger's words in it

`Sentence` is an English message plus the key and the values a page needs to say it in its own
language; `bound_notes` keeps a list of notes to a few lines ("… and 590 more").
The ui side (ui/plain.py) draws with these; nothing here knows Streamlit.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that change how the text around them is laid out while showing nothing themselves:
# the bidi embeddings, overrides and isolates (U+202A-202E, U+2066-2069), the direction marks
# (U+200E/200F, U+061C), zero-width space and friends, and every other Unicode format (Cf) or
# control (Cc) character, line and paragraph separators included.
# Kept: ZWNJ and ZWJ (U+200C/200D): Persian words and emoji sequences need them, and they
# reorder nothing.
KEPT_FORMAT = frozenset("\u200c\u200d")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

ELLIPSIS = "…"
NAME_CHARS = 60      # how much of a file name or Hub id a message shows
VALUE_CHARS = 40     # how much of a rejected value a message repeats


def _hidden(ch: str) -> bool:
    if ch in KEPT_FORMAT:
        return False
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp", "Cs")


def neutral(text) -> str:
    """Every direction control or invisible format/control character shown as [U+XXXX]."""
    text = str(text)
    if text.isprintable() and not any(ch in BIDI_CONTROLS for ch in text):
        return text           # the common case, fast (isprintable is False for Cf, Cc, Zl, Zp)
    return "".join(f"[U+{ord(ch):04X}]" if _hidden(ch) else ch for ch in text)


def shorten(text, limit: int = NAME_CHARS) -> str:
    """A name cut in the middle to at most `limit` characters, keeping its end (the extension) visible."""
    text = str(text)
    if len(text) <= limit:
        return text
    dot = text.rfind(".")
    ext = len(text) - dot if 0 <= dot and len(text) - dot <= 16 else 0
    tail = min(max(limit // 3, ext + 4), limit - 2)
    head = limit - 1 - tail
    return text[:head] + ELLIPSIS + text[-tail:]


def cut(text, limit: int = VALUE_CHARS) -> str:
    """Text cut at its end to at most `limit` characters, with an ellipsis."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + ELLIPSIS


def name(text, limit: int = NAME_CHARS) -> str:
    """A file name or Hub id as a message shows it: neutral, shortened in the middle."""
    return shorten(neutral(text), limit)


def quote(text, limit: int = VALUE_CHARS, middle: bool = False) -> str:
    """A stranger's value as an error message repeats it: neutral, short, in single quotes."""
    text = neutral(text)
    return "'" + (shorten(text, limit) if middle else cut(text, limit)) + "'"


# What can start a markdown construct in the middle of a line: the escape itself, code, emphasis,
# strikethrough, links and images ([ ]), Streamlit's :color[...] directives (their [), HTML and
# <autolinks>, entities (&#8238;), math ($), tables (|), headings (#), e-mail autolinks (@).
# Each is backslash-escaped (CommonMark lets any ASCII punctuation be escaped, and shows it as itself).
_SPECIAL = frozenset("\\`*_~[]<>&$|#@")
# Bare-URL autolinks (GFM): "https://…" and "www.…" become links with no markup at all, and a
# backslash does not stop them (the browser's markdown links "https\://x" all the same, seen in
# tests/e2e/test_safety_browser.py). A word joiner (U+2060, invisible, zero width) inside the
# separator does: "https:<U+2060>//x" reads the same and is no link. "javascript:" gets one as well.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z]:)(//)|(?<=www)(\.)|(?<=javascript)(:)")
_JOINER = "\u2060"
# At the very start of a message, a list item, quote or heading marker ("- x", "> x", "1. x").
_BLOCK_START = re.compile(r"^(\s*\d*)([-+=>.)])")


def escape_markdown(text) -> str:
    """Text that shows as itself inside markdown: no link, image, emphasis, code, HTML, entity,
    autolink, math, table, heading or Streamlit directive survives. A line break becomes a space
    (it would start a new block). Ordinary punctuation (. , : ( ) ' !) is left as it is."""
    text = str(text).replace("\r", " ").replace("\n", " ")
    out = "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    out = _AUTOLINK.sub(lambda m: _JOINER + m.group(0), out)
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out, count=1)


def code_text(text) -> str:
    """A stranger's words for inside a markdown code span (`...`): a code span shows its content as
    it is (a backslash escape would show as a backslash), so only a backtick could end it early."""
    return neutral(text).replace("\r", " ").replace("\n", " ").replace("`", "'")


def _fence(text: str, least: int) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(least, longest + 1)


def code_span(text) -> str:
    """A stranger's words as a whole markdown code span (`...`), shown exactly as typed (neutral):
    its backticks are longer than any run of backticks inside, so nothing in it ends it early."""
    text = neutral(text)
    fence = _fence(text, 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def code_block(text, language: str = "") -> str:
    """A stranger's line (a shell command naming their file, their formula) as a fenced markdown
    block: one line, neutral, inside a fence longer than any run of backticks in it."""
    text = neutral(text)
    fence = _fence(text, 3)
    return f"{fence}{language}\n{text}\n{fence}"


def plain_markdown(text) -> str:
    """A whole message that may carry a stranger's words, ready to sit inside markdown as plain text."""
    return escape_markdown(neutral(text))


class Sentence(str):
    """An English sentence for the user, with the key and the values that say it in another language.

    It is a str (gan_core's callers and tests read it as one); a page that speaks another language
    looks up `key` in its own texts and fills in `values`.
    """

    key: str
    values: dict

    def __new__(cls, text: str, key: str = "", **values):
        obj = super().__new__(cls, text)
        obj.key = key
        obj.values = values
        return obj

    def __reduce__(self):
        return (_sentence, (str(self), self.key, self.values))


def _sentence(text, key, values):
    return Sentence(text, key, **values)


MORE_KEY = "more_ignored"
MAX_NOTES = 5


def more_note(n: int) -> Sentence:
    return Sentence(f"{ELLIPSIS} and {n:,} more {'value was' if n == 1 else 'values were'} ignored.", MORE_KEY, n=n)


class BoundedNotes(list):
    """A list of notes that keeps the first `limit` and only counts the rest (cheap, whatever comes)."""

    def __init__(self, limit: int = MAX_NOTES):
        super().__init__()
        self.limit = limit
        self.dropped = 0

    def append(self, note) -> None:
        if len(self) < self.limit:
            super().append(note)
        else:
            self.dropped += 1

    def lines(self) -> list:
        return list(self) + ([more_note(self.dropped)] if self.dropped else [])


def bound_notes(notes, limit: int = MAX_NOTES) -> tuple[list, int]:
    """(the first `limit` notes, how many more there were), counting the "… and N more" notes inside."""
    shown, hidden = [], 0
    for note in notes:
        if isinstance(note, Sentence) and note.key == MORE_KEY:
            hidden += int(note.values.get("n", 0))
        elif len(shown) < limit:
            shown.append(note)
        else:
            hidden += 1
    return shown, hidden
