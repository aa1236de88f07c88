"""``python -m stigmer_sdk`` runs the ``stigmer-sdk`` command line."""

from __future__ import annotations

from stigmer_sdk._launcher import main

main()
