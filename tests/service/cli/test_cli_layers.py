"""The command line knows no SQL and no store URL format: the store owns both
(`stigmer_sdk.service.store.open_store`, ``create=False`` for an operator's command)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from helpers.paths import ROOT

CLI = ROOT / "python" / "stigmer_sdk" / "service" / "cli"
#: SQL statements, the store's URL schemes (or splitting a URL at ``://``), the database drivers.
_SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b")
_SCHEME = re.compile(r"\b(sqlite|postgres(ql)?)\b|^://$", re.IGNORECASE)
_DRIVERS = {"sqlite3", "psycopg", "psycopg_pool"}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """The string constants of the code, docstrings apart (an example URL there is prose)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


MODULES = sorted(CLI.glob("*.py"))


def test_the_cli_package_has_its_modules() -> None:
    assert {path.stem for path in MODULES} >= {"serve", "complete", "pending", "token", "store"}


@pytest.mark.parametrize("module", MODULES, ids=lambda path: path.name)
def test_no_sql_nor_store_url_format_in_the_cli(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found = [
        f"{module.name}:{line}: {text!r}"
        for line, text in _strings(tree)
        if _SQL.search(text) or _SCHEME.search(text)
    ]
    found += [f"{module.name}: imports {name}" for name in _imports(tree) & _DRIVERS]
    assert found == []


def test_the_check_finds_sql_and_schemes() -> None:
    """The patterns catch what the CLI used to hold (require_existing_store, serve_config)."""
    assert _SQL.search("SELECT 1 FROM sqlite_master WHERE type = 'table'")
    assert _SCHEME.search("://")
    assert _SCHEME.search("sqlite:///path/to/file.db")
    assert "sqlite3" in _imports(ast.parse("import sqlite3"))


PACKAGE = CLI.parent.parent
#: The console script's launcher imports the service on purpose: it names the missing extra.
_LAUNCHER = PACKAGE / "_launcher.py"


def _imported_modules(tree: ast.AST) -> set[str]:
    """Every module an import statement names, in full (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


CORE_MODULES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if PACKAGE / "service" not in path.parents and path != _LAUNCHER
)


@pytest.mark.parametrize("module", CORE_MODULES, ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_of_the_core_imports_the_service(module: Path) -> None:
    """`pip install stigmer-handshake` (no extra) must import everything outside the service."""
    imported = _imported_modules(ast.parse(module.read_text(encoding="utf-8")))
    assert (
        sorted(
            name
            for name in imported
            if name == "stigmer_sdk.service" or name.startswith("stigmer_sdk.service.")
        )
        == []
    )


def test_the_core_check_finds_a_function_level_import_of_the_service() -> None:
    tree = ast.parse("def demo():\n    from stigmer_sdk.service.app import StigmerService\n")
    assert "stigmer_sdk.service.app" in _imported_modules(tree)
    assert len(CORE_MODULES) > 20
