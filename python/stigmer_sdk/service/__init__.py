"""The reference Stigmer service: accepts executions with callback tokens, makes them durable,
runs them on Temporal, and completes each caller's activity when its execution ends.

See ``docs/service.md``. Start it with ``stigmer-sdk serve`` or :class:`StigmerService`.
"""

from __future__ import annotations
