"""The snapshot the rules read: every award with its records, and the fund-years, as of a date.

Built with one bulk query per table (never one per award), uses totalled in SQL (see
:class:`UseTotals`), so that ten thousand awards load in about two seconds on SQLite; the
rules then run in plain Python and never touch the database, which is what lets
``tests/unit`` check them on hand-built snapshots. Everything is as of the date:
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Select, Table, func, or_, select, tuple_
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
    RectificationSubmission,
    ReportSubmission,
    Stage,
    Termination,
    Use,
)
from funds.ledger import Entry, Ledger
from funds.policy import PROGRAMMES, Grade, ProgrammeRules, rules_for

AWARD, STAGE, ASSESS = table_of(Award), table_of(Stage), table_of(Assessment)
RECIPIENT, FUND, FUND_YEAR = table_of(Recipient), table_of(Fund), table_of(FundYear)
TERMINATION, RECOVERY, USE = table_of(Termination), table_of(Recovery), table_of(Use)
REPORT, ENTERPRISE, ENTRY = table_of(ReportSubmission), table_of(Enterprise), table_of(Entry)
RECTIFIED = table_of(RectificationSubmission)


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
class UseTotals:
    """An award's live uses on the snapshot date, totalled (the rules need no more).

    Uses are the largest table, one row per payment, and the rules read only their totals:
    by kind (the 80 % floor, the bookkeeping limits) and by enterprise (concentration, other
    cities). The one rule that reads individual payments, duplicate-payment, needs only
    those sharing their enterprise and amount with another payment of the award
    (``repeats``): a payment with no twin cannot be a duplicate. :func:`load_snapshot` totals
    in SQL; :meth:`of` totals a list of uses the same way (worked examples, tests).
    """

    passed_on: int = 0
    """Uses of kind ``pass_through``."""
    own_use: int = 0
    """Uses of kind ``own_use``."""
    by_enterprise: Mapping[str, int] = field(default_factory=dict)
    """Uses with an enterprise, by its credit code."""
    repeats: tuple[UseView, ...] = ()
    """Uses with an enterprise whose amount another use to the same enterprise has too,
    in order of enterprise, amount and date."""

    @classmethod
    def of(cls, uses: Iterable[UseView]) -> UseTotals:
        """Total ``uses`` the way :func:`load_snapshot` does in SQL."""
        uses = tuple(uses)
        by_kind: dict[str, int] = defaultdict(int)
        by_enterprise: dict[str, int] = defaultdict(int)
        twins: dict[tuple[str, int], int] = defaultdict(int)
        for use in uses:
            by_kind[use.kind] += use.amount
            if use.enterprise is not None:
                by_enterprise[use.enterprise] += use.amount
                twins[use.enterprise, use.amount] += 1
        repeats = [
            u for u in uses if u.enterprise is not None and twins[u.enterprise, u.amount] > 1
        ]
        return cls(
            passed_on=by_kind["pass_through"],
            own_use=by_kind["own_use"],
            by_enterprise=dict(by_enterprise),
            repeats=tuple(sorted(repeats, key=_repeat_order)),
        )


def _repeat_order(use: UseView) -> tuple[str, int, date]:
    return (use.enterprise or "", use.amount, use.effective_date)


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
    uses: UseTotals = UseTotals()
    termination: TerminationView | None = None
    recoveries: tuple[RecoveryView, ...] = ()
    reports: Mapping[str, date] = field(default_factory=dict)
    """Report period (``2026Q1`` or ``2025``) → date it was submitted."""
    rectified: Mapping[int, date] = field(default_factory=dict)
    """Assessed year → date the zone submitted its rectification materials for it."""
    ledger: AwardLedger = AwardLedger()

    @property
    def rules(self) -> ProgrammeRules:
        """The rules of the award's programme."""
        return PROGRAMMES.get(self.programme) or rules_for(self.programme)  # type: ignore[call-overload]

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
        return self.uses.passed_on

    @property
    def own_use(self) -> int:
        """Money the recipient spent itself (use records)."""
        return self.uses.own_use

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
    ids = {row[0] for row in rows}
    stages = _stages(conn, as_of, ids)
    assessments = _assessments(conn, as_of, ids)
    uses = _uses(conn, as_of, ids)
    terminations = _terminations(conn, as_of, ids)
    recoveries = _recoveries(conn, as_of, ids)
    reports = _submissions(conn, REPORT, "period", as_of, ids)
    rectified = _submissions(conn, RECTIFIED, "year", as_of, ids)
    award_ledgers, fund_ledgers = _ledger(session, as_of)
    awards = tuple(
        AwardView(
            code=code,
            programme=programme,
            tier=tier,
            recipient=recipient,
            recipient_name=recipient_name,
            city=city,
            fund=fund,
            amount=int(amount),
            granted_on=granted_on,
            recognition_expires=recognition_expires,
            status=status if _ended(ended_on, as_of) else "active",
            ended_on=ended_on if _ended(ended_on, as_of) else None,
            stages=tuple(stages.get(award_id, ())),
            assessments=tuple(assessments.get(award_id, ())),
            uses=uses.get(award_id, NO_USES),
            termination=terminations.get(award_id),
            recoveries=tuple(recoveries.get(award_id, ())),
            reports=reports.get(award_id, {}),
            rectified=rectified.get(award_id, {}),
            ledger=award_ledgers.get(code, NO_LEDGER),
        )
        for (
            award_id,
            code,
            programme,
            tier,
            amount,
            granted_on,
            recognition_expires,
            status,
            ended_on,
            recipient,
            recipient_name,
            city,
            fund,
        ) in rows
    )
    return Snapshot(
        as_of=as_of,
        awards=awards,
        fund_years=_fund_years(session, awards, fund_ledgers),
        enterprises=_enterprises(conn),
    )


