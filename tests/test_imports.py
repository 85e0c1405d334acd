"""gan_core's import graph: no circle, and no Streamlit.

Every module is parsed (not imported), and every import of a gan_core module
counts: at module level, inside functions and classes, relative or absolute,
`import gan_core.x` and `from . import x` alike. An import inside a function
still closes a circle: it only hides it until that function runs.

One kind of edge is left out on purpose: imports under
`if __name__ == "__main__":`. That block runs only when the file is executed as
a script (`python -m gan_core.train`), and then the file is the module
`__main__`, not `gan_core.train`, so importing gan_core.cli from there cannot
come back round to a half-initialised module.
"""

import ast
from pathlib import Path

PACKAGE = "gan_core"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_main_guard(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return (isinstance(node, ast.If) and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators))


def _walk(node: ast.AST):
    """ast.walk, without descending into `if __name__ == "__main__":` blocks."""
    for child in ast.iter_child_nodes(node):
        if _is_main_guard(child):
            continue
        yield child
        yield from _walk(child)


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
            # `import gan_core.models.dcgan` also runs gan_core.models and gan_core.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = sorted(root.rglob("*.py"))
    modules = {module_name(p, root) for p in paths}
    return {module_name(p, root): imported_modules(p, modules, root) for p in paths}


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
    assert graph == {"pkg": set(), "pkg.a": {"pkg.b"}, "pkg.b": {"pkg.sub.c"}, "pkg.sub": set(),
                     "pkg.sub.c": {"pkg.d"}, "pkg.d": {"pkg.sub.c"}}   # the __main__ block is left out
    assert find_cycle(graph) == ["pkg.sub.c", "pkg.d", "pkg.sub.c"]
    (pkg / "d.py").write_text("def h():\n    from .a import x\n")
    assert find_cycle(import_graph(pkg)) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.d", "pkg.a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_gan_core_has_no_import_circle():
    graph = import_graph()
    cycle = find_cycle(graph)
    assert cycle is None, "import circle in gan_core: " + " -> ".join(cycle)


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
