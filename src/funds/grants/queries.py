"""Read-only views for officers and auditors, all as of any date.

Balances come from the ledger (as of the effective date); stage states come from the stage
records and their dates. Amounts are integer 分; ratios are exact fractions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, func, select

from funds.driver_sql import DriverStatement
from funds.grants import accounts
from funds.grants.common import (
    award_by_code,
    enterprise_by_code,
    fund_by_code,
    fund_code_of,
    fund_year,
    recipient_by_code,
    rules_of,
    stages_of,
)
from funds.grants.county import CountyFigures, figures_of
from funds.grants.models import Award, Enterprise, Recipient, Recovery, Stage, Termination, Use
from funds.ledger import Entry, Ledger


@dataclass(frozen=True)
class StageLine:
    """A stage as of a date."""

    seq: int
    year: int
    amount: int
    gate: str
    status: str
    paid_on: date | None
    requested_by: str | None
    approved_by: str | None
    closed_on: date | None
    note: str


@dataclass(frozen=True)
class UseLine:
    """Pass-through to one enterprise (or own use for one purpose), summed."""

    key: str
    name: str
    city: str
    amount: int


@dataclass
class AwardStatement:
    """Everything about one award as of a date (amounts in 分)."""

    code: str
    programme: str
    tier: str
    recipient_code: str
    recipient_name: str
    city: str
    fund: str
    amount: int
    granted_on: date
    status: str
    ended_on: date | None
    as_of: date
    committed: int = 0
    paid: int = 0
    held: int = 0
    passed_on: int = 0
    spent: int = 0
    receivable: int = 0
    recoverable: int = 0
    recovered: int = 0
    written_off: int = 0
    recovery_due: date | None = None
    min_pass_through_percent: int | None = None
    stages: list[StageLine] = field(default_factory=list)
    enterprises: list[UseLine] = field(default_factory=list)
    purposes: list[UseLine] = field(default_factory=list)
    county: CountyFigures | None = None
    """County clusters: the figures the recognition rested on (COUNTY-PLAN 附件4 第三条)."""

    @property
    def pass_through_ratio(self) -> Fraction:
        """Passed on ÷ money received (0 when nothing was received)."""
        return Fraction(self.passed_on, self.paid) if self.paid else Fraction(0)


_PASSED_AND_PAID = DriverStatement(
    "SELECT (SELECT coalesce(sum(balance), 0) FROM ledger_account"
    " WHERE code >= ? AND code < ?),"
    " (SELECT coalesce(sum(amount), 0) FROM award_stage WHERE award_id = ? AND status = 'paid')",
    # A byte-order range of account codes uses the index: SQLite's default collation is
    # binary; on PostgreSQL the "C" collation matches an expression index (migration 0003).
    postgresql="SELECT (SELECT coalesce(sum(balance), 0) FROM ledger_account"
    ' WHERE code COLLATE "C" >= ? AND code COLLATE "C" < ?),'
    " (SELECT coalesce(sum(amount), 0) FROM award_stage WHERE award_id = ? AND status = 'paid')",
)


def passed_and_paid(session: Session, code: str, award_id: int) -> tuple[int, int]:
    """Return what award ``code`` (id ``award_id``) passed on to enterprises and what was
    paid to it, now, in 分.

    Every pass-through and spending response reports the ratio, so both sums come from one
    statement on the driver's cursor (:mod:`funds.driver_sql`).
    """
    session.flush()  # as a query through the session would
    statement, params = passed_and_paid_statement(code, award_id)
    row = statement.first(session, params)
    assert row is not None
    return int(row[0]), int(row[1])


def passed_and_paid_statement(code: str, award_id: int) -> tuple[DriverStatement, tuple[Any, ...]]:
    """The statement of :func:`passed_and_paid` and its parameters, to run with other writes
    (:meth:`funds.ledger.Ledger.post`'s ``alongside``); its row is ``(passed, paid)``."""
    prefix = accounts.passed(code, "")
    return _PASSED_AND_PAID, (prefix, prefix + "\U0010ffff", award_id)


def award_statement(session: Session, code: str, as_of: date | None = None) -> AwardStatement:
    """Return the statement of award ``code`` as of ``as_of`` (default: today's books)."""
    award = award_by_code(session, code)
    day = as_of or date.max
    recipient = session.get(Recipient, award.recipient_id)
    assert recipient is not None
    stages = stages_of(session, award)
    fund = fund_code_of(session, award)
    ended = award.ended_on is not None and award.ended_on <= day
    statement = AwardStatement(
        code=award.code,
        programme=award.programme,
        tier=award.tier,
        recipient_code=recipient.code,
        recipient_name=recipient.name,
        city=recipient.city,
        fund=fund,
        amount=award.amount,
        granted_on=award.granted_on,
        status=award.status if ended else "active",
        ended_on=award.ended_on if ended else None,
        as_of=day if as_of else date.today(),
        min_pass_through_percent=rules_of(award).min_pass_through_percent,
        stages=[_stage_line(s, day) for s in stages],
        county=figures_of(award),
    )
    ledger = Ledger(session)
    balances = ledger.balances(f"award:{code}:", as_of=as_of)
    for seq_stage in stages:
        committed_code = accounts.committed(fund, seq_stage.year, code, seq_stage.seq)
        statement.committed += ledger.balance(committed_code, as_of, missing_ok=True)
    _fill_from_balances(statement, balances)
    statement.paid = sum(s.amount for s in statement.stages if s.status == "paid")
    statement.enterprises = _enterprise_lines(session, award, day)
    statement.purposes = _purpose_lines(session, award, day)
    termination = session.exec(select(Termination).where(Termination.award_id == award.id)).first()
    if termination is not None and termination.effective_date <= day:
        statement.recoverable = termination.recoverable
        statement.recovery_due = termination.recovery_due
    return statement


_ROLE_FIELDS = {
    "held": "held",
    "passed": "passed_on",
    "spent": "spent",
    "receivable": "receivable",
    "recovered": "recovered",
    "written_off": "written_off",
}
"""Award account role (``award:A:<role>:...``) → the statement field it adds to."""


def _fill_from_balances(statement: AwardStatement, balances: dict[str, int]) -> None:
    for account, value in balances.items():
        field = _ROLE_FIELDS.get(account.split(":")[2])
        if field is not None:
            setattr(statement, field, getattr(statement, field) + value)


def _stage_line(stage: Stage, day: date) -> StageLine:
    status = "committed"
    if stage.paid_on is not None and stage.paid_on <= day:
        status = "paid"
    elif stage.closed_on is not None and stage.closed_on <= day:
        status = stage.status
    elif stage.status == "requested" and stage.requested_on and stage.requested_on <= day:
        status = "requested"
    return StageLine(
        seq=stage.seq,
        year=stage.year,
        amount=stage.amount,
        gate=stage.gate,
        status=status,
        paid_on=stage.paid_on if status == "paid" else None,
        requested_by=stage.requested_by if status in ("requested", "paid") else None,
        approved_by=stage.approved_by if status == "paid" else None,
        closed_on=stage.closed_on if status in ("cancelled", "forfeited") else None,
        # The note tells what last happened to the stage (its closing, a reversed release):
        # as of an earlier day, only a closing that had happened by then.
        note=stage.note if day == date.max or status in ("cancelled", "forfeited") else "",
    )


def standing_on(reversed_by: Any, day: date) -> ColumnElement[bool]:
    """True for a record not reversed by ``day`` (a reversal dated later still lets it count)."""
    later = (
        select(Entry.id).where(col(Entry.id) == reversed_by, Entry.effective_date > day).exists()
    )
    return or_(reversed_by.is_(None), later)


def _live_uses(award: Award, kind: str, day: date):  # type: ignore[no-untyped-def]
    return select(Use).where(
        Use.award_id == award.id,
        Use.kind == kind,
        Use.effective_date <= day,
        standing_on(col(Use.reversed_by), day),
    )


def _enterprise_lines(session: Session, award: Award, day: date) -> list[UseLine]:
    totals: dict[int, int] = defaultdict(int)
    for use in session.exec(_live_uses(award, "pass_through", day)):
        totals[use.enterprise_id or 0] += use.amount
    if not totals:
        return []
    enterprises = session.exec(select(Enterprise).where(col(Enterprise.id).in_(list(totals))))
    lines = [UseLine(e.credit_code, e.name, e.city, totals[e.id or 0]) for e in enterprises]
    return sorted(lines, key=lambda line: (-line.amount, line.key))


def _purpose_lines(session: Session, award: Award, day: date) -> list[UseLine]:
    totals: dict[str, int] = defaultdict(int)
    for use in session.exec(_live_uses(award, "own_use", day)):
        totals[use.purpose] += use.amount
    return [UseLine(p, p, "", a) for p, a in sorted(totals.items())]


@dataclass
class FundYearExecution:
    """A fund-year's execution: budget, committed (unpaid), paid, available, recovered."""

    fund: str
    year: int
    as_of: date
    budget: int = 0
    committed: int = 0
    paid: int = 0
    available: int = 0
    recovered: int = 0
    cancelled: int = 0


def fund_year_execution(
    session: Session, fund: str, year: int, as_of: date | None = None
) -> FundYearExecution:
    """Return the execution of fund ``fund`` in ``year`` as of ``as_of``."""
    source = fund_by_code(session, fund)
    day = as_of or date.max
    ledger = Ledger(session)
    result = FundYearExecution(fund=fund, year=year, as_of=as_of or date.today())
    if fund_year(session, source, year) is None:
        return result
    result.budget = -ledger.balance(accounts.budget(fund, year), as_of, missing_ok=True)
    result.available = ledger.balance(accounts.available(fund, year), as_of, missing_ok=True)
    result.committed = sum(ledger.balances(f"fund:{fund}:{year}:committed:", as_of=as_of).values())
    stage_query = (
        select(Stage)
        .join(Award, col(Award.id) == Stage.award_id)
        .where(Award.fund_id == source.id, Stage.year == year)
    )
    for stage in session.exec(stage_query):
        line = _stage_line(stage, day)
        if line.status == "paid":
            result.paid += stage.amount
        elif line.status in ("cancelled", "forfeited"):
            result.cancelled += stage.amount
    result.recovered = int(
        session.exec(
            select(func.coalesce(func.sum(Recovery.amount), 0))
            .join(Award, col(Award.id) == Recovery.award_id)
            .where(
                Award.fund_id == source.id,
                Recovery.kind == "repayment",
                standing_on(col(Recovery.reversed_by), day),
                Recovery.effective_date <= min(day, date(year, 12, 31)),
                Recovery.effective_date >= date(year, 1, 1),
            )
        ).one()
    )
    return result


@dataclass
class RecipientSummary:
    """A recipient's awards, each as a statement."""

    code: str
    name: str
    kind: str
    city: str
    county: str
    awards: list[AwardStatement]


def recipient_summary(session: Session, code: str, as_of: date | None = None) -> RecipientSummary:
    """Return the statements of every award of recipient ``code``."""
    recipient = recipient_by_code(session, code)
    codes = session.exec(
        select(Award.code).where(Award.recipient_id == recipient.id).order_by(col(Award.code))
    ).all()
    return RecipientSummary(
        code=recipient.code,
        name=recipient.name,
        kind=recipient.kind,
        city=recipient.city,
        county=recipient.county,
        awards=[award_statement(session, c, as_of) for c in codes],
    )


@dataclass(frozen=True)
class Receipt:
    """Money one enterprise received under one award."""

    award: str
    recipient: str
    purpose: str
    amount: int
    effective_date: date
    voucher: str | None


def enterprise_receipts(
    session: Session, credit_code: str, as_of: date | None = None
) -> list[Receipt]:
    """Return what an enterprise received across all awards, as of a date."""
    enterprise = enterprise_by_code(session, credit_code, "credit_code")
    day = as_of or date.max
    rows = session.exec(
        select(Use, Award.code, Recipient.name)
        .join(Award, col(Award.id) == Use.award_id)
        .join(Recipient, col(Recipient.id) == Award.recipient_id)
        .where(
            Use.enterprise_id == enterprise.id,
            Use.effective_date <= day,
            standing_on(col(Use.reversed_by), day),
        )
        .order_by(col(Use.effective_date), col(Use.id))
    )
    return [
        Receipt(code, name, use.purpose, use.amount, use.effective_date, use.voucher)
        for use, code, name in rows
    ]
