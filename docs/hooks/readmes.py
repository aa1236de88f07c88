"""mkdocs hook: the Go and Java adapters' READMEs become the site's Go and Java quick starts.

The READMEs stay where Go and Maven users look for them (adapters/go, adapters/java); this hook
adds them to the site at build time, with their relative links rewritten: a link into docs/ points
at the site's page, any other at the file in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = "https://github.com/stigmer/stigmer-sdk/blob/main"
PAGES = {"quickstart-go.md": "adapters/go/README.md", "quickstart-java.md": "adapters/java/README.md"}
_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+)\)")


def _rewrite(markdown: str, readme: str) -> str:
    base = (ROOT / readme).parent

    def link(match: re.Match[str]) -> str:
        target, _, anchor = match.group(1).partition("#")
        resolved = (base / target).resolve().relative_to(ROOT)
        suffix = f"#{anchor}" if anchor else ""
        if resolved.parts[0] == "docs":
            return f"]({Path(*resolved.parts[1:])}{suffix})"
        return f"]({REPOSITORY}/{resolved}{suffix})"

    return _LINK.sub(link, markdown)


def on_files(files: Files, config: Any) -> Files:
    for page, readme in PAGES.items():
        content = _rewrite((ROOT / readme).read_text(), readme)
        files.append(File.generated(config, page, content=content))
    return files
