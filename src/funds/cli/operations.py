"""Commands for what happens after a grant: use of money, assessments, exits, recovery."""

from __future__ import annotations

from typing import Annotated

import typer

from funds import grants
from funds.cli.common import console, emit_json, say, unit_of_work
from funds.cli.grants import Actor, JsonFlag, Key, On, actor_of, amount_of, day_of
from funds.clock import today
from funds.grants.lifecycle import Consequence
from funds.grants.views import percent_text
from funds.money import format_yuan, to_yuan_string

assess_app = typer.Typer(help="Assessments and deadlines.", no_args_is_help=True)


def pass_through(
    award: str,
    enterprise: Annotated[str, typer.Argument(help="统一社会信用代码")],
    amount: str,
    purpose: Annotated[str, typer.Option(help="What the enterprise receives it for")],
    voucher: Annotated[str | None, typer.Option(help="Voucher number")] = None,
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Record money the recipient passed on (下达) to an enterprise."""
    with unit_of_work(json_output=json_output) as session:
        use = grants.record_pass_through(
            session,
            award=award,
            enterprise=enterprise,
            amount=amount_of(amount),
            purpose=purpose,
            voucher=voucher,
            on=day_of(on),
            actor=actor_of(actor),
            idempotency_key=key,
        )
        ratio = grants.award_statement(session, award).pass_through_ratio
    say(
        json_output,
        {"award": award, "entry": use.entry_id, "amount": to_yuan_string(use.amount)},
        f"{award}: {format_yuan(use.amount)} 元 passed on to {enterprise} (entry #{use.entry_id});"
        f" pass-through now {percent_text(ratio)} % of money received",
    )


def spend(
    award: str,
    amount: str,
    purpose: Annotated[str, typer.Option(help="A purpose from the programme's list")],
    voucher: Annotated[str | None, typer.Option(help="Voucher number")] = None,
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Record the recipient's own spending (自用) for a listed purpose."""
    with unit_of_work(json_output=json_output) as session:
        use = grants.record_spending(
            session,
            award=award,
            amount=amount_of(amount),
            purpose=purpose,
            voucher=voucher,
            on=day_of(on),
            actor=actor_of(actor),
            idempotency_key=key,
        )
    say(
        json_output,
        {"award": award, "entry": use.entry_id, "amount": to_yuan_string(use.amount)},
        f"{award}: {format_yuan(use.amount)} 元 spent on {purpose} (entry #{use.entry_id})",
    )


@assess_app.command("record")
def assess(
    award: str,
    year: int,
    grade: Annotated[str, typer.Argument(help="excellent, qualified, unqualified, not_submitted")],
    reassessment: Annotated[bool, typer.Option(help="A re-assessment after rectification")] = False,
    on: On = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Record an assessment result; its consequences follow by themselves."""
    with unit_of_work(json_output=json_output) as session:
        done = grants.record_assessment(
            session,
            award=award,
            year=year,
            grade=grade,
            on=day_of(on),
            actor=actor_of(actor),
            reassessment=reassessment,
        )
    _consequences(json_output, f"{award} {year}: {grade} recorded", done)


@assess_app.command("deadlines")
def deadlines(
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Deem missing assessments and missed rectifications 不合格 once their deadline passed."""
    with unit_of_work(json_output=json_output) as session:
        done = grants.apply_deadlines(
            session, as_of=day_of(as_of, "--as-of"), actor=actor_of(actor), today=today()
        )
    _consequences(json_output, f"{len(done)} consequences of passed deadlines", done)


@assess_app.command("review")
def review(
    award: str,
    failed: Annotated[bool, typer.Option("--failed", help="The review did not pass")] = False,
    on: On = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Record the review (复核) at the end of a recognition: renew it or let it expire."""
    with unit_of_work(json_output=json_output) as session:
        done = grants.review_recognition(
            session, award=award, passed=not failed, on=day_of(on), actor=actor_of(actor)
        )
    _consequences(json_output, f"{award}: review {'failed' if failed else 'passed'}", done)


def exit_award(
    award: str,
    reason: Annotated[
        str, typer.Option(help="failed_rectification, consecutive_failures, fraud, illegal, ...")
    ],
    note: Annotated[str, typer.Option(help="Free text for the file")] = "",
    on: On = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Exit (zone) or revoke (cluster): cancel unpaid stages, raise recovery where it applies."""
    with unit_of_work(json_output=json_output) as session:
        done = grants.terminate(
            session,
            award=award,
            reason=reason,
            on=day_of(on),
            actor=actor_of(actor),
            note=note,
        )
    _consequences(json_output, f"{award} ended", done)


def recover(
    award: str,
    amount: str,
    write_off: Annotated[bool, typer.Option("--write-off", help="Write off instead")] = False,
    reason: Annotated[str, typer.Option(help="Required for a write-off")] = "",
    voucher: Annotated[str | None, typer.Option(help="Voucher number")] = None,
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a repayment of recovered money (partial allowed), or a write-off."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.record_recovery(
            session,
            award=award,
            amount=amount_of(amount),
            kind="write_off" if write_off else "repayment",
            reason=reason,
            voucher=voucher,
            on=day_of(on),
            actor=actor_of(actor),
            idempotency_key=key,
        )
        outstanding = grants.award_statement(session, award).receivable
    say(
        json_output,
        {"award": award, "entry": row.entry_id, "outstanding": to_yuan_string(outstanding)},
        f"{award}: {row.kind} of {format_yuan(row.amount)} 元 recorded;"
        f" {format_yuan(outstanding)} 元 still outstanding",
    )


@assess_app.command("rectified")
def rectified(
    award: str,
    year: Annotated[int, typer.Argument(help="The year whose 不合格 is being rectified")],
    on: On = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a zone's rectification materials, submitted within the rectification period
    (在整改时限内再次提交评价材料): the zone then waits for its re-assessment."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.record_rectification(
            session, award=award, year=year, on=day_of(on), actor=actor_of(actor)
        )
    say(
        json_output,
        {"award": award, "year": row.year, "submitted_on": row.submitted_on},
        f"{award} {row.year}: rectification materials submitted on {row.submitted_on};"
        " the re-assessment may follow after the due date",
    )


def progress_report(
    award: str,
    period: Annotated[str, typer.Argument(help="2026Q1 (zones) or 2025 (county clusters)")],
    on: On = None,
    actor: Actor = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a progress report received (quarterly zone / annual county-cluster report)."""
    with unit_of_work(json_output=json_output) as session:
        row = grants.record_report(
            session, award=award, period=period, on=day_of(on), actor=actor_of(actor)
        )
    say(
        json_output,
        {"award": award, "period": row.period, "submitted_on": row.submitted_on},
        f"{award}: report {row.period} received on {row.submitted_on}",
    )


def reverse(
    entry: int,
    reason: Annotated[str, typer.Option(help="Why the entry was wrong (recorded)")],
    on: On = None,
    actor: Actor = None,
    key: Key = None,
    json_output: JsonFlag = False,
) -> None:
    """Reverse a mistaken entry (budget, release, pass-through, spending, recovery)."""
    with unit_of_work(json_output=json_output) as session:
        posted = grants.reverse_entry(
            session,
            entry_id=entry,
            reason=reason,
            actor=actor_of(actor),
            on=day_of(on) if on else None,
            idempotency_key=key,
        )
    say(
        json_output,
        {"reversed": entry, "entry": posted.id},
        f"entry #{entry} reversed by entry #{posted.id}",
    )


def _consequences(json_output: bool, headline: str, done: list[Consequence]) -> None:
    if json_output:
        emit_json({"message": headline, "consequences": [c.__dict__ for c in done]})
        return
    console.print(headline, highlight=False)
    for item in done:
        console.print(f"  → {item.award}: {item.action}: {item.detail}", highlight=False)
