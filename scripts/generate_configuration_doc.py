"""Writes docs/configuration.md from the service's settings (stigmer_sdk.service.config).

``--check`` writes nothing and fails when the committed page differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "configuration.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the page is stale")
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT / "python"))
    from stigmer_sdk.service.config import configuration_page

    page = configuration_page()
    if arguments.check:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE} is stale: run scripts/generate_configuration_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
