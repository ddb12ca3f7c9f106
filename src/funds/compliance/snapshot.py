"""The snapshot the rules read: every award with its records, and the fund-years, as of a date.

Built with one bulk query per table (never one per award), so that ten thousand awards load in
about a second; the rules then run in plain Python and never touch the database, which is
what lets ``tests/unit`` check them on hand-built snapshots. Everything is as of the date:
an award granted later is absent, a stage is ``paid`` only if it was paid on or before the
date (the same reading as :func:`funds.grants.queries.award_statement`), an assessment,
termination, recovery, report or use counts only from its own date, and a use or recovery
reversed by an entry effective after the date still counts. Ledger balances are as of the
date too, except a fund-year's budget, read as it stands now (see :func:`_fund_years`); when
the date is on or after the newest effective date in the journal the stored running balances
are read instead of summing per-day rows (the figures are the same).
Amounts are integer 分.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from funds.db import table_of
from funds.grants.models import (
    Assessment,
    Award,
    Enterprise,
    Fund,
    FundYear,
    Recipient,
    Recovery,
    ReportSubmission,
    Stage,
    Termination,
    Use,
)
from funds.ledger import Entry, Ledger
from funds.policy import Grade, ProgrammeRules, rules_for

AWARD, STAGE, ASSESS = table_of(Award), table_of(Stage), table_of(Assessment)
RECIPIENT, FUND, FUND_YEAR = table_of(Recipient), table_of(Fund), table_of(FundYear)
TERMINATION, RECOVERY, USE = table_of(Termination), table_of(Recovery), table_of(Use)
REPORT, ENTERPRISE, ENTRY = table_of(ReportSubmission), table_of(Enterprise), table_of(Entry)


@dataclass(frozen=True, slots=True)
class StageView:
    """A stage as of the snapshot date: status committed, requested, paid, cancelled, forfeited."""

    seq: int
    year: int
    amount: int
    gate: str
    status: str
    paid_on: date | None = None
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class AssessmentView:
    """An assessment known on the snapshot date (``order`` breaks ties on the same day)."""

    year: int
    grade: Grade
    assessed_on: date
    reassessment: bool = False
    rectification_due: date | None = None
    deemed: bool = False
    order: int = 0


@dataclass(frozen=True, slots=True)
class UseView:
    """A live pass-through (``enterprise`` set) or own use, known on the snapshot date."""

    kind: str
    amount: int
    effective_date: date
    purpose: str
    enterprise: str | None = None


@dataclass(frozen=True, slots=True)
class TerminationView:
    """An exit (zone) or revocation (cluster) effective on or before the snapshot date."""

    kind: str
    reason: str
    effective_date: date
    recoverable: int
    recovery_due: date | None


@dataclass(frozen=True, slots=True)
class RecoveryView:
    """A live repayment or write-off."""

    kind: str
    amount: int
    effective_date: date


@dataclass(frozen=True, slots=True)
class AwardLedger:
    """The award's ledger balances as of the snapshot date (分)."""

    held: int = 0
    passed: int = 0
    spent: int = 0
    receivable: int = 0
    recovered: int = 0
    written_off: int = 0

    @property
    def received(self) -> int:
        """Money the ledger shows as paid to the recipient: held + passed on + spent."""
        return self.held + self.passed + self.spent


