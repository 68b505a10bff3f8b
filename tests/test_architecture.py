"""The package's shape: imports point one way, commands and benchmarks sit above the library, modules stay small.

Walks every ``src/handpose/**.py`` with :mod:`ast` (nothing is imported), resolves relative imports, and counts
every import statement wherever it is: module level and inside functions (lazy imports) alike. Imports under
``if TYPE_CHECKING:`` never run and are left out. ``from pkg import name`` is an edge to ``pkg.name`` when that is a
module, else to ``pkg`` (a package's re-export). Importing ``pkg.sub`` is one edge to ``pkg.sub``: the implicit
run of ``pkg/__init__.py`` is not an edge, so a package ``__init__`` that re-exports its submodules is no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "handpose"
MAX_LINES = 400

# Modules allowed over MAX_LINES, each with the reason. Keep this empty.
OVERSIZE_ALLOWED: dict[str, str] = {}

# The command line and the benchmarks sit on top: no library module imports them. The exceptions are thin
# compatibility shims at old import paths that only re-export the command-line code moved out of them.
TOP_LAYERS = ("handpose.cli", "handpose.bench")
COMPAT_SHIMS = {
    "handpose.web.cli": "old home of `handpose serve` (imported by users: handpose.web.cli.main / add_parser)",
    "handpose.web.__main__": "`python -m handpose.web` runs `handpose serve`",
    "handpose.models.convert": "`python -m handpose.models.convert` and its old main/add_convert_parser",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str, path: Path, modules: set[str]) -> set[str]:
    """The handpose modules that ``name`` (at ``path``) imports anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _type_checking_lines(tree)
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in modules else target)
    edges = set()
    for target in found:
        # `import handpose.io.images` names a module; `import handpose.x.y` where y is an attribute: its module
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target.startswith("handpose") and target != name:
            edges.add(target)
    return edges


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(name, path, set(modules)) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_walker_sees_lazy_and_relative_imports(graph):
    # Known edges, one of each kind, so a broken walker cannot pass the tests below by seeing nothing.
    assert "handpose.api" in graph["handpose"]  # module level, relative, from a package __init__
    assert "handpose.errors" in graph["handpose.cli.detect"]  # module level, relative, two dots
    assert "handpose.api" in graph["handpose.cli.detect"]  # inside a function
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles(graph):
    cycles = find_cycles(graph)
    assert not cycles, "modules that import each other (directly or around a loop): " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


def test_library_never_imports_the_command_line_or_benchmarks(graph):
    def top(name: str) -> bool:
        return any(name == t or name.startswith(t + ".") for t in TOP_LAYERS)

    wrong = sorted(
        f"{src} imports {dst}"
        for src, dsts in graph.items()
        if not top(src) and src not in COMPAT_SHIMS
        for dst in dsts
        if top(dst)
    )
    assert not wrong, wrong


def test_compat_shims_are_thin(graph):
    modules = all_modules()
    for shim in COMPAT_SHIMS:
        assert shim in graph, f"{shim} is gone: drop it from COMPAT_SHIMS"
        lines = len(modules[shim].read_text(encoding="utf-8").splitlines())
        assert lines <= 40, f"{shim} ({lines} lines) should only re-export; move code to its new home"
        assert any(d.startswith("handpose.cli.") for d in graph[shim]), (
            f"{shim} no longer points at handpose.cli"
        )


def test_every_module_is_at_most_400_lines():
    too_long = {
        name: n
        for name, path in all_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
        and name not in OVERSIZE_ALLOWED
    }
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"


def test_command_line_and_benchmarks_have_their_own_folders():
    modules = all_modules()
    assert (PACKAGE / "cli" / "__init__.py").is_file() and (PACKAGE / "bench" / "__init__.py").is_file()
    stray = sorted(
        n
        for n in modules
        if n.count(".") == 1 and any(w in n for w in ("cli", "bench")) and not n.startswith(TOP_LAYERS)
    )
    assert not stray, f"command-line or benchmark modules outside cli/ and bench/: {stray}"
