"""The SDK's contract log lines: the contract's exact message, its fields as structured data.

Every line of the handshake contract (docs/handshake-contract.md, section 7) is written by
`log_line`: the record's message is exactly the contract's message (no argument, nothing appended)
and its fields travel in the record's `stigmer_fields` attribute (a `dict[str, str]`), where a
JSON or logfmt formatter finds them. The level is the contract's; only a line the contract allows
to be more severe (a failure with an unknown cause) is logged above it.

Plain-text handlers show only the message unless they format the fields:
`KeyValueFormatter` appends them as ` key=value` pairs, as the runbook greps them
(`grep -oP 'token_preview=\\K[^ ]+'`). The `stigmer-sdk` command
installs it; an application sets it on its own handler:

    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.getLogger("stigmer_sdk").addHandler(handler)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from stigmer_sdk._contract import LogSpec

#: The `logging.LogRecord` attribute that holds a contract line's fields.
FIELDS_ATTRIBUTE = "stigmer_fields"

#: The `logging` level of each contract level.
LEVELS: Mapping[str, int] = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "ERROR": logging.ERROR,
}


class _Logger(Protocol):
    def log(self, level: int, msg: object, *args: object, **kwargs: object) -> None: ...


def field_text(value: object) -> str:
    """A field's value as all three SDKs write it (booleans as ``true``/``false``).

    Examples:
        >>> field_text(True), field_text(12), field_text("aex_1")
        ('true', '12', 'aex_1')
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def log_line(
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger] | _Logger,
    line: LogSpec,
    /,
    *,
    level: int | None = None,
    **fields: object,
) -> None:
    """Log the contract line ``line`` with exactly its fields.

    Args:
        logger: The SDK logger (a `logging.LoggerAdapter` such as a workflow's works too).
        line: The contract line, a `stigmer_sdk._contract.LOG_*` constant.
        level: A more severe level than the contract's, for a cause the contract escalates
            (an unknown completion failure is ``ERROR``); never a less severe one.
        **fields: One value per field of ``line``, no other.

    Raises:
        ValueError: ``fields`` are not the line's fields, or ``level`` is below the contract's:
            a programming error, caught by the SDK's tests.
    """
    if set(fields) != set(line.fields):
        raise ValueError(
            f"the log line {line.message!r} has the fields {sorted(line.fields)}, "
            f"got {sorted(fields)}"
        )
    contract_level = LEVELS[line.level]
    if level is not None and level < contract_level:
        raise ValueError(f"{line.message!r} is logged at {line.level} or above")
    logger.log(
        contract_level if level is None else level,
        line.message,
        extra={FIELDS_ATTRIBUTE: {name: field_text(fields[name]) for name in line.fields}},
    )


def record_fields(record: logging.LogRecord) -> dict[str, str]:
    """The contract fields of ``record`` (empty for a line that is not the contract's)."""
    fields = getattr(record, FIELDS_ATTRIBUTE, None)
    return dict(fields) if isinstance(fields, Mapping) else {}


class KeyValueFormatter(logging.Formatter):
    """A `logging.Formatter` that appends a contract line's fields as `` key=value`` pairs."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        text = super().formatMessage(record)
        fields = record_fields(record)
        if not fields:
            return text
        return text + "".join(f" {key}={value}" for key, value in fields.items())


__all__ = [
    "FIELDS_ATTRIBUTE",
    "LEVELS",
    "KeyValueFormatter",
    "field_text",
    "log_line",
    "record_fields",
]
