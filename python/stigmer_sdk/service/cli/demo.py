"""``stigmer-sdk demo``: the handshake end to end on embedded defaults."""

from __future__ import annotations

from typing import Annotated

import typer

from stigmer_sdk.service.cli._common import ExitCode, JsonOption, console, run_command

# --- demo -----------------------------------------------------------------------------------------


def demo(
    agent: Annotated[str, typer.Option(help="Scripted agent to call.")] = "research-assistant",
    message: Annotated[
        str, typer.Option(help="What to ask it.")
    ] = "the history of the token handshake",
    as_json: JsonOption = False,
) -> None:
    """Run the whole handshake on embedded defaults and show each step."""
    from stigmer_sdk.service.demo import run_demo

    result = run_command(
        run_demo(agent_id=agent, message=message, console=console, as_json=as_json)
    )
    if not result.metadata.id:
        raise typer.Exit(ExitCode.FAILURE)
