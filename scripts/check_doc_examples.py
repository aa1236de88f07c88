"""Type-check every Python code block of the guides (README.md, docs/*.md) under mypy --strict.

A block is a whole module, unless the line before it is a fragment marker:

    <!-- fragment: client: temporalio.client.Client; token: bytes -->

Then the block is the body of an ``async def`` whose parameters are the names it uses without
defining them (``name: type``, separated by ``;``, types fully qualified), so that a snippet with
top-level ``await`` is checked too. A bare ``<!-- fragment -->`` has no parameters. The quick
start and the guide's test also run, in tests/docs/test_docs_examples.py.

Usage: check_doc_examples.py [FILE.md ...]; exit status 1 with mypy's report, by document line.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_FRAGMENT = re.compile(r"<!--\s*fragment\s*(?::(.*?))?-->\s*$")
_NO_CACHE = ("--cache-dir", "/dev/null")
_DOTTED = re.compile(r"\b([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)\b")


@dataclass(frozen=True)
class Example:
    """One code block: where it is, and the module that mypy checks."""

    document: Path
    line: int  # of the block's first code line
    module: str
    offset: int  # module lines before the block's first line


def _fragment_module(code: str, parameters: str) -> tuple[str, int]:
    params = [p.strip() for p in parameters.split(";") if p.strip()]
    modules = sorted(
        {name.rsplit(".", 1)[0] for p in params for name in _DOTTED.findall(p.split(":", 1)[1])}
    )
    header = ["from __future__ import annotations", *(f"import {m}" for m in modules), ""]
    header.append(f"async def _example({', '.join(params)}) -> None:")
    return "\n".join(header) + "\n" + textwrap.indent(code, "    "), len(header)


def examples(document: Path) -> list[Example]:
    """The Python blocks of ``document``, as modules to check."""
    text = document.read_text()
    found = []
    for match in _BLOCK.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        line = text.count("\n", 0, match.start(1)) + 1
        fragment = _FRAGMENT.search(before)
        if fragment:
            module, offset = _fragment_module(match.group(1), fragment.group(1) or "")
        else:
            module, offset = match.group(1), 0
        found.append(Example(document, line, module, offset))
    return found


def _shown(document: Path) -> str:
    return str(document.relative_to(ROOT)) if document.is_relative_to(ROOT) else document.name


def check(documents: list[Path]) -> list[str]:
    """mypy --strict over every block; its errors, located in the documents."""
    blocks = [example for document in documents for example in examples(document)]
    with tempfile.TemporaryDirectory(prefix="doc-examples-") as workdir:
        files: dict[str, Example] = {}
        for index, example in enumerate(blocks):
            # One module per block, checked in one mypy run. The first quick start is also
            # support_app, the module the guide's test imports.
            name = f"example_{index}.py"
            if "class Support" in example.module and "support_app.py" not in files:
                name = "support_app.py"
            (Path(workdir) / name).write_text(example.module)
            files[name] = example
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *_NO_CACHE, *files],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=False,
        )
        problems = []
        for report in result.stdout.splitlines():
            located = re.match(r"^([\w.]+):(\d+): (.*)$", report)
            if not located or located.group(1) not in files:
                continue
            example = files[located.group(1)]
            line = example.line + int(located.group(2)) - 1 - example.offset
            problems.append(f"{_shown(example.document)}:{line}: {located.group(3)}")
        if result.returncode != 0 and not problems:  # mypy itself failed
            problems.append(result.stdout + result.stderr)
    return problems


def main() -> int:
    documents = [Path(arg).resolve() for arg in sys.argv[1:]] or GUIDES
    problems = check(documents)
    for problem in problems:
        print(problem)
    count = sum(len(examples(document)) for document in documents)
    print(f"{count} Python blocks checked, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
