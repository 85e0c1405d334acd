"""The page side of gan_core/textsafe.py: what a stranger controls reaches the page as plain text.

Every Streamlit call that draws markdown (st.markdown, st.warning/error/info/success, st.caption,
st.toast, st.table cells, a progress bar's text) and may carry a link value, a file name, a Hub id,
a label a visitor typed or an exception's words takes its text from here:

    md(text)              a stranger's text, neutral and escaped: it shows as typed, and no link,
                          image, emphasis or HTML in it survives
    said(key, **values)   our own sentence (content/*.json) with its values filled in: every str
                          value escaped, every number written with the page's digits
    engine(text)          an English message from gan_core or an exception, escaped; on a Persian page
                          in Persian when gan_core gave its key (a Sentence, a PhotoError), else marked
                          "(in English)"
    notes(items, say)     a bounded bullet list ("… and 590 more values were ignored")
    label(text)           a stranger's text for a widget option that shows no markdown: neutral only

Each returns a `Plain` (a str already safe for markdown), so the same text is never escaped twice
and a message that is already a whole sentence is not wrapped in another ("Could not read the
upload: Could not read the upload: …"). tests/test_safety_pages.py checks that every such call in
pages/ and ui/ goes through here.
"""

from __future__ import annotations

from gan_core import textsafe
from ui import i18n


Plain = i18n.Plain      # text that may sit in markdown as it is (defined beside i18n.engine_text)


def md(text) -> Plain:
    """A stranger's text (or an exception), neutral and escaped for markdown."""
    if isinstance(text, Plain):
        return text
    return Plain(textsafe.plain_markdown(str(text)))


def name(text, limit: int = textsafe.NAME_CHARS) -> Plain:
    """A file name or Hub id: neutral, shortened in the middle (its extension stays), escaped."""
    return md(textsafe.name(text, limit))


def label(text) -> str:
    """A stranger's text where no markdown is drawn (a selectbox option): direction controls neutralised."""
    return textsafe.neutral(text)


def digits(text: str) -> str:
    """Our own numbers in the page's digits (ui.i18n.local_digits: Persian digits and separators on a
    Persian page)."""
    return i18n.local_digits(text)


def num(value, spec: str = "") -> str:
    """A number of ours, formatted with `spec`, in the page's digits."""
    return i18n.local_number(format(value, spec))


def sep() -> str:
    """The list separator of the page's language (", " or "، ")."""
    return i18n.t("safety.list_sep")


def _text_value(value, spec: str, in_code: bool) -> str:
    if isinstance(value, Plain):
        return format(str(value), spec)
    if in_code:         # a code span shows a backslash as itself: the words as typed, no backtick to end it
        return textsafe.code_text(format(value, spec))
    return md(format(value, spec))          # text of unknown origin: a stranger's until shown otherwise


def said(key: str, **values) -> Plain:
    """Our sentence for `key` in the page's language, its values escaped (Plain ones kept) and its
    numbers in the page's digits (ui.i18n.fill, the same rule as t())."""
    return Plain(i18n.fill(i18n.t(key), values, text=_text_value))


def has(key: str) -> bool:
    try:
        i18n.lookup(i18n.load_content(i18n.current()), key)
        return True
    except KeyError:
        return False


def message(exc: BaseException) -> str:
    """An exception's message, keeping a Plain one Plain (str(exc) would turn it into a plain str)."""
    first = exc.args[0] if exc.args else ""
    return first if isinstance(first, Plain) else str(exc)


def engine(text) -> Plain:
    """A message gan_core wrote in English (or an exception), for the page.

    A Sentence or PhotoError with a key under content "safety.said" is said in the page's own words;
    anything else is escaped and, on a Persian page, introduced as the engine's words "(in English)".
    Plain text passes unchanged: it is in the page's language already.
    """
    if isinstance(text, BaseException):
        text = text if getattr(text, "key", "") else message(text)
    if isinstance(text, Plain):
        return text
    key = getattr(text, "key", "")
    if i18n.current() != i18n.DEFAULT and key and has(f"safety.said.{key}"):
        return said(f"safety.said.{key}", **getattr(text, "values", {}))
    return i18n.engine_text(str(text))


def notes(items, say=engine, limit: int = textsafe.MAX_NOTES) -> Plain:
    """A bullet list of notes, at most `limit` lines and one "… and N more" line, each through `say`."""
    shown, hidden = textsafe.bound_notes(items, limit)
    lines = [say(item) for item in shown]
    if hidden:
        lines.append(said("safety.said.more_ignored_one" if hidden == 1 else "safety.said.more_ignored", n=hidden))
    return Plain("\n".join(f"- {line}" for line in lines))


def join(parts) -> Plain:
    """Already-plain parts joined with the page's list separator."""
    return Plain(sep().join(md(p) for p in parts))
