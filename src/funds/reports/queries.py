"""Read-only figures the reports need beyond the grants views: a fund-year's execution by
programme, by city and by award, and the clawback register.

Each function reads in a few bulk queries (stages joined to awards and recipients, one
prefix read of the ledger's commitment balances, one grouped read of repayments), so a
fund-year of 500 awards costs the same handful of round trips as one of five. The figures
follow :func:`funds.grants.fund_year_execution` exactly: a stage counts as paid when it was
paid by the as-of date, as cancelled when it was closed by then, committed money is the
ledger balance of its ``fund:F:Y:committed:A:N`` account, and recovered money is the
repayments (not reversed) made in the calendar year. The breakdowns add up to its totals.
Amounts are integer 分.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from funds import grants
from funds.grants.common import fund_by_code
from funds.grants.models import Award, Enterprise, Recipient, Recovery, Stage, Termination, Use
from funds.ledger import Ledger
from funds.policy import rules_for


@dataclass
class Execution:
    """Stages of one fund-year for one group (a programme, a city or one award), in 分."""

    key: str
    label: str
    awards: int = 0
    planned: int = 0
    """All stages planned in the year, whatever became of them."""
    committed: int = 0
    """Committed and unpaid as of the date (ledger balance)."""
    paid: int = 0
    cancelled: int = 0
    """Cancelled or forfeited (returned to the budget)."""
    recovered: int = 0
    """Repaid in the calendar year, up to the as-of date."""

    def add(self, other: Execution) -> None:
        """Add ``other``'s figures to this one's (``awards`` counts one per award line)."""
        self.awards += other.awards
        self.planned += other.planned
        self.committed += other.committed
        self.paid += other.paid
        self.cancelled += other.cancelled
        self.recovered += other.recovered


@dataclass
class AwardExecution(Execution):
    """One award's stages in the fund-year, with who and where."""

    recipient: str = ""
    city: str = ""
    programme: str = ""
    status: str = "active"


@dataclass
class FundExecution:
    """A fund-year's execution with its breakdowns (see the module docstring)."""

    total: grants.FundYearExecution
    fund_name: str
    programmes: list[Execution] = field(default_factory=list)
    cities: list[Execution] = field(default_factory=list)
    awards: list[AwardExecution] = field(default_factory=list)

    def awards_in(self, city: str) -> list[AwardExecution]:
        """Return the award lines of ``city``."""
        return [a for a in self.awards if a.city == city]


def stage_status(stage: Stage, day: date) -> str:
    """Return the stage's state on ``day``: paid, cancelled, forfeited or committed."""
    if stage.paid_on is not None and stage.paid_on <= day:
        return "paid"
    if stage.closed_on is not None and stage.closed_on <= day:
        return stage.status
    return "committed"


def fund_execution(session: Session, fund: str, year: int, as_of: date) -> FundExecution:
    """Return fund ``fund``'s execution in ``year`` as of ``as_of``, with breakdowns."""
    source = fund_by_code(session, fund)
    result = FundExecution(grants.fund_year_execution(session, fund, year, as_of), source.name)
    lines = _award_lines(session, source.id or 0, year, as_of)
    committed = _committed_by_award(session, fund, year, as_of)
    recovered = _recovered_by_award(session, source.id or 0, year, as_of)
    for line in lines.values():
        line.committed = committed.get(line.key, 0)
        line.recovered = recovered.get(line.key, 0)
    result.awards = sorted(lines.values(), key=lambda a: (a.city, a.key))
    result.programmes = _group(result.awards, lambda a: a.programme, _programme_label)
    result.cities = _group(result.awards, lambda a: a.city, lambda city: city)
    return result


def _award_lines(session: Session, fund_id: int, year: int, day: date) -> dict[str, AwardExecution]:
    rows = session.exec(
        select(Stage, Award, Recipient)
        .join(Award, col(Award.id) == Stage.award_id)
        .join(Recipient, col(Recipient.id) == Award.recipient_id)
        .where(Award.fund_id == fund_id, Stage.year == year, Award.granted_on <= day)
        .order_by(col(Award.code), col(Stage.seq))
    )
    lines: dict[str, AwardExecution] = {}
    for stage, award, recipient in rows:
        line = lines.get(award.code)
        if line is None:
            ended = award.ended_on is not None and award.ended_on <= day
            line = lines[award.code] = AwardExecution(
                award.code,
                award.code,
                awards=1,
                recipient=recipient.name,
                city=recipient.city,
                programme=award.programme,
                status=award.status if ended else "active",
            )
        line.planned += stage.amount
        status = stage_status(stage, day)
        if status == "paid":
            line.paid += stage.amount
        elif status in ("cancelled", "forfeited"):
            line.cancelled += stage.amount
    return lines


def _committed_by_award(session: Session, fund: str, year: int, day: date) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    prefix = f"fund:{fund}:{year}:committed:"
    for code, balance in Ledger(session).balances(prefix, as_of=day).items():
        totals[code.split(":")[4]] += balance
    return totals


