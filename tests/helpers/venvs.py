"""What a fresh virtual environment of a test (conftest.py's ``fresh_venv``) holds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def installed_packages(python: Path) -> dict[str, str]:
    """The distributions installed for ``python``: lower-case name to version (``pip list``)."""
    listing = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {package["name"].lower(): package["version"] for package in json.loads(listing)}