@dataclass(frozen=True, slots=True)
class AwardView:
    """One award and everything the rules need about it, as of the snapshot date."""

    code: str
    programme: str
    tier: str
    recipient: str
    recipient_name: str
    city: str
    fund: str
    amount: int
    granted_on: date
    recognition_expires: date | None = None
    status: str = "active"
    ended_on: date | None = None
    stages: tuple[StageView, ...] = ()
    assessments: tuple[AssessmentView, ...] = ()
    uses: tuple[UseView, ...] = ()
    termination: TerminationView | None = None
    recoveries: tuple[RecoveryView, ...] = ()
    reports: Mapping[str, date] = field(default_factory=dict)
    """Report period (``2026Q1`` or ``2025``) → date it was submitted."""
    ledger: AwardLedger = AwardLedger()

    @property
    def rules(self) -> ProgrammeRules:
        """The rules of the award's programme."""
        return rules_for(self.programme)

    @property
    def active(self) -> bool:
        """True unless the recipient has exited or been revoked by the snapshot date."""
        return self.status == "active"

    @property
    def paid(self) -> int:
        """Money paid to the recipient (stages paid by the snapshot date)."""
        return sum(s.amount for s in self.stages if s.status == "paid")

    @property
    def closed(self) -> int:
        """Money of stages cancelled or forfeited: it will never be paid."""
        return sum(s.amount for s in self.stages if s.status in ("cancelled", "forfeited"))

    @property
    def passed_on(self) -> int:
        """Money passed on to enterprises (use records)."""
        return sum(u.amount for u in self.uses if u.kind == "pass_through")

    @property
    def own_use(self) -> int:
        """Money the recipient spent itself (use records)."""
        return sum(u.amount for u in self.uses if u.kind == "own_use")

    @property
    def period_end(self) -> date:
        """The end of the grant period: 31 December of the last stage's year."""
        return date(max((s.year for s in self.stages), default=self.granted_on.year), 12, 31)

    @property
    def first_paid_on(self) -> date | None:
        """The date the recipient first received money."""
        return min((s.paid_on for s in self.stages if s.paid_on is not None), default=None)

    def final_assessment(self, year: int, on: date | None = None) -> AssessmentView | None:
        """The latest assessment (or re-assessment) of ``year`` known on ``on``."""
        known = [
            a for a in self.assessments if a.year == year and (on is None or a.assessed_on <= on)
        ]
        return max(known, key=lambda a: (a.assessed_on, a.order), default=None)


@dataclass(frozen=True, slots=True)
class FundYearView:
    """A fund's year as of the snapshot date: budget, commitments and payments (分)."""

    fund: str
    year: int
    budget: int
    available: int
    committed: int
    """Committed and not yet paid (the ledger's committed accounts of this year)."""
    paid: int
    """Stages of this year paid by the snapshot date."""


@dataclass(frozen=True, slots=True)
class EnterpriseView:
    """A final beneficiary."""

    credit_code: str
    name: str
    city: str


@dataclass(frozen=True)
class Snapshot:
    """Everything the rules read, as of ``as_of``."""

    as_of: date
    awards: tuple[AwardView, ...] = ()
    fund_years: tuple[FundYearView, ...] = ()
    enterprises: Mapping[str, EnterpriseView] = field(default_factory=dict)


# -- loading ------------------------------------------------------------------------------


def load_snapshot(session: Session, as_of: date) -> Snapshot:
    """Read the snapshot as of ``as_of`` with one query per table."""
    conn = session.connection()
    rows = conn.execute(
        select(
            AWARD.c.id,
            AWARD.c.code,
            AWARD.c.programme,
            AWARD.c.tier,
            AWARD.c.amount,
            AWARD.c.granted_on,
            AWARD.c.recognition_expires,
            AWARD.c.status,
            AWARD.c.ended_on,
            RECIPIENT.c.code.label("recipient"),
            RECIPIENT.c.name.label("recipient_name"),
            RECIPIENT.c.city,
            FUND.c.code.label("fund"),
        )
        .join(RECIPIENT, RECIPIENT.c.id == AWARD.c.recipient_id)
        .join(FUND, FUND.c.id == AWARD.c.fund_id)
        .where(AWARD.c.granted_on <= as_of)
        .order_by(AWARD.c.code)
    ).all()
    ids = {row.id for row in rows}
    stages = _stages(conn, as_of, ids)
    assessments = _assessments(conn, as_of, ids)
    uses = _uses(conn, as_of, ids)
    terminations = _terminations(conn, as_of, ids)
    recoveries = _recoveries(conn, as_of, ids)
    reports = _reports(conn, as_of, ids)
    ledger = _ledger(session, as_of)
    awards = tuple(
        AwardView(
            code=row.code,
            programme=row.programme,
            tier=row.tier,
            recipient=row.recipient,
            recipient_name=row.recipient_name,
            city=row.city,
            fund=row.fund,
            amount=int(row.amount),
            granted_on=row.granted_on,
            recognition_expires=row.recognition_expires,
            status=row.status if _ended(row.ended_on, as_of) else "active",
            ended_on=row.ended_on if _ended(row.ended_on, as_of) else None,
            stages=tuple(stages.get(row.id, ())),
            assessments=tuple(assessments.get(row.id, ())),
            uses=tuple(uses.get(row.id, ())),
            termination=terminations.get(row.id),
            recoveries=tuple(recoveries.get(row.id, ())),
            reports=reports.get(row.id, {}),
            ledger=_award_ledger(ledger.get(f"award:{row.code}", {})),
        )
        for row in rows
    )
    return Snapshot(
        as_of=as_of,
        awards=awards,
        fund_years=_fund_years(session, as_of, awards, ledger),
        enterprises=_enterprises(conn),
    )


