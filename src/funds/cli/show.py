"""``funds show award|recipient|fund|enterprise``: statements as of any date."""

from __future__ import annotations

from typing import Annotated

import typer

from funds import grants
from funds.cli.common import console, emit_json, parse_date, table, unit_of_work
from funds.cli.grants import JsonFlag
from funds.grants.queries import AwardStatement
from funds.grants.views import (
    execution_view,
    percent_text,
    receipt_view,
    recipient_view,
    statement_view,
)
from funds.money import format_wan, format_yuan

app = typer.Typer(help="Statements as of any date.", no_args_is_help=True)
AsOf = Annotated[str | None, typer.Option("--as-of", help="As of this date (default: now).")]


@app.command("award")
def show_award(code: str, as_of: AsOf = None, json_output: JsonFlag = False) -> None:
    """Award statement: stages, payments, pass-through ratio, recovery."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        statement = grants.award_statement(session, code, parse_date(as_of, "--as-of"))
    if json_output:
        emit_json(statement_view(statement))
    else:
        print_statement(statement)


def print_statement(s: AwardStatement) -> None:
    """Print an award statement for people."""
    console.print(
        f"[bold]{s.code}[/] {s.programme} {s.tier} — {s.recipient_name} ({s.city})"
        f" fund {s.fund}, {format_wan(s.amount)}, granted {s.granted_on}, {s.status}"
        + (f" since {s.ended_on}" if s.ended_on else "")
        + f"; as of {s.as_of}",
        highlight=False,
    )
    table(
        "stages",
        ["#", "year", "元", "gate", "status", "paid on", "requested", "approved"],
        [
            (
                x.seq,
                x.year,
                format_yuan(x.amount),
                x.gate,
                x.status,
                x.paid_on or "",
                x.requested_by or "",
                x.approved_by or "",
            )
            for x in s.stages
        ],
    )
    ratio = percent_text(s.pass_through_ratio)
    floor = f" (floor {s.min_pass_through_percent} %)" if s.min_pass_through_percent else ""
    rows = [
        ("committed, unpaid", s.committed),
        ("paid to recipient", s.paid),
        ("held by recipient", s.held),
        (f"passed on to enterprises — {ratio} %{floor}", s.passed_on),
        ("spent by recipient", s.spent),
        ("to recover (outstanding)", s.receivable),
        ("recovered", s.recovered),
        ("written off", s.written_off),
    ]
    table("money", ["", "元"], [(label, format_yuan(v)) for label, v in rows])
    if s.enterprises:
        table(
            "pass-through by enterprise",
            ["credit code", "enterprise", "city", "元"],
            [(x.key, x.name, x.city, format_yuan(x.amount)) for x in s.enterprises],
        )
    if s.purposes:
        table(
            "own use by purpose",
            ["purpose", "元"],
            [(x.name, format_yuan(x.amount)) for x in s.purposes],
        )


@app.command("recipient")
def show_recipient(code: str, as_of: AsOf = None, json_output: JsonFlag = False) -> None:
    """Recipient summary: every award with its figures."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        summary = grants.recipient_summary(session, code, parse_date(as_of, "--as-of"))
    if json_output:
        emit_json(recipient_view(summary))
        return
    console.print(f"[bold]{summary.name}[/] ({summary.kind}, {summary.city} {summary.county})")
    table(
        "awards",
        ["award", "programme", "status", "awarded 元", "paid 元", "passed on 元", "to recover 元"],
        [
            (
                a.code,
                a.programme,
                a.status,
                format_yuan(a.amount),
                format_yuan(a.paid),
                format_yuan(a.passed_on),
                format_yuan(a.receivable),
            )
            for a in summary.awards
        ],
    )


@app.command("fund")
def show_fund(fund: str, year: int, as_of: AsOf = None, json_output: JsonFlag = False) -> None:
    """Fund-year execution: budget, committed, paid, available, recovered."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        result = grants.fund_year_execution(session, fund, year, parse_date(as_of, "--as-of"))
    if json_output:
        emit_json(execution_view(result))
        return
    rows = [
        ("budget", result.budget),
        ("committed, unpaid", result.committed),
        ("paid", result.paid),
        ("available", result.available),
        ("cancelled or forfeited back to budget", result.cancelled),
        ("recovered in the year", result.recovered),
    ]
    table(
        f"{fund} {year} as of {result.as_of}",
        ["", "元", "万"],
        [(label, format_yuan(v), format_wan(v)) for label, v in rows],
    )


@app.command("enterprise")
def show_enterprise(credit_code: str, as_of: AsOf = None, json_output: JsonFlag = False) -> None:
    """What an enterprise received across all awards."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        receipts = grants.enterprise_receipts(session, credit_code, parse_date(as_of, "--as-of"))
    if json_output:
        emit_json([receipt_view(r) for r in receipts])
        return
    table(
        f"receipts of {credit_code}",
        ["date", "award", "recipient", "purpose", "voucher", "元"],
        [
            (
                r.effective_date,
                r.award,
                r.recipient,
                r.purpose,
                r.voucher or "",
                format_yuan(r.amount),
            )
            for r in receipts
        ],
    )
