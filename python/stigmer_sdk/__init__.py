"""Stigmer SDK: the Temporal token handshake for long-running Stigmer executions."""

from __future__ import annotations

__version__ = "0.1.0"
