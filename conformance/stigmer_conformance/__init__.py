"""The Stigmer conformance runner: one protocol, one executable per language, cases as data."""

from __future__ import annotations