def _ended(ended_on: date | None, as_of: date) -> bool:
    return ended_on is not None and ended_on <= as_of


def _stage_status(
    status: str,
    paid_on: date | None,
    closed_on: date | None,
    requested_on: date | None,
    as_of: date,
) -> str:
    """A stage's status on ``as_of`` (the reading of ``funds.grants.queries._stage_line``)."""
    if paid_on is not None and paid_on <= as_of:
        return "paid"
    if closed_on is not None and closed_on <= as_of:
        return str(status)
    if status == "requested" and requested_on is not None and requested_on <= as_of:
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
    for award_id, seq, year, amount, gate, status, paid_on, closed_on, requested_on in conn.execute(
        query
    ).all():
        if award_id not in ids:
            continue
        now = _stage_status(status, paid_on, closed_on, requested_on, as_of)
        out[award_id].append(
            StageView(
                seq,
                year,
                int(amount),
                gate,
                now,
                paid_on if now == "paid" else None,
                closed_on if now in ("cancelled", "forfeited") else None,
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


NO_USES = UseTotals()


def _live_uses(as_of: date, *columns: Any) -> Select[Any]:
    """``columns`` of the uses live on ``as_of``: effective by then, not reversed by then."""
    reversal = aliased(ENTRY)
    return (
        select(*columns)
        .select_from(USE.outerjoin(reversal, reversal.c.id == USE.c.reversed_by))
        .where(
            USE.c.effective_date <= as_of,
            or_(USE.c.reversed_by.is_(None), reversal.c.effective_date > as_of),
        )
    )


def _uses(conn: Connection, as_of: date, ids: set[int]) -> dict[int, UseTotals]:
    """The largest table (one row per payment), totalled in SQL: see :class:`UseTotals`.

    One pass totals the live uses per kind, award and enterprise, and counts their distinct
    amounts: a group with fewer distinct amounts than uses holds a repeated amount. Only the
    uses of those awards and enterprises (and of any pair met in two groups, whose amounts
    could match across them) are then read one by one, and their repeats picked in Python.
    The uses never reversed are totalled apart from those reversed after the date (rare),
    which spares the scan of the whole table a join to the journal.
    """
    codes = dict(conn.execute(select(ENTERPRISE.c.id, ENTERPRISE.c.credit_code)).all())
    # award id → (totals by kind, totals by enterprise credit code)
    books: dict[int, tuple[dict[str, int], dict[str, int]]] = {}
    seen: set[tuple[int, int]] = set()
    candidates: set[tuple[int, int]] = set()
    # In the order of the index ix_award_use_totals, which holds every column read here:
    # the database walks it once, with no lookup into the table and no sort.
    groups = (USE.c.award_id, USE.c.kind, USE.c.enterprise_id)
    columns = (*groups, func.sum(USE.c.amount), func.count(), func.count(USE.c.amount.distinct()))
    reversal = aliased(ENTRY)
    never_reversed = (
        select(*columns)
        .where(USE.c.effective_date <= as_of, USE.c.reversed_by.is_(None))
        .group_by(*groups)
    )
    reversed_later = (
        select(*columns)
        .join(reversal, reversal.c.id == USE.c.reversed_by)
        .where(USE.c.effective_date <= as_of, reversal.c.effective_date > as_of)
        .group_by(*groups)
    )
    for query in (never_reversed, reversed_later):
        for award_id, kind, enterprise_id, amount, count, distinct in conn.execute(query).all():
            totals = books.get(award_id)
            if totals is None:
                if award_id not in ids:
                    continue
                totals = books[award_id] = ({}, {})
            by_kind, by_enterprise = totals
            amount = int(amount)
            by_kind[kind] = by_kind.get(kind, 0) + amount
            code = codes.get(enterprise_id)
            if code is None:
                continue
            by_enterprise[code] = by_enterprise.get(code, 0) + amount
            pair = (award_id, enterprise_id)
            if count > distinct or pair in seen:
                candidates.add(pair)
            seen.add(pair)
    repeats = _repeats(conn, as_of, sorted(candidates), codes)
    return {
        award_id: UseTotals(
            passed_on=by_kind.get("pass_through", 0),
            own_use=by_kind.get("own_use", 0),
            by_enterprise=by_enterprise,
            repeats=repeats.get(award_id, ()),
        )
        for award_id, (by_kind, by_enterprise) in books.items()
    }


def _repeats(
    conn: Connection, as_of: date, candidates: list[tuple[int, int]], codes: Mapping[int, str]
) -> dict[int, tuple[UseView, ...]]:
    """The live uses of the (award, enterprise) ``candidates`` that share their amount."""
    found: dict[tuple[int, str, int], list[UseView]] = defaultdict(list)
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        query = _live_uses(
            as_of,
            USE.c.award_id,
            USE.c.kind,
            USE.c.amount,
            USE.c.effective_date,
            USE.c.purpose,
            USE.c.enterprise_id,
        ).where(
            # The plain IN lets SQLite search the award_id index; the pair IN alone scans.
            USE.c.award_id.in_(sorted({award_id for award_id, _ in chunk})),
            tuple_(USE.c.award_id, USE.c.enterprise_id).in_(chunk),
        )
        for award_id, kind, amount, day, purpose, enterprise_id in conn.execute(query).all():
            code = codes[enterprise_id]
            found[award_id, code, int(amount)].append(
                UseView(kind, int(amount), day, purpose, code)
            )
    out: dict[int, list[UseView]] = defaultdict(list)
    for (award_id, _, _), uses in found.items():
        if len(uses) > 1:
            out[award_id] += uses
    return {award_id: tuple(sorted(uses, key=_repeat_order)) for award_id, uses in out.items()}


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


def _submissions(
    conn: Connection, table: Table, key: str, as_of: date, ids: set[int]
) -> dict[int, dict[Any, date]]:
    """Per award: ``key`` (a report's period, a rectified year) → the day it was submitted."""
    out: dict[int, dict[Any, date]] = defaultdict(dict)
    query = select(table.c.award_id, table.c[key], table.c.submitted_on).where(
        table.c.submitted_on <= as_of
    )
    for award_id, value, submitted_on in conn.execute(query):
        if award_id in ids:
            out[award_id][value] = submitted_on
    return out


NO_LEDGER = AwardLedger()


@dataclass(frozen=True, slots=True)
class _FundYearBalances:
    available: int = 0
    committed: int = 0
    """The sum of the fund-year's ``committed:`` accounts."""
    has_budget: bool = False


def _ledger(
    session: Session, as_of: date
) -> tuple[dict[str, AwardLedger], dict[tuple[str, str], _FundYearBalances]]:
    """Balances of every ``award:`` account totalled by award and kind (``held``, ``passed``,
    ...), and of every ``fund:`` account by fund-year (code ``fund:<fund>:<year>:...``)."""
    newest = session.connection().execute(select(func.max(ENTRY.c.effective_date))).scalar()
    day = None if newest is None or newest <= as_of else as_of
    ledger = Ledger(session)
    by_award: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, balance in ledger.balances("award:", as_of=day).items():
        parts = code.split(":", 3)
        by_award[parts[1]][parts[2] if len(parts) > 2 else ""] += balance
    awards = {
        code: AwardLedger(
            held=totals["held"],
            passed=totals["passed"],
            spent=totals["spent"],
            receivable=totals["receivable"],
            recovered=totals["recovered"],
            written_off=totals["written_off"],
        )
        for code, totals in by_award.items()
    }
    available: dict[tuple[str, str], int] = defaultdict(int)
    committed: dict[tuple[str, str], int] = defaultdict(int)
    budgeted: set[tuple[str, str]] = set()
    for code, balance in ledger.balances("fund:", as_of=day).items():
        parts = code.split(":", 3)
        if len(parts) < 4:
            continue
        key, rest = (parts[1], parts[2]), parts[3]
        if rest == "available":
            available[key] = balance
        elif rest == "budget":
            budgeted.add(key)
        elif rest.startswith("committed:"):
            committed[key] += balance
    funds = {
        key: _FundYearBalances(available[key], committed[key], key in budgeted)
        for key in available.keys() | committed.keys() | budgeted
    }
    return awards, funds


def _fund_years(
    session: Session,
    awards: tuple[AwardView, ...],
    ledger: Mapping[tuple[str, str], _FundYearBalances],
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
        balances = ledger.get((fund, str(year)), _FundYearBalances())
        # A budget entry is dated when it is entered, often after commitments it backs were
        # made (a grant commits every stage year at once, and grants are back-dated): read
        # the budget as it stands now, not as of the date, or the past shows false overruns.
        budget = book.balance(f"fund:{fund}:{year}:budget") if balances.has_budget else 0
        out.append(
            FundYearView(
                fund=fund,
                year=year,
                budget=-budget,
                available=balances.available,
                committed=balances.committed,
                paid=paid[fund, year],
            )
        )
    return tuple(out)


def _enterprises(conn: Connection) -> dict[str, EnterpriseView]:
    query = select(ENTERPRISE.c.credit_code, ENTERPRISE.c.name, ENTERPRISE.c.city)
    return {code: EnterpriseView(code, name, city) for code, name, city in conn.execute(query)}
