"""``stigmer-sdk store ...``: operator commands on the execution store.

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

import dataclasses
import json
from collections.abc import Sequence
from typing import Annotated

import typer

from stigmer_sdk.service.store.base import RotationReport
from stigmer_sdk.service.store.crypto import (
    ENCRYPTION_KEY_ENV,
    ENCRYPTION_KEYS_ENV,
    EncryptionKey,
    encryption_keys_from,
)

store_app = typer.Typer(help="Execution store tools (key rotation).", no_args_is_help=True)


async def rotate_store_key(
    url: str, keys: Sequence[EncryptionKey], *, batch_size: int = 200
) -> RotationReport:
    """Open the store at ``url`` with ``keys`` (oldest first) and rotate every token to the last.

    Raises:
        ValueError: no keys, or a bad URL.
        StoreError: the store cannot be opened.
    """
    from stigmer_sdk.service.store import open_store

    if not keys:
        raise ValueError(
            f"no encryption key: pass --encryption-key kid:base64key (or set {ENCRYPTION_KEYS_ENV})"
        )
    async with await open_store(url, encryption_keys=keys) as store:
        return await store.rotate_key(batch_size=batch_size)


@store_app.command("rotate-key")
def rotate_key_command(
    store: Annotated[
        str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
    ] = "sqlite:///.stigmer/stigmer.db",
    encryption_key: Annotated[
        list[str] | None,
        typer.Option(
            help=(
                "kid:base64key, once per key, oldest first; the last one encrypts. Default: "
                f"{ENCRYPTION_KEYS_ENV} (after {ENCRYPTION_KEY_ENV}, as key id 'default')."
            ),
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Re-encrypt every stored callback token with the newest encryption key, in place."""
    import asyncio

    from stigmer_sdk.service.store.base import StoreError

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


@store_app.command("encrypt")
def encrypt_command(
    store: Annotated[
        str, typer.Option(envvar="STIGMER_STORE_URL", help="The service's store URL.")
    ] = "sqlite:///.stigmer/stigmer.db",
    encryption_key: Annotated[
        list[str] | None,
        typer.Option(
            help=(
                "kid:base64key, once per key, oldest first; the last one encrypts. Default: "
                f"{ENCRYPTION_KEYS_ENV} (after {ENCRYPTION_KEY_ENV}, as key id 'default')."
            ),
        ),
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Rows per transaction.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """Encrypt every callback token stored in plain text (and re-seal earlier releases'
    envelopes) with the newest key: once keys are configured the service refuses plain rows.
    The same pass as rotate-key; safe while the service runs."""
    rotate_key_command(
        store=store, encryption_key=encryption_key, batch_size=batch_size, as_json=as_json
    )
