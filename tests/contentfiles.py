"""The two content files, read once, for the tests that check them (test_bilingual, test_theory_pages)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONTENT = {lang: json.loads((ROOT / "content" / f"{lang}.json").read_text(encoding="utf-8")) for lang in ("en", "fa")}


def flat_keys(node, prefix=""):
    """(dotted key, leaf) for every leaf; list items as key[i]."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from flat_keys(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from flat_keys(v, f"{prefix}[{i}]")
    else:
        yield prefix, node
