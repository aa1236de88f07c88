"""The SDK's modules import one another without a cycle (read statically, with ``ast``).

Every import statement counts: one inside a function, or under ``if TYPE_CHECKING:`` (the
cycle the service had, its servicers and its workers importing each other, was of that kind),
still ties the two modules together. A module's parent packages, imported implicitly, do not
count. The generated ``api``
package is left out. That no module of the SDK core imports the service is
``tests/service/cli/test_cli_layers.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers.paths import ROOT

PACKAGE = ROOT / "python" / "stigmer_sdk"


def _module_name(root: Path, path: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST) -> list[str]:
    """The names the import statements bring in."""
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from a import b``: the module ``a.b`` if there is one, else ``a`` (resolved later).
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the modules of the package it imports (an imported name resolves to the module
    that defines it: ``from a import b`` is ``a.b`` when that is a module, else ``a``)."""
    paths = [path for path in root.rglob("*.py") if root / "api" not in path.parents]
    modules = {_module_name(root, path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if imported.startswith(f"{root.name}.api."):
                continue  # generated: imports nothing of the rest
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def test_no_import_cycle_in_the_sdk() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 40
    assert cycles(graph) == []


def test_the_check_finds_a_cycle(tmp_path: Path) -> None:
    """The shape of the cycle the service had: its servicers imported its workers, which
    imported the servicers' settings back for their annotations."""
    root = tmp_path / "pkg"
    (root / "service").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "service" / "__init__.py").write_text("")
    (root / "service" / "server.py").write_text("from pkg.service.workers import start\n")
    (root / "service" / "workers.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.service.server import ServiceSettings\n"
    )
    assert cycles(import_graph(root)) == [["pkg.service.server", "pkg.service.workers"]]

    (root / "service" / "workers.py").write_text("def start():\n    pass\n")
    assert cycles(import_graph(root)) == []
