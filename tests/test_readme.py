"""The README's module map matches the tree, its commands name real modules, and its numbers have a home.

A newcomer finds the file for a feature in one hop from the "Where the code lives" table, so that
table must name only paths that exist and must name every subpackage and top-level module of
gan_core and ui. The benchmark tables live in docs/benchmarks.md, which the README links to.
"""

import ast
import itertools
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
MAP_HEADING = "## Where the code lives"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def map_rows() -> list[str]:
    """The rows (below the header) of the first table after the module map's heading."""
    lines = readme().splitlines()
    start = lines.index(MAP_HEADING)
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("| path |"))
    rows = []
    for line in lines[header + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def looks_like_path(text: str) -> bool:
    return " " not in text and ("/" in text or text.endswith(".py"))


def map_paths() -> set[str]:
    """Every path the map names in backticks (a trailing "/" marks a folder)."""
    return {name for row in map_rows() for name in backticked(row) if looks_like_path(name)}


def test_the_map_exists_and_names_files():
    # a map without rows, or without paths, would make the next tests pass for nothing
    assert len(map_rows()) >= 10
    assert any(p.endswith(".py") and p.count("/") >= 2 for p in map_paths())


def test_every_path_in_the_map_exists():
    missing = sorted(p for p in map_paths() if not (ROOT / p).exists())
    assert not missing, f"the README's module map names paths that are not in the tree: {missing}"


def test_folders_in_the_map_are_folders():
    files = sorted(p for p in map_paths() if p.endswith("/") and not (ROOT / p).is_dir())
    assert not files, f"these map entries end in '/' but are not folders: {files}"


def project_units(package: str) -> set[str]:
    """Each subpackage (folder with __init__.py, as `pkg/sub/`) and top-level module (`pkg/x.py`)."""
    base = ROOT / package
    subpackages = {f"{package}/{p.parent.relative_to(base).as_posix()}/"
                   for p in base.rglob("__init__.py") if p.parent != base}
    modules = {f"{package}/{p.name}" for p in base.glob("*.py") if p.name != "__init__.py"}
    return subpackages | modules


def test_the_map_names_every_subpackage_and_top_level_module():
    named = map_paths()
    for package in ("gan_core", "ui"):
        units = project_units(package)
        assert units, f"{package} has no modules?"
        missing = sorted(u for u in units if u not in named)
        assert not missing, f"add these to the README's module map: {missing}"


def code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def gan_core_commands(text: str) -> list[list[str]]:
    """The words of every `python -m gan_core...` line in the text's code blocks."""
    commands = []
    for block in code_blocks(text):
        for line in block.splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] in ("python", ".venv/bin/python") and words[1] == "-m" \
                    and (words[2] == "gan_core" or words[2].startswith("gan_core.")):
                commands.append(words[2:])
    return commands


def cli_commands() -> set[str]:
    """The sub-commands of `python -m gan_core`, read from gan_core/__main__.py without importing it."""
    tree = ast.parse((ROOT / "gan_core" / "__main__.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMMANDS" for t in node.targets):
            return set(ast.literal_eval(node.value))
    raise AssertionError("gan_core/__main__.py has no COMMANDS table")


def runnable(module: str) -> bool:
    path = ROOT / Path(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__main__.py").is_file()


def test_every_gan_core_command_in_the_readme_names_a_real_module():
    commands = gan_core_commands(readme())
    assert commands, "the README shows no `python -m gan_core` command"
    subcommands = cli_commands()
    for words in commands:
        module = words[0]
        assert runnable(module), f"`python -m {module}`: no such module"
        if module == "gan_core" and len(words) > 1 and not words[1].startswith("-"):
            assert words[1] in subcommands, f"`python -m gan_core {words[1]}`: not a command of {sorted(subcommands)}"


def test_the_command_check_reads_both_spellings():
    text = "```bash\n.venv/bin/python -m gan_core.train --x 1\npython -m gan_core study --y\necho no\n```\n"
    assert gan_core_commands(text) == [["gan_core.train", "--x", "1"], ["gan_core", "study", "--y"]]


def test_the_benchmarks_live_in_docs_and_the_readme_links_there():
    assert BENCHMARKS.is_file()
    assert "](docs/benchmarks.md" in readme()
    # the tables moved rather than vanished: the summary table, the search log, the inversion figures
    text = BENCHMARKS.read_text(encoding="utf-8")
    for heading in ("## The summary table", "### How the fast default was found", "## Your photo in the latent space",
                    "## What happens with bad input"):
        assert heading in text


def test_paths_and_scripts_named_in_the_benchmarks_exist():
    text = BENCHMARKS.read_text(encoding="utf-8")
    roots = ("gan_core/", "ui/", "pages/", "bench/", "scripts/", "tests/", "pretrained/", "content/")
    named = {name for name in backticked(text) if looks_like_path(name) and name.startswith(roots)}
    named |= set(re.findall(r"python ((?:bench|scripts)/\w+\.py)", text))
    assert named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert not missing, f"docs/benchmarks.md names paths that are not in the tree: {missing}"


def test_every_headline_number_has_a_command():
    lines = readme().splitlines()
    start = lines.index("## Headline numbers")
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("| what |"))
    rows = list(itertools.takewhile(lambda line: line.startswith("|"), lines[header + 2:]))
    assert 6 <= len(rows) <= 10
    for row in rows:
        command = row.rstrip("|").split("|")[-1]
        assert re.search(r"`python (bench|scripts)/\w+\.py", command), f"no command in: {row}"
        assert (ROOT / re.search(r"(bench|scripts)/\w+\.py", command).group(0)).is_file()


def test_every_screenshot_the_readme_shows_exists_and_every_figure_shot_is_shown():
    """A picture in the README's table is a file in docs/screenshots, and each shot that
    scripts/screenshot_theory.py takes (read from its SHOTS, without importing Playwright) is shown."""
    shown = re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+\.png)\)", readme())
    assert shown and not [p for p in shown if not (ROOT / p).is_file()]
    script = (ROOT / "scripts" / "screenshot_theory.py").read_text(encoding="utf-8")
    shots = re.findall(r'Shot\("(\w+)"', script)
    assert len(shots) >= 7
    assert not [s for s in shots if f"docs/screenshots/{s}.png" not in shown]
