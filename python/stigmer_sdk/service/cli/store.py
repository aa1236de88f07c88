"""``stigmer-sdk store ...``: operator commands on the execution store (`rotate_store_key`).

``stigmer-sdk store encrypt`` encrypts the tokens stored in plain text (written before
encryption was switched on), which the service refuses once keys are configured, and re-seals
tokens of earlier releases' envelope; it is the same pass as ``rotate-key``, run after a first key
is configured:

```sh
stigmer-sdk store encrypt --encryption-key 2026-06:<base64>
```

``stigmer-sdk store rotate-key`` re-encrypts every stored callback token with the newest key:

```sh
export STIGMER_STORE_URL=postgresql://stigmer@db/stigmer
stigmer-sdk store rotate-key --encryption-key 2025-01:<old base64> \\
    --encryption-key 2026-06:<new base64>
```

Give the keys oldest first, as the service is configured (``--encryption-key`` once per key, or
``STIGMER_ENCRYPTION_KEYS``, see `stigmer_sdk.service.store.crypto`). Roll the service out
with the new key LAST first, so that new writes use it, then run this; once it reports
``remaining 0``, remove the old key from the configuration. Safe while the service runs. Exit
code 0 when every token is under the newest key, 1 when some are left (undecryptable rows, listed
by execution id), 2 for bad usage.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from typing import Annotated

import typer

from stigmer_sdk.service.cli._common import (
    EncryptionKeyOption,
    JsonOption,
    StoreOption,
)
from stigmer_sdk.service.store import (
    DEFAULT_STORE_URL,
    StoreError,
    encryption_keys_from,
    rotate_store_key,
)

store_app = typer.Typer(
    help="Execution store tools (key rotation).", no_args_is_help=True, rich_markup_mode=None
)

BatchSizeOption = Annotated[int, typer.Option(min=1, help="Rows per transaction.")]


def _rotate(store: str, encryption_key: list[str] | None, batch_size: int, as_json: bool) -> None:
    """Rotate every token of ``store`` to the newest key and report it (both commands)."""
    try:
        keys = encryption_keys_from(encryption_key or ())
        report = asyncio.run(rotate_store_key(store, keys, batch_size=batch_size))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    except StoreError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report)))
    else:
        typer.echo(
            f"key {report.key_id}: rotated {report.rotated}, already current "
            f"{report.already_current}, undecryptable {len(report.undecryptable)}, "
            f"remaining {report.remaining}"
        )
    for execution_id in report.undecryptable:
        typer.echo(f"undecryptable: {execution_id}", err=True)
    if report.remaining:
        typer.echo(
            "some tokens are not under the newest key yet: keep the old keys configured",
            err=True,
        )
        raise typer.Exit(1)


def _rotation_command(name: str, doc: str) -> None:
    """Register ``store NAME``: the one rotation pass, with its options, under ``doc``."""

    def command(
        store: StoreOption = DEFAULT_STORE_URL,
        encryption_key: EncryptionKeyOption = None,
        batch_size: BatchSizeOption = 200,
        as_json: JsonOption = False,
    ) -> None:
        _rotate(store, encryption_key, batch_size, as_json)

    command.__doc__ = doc
    store_app.command(name)(command)


_rotation_command(
    "rotate-key", "Re-encrypt every stored callback token with the newest encryption key, in place."
)
_rotation_command(
    "encrypt",
    "Encrypt every callback token stored in plain text (and re-seal earlier releases' "
    "envelopes) with the newest key: once keys are configured the service refuses plain rows. "
    "The same pass as rotate-key; safe while the service runs.",
)
