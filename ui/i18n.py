"""English / Persian for the whole app: one switch, text from content/*.json, RTL layout.

Usage on a page:

    from ui import i18n
    from ui.common import page_setup

    i18n.init()                                  # reads ?lang= and the session; draws nothing
    page_setup(i18n.t("wgan.page_title"), "🚚")  # also draws the switch (+ RTL CSS for Persian)
    st.markdown(i18n.t("wgan.intro"))

All page text lives in content/en.json and content/fa.json under the same
dotted keys (tests check that both files have exactly the same keys). The
chosen language is `st.session_state["lang"]` ("en" or "fa"), shared by every
page in the browser session; app.py names the pages in it and writes it into
the address bar (?lang=fa), so a copied link opens in the same language.
"""

from __future__ import annotations

import json
import numbers
import re
import string
from functools import lru_cache
from pathlib import Path

import streamlit as st

from gan_core import textsafe

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
LANGS = {"en": "English", "fa": "فارسی"}
DEFAULT = "en"
_WIDGET_KEY = "_lang_switch"


@lru_cache(maxsize=None)
def load_content(lang: str) -> dict:
    """The parsed content file of one language (read once per server process)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    with open(CONTENT_DIR / f"{lang}.json", encoding="utf-8") as f:
        return json.load(f)


def lookup(content: dict, key: str):
    node = content
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def current() -> str:
    lang = st.session_state.get("lang", DEFAULT)
    return lang if lang in LANGS else DEFAULT


def is_rtl() -> bool:
    return current() == "fa"


def t(key: str, **values) -> str:
    """The text for `key` in the current language; `values` fill {placeholders} (see fill: on a
    Persian page the numbers among them are written with Persian digits and separators).

    A key missing from the Persian file falls back to English, so a page
    never breaks over one untranslated string (the tests still demand both).
    """
    text = text_in(current(), key)
    if values and isinstance(text, str):
        text = fill(text, values)
    return text


# ---------------------------------------------------------------- numbers in the page's digits
# The one place where the app's numbers take the page's digits: every t() and ui.plain.said()
# placeholder that receives a number goes through fill(). Persian: ۰-۹, the decimal separator «٫»,
# the thousands separator «٬» and the percent sign «٪». Text values (file names, Hub ids, commands,
# formulas, links) are never touched, and a number that the template puts inside a code span
# (`--iterations {n}`) or a formula ($\lambda={lam}$) stays Latin: code and maths are read left to
# right, in ASCII, in both languages.
_FA_NUMBER = str.maketrans("0123456789.,%-", "۰۱۲۳۴۵۶۷۸۹٫٬٪−")
_MATH_DELIMITER = re.compile(r"(?<!\\)\$\$?")      # $ or $$ opens or closes a formula; \$ is a dollar
_NUMBER_IN_TEXT = re.compile(r"\d+(?:[.,]\d+)*%?")
_FORMATTER = string.Formatter()


def local_number(shown: str, lang: str | None = None) -> str:
    """One number, already formatted ("-1,234.5", "25%"), in the digits of `lang` (default: the page's)."""
    return str(shown).translate(_FA_NUMBER) if (lang or current()) == "fa" else str(shown)


def local_digits(text, lang: str | None = None) -> str:
    """The numbers inside a text of ours ("3 of 4", "1,234.5 s") in the digits of `lang`; the words,
    hyphens and full stops around them stay as they are."""
    if (lang or current()) != "fa":
        return str(text)
    return _NUMBER_IN_TEXT.sub(lambda m: m.group().translate(_FA_NUMBER), str(text))


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def fill(template: str, values: dict, text=None, lang: str | None = None) -> str:
    """template.format(**values), with each number in the page's digits unless the template puts it
    inside a code span or a formula; `text(value, spec, in_code)`, when given, makes each other value
    safe to show (ui.plain.said escapes them, or keeps them as typed inside a code span)."""
    lang = lang or current()
    out, ticks, dollars = [], 0, 0
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        out.append(literal)
        ticks += literal.count("`")
        dollars += len(_MATH_DELIMITER.findall(literal))
        if field is None:
            continue
        value = _FORMATTER.convert_field(_FORMATTER.get_field(field, (), values)[0], conversion)
        if spec and "{" in spec:
            spec = _FORMATTER.vformat(spec, (), values)
        if _is_number(value):
            shown = format(value, spec)
            out.append(shown if ticks % 2 or dollars % 2 else local_number(shown, lang))
        elif text is not None:
            out.append(text(value, spec, bool(ticks % 2)))
        else:
            out.append(format(value, spec))
    return "".join(out)


def join(parts) -> str:
    """Parts of a list in one line, with the page's list separator (", " or «، »)."""
    return t("safety.list_sep").join(str(p) for p in parts)


def text_in(lang: str, key: str) -> str:
    """The text for `key` in a given language (English if the key is missing there)."""
    try:
        return lookup(load_content(lang), key)
    except KeyError:
        return lookup(load_content(DEFAULT), key)


_PERSIAN_LETTERS = re.compile("[\u0600-\u06ff]")
_QUOTED = re.compile(r"'[^']*'")        # a stranger's value, as gan_core.textsafe.quote writes it


class Plain(str):
    """Text that may sit in markdown as it is: our own words, every stranger's value in it escaped
    (ui/plain.py makes it; the same text is never escaped twice)."""


def engine_text(text: str) -> Plain:
    """A message gan_core wrote in English (a refused checkpoint, a bad Hub id ...), for the page,
    as plain text (gan_core/textsafe.py's rule: its quoted values come from strangers).

    gan_core knows nothing of the page's language, and its many precise error
    sentences stay English; on a Persian page they come introduced as the
    engine's own words. Text that is already Persian passes unescaped only when it is
    Plain; Persian letters inside a quoted value (a Hub id typed in Persian) do not count.
    """
    if isinstance(text, Plain):
        return text
    body = Plain(textsafe.plain_markdown(text))
    if current() == DEFAULT or not text or _PERSIAN_LETTERS.search(_QUOTED.sub("", str(text))):
        return body
    return Plain(t("playground.engine_says", text=body))


def engine_error(exc, prefix: str = "formula") -> str:
    """A refusal gan_core explained as facts (an exception with `key`, `params` and `translate`,
    e.g. gan_core.training.FormulaError) in the page's language: content "<prefix>.errors.<key>",
    with the facts that are words said again from "<prefix>.<translate[fact]>"."""
    key = getattr(exc, "key", None)
    if key is None:
        return engine_text(str(exc))
    # The facts may repeat what a visitor typed (a formula's token): plain text (gan_core/textsafe.py),
    # made for where the template puts it: inside a code span or in the running text.
    template = text_in(current(), f"{prefix}.errors.{key}") if key else ""
    params = {k: ((textsafe.code_text(v) if f"`{{{k}}}`" in str(template) else textsafe.plain_markdown(v))
                  if isinstance(v, str) else v) for k, v in dict(exc.params).items()}
    for name, sub in getattr(exc, "translate", {}).items():
        params[name] = t(f"{prefix}.{sub}", **params)
    try:
        return Plain(t(f"{prefix}.errors.{key}", **params))
    except (KeyError, IndexError):
        return engine_text(str(exc))


def formula_nonfinite(facts: dict) -> str:
    """Your own loss became NaN or infinite (gan_core.training.formula: Formula.explain_nonfinite's facts)."""
    try:
        return Plain(t("formula.nonfinite", role=t(f"formula.roles.{facts['role']}"),
                       value=t(f"formula.value.{facts['value']}"), step=facts["step"],
                       term=textsafe.code_text(facts["term"]),       # the visitor's own formula, in a code span
                       part=textsafe.code_text(facts["part"]), hint=t(f"formula.hints.{facts['hint']}")))
    except KeyError:
        return engine_text(facts.get("message", ""))


def labels(prefix):
    """A format_func for widgets whose options are keys under `prefix` (e.g. "toylab.presets"),
    or whose keys a function of the option gives (e.g. a loss's `content_key("label")`).

    The language is fixed when the widget is drawn: Streamlit may call
    format_func again later, outside the script run, where the session (and
    so the current language) is not available.
    """
    lang = current()
    key = prefix if callable(prefix) else (lambda option: f"{prefix}.{option}")
    return lambda option: text_in(lang, key(option))


def items(key: str):
    """A non-string entry (a list of quiz questions, of references ...) in the current language."""
    return t(key)


def init() -> str:
    """Settle the language before anything is drawn: ?lang=fa in the URL wins once, then the session."""
    requested = st.query_params.get("lang")
    if requested in LANGS and not st.session_state.get("_lang_from_url"):
        st.session_state["lang"] = requested
        st.session_state["_lang_from_url"] = True
    st.session_state.setdefault("lang", DEFAULT)
    return current()


def sync_url() -> None:
    """Keep ?lang= in the address bar in step with the language, so share links carry it."""
    lang = current()
    if lang != DEFAULT:
        if st.query_params.get("lang") != lang:
            st.query_params["lang"] = lang
    elif "lang" in st.query_params:
        del st.query_params["lang"]


def _on_switch():
    st.session_state["lang"] = st.session_state[_WIDGET_KEY]


def _drawn_this_run() -> bool:
    """True when the switch is already on the page in this script run (page_setup drew it and
    the page asks again): a second radio with the same key would be an error."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx is not None and _WIDGET_KEY in ctx.shared.widget_user_keys_this_run
    except Exception:  # an internal API: if it moves, drawing twice is the caller's problem
        return False


def language_switch() -> str:
    """The sidebar radio "English / فارسی"; for Persian also the right-to-left styling.

    ui.common.page_setup calls it, so every page has it; calling it again in the
    same run does nothing.
    """
    init()
    if _drawn_this_run():
        return current()
    # Streamlit forgets a widget's value when a page without that widget runs
    # (every page switch), so the radio is re-seeded from the durable "lang".
    st.session_state[_WIDGET_KEY] = current()
    st.sidebar.radio("Language / زبان", list(LANGS), format_func=LANGS.get, key=_WIDGET_KEY,
                     on_change=_on_switch, horizontal=True)
    if is_rtl():
        apply_rtl()
    return current()


# Persian text runs right to left, but formulas, code and plots must not be
# mirrored: KaTeX lays out an equation left to right, and a right-to-left
# container would flip the order of its parts. Streamlit's elements carry
# data-testid attributes; the rules scope "rtl" to text blocks of the main
# area and the sidebar's own content (the Train and Playground settings), and
# put every KaTeX node and code block back to "ltr". Text boxes stay left to right (a Hub id, a
# formula, a link are Latin), except inside a container keyed by rtl_box_key: a Persian answer.
RTL_CSS = """
<style>
[data-testid="stMain"] [data-testid="stMarkdownContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stHeading"],
[data-testid="stMain"] [data-testid="stWidgetLabel"],
[data-testid="stMain"] [data-testid="stRadio"],
[data-testid="stMain"] [data-testid="stExpander"] summary,
[data-testid="stMain"] [data-testid="stAlertContentInfo"],
[data-testid="stMain"] [data-testid="stAlertContentSuccess"],
[data-testid="stMain"] [data-testid="stAlertContentWarning"],
[data-testid="stMain"] [data-testid="stAlertContentError"],
[data-testid="stMain"] [data-testid="stPageLink"],
[data-testid="stSidebarUserContent"] [data-testid="stMarkdownContainer"],
[data-testid="stSidebarUserContent"] [data-testid="stCaptionContainer"],
[data-testid="stSidebarUserContent"] [data-testid="stHeading"],
[data-testid="stSidebarUserContent"] [data-testid="stWidgetLabel"],
[data-testid="stSidebarUserContent"] [data-testid="stExpander"] summary,
[data-testid="stSidebarUserContent"] [data-testid="stAlertContentInfo"],
[data-testid="stSidebarUserContent"] [data-testid="stAlertContentWarning"],
[data-testid="stSidebarUserContent"] [data-testid="stAlertContentError"] {
  direction: rtl;
  text-align: right;
}
[data-testid="stMain"] .katex,
[data-testid="stMain"] .katex-display,
[data-testid="stMain"] .stLatex,
[data-testid="stMain"] [data-testid="stLatex"],
[data-testid="stMain"] pre,
[data-testid="stMain"] code,
[data-testid="stSidebarUserContent"] code {
  direction: ltr;
  unicode-bidi: isolate;
}
[data-testid="stMain"] .katex-display,
[data-testid="stMain"] [data-testid="stLatex"] {
  text-align: center;
}
[data-testid="stSidebarNav"] {
  direction: rtl;
}
[data-testid="stMain"] [class*="st-key-rtl_box_"] input {
  direction: rtl;
  text-align: right;
}
[data-testid="stMain"] [data-testid="stMarkdownContainer"] ul,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] ol {
  padding-right: 1.5em;
  padding-left: 0;
}
</style>
"""


RTL_BOX = "rtl_box_"


def rtl_box_key(name: str) -> str:
    """The key for a container whose text boxes run right to left in Persian (the RTL_CSS rule on
    its class "st-key-rtl_box_<name>"), e.g. a quiz's numeric answer; every other box stays LTR."""
    return RTL_BOX + name


def apply_rtl() -> None:
    st.markdown(RTL_CSS, unsafe_allow_html=True)


# ---------------------------------------------------------------------------
# A block every theory page shares: the reference list (the quiz is ui/theory/quiz.py)
# ---------------------------------------------------------------------------


def references(page: str) -> None:
    st.subheader(t("common.references"))
    st.markdown("\n".join(f"- [{r['text']}]({r['url']})" for r in items(f"{page}.refs")))


def page_link(path: str, label: str, icon: str | None = None) -> None:
    """st.page_link that degrades to plain text when the target page is not part of this app run
    (e.g. a page script run on its own), instead of showing an exception."""
    try:
        st.page_link(path, label=label, icon=icon)
    except st.errors.StreamlitAPIException:
        st.markdown(f"{icon or ''} {label}")
