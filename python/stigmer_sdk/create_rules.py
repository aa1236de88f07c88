"""The create rules of executions, as the protos declare them, checked with protovalidate.

The rules live once, as ``buf.validate`` constraints on the messages (``proto/ai/stigmer/agentic``:
the deployed API's own constraints, plus a few cross-field CEL rules; docs/handshake-contract.md
section 1.2). The SDK checks them before ``create`` (`stigmer_sdk.caller.create_violations`) and
the reference service on every ``create``; the Go SDK (protovalidate-go) reads the same options.

protovalidate reads the options from the SDK's own descriptors, which live in the SDK's private
descriptor pool (`stigmer_sdk.api._pool`); a message of another generated class (Stigmer's
stubs) is converted to the SDK's class first, so its rules are the ones checked.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING

from stigmer_sdk.errors import FieldViolation

if TYPE_CHECKING:
    import protovalidate
    from google.protobuf import message


@functools.cache
def _validator() -> protovalidate.Validator:
    """Created on first use: importing protovalidate (its native engine and protobuf-py) takes
    about half a second, which ``import stigmer_sdk`` and workflow sandboxes need not pay."""
    import protovalidate

    return protovalidate.Validator()


def rule_violations(execution: message.Message) -> list[FieldViolation]:
    """Every create rule ``execution`` breaks, as field violations sorted by field path.

    The field path is protovalidate's (``spec.message``, ``metadata``,
    ``spec.runtime_env["TOKEN"].value``); a rule on a whole message (the cross-field ones) names
    that message (``spec``). The description is the rule's message. Sorted by field path, then
    description, so that every SDK reports the same list in the same order.
    """
    violations = [
        FieldViolation(_field_path(violation.proto), violation.proto.message or "")
        for violation in _validator().collect_violations(execution)
    ]
    return sorted(violations, key=lambda v: (v.field, v.description))


def _field_path(violation: protovalidate.ViolationPb) -> str:
    """protovalidate's field path as text, as protovalidate-go's ``FieldPathString`` writes it."""
    parts: list[str] = []
    if violation.field is None:
        return ""
    for element in violation.field.elements:
        part = element.field_name or ""
        subscript = element.subscript
        if subscript is not None:
            value = subscript.value
            if isinstance(value, str):
                part += f"[{json.dumps(value, ensure_ascii=False)}]"
            elif isinstance(value, bool):
                part += f"[{str(value).lower()}]"
            else:
                part += f"[{value}]"
        parts.append(part)
    return ".".join(parts)
