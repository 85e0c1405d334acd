"""One Persian term for each glossary entry (content/glossary.json), in both content files.

Where the English text of a key names the term, the Persian text of the same key uses the glossary's
Persian term; no forbidden variant appears as a word anywhere in content/fa.json. Reference titles
(the refs lists) are English paper titles and are skipped.
"""

import json
import re

from contentfiles import CONTENT, ROOT, flat_keys

GLOSSARY = json.loads((ROOT / "content" / "glossary.json").read_text(encoding="utf-8"))["terms"]
# a word starts where no Persian letter (or zero-width non-joiner) comes right before it
_WORD_START = r"(?<![\u0600-\u06ff\u200c])"


def _texts(lang):
    return {k: v for k, v in flat_keys(CONTENT[lang]) if isinstance(v, str) and ".refs[" not in k}


def forbidden_uses(text: str) -> list[str]:
    return [variant for entry in GLOSSARY for variant in entry["forbidden"]
            if re.search(_WORD_START + re.escape(variant), text)]


def test_glossary_has_the_terms_the_pages_need():
    assert {e["en"] for e in GLOSSARY} >= {"mode collapse", "discriminator"}
    for e in GLOSSARY:
        assert e["fa"] not in e["forbidden"] and not forbidden_uses(e["fa"])


def test_the_detector_tells_a_variant_from_the_term_that_contains_it():
    assert forbidden_uses("نظر تمایزگر دربارهٔ تصویرها") == ["تمایزگر"]
    assert forbidden_uses("نظر متمایزگر و نمایش فروافتادگی حالت") == []
    assert forbidden_uses("نمایش فروپاشی مُد") == ["فروپاشی مُد"]


def test_persian_file_uses_no_forbidden_variant():
    offenders = [(k, forbidden_uses(v)) for k, v in _texts("fa").items() if forbidden_uses(v)]
    assert offenders == []


def test_where_english_names_a_term_persian_uses_the_glossary_term():
    en, fa = _texts("en"), _texts("fa")
    missing = []
    for entry in GLOSSARY:
        word = re.compile(r"\b" + re.escape(entry["en"]), re.I)
        missing += [(k, entry["en"]) for k, v in en.items() if word.search(v) and entry["fa"] not in fa[k]]
    assert missing == []
