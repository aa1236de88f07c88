"""Where the suite finds the repository and its own data, whichever folder a test lives in."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = ROOT / "tests" / "data"
HELPERS = ROOT / "tests" / "helpers"
