"""``funds report ...`` (PDF) and ``funds export ...`` (spreadsheets): read-only, as of a date.

Each command reads in one read-only unit of work, writes the file named by ``--out`` and
prints what it wrote. Dates default to today (``FUNDS_TODAY`` when set, as for the alerts).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from funds.cli.common import console, parse_date, unit_of_work
from funds.clock import today
from funds.errors import InvalidInput
from funds.reports import (
    alerts_export,
    all_award_codes,
    award_statement_pdf,
    awards_export,
    balances_export,
    clawback_pdf,
    compliance_pdf,
    fund_execution_pdf,
    journal_export,
    plan_export,
    plan_pdf,
    write_export,
)
from funds.reports.sheets import Export, check_target

report_app = typer.Typer(
    help="PDF reports: award statements, fund execution, compliance, clawbacks, plans.",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Spreadsheets (.xlsx or .csv): journal, balances, awards, alerts, plan results.",
    no_args_is_help=True,
)

PdfOut = Annotated[Path, typer.Option("--out", "-o", help="PDF file to write.")]
SheetOut = Annotated[Path, typer.Option("--out", "-o", help="File to write: .xlsx or .csv.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="As of this date (default: today).")]
City = Annotated[str | None, typer.Option("--city", help="Only this city (e.g. 合肥市).")]


def _as_of(value: str | None) -> date:
    return parse_date(value, "--as-of") or today()


def _write_pdf(out: Path, pdf: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    console.print(f"wrote {out} ({len(pdf):,} bytes)", highlight=False)


def _write_sheets(out: Path, export: Export) -> None:
    for path in write_export(export, out):
        console.print(f"wrote {path}", highlight=False)


@report_app.command("award")
def report_award(
    codes: Annotated[list[str] | None, typer.Argument(help="Award codes.")] = None,
    all_awards: Annotated[bool, typer.Option("--all", help="Every award, one PDF.")] = False,
    as_of: AsOf = None,
    out: PdfOut = Path("award-statement.pdf"),
) -> None:
    """Award statements: stages, payments, pass-through, own use, recovery, open alerts."""
    with unit_of_work(readonly=True) as session:
        chosen = all_award_codes(session) if all_awards else list(codes or [])
        if not chosen:
            raise InvalidInput("codes", "name one or more awards, or pass --all")
        pdf = award_statement_pdf(session, chosen, _as_of(as_of))
    _write_pdf(out, pdf)


@report_app.command("fund")
def report_fund(
    fund: Annotated[str, typer.Argument(help="Fund code, e.g. mfg.")],
    year: Annotated[int, typer.Argument(help="Budget year.")],
    as_of: AsOf = None,
    out: PdfOut = Path("fund-execution.pdf"),
) -> None:
    """Fund-year execution by programme and by city, with charts and a table per city."""
    with unit_of_work(readonly=True) as session:
        pdf = fund_execution_pdf(session, fund, year, _as_of(as_of))
    _write_pdf(out, pdf)


@report_app.command("compliance")
def report_compliance(city: City = None, out: PdfOut = Path("compliance.pdf")) -> None:
    """Open alerts of the last recorded scan by severity, city and rule, with clauses."""
    with unit_of_work(readonly=True) as session:
        pdf = compliance_pdf(session, city=city)
    _write_pdf(out, pdf)


@report_app.command("clawback")
def report_clawback(as_of: AsOf = None, out: PdfOut = Path("clawback-register.pdf")) -> None:
    """Exits and revocations: due, recovered, written off, outstanding, overdue."""
    with unit_of_work(readonly=True) as session:
        pdf = clawback_pdf(session, _as_of(as_of))
    _write_pdf(out, pdf)


@report_app.command("plan")
def report_plan(
    run: Annotated[int, typer.Argument(help="Planner run id (see funds plan).")],
    out: PdfOut = Path("plan.pdf"),
) -> None:
    """A stored planner run: inputs, results, explanations, baselines."""
    with unit_of_work(readonly=True) as session:
        pdf = plan_pdf(session, run)
    _write_pdf(out, pdf)


@export_app.command("journal")
def export_journal(
    start: Annotated[str | None, typer.Option("--from", help="First effective date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last effective date.")] = None,
    out: SheetOut = Path("journal.xlsx"),
) -> None:
    """Every posting of the journal, by entry, with the entry's hash."""
    with unit_of_work(readonly=True) as session:
        check_target(out)
        export = journal_export(
            session, start=parse_date(start, "--from"), end=parse_date(end, "--to")
        )
    _write_sheets(out, export)


@export_app.command("balances")
def export_balances(
    as_of: AsOf = None,
    prefix: Annotated[str, typer.Option(help="Only accounts starting with this.")] = "",
    out: SheetOut = Path("balances.xlsx"),
) -> None:
    """Account balances as of a date."""
    with unit_of_work(readonly=True) as session:
        check_target(out)
        export = balances_export(session, as_of=_as_of(as_of), prefix=prefix)
    _write_sheets(out, export)


@export_app.command("awards")
def export_awards(as_of: AsOf = None, out: SheetOut = Path("awards.xlsx")) -> None:
    """Every award's statement as one row, and every stage."""
    with unit_of_work(readonly=True) as session:
        check_target(out)
        export = awards_export(session, as_of=_as_of(as_of))
    _write_sheets(out, export)


@export_app.command("alerts")
def export_alerts(city: City = None, out: SheetOut = Path("alerts.xlsx")) -> None:
    """Open and acknowledged alerts, worst first."""
    with unit_of_work(readonly=True) as session:
        check_target(out)
        export = alerts_export(session, city=city)
    _write_sheets(out, export)


@export_app.command("plan")
def export_plan(
    run: Annotated[int, typer.Argument(help="Planner run id.")],
    out: SheetOut = Path("plan.xlsx"),
) -> None:
    """A stored planner run's funded candidates, fund-years, groups and explanations."""
    with unit_of_work(readonly=True) as session:
        check_target(out)
        export = plan_export(session, run)
    _write_sheets(out, export)