def _ended(ended_on: date | None, as_of: date) -> bool:
    return ended_on is not None and ended_on <= as_of


def _stage_status(row: Any, as_of: date) -> str:
    """A stage's status on ``as_of`` (the reading of ``funds.grants.queries._stage_line``)."""
    if row.paid_on is not None and row.paid_on <= as_of:
        return "paid"
    if row.closed_on is not None and row.closed_on <= as_of:
        return str(row.status)
    if row.status == "requested" and row.requested_on is not None and row.requested_on <= as_of:
        return "requested"
    return "committed"


def _stages(conn: Connection, as_of: date, ids: set[int]) -> dict[int, list[StageView]]:
    out: dict[int, list[StageView]] = defaultdict(list)
    query = select(
        STAGE.c.award_id,
        STAGE.c.seq,
        STAGE.c.year,
        STAGE.c.amount,
        STAGE.c.gate,
        STAGE.c.status,
        STAGE.c.paid_on,
        STAGE.c.closed_on,
        STAGE.c.requested_on,
    ).order_by(STAGE.c.award_id, STAGE.c.seq)
    for row in conn.execute(query):
        if row.award_id not in ids:
            continue
        status = _stage_status(row, as_of)
        out[row.award_id].append(
            StageView(
                seq=row.seq,
                year=row.year,
                amount=int(row.amount),
                gate=row.gate,
                status=status,
                paid_on=row.paid_on if status == "paid" else None,
                closed_on=row.closed_on if status in ("cancelled", "forfeited") else None,
            )
        )
    return out


def _assessments(conn: Connection, as_of: date, ids: set[int]) -> dict[int, list[AssessmentView]]:
    out: dict[int, list[AssessmentView]] = defaultdict(list)
    query = (
        select(ASSESS)
        .where(ASSESS.c.assessed_on <= as_of)
        .order_by(ASSESS.c.award_id, ASSESS.c.assessed_on, ASSESS.c.id)
    )
    for row in conn.execute(query):
        if row.award_id in ids:
            out[row.award_id].append(
                AssessmentView(
                    year=row.year,
                    grade=Grade(row.grade),
                    assessed_on=row.assessed_on,
                    reassessment=bool(row.reassessment),
                    rectification_due=row.rectification_due,
                    deemed=bool(row.deemed),
                    order=row.id,
                )
            )
    return out


def _live(reversed_on: date | None, as_of: date) -> bool:
    return reversed_on is None or reversed_on > as_of


_USES_SQL = (
    "SELECT award_id, kind, amount, effective_date, purpose, enterprise_id, reversed_by"
    " FROM award_use"
)


