"""Every docstring of the SDK is Markdown that mkdocstrings renders (Google style): no reST or
Sphinx markup, which the API reference would show as raw text."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers.paths import ROOT

PACKAGE = ROOT / "python" / "stigmer_sdk"
#: reST/Sphinx markup that mkdocstrings shows as is.
RAW_MARKUP = (
    re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const|ref):`"),  # roles
    re.compile(r"::\s*$", re.MULTILINE),  # literal blocks ("Example::")
    re.compile(r"^\s*\.\. [a-z-]+::", re.MULTILINE),  # directives (".. warning::")
)


def docstrings(path: Path) -> list[tuple[str, int, str]]:
    """(name, line, docstring) of the module and of each class and function in ``path``."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node, clean=False)
            if text:
                name = getattr(node, "name", path.stem)
                found.append((name, getattr(node, "lineno", 1), text))
    return found


def raw_markup(text: str) -> list[str]:
    return [match.group(0).strip() for pattern in RAW_MARKUP for match in pattern.finditer(text)]


def test_no_docstring_holds_rest_markup() -> None:
    problems = [
        f"{path.relative_to(PACKAGE)}:{line} {name}: {', '.join(raw_markup(text))}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.relative_to(PACKAGE).parts[0] != "api"
        for name, line, text in docstrings(path)
        if raw_markup(text)
    ]
    assert problems == [], "\n".join(problems)


def test_the_check_sees_each_kind_of_markup() -> None:
    assert raw_markup("See :func:`stigmer_sdk.connect`.") == [":func:`"]
    assert raw_markup("Example::\n\n    run()") == ["::"]
    assert ".. warning::" in raw_markup(".. warning::\n   careful")
    assert raw_markup("See `connect` and ``x``.\n\n```python\nrun()\n```") == []
