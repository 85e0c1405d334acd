"""The README's module tables (gan_core/ and ui/) list exactly the modules in the tree."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def table_after(heading_text: str) -> set[str]:
    """Module names in the first table after a line containing heading_text ("a / b" rows give both)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if heading_text in line)
    i = next(j for j in range(start, len(lines)) if lines[j].startswith("| module |"))
    names = set()
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        names.update(re.findall(r"`([\w/]+\.py)`", line.split("|")[1]))
    return names


def modules(folder: str) -> set[str]:
    base = ROOT / folder
    return {str(p.relative_to(base)) for p in base.rglob("*.py") if not p.name.startswith("__")}


def test_the_gan_core_table_matches_the_tree():
    assert table_after("## The engine: `gan_core`") == modules("gan_core")


def test_the_ui_table_matches_the_tree():
    assert table_after("The Streamlit side, `ui/`") == modules("ui")