def _day(value: date | str) -> date:
    """A date column as read by the driver without SQLAlchemy's per-row conversion."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _uses(conn: Connection, as_of: date, ids: set[int]) -> dict[int, list[UseView]]:
    """The largest table (one row per payment): read raw, filtered and grouped in Python."""
    out: dict[int, list[UseView]] = defaultdict(list)
    codes = dict(conn.execute(select(ENTERPRISE.c.id, ENTERPRISE.c.credit_code)).all())
    reversed_ids = select(USE.c.reversed_by).where(USE.c.reversed_by.is_not(None))
    reversals = {
        entry_id: day
        for entry_id, day in conn.execute(
            select(ENTRY.c.id, ENTRY.c.effective_date).where(ENTRY.c.id.in_(reversed_ids))
        )
    }
    for award_id, kind, amount, day, purpose, enterprise_id, reversed_by in conn.exec_driver_sql(
        _USES_SQL
    ):
        if award_id not in ids:
            continue
        effective = _day(day)
        if effective > as_of or not _live(reversals.get(reversed_by), as_of):
            continue
        out[award_id].append(
            UseView(kind, int(amount), effective, purpose, codes.get(enterprise_id))
        )
    return out


def _terminations(conn: Connection, as_of: date, ids: set[int]) -> dict[int, TerminationView]:
    query = select(TERMINATION).where(TERMINATION.c.effective_date <= as_of)
    return {
        row.award_id: TerminationView(
            row.kind, row.reason, row.effective_date, int(row.recoverable), row.recovery_due
        )
        for row in conn.execute(query)
        if row.award_id in ids
    }


def _recoveries(conn: Connection, as_of: date, ids: set[int]) -> dict[int, list[RecoveryView]]:
    out: dict[int, list[RecoveryView]] = defaultdict(list)
    reversal = aliased(ENTRY)
    query = (
        select(
            RECOVERY.c.award_id,
            RECOVERY.c.kind,
            RECOVERY.c.amount,
            RECOVERY.c.effective_date,
            reversal.c.effective_date.label("reversed_on"),
        )
        .outerjoin(reversal, reversal.c.id == RECOVERY.c.reversed_by)
        .where(RECOVERY.c.effective_date <= as_of)
        .order_by(RECOVERY.c.award_id, RECOVERY.c.id)
    )
    for row in conn.execute(query):
        if row.award_id in ids and _live(row.reversed_on, as_of):
            out[row.award_id].append(RecoveryView(row.kind, int(row.amount), row.effective_date))
    return out


def _reports(conn: Connection, as_of: date, ids: set[int]) -> dict[int, dict[str, date]]:
    out: dict[int, dict[str, date]] = defaultdict(dict)
    query = select(REPORT.c.award_id, REPORT.c.period, REPORT.c.submitted_on).where(
        REPORT.c.submitted_on <= as_of
    )
    for row in conn.execute(query):
        if row.award_id in ids:
            out[row.award_id][row.period] = row.submitted_on
    return out


def _ledger(session: Session, as_of: date) -> dict[str, dict[str, int]]:
    """Balances of every ``award:`` and ``fund:`` account, grouped by award or fund-year."""
    newest = session.connection().execute(select(func.max(ENTRY.c.effective_date))).scalar()
    day = None if newest is None or newest <= as_of else as_of
    ledger = Ledger(session)
    grouped: dict[str, dict[str, int]] = defaultdict(dict)
    for prefix in ("award:", "fund:"):
        for code, balance in ledger.balances(prefix, as_of=day).items():
            parts = code.split(":")
            head = 2 if parts[0] == "award" else 3
            grouped[":".join(parts[:head])][":".join(parts[head:])] = balance
    return grouped


def _award_ledger(balances: Mapping[str, int]) -> AwardLedger:
    totals: dict[str, int] = defaultdict(int)
    for rest, value in balances.items():
        totals[rest.split(":")[0]] += value
    return AwardLedger(
        held=totals["held"],
        passed=totals["passed"],
        spent=totals["spent"],
        receivable=totals["receivable"],
        recovered=totals["recovered"],
        written_off=totals["written_off"],
    )


def _fund_years(
    session: Session,
    as_of: date,
    awards: tuple[AwardView, ...],
    ledger: Mapping[str, Mapping[str, int]],
) -> tuple[FundYearView, ...]:
    paid: dict[tuple[str, int], int] = defaultdict(int)
    for award in awards:
        for stage in award.stages:
            if stage.status == "paid":
                paid[award.fund, stage.year] += stage.amount
    query = (
        select(FUND.c.code, FUND_YEAR.c.year)
        .join(FUND, FUND.c.id == FUND_YEAR.c.fund_id)
        .order_by(FUND.c.code, FUND_YEAR.c.year)
    )
    book = Ledger(session)
    out = []
    for fund, year in session.connection().execute(query).all():
        balances = ledger.get(f"fund:{fund}:{year}", {})
        budget_code = f"fund:{fund}:{year}:budget"
        # A budget entry is dated when it is entered, often after commitments it backs were
        # made (a grant commits every stage year at once, and grants are back-dated): read
        # the budget as it stands now, not as of the date, or the past shows false overruns.
        budget = book.balance(budget_code) if "budget" in balances else 0
        out.append(
            FundYearView(
                fund=fund,
                year=year,
                budget=-budget,
                available=balances.get("available", 0),
                committed=sum(v for k, v in balances.items() if k.startswith("committed:")),
                paid=paid[fund, year],
            )
        )
    return tuple(out)


def _enterprises(conn: Connection) -> dict[str, EnterpriseView]:
    query = select(ENTERPRISE.c.credit_code, ENTERPRISE.c.name, ENTERPRISE.c.city)
    return {code: EnterpriseView(code, name, city) for code, name, city in conn.execute(query)}
