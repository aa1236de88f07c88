"""Log fields escaped and bounded: what a caller sends cannot forge or flood the service's log.

Execution ids, idempotency keys, JWT subjects and certificate names reach log lines from requests.
`EscapingFilter`, installed on the service's loggers when `stigmer_sdk.service` is
imported, rewrites every text argument of a record and every field of a contract line: control
characters (newlines, escape sequences, Unicode line separators and bidirectional overrides)
become visible escapes, and a field longer than `MAX_FIELD_CHARS` is cut with a note of how much
was left out. The
message templates are the service's own and are left as they are.
"""

from __future__ import annotations

import logging
import re

from stigmer_sdk.logs import FIELDS_ATTRIBUTE

#: Longest text field of a log line, in characters, before it is cut.
MAX_FIELD_CHARS = 512

#: The service's loggers (their records, not their children's: a filter applies to its own).
SERVICE_LOGGERS = (
    "stigmer_sdk.service",
    "stigmer_sdk.service.store",
    "stigmer_sdk.service.replica",
)

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def log_field(value: object, limit: int = MAX_FIELD_CHARS) -> str:
    """``value`` as one safe log field: control characters escaped, at most ``limit`` characters
    of the original kept.

    Examples:
        >>> log_field("aex_1\\nINFO forged line")
        'aex_1\\\\x0aINFO forged line'
        >>> log_field("x" * 600)[-18:]
        'x…(+88 characters)'
    """
    text = str(value)
    cut = len(text) - limit
    if cut > 0:
        text = text[:limit]
    text = _UNSAFE.sub(_escape, text)
    return f"{text}…(+{cut} characters)" if cut > 0 else text


class EscapingFilter(logging.Filter):
    """Pass every record, with its text and exception arguments made `log_field` safe."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(_safe(arg) for arg in args)
        elif isinstance(args, dict):
            record.args = {key: _safe(arg) for key, arg in args.items()}
        fields = getattr(record, FIELDS_ATTRIBUTE, None)
        if isinstance(fields, dict):  # a contract line's fields (stigmer_sdk.logs.log_line)
            setattr(record, FIELDS_ATTRIBUTE, {key: log_field(v) for key, v in fields.items()})
        return True


def _safe(arg: object) -> object:
    # Numbers stay numbers (%d, %.1f); text and exceptions become escaped text.
    return log_field(arg) if isinstance(arg, str | BaseException) else arg


def install() -> None:
    """Add `EscapingFilter` to `SERVICE_LOGGERS` (once)."""
    for name in SERVICE_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, EscapingFilter) for existing in logger.filters):
            logger.addFilter(EscapingFilter())


__all__ = ["MAX_FIELD_CHARS", "EscapingFilter", "install", "log_field"]