def _recovered_by_award(session: Session, fund_id: int, year: int, day: date) -> dict[str, int]:
    rows = session.exec(
        select(Award.code, func.coalesce(func.sum(Recovery.amount), 0))
        .join(Award, col(Award.id) == Recovery.award_id)
        .where(
            Award.fund_id == fund_id,
            Recovery.kind == "repayment",
            col(Recovery.reversed_by).is_(None),
            Recovery.effective_date <= min(day, date(year, 12, 31)),
            Recovery.effective_date >= date(year, 1, 1),
        )
        .group_by(Award.code)
    )
    return {code: int(amount) for code, amount in rows}


def _programme_label(programme: str) -> str:
    try:
        return rules_for(programme).name_zh
    except (KeyError, ValueError):
        return programme


def _group(
    awards: Iterable[AwardExecution],
    key_of: Callable[[AwardExecution], str],
    label_of: Callable[[str], str],
) -> list[Execution]:
    groups: dict[str, Execution] = {}
    for award in awards:
        key = key_of(award)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Execution(key, label_of(key))
        group.add(award)
    return sorted(groups.values(), key=lambda g: (-g.planned, g.key))


@dataclass
class RecoveryLine:
    """A repayment or write-off."""

    kind: str
    amount: int
    effective_date: date
    voucher: str | None
    reason: str


@dataclass
class ClawbackLine:
    """One exit or revocation as of a date, with what is due and what came back (分)."""

    award: str
    recipient: str
    city: str
    programme: str
    kind: str
    reason: str
    effective_date: date
    paid: int
    """Money the recipient had received."""
    due: int
    """Receivable raised (0 when the programme does not recover on this ground)."""
    recovered: int
    written_off: int
    outstanding: int
    recovery_due: date | None
    cancelled: int
    """Unpaid stages cancelled by the termination."""
    recoveries: list[RecoveryLine] = field(default_factory=list)

    def days_overdue(self, as_of: date) -> int:
        """Days past the recovery deadline with money outstanding (0 when not overdue)."""
        if self.recovery_due is None or self.outstanding <= 0 or self.recovery_due >= as_of:
            return 0
        return (as_of - self.recovery_due).days


def clawback_register(session: Session, as_of: date) -> list[ClawbackLine]:
    """Return every exit and revocation effective by ``as_of``, oldest first."""
    terminations = session.exec(
        select(Termination, Award.code)
        .join(Award, col(Award.id) == Termination.award_id)
        .where(Termination.effective_date <= as_of)
        .order_by(col(Termination.effective_date), col(Award.code))
    ).all()
    lines = []
    for termination, code in terminations:
        s = grants.award_statement(session, code, as_of)
        lines.append(
            ClawbackLine(
                award=code,
                recipient=s.recipient_name,
                city=s.city,
                programme=s.programme,
                kind=termination.kind,
                reason=termination.reason,
                effective_date=termination.effective_date,
                paid=s.paid,
                due=termination.recoverable,
                recovered=s.recovered,
                written_off=s.written_off,
                outstanding=s.receivable,
                recovery_due=termination.recovery_due,
                cancelled=sum(x.amount for x in s.stages if x.status in ("cancelled", "forfeited")),
                recoveries=_recoveries(session, termination.award_id, as_of),
            )
        )
    return lines


def _recoveries(session: Session, award_id: int, as_of: date) -> list[RecoveryLine]:
    rows = session.exec(
        select(Recovery)
        .where(
            Recovery.award_id == award_id,
            Recovery.effective_date <= as_of,
            col(Recovery.reversed_by).is_(None),
        )
        .order_by(col(Recovery.effective_date), col(Recovery.id))
    )
    return [RecoveryLine(r.kind, r.amount, r.effective_date, r.voucher, r.reason) for r in rows]


@dataclass(frozen=True)
class PassThroughLine:
    """Money one award passed on to one enterprise for one purpose, summed (分)."""

    credit_code: str
    enterprise: str
    city: str
    purpose: str
    amount: int


def pass_through_lines(
    session: Session, codes: Sequence[str], as_of: date
) -> dict[str, list[PassThroughLine]]:
    """Return, per award code, its pass-through by enterprise and purpose as of ``as_of``.

    Reversed uses are left out; the lines of an award add up to its ``passed_on``.
    """
    totals: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
    for chunk in _chunks(list(codes), 500):
        rows = session.exec(
            select(Use, Award.code, Enterprise)
            .join(Award, col(Award.id) == Use.award_id)
            .join(Enterprise, col(Enterprise.id) == Use.enterprise_id)
            .where(
                col(Award.code).in_(chunk),
                Use.kind == "pass_through",
                Use.effective_date <= as_of,
                col(Use.reversed_by).is_(None),
            )
        )
        for use, code, firm in rows:
            totals[code, firm.credit_code, firm.name, firm.city, use.purpose] += use.amount
    out: dict[str, list[PassThroughLine]] = defaultdict(list)
    for (code, credit, name, city, purpose), amount in totals.items():
        out[code].append(PassThroughLine(credit, name, city, purpose, amount))
    for lines in out.values():
        lines.sort(key=lambda x: (-x.amount, x.credit_code, x.purpose))
    return dict(out)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
