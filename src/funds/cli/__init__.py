"""The ``funds`` command line (Typer): tables for people, ``--json`` for machines."""

from __future__ import annotations

import typer

from funds.cli import ledger

app = typer.Typer(
    name="funds",
    help="Anhui provincial industrial-development funds: ledger, awards, compliance, plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(ledger.init)
app.command("verify")(ledger.verify_command)
app.add_typer(ledger.app, name="ledger")


def main() -> None:
    """Entry point of the ``funds`` console script."""
    app()
