"""``funds demo``: build the deterministic demo ledger and print what an officer wants to see."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session, col, select

from funds import demo, grants
from funds.cli.common import console, database, table, unit_of_work
from funds.grants.models import Award, Termination
from funds.grants.reconcile import verify_books
from funds.grants.views import percent_text
from funds.ledger import Ledger
from funds.money import format_wan, format_yuan
from funds.policy import rules_for


def demo_command(
    rebuild: Annotated[bool, typer.Option(help="Build even if the database has awards")] = False,
) -> None:
    """Build the demo ledger (2024-2026, 101 county clusters, zones, clusters) and summarise."""
    with unit_of_work() as session:
        if demo.already_built(session) and not rebuild:
            console.print(f"the database at {database().url} already holds awards; summarising it")
        else:
            console.print(f"building the demo ledger in {database().url} …")
            demo.build(session)
    with unit_of_work(readonly=True) as session:
        summarise(session)


def summarise(session: Session) -> None:
    """Print the summary of the demo ledger as of the demo date."""
    as_of = demo.AS_OF
    console.print(
        f"\n[bold]Anhui provincial funds — position as of {as_of}[/]\n"
        "[yellow]示例数据 SYNTHETIC: budgets, amounts, enterprises and results are made up;"
        " the county clusters are the plan's real list and the rules are the policy texts'.[/]\n",
        highlight=False,
    )
    rows = []
    for fund in (demo.MFG, demo.DIGITAL):
        for year in demo.YEARS:
            x = grants.fund_year_execution(session, fund, year, as_of)
            rows.append(
                (
                    fund,
                    year,
                    format_wan(x.budget),
                    format_wan(x.committed),
                    format_wan(x.paid),
                    format_wan(x.available),
                    format_wan(x.cancelled),
                    format_wan(x.recovered),
                )
            )
    table(
        "fund-year execution (万元)",
        [
            "fund",
            "year",
            "budget 万",
            "committed 万",
            "paid 万",
            "available 万",
            "returned 万",
            "recovered 万",
        ],
        rows,
    )
    _programmes(session)
    _zones(session, as_of)
    _endings(session, as_of)
    report = verify_books(session)
    head_id, head_hash = Ledger(session).head()
    state = "[green]verifies[/]" if report.ok else f"[red]DOES NOT VERIFY: {report.problem}[/]"
    console.print(
        f"\nledger {state}: {report.entries} entries, {report.postings} postings;"
        f" head #{head_id} {head_hash[:16]}…",
        highlight=False,
    )
    console.print(
        "next: funds show award ZONE-2025-0002 · funds show fund mfg 2026"
        " · funds ledger balance fund:mfg:2026 · funds verify"
    )


def _programmes(session: Session) -> None:
    rows = []
    for programme in ("county_cluster", "advanced_cluster", "service_zone"):
        awards = session.exec(select(Award).where(Award.programme == programme)).all()
        statements = [grants.award_statement(session, a.code, demo.AS_OF) for a in awards]
        rows.append(
            (
                rules_for(programme).name_zh,
                len(awards),
                sum(1 for a in awards if a.status == "active"),
                format_wan(sum(a.amount for a in awards)),
                format_wan(sum(s.paid for s in statements)),
            )
        )
    table("awards by programme", ["programme", "awards", "active", "awarded 万", "paid 万"], rows)


def _zones(session: Session, as_of: object) -> None:
    zones = session.exec(
        select(Award).where(Award.programme == "service_zone").order_by(col(Award.code))
    ).all()
    rows = []
    for award in zones:
        s = grants.award_statement(session, award.code, demo.AS_OF)
        ratio = s.pass_through_ratio
        verdict = "ok" if ratio * 100 >= 80 else "[red]below 80 %[/]"
        rows.append(
            (
                s.code,
                s.recipient_name,
                s.status,
                format_wan(s.paid),
                format_wan(s.passed_on),
                format_wan(s.spent),
                f"{percent_text(ratio)} %",
                verdict,
            )
        )
    table(
        "service zones: pass-through against the 80 % floor (ZONE-GUIDE 评估管理)",
        ["award", "zone", "status", "received 万", "passed on 万", "own use 万", "ratio %", ""],
        rows,
    )


def _endings(session: Session, as_of: object) -> None:
    rows = []
    for termination, code in session.exec(
        select(Termination, Award.code).join(Award, col(Award.id) == Termination.award_id)
    ):
        s = grants.award_statement(session, code, demo.AS_OF)
        overdue = (
            termination.recovery_due is not None
            and termination.recovery_due < demo.AS_OF
            and s.receivable > 0
        )
        rows.append(
            (
                code,
                termination.kind,
                termination.reason,
                termination.effective_date,
                format_yuan(termination.recoverable),
                format_yuan(s.recovered),
                format_yuan(s.receivable),
                f"{termination.recovery_due or ''}" + (" [red]overdue[/]" if overdue else ""),
            )
        )
    table(
        "exits and revocations (clawback register)",
        ["award", "kind", "reason", "on", "due 元", "recovered 元", "outstanding 元", "due by"],
        rows,
    )
