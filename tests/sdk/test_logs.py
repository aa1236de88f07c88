"""The SDK's contract log lines (stigmer_sdk.logs): exact message, structured fields, level."""

from __future__ import annotations

import logging

import pytest

from stigmer_sdk import _contract
from stigmer_sdk.logs import KeyValueFormatter, log_line, record_fields


class _Keep(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__()
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _capture() -> tuple[logging.Logger, list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []
    logger = logging.getLogger("stigmer_sdk.test_logs")
    logger.handlers = [_Keep(records)]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, records


def test_a_line_has_the_contracts_message_level_and_fields() -> None:
    logger, records = _capture()
    log_line(
        logger,
        _contract.LOG_CREATE_FAILED,
        activity_id="1",
        token_preview="CiQw...",
        token_digest="0123456789ab",
        code="UNAVAILABLE",
        retryable=True,
    )
    (record,) = records
    assert record.getMessage() == "Stigmer create failed"
    assert record.levelno == logging.WARNING
    # Booleans as Go and Java write them.
    assert record_fields(record) == {
        "activity_id": "1",
        "token_preview": "CiQw...",
        "token_digest": "0123456789ab",
        "code": "UNAVAILABLE",
        "retryable": "true",
    }


def test_a_line_refuses_other_fields_and_a_less_severe_level() -> None:
    logger, records = _capture()
    with pytest.raises(ValueError, match="has the fields"):
        log_line(logger, _contract.LOG_NO_CALLBACK_TOKEN, execution_id="x", outcome="y")
    fields = {"execution_id": "x", "token_preview": "p", "token_digest": "d", "error": "e"}
    with pytest.raises(ValueError, match="WARNING or above"):
        log_line(logger, _contract.LOG_COMPLETION_FAILED, level=logging.INFO, **fields)
    log_line(logger, _contract.LOG_COMPLETION_FAILED, level=logging.ERROR, **fields)
    assert [record.levelno for record in records] == [logging.ERROR]


def test_the_key_value_formatter_appends_the_fields_for_humans() -> None:
    logger, records = _capture()
    log_line(logger, _contract.LOG_NO_CALLBACK_TOKEN, execution_id="aex_1")
    logger.info("plain %s", "text")
    formatter = KeyValueFormatter("%(levelname)s %(message)s")
    assert [formatter.format(record) for record in records] == [
        "INFO No callback token, skipping external activity completion execution_id=aex_1",
        "INFO plain text",
    ]
