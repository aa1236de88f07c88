"""Run the conformance suite: ``.venv/bin/python conformance/run.py --help``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stigmer_conformance.cli import main

if __name__ == "__main__":
    sys.exit(main())
