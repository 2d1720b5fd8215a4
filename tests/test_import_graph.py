"""The import graph flows one way: hakb (settings, errors, text) <- ingest <- service <- eval.

Read from the source files with `ast` (nothing is imported), over every import
statement, at module level or inside a function alike (a lazy import is still a
dependency); only imports under `if TYPE_CHECKING:` are left out (they never run).

- ingest never imports service: a build is made without the answer engine.
- nothing in hakb/, ingest/ or service/ imports eval: eval measures the product and
  is not part of it (the one exception is the CLI, which dispatches `hakb eval` and
  `hakb bench` to it).
- no two modules import each other, directly or round a longer loop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# The package-dir mapping of pyproject.toml: folder -> package.
PACKAGES = {"hakb": "hakb", "ingest": "hakb.ingest", "service": "hakb.service", "eval": "hakb.eval"}
# Entry points that may reach eval: the command line offers `hakb eval` and `hakb bench`.
EVAL_DISPATCHERS = {"hakb.cli"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for folder, package in PACKAGES.items():
        root = REPO / folder
        for path in sorted(root.rglob("*.py")):
            if "static" in path.parts or "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([package, *parts])] = path
    return out


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, skipping the bodies of `if TYPE_CHECKING:`."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _package_of(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The hakb modules an import statement loads (the most specific one that exists)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = _package_of(module).split(".")
            package = package[: len(package) - node.level + 1]
            base = ".".join([*package, *([base] if base else [])])
        # `from hakb.ingest import builds` loads hakb.ingest.builds; `from x import name` loads x.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    for name in names:
        while name and name not in MODULES:  # `import hakb.ingest.x.y` of a name inside x
            name = name.rpartition(".")[0]
        if name:  # empty: not ours (numpy, fastapi, ...)
            yield name


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[module] = {t for node in _import_nodes(tree) for t in _targets(module, node) if t != module}
    return graph


GRAPH = _graph()


def _layer(module: str) -> str:
    for package in ("hakb.ingest", "hakb.service", "hakb.eval"):
        if module == package or module.startswith(package + "."):
            return package
    return "hakb"


def test_the_graph_covers_every_layer() -> None:
    layers = {_layer(m) for m in GRAPH}
    assert layers == {"hakb", "hakb.ingest", "hakb.service", "hakb.eval"}
    assert "hakb.service.engine" in GRAPH["hakb.service.api.app"]  # imports are resolved


def test_ingest_never_imports_service() -> None:
    bad = sorted(
        f"{m} -> {t}"
        for m, ts in GRAPH.items()
        if _layer(m) == "hakb.ingest"
        for t in ts
        if _layer(t) == "hakb.service"
    )
    assert not bad, "ingest must not depend on the service:\n" + "\n".join(bad)


def test_nothing_but_the_cli_imports_eval() -> None:
    bad = sorted(
        f"{m} -> {t}"
        for m, ts in GRAPH.items()
        if _layer(m) != "hakb.eval" and m not in EVAL_DISPATCHERS
        for t in ts
        if _layer(t) == "hakb.eval"
    )
    assert not bad, "only eval (and the CLI's dispatch) may import eval:\n" + "\n".join(bad)


def test_the_shared_modules_import_no_layer() -> None:
    """hakb.settings, hakb.errors, hakb.text sit below every layer."""
    for module in ("hakb.settings", "hakb.errors", "hakb.text"):
        assert not GRAPH[module], f"{module} imports {sorted(GRAPH[module])}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
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


def test_no_import_cycles() -> None:
    cycles = _cycles(GRAPH)
    assert not cycles, "modules that import each other (round a loop):\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
