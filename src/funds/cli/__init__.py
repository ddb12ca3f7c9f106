"""The ``funds`` command line (Typer): tables for people, ``--json`` for machines."""

from __future__ import annotations

import typer

from funds.cli import (
    alerts,
    demo,
    grants,
    imports,
    ledger,
    operations,
    plan,
    reports,
    serve,
    show,
    users,
)

app = typer.Typer(
    name="funds",
    help="Anhui provincial industrial-development funds: ledger, awards, compliance, plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(ledger.init)
app.command("verify")(ledger.verify_command)
app.add_typer(ledger.app, name="ledger")
app.add_typer(alerts.app, name="alerts")
app.command("demo")(demo.demo_command)
app.add_typer(grants.fund_app, name="fund")
app.add_typer(grants.budget_app, name="budget")
app.add_typer(grants.recipient_app, name="recipient")
app.add_typer(grants.enterprise_app, name="enterprise")
app.add_typer(grants.award_app, name="award")
app.add_typer(grants.stage_app, name="stage")
app.command("pass-through")(operations.pass_through)
app.command("spend")(operations.spend)
app.add_typer(operations.assess_app, name="assess")
app.command("exit")(operations.exit_award)
app.command("recover")(operations.recover)
app.command("progress-report")(operations.progress_report)
app.command("reverse")(operations.reverse)
app.add_typer(show.app, name="show")
app.add_typer(plan.app, name="plan")
app.add_typer(reports.report_app, name="report")
app.add_typer(reports.export_app, name="export")
app.add_typer(users.app, name="users")
app.command("serve")(serve.serve)
app.add_typer(imports.app, name="import")


def main() -> None:
    """Entry point of the ``funds`` console script."""
    app()
