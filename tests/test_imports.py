"""The import graphs of gan_core, ui and pages: no circle, and no Streamlit in gan_core.

Every module is parsed (not imported), and every import of one of the project's
modules counts: at module level, inside functions and classes, relative or
absolute, `import gan_core.x` and `from . import x` alike, and under
`if __name__ == "__main__":` too. An import inside a function still closes a
circle: it only hides it until that function runs.

Importing `gan_core.training.loop` also runs `gan_core/training/__init__.py`,
so it counts as an import of the package `gan_core.training` as well (unless
the importer lives inside that package: its package is initialising already).
"""

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "gan_core"
ROOT = REPO / PACKAGE
TREES = ("gan_core", "ui", "pages")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _walk(node: ast.AST):
    yield from ast.walk(node)


def imported_modules(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The package's modules that `path` imports (importing a package counts as its __init__)."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # `from pkg import name`: name is a submodule or an attribute of pkg.
            targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            # `import gan_core.models.dcgan` also runs gan_core/models/__init__.py (and gan_core's):
            # every package above the target that is not also above the importer.
            while target:
                if target != name and not name.startswith(target + "."):
                    found.add(target)
                target = target.rpartition(".")[0]
                if target not in modules:
                    break
    return found


def import_graph(*roots: Path) -> dict[str, set[str]]:
    """One graph over the given trees (default: gan_core, ui and pages), so a circle through
    two of them shows as well. A tree without __init__.py (pages/) is still one namespace."""
    roots = roots or tuple(REPO / t for t in TREES)
    paths = {root: sorted(root.rglob("*.py")) for root in roots}
    modules = {module_name(p, root) for root, ps in paths.items() for p in ps}
    return {module_name(p, root): imported_modules(p, modules, root) for root, ps in paths.items() for p in ps}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle as [a, b, ..., a], or None (depth-first search, white/grey/black)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walker_sees_every_kind_of_import_and_finds_a_circle(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "import os\nfrom . import b\n",                           # relative, module level
        "b.py": "def f():\n    from .sub import c\n",                      # relative, inside a function
        "sub/__init__.py": "",
        "sub/c.py": "class C:\n    def g(self):\n        import pkg.d\n",  # absolute, inside a method
        "d.py": "from pkg.sub.c import C\nif __name__ == '__main__':\n    from pkg import a\n",
    }
    for rel, text in files.items():
        (pkg / rel).write_text(text)
    graph = import_graph(pkg)
    # importing pkg.sub.c also runs pkg/sub/__init__.py; the __main__ block counts too
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub", "pkg.sub.c"}, "pkg.sub": set(),
                     "pkg.sub.c": {"pkg.d"}, "pkg.d": {"pkg.sub", "pkg.sub.c", "pkg.a"}}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.d", "pkg.a"]
    (pkg / "d.py").write_text("import os\n")                              # c -> d, and d imports nothing back
    assert find_cycle(import_graph(pkg)) is None
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_circle_through_a_package_init_is_found(tmp_path):
    """y imports x.n, which first runs x/__init__.py, which imports x.m, which imports y."""
    root = tmp_path / "root"
    (root / "x").mkdir(parents=True)
    for rel, text in {"__init__.py": "", "x/__init__.py": "from .m import M\n", "x/m.py": "from root import y\n",
                      "x/n.py": "", "y.py": "from root.x.n import N\n"}.items():
        (root / rel).write_text(text)
    assert find_cycle(import_graph(root)) == ["root.x", "root.x.m", "root.y", "root.x"]


def test_no_import_circle_in_gan_core_ui_or_pages():
    graph = import_graph()
    assert {"gan_core.training", "ui.common", "pages.2_Train"} <= set(graph)   # all three trees are walked
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_gan_core_never_imports_streamlit():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            offenders += [f"{path.relative_to(ROOT.parent)}: {n}" for n in names if n.split(".")[0] == "streamlit"]
    assert not offenders, "gan_core must not import Streamlit: " + ", ".join(offenders)


def test_app_imports_what_plotly_peeks_at_before_any_page_runs():
    """Plotly finds numpy and pandas with a bare sys.modules lookup (should_load=False).
    Two sessions run in two threads: if one is still importing pandas when the other
    draws a figure, that figure meets a half-built module and the page shows a traceback
    (seen in CI on the theory page). The entry script importing them first prevents it,
    and this keeps it so when plotly starts peeking at another module."""
    import importlib.util
    import re

    import _plotly_utils
    import plotly

    peeked = set()
    for package in (_plotly_utils, plotly):
        for path in Path(package.__file__).parent.rglob("*.py"):
            peeked |= set(re.findall(r'get_module\(\s*"([\w.]+)",\s*should_load=False', path.read_text()))
    assert {"numpy", "pandas"} <= peeked   # the walk above still finds plotly's lookups
    # a module that is not installed cannot be half-built (plotly peeks at sage.all too)
    peeked = {name for name in peeked if importlib.util.find_spec(name.split(".")[0])}

    app = ast.parse((ROOT.parent / "app.py").read_text())
    imported = {alias.name for node in app.body if isinstance(node, ast.Import) for alias in node.names}
    assert peeked <= imported, f"app.py must import {sorted(peeked - imported)} at module level"
