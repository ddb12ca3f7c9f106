"""Small pieces every grants service uses: lookups by public code, idempotent replays,
date arithmetic and the current time.

The look-ups every money-moving call makes (award, enterprise, idempotency key) are
statements built once: building one costs more than running it on SQLite, and a prebuilt
statement goes straight to the compiled cache. The idempotency key's entry, almost always
absent, is looked up on the driver's cursor (:mod:`funds.driver_sql`).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from funds.db import is_sqlite
from funds.driver_sql import DriverStatement
from funds.errors import InvalidInput
from funds.grants.credit_code import credit_code_problem
from funds.grants.errors import RuleBreach, UnknownRecord
from funds.grants.models import Award, Enterprise, Fund, FundYear, Recipient, Stage
from funds.ledger import Entry, IdempotencyConflict
from funds.ledger.hashing import request_digest
from funds.policy import ProgrammeRules, rules_for


def now() -> datetime:
    """The current time, UTC, naive (as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def add_months(day: date, months: int) -> date:
    """Return ``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fund_by_code(session: Session, code: str) -> Fund:
    """Return fund ``code`` or raise :class:`UnknownRecord`."""
    found = session.exec(select(Fund).where(Fund.code == code)).first()
    if found is None:
        raise UnknownRecord("fund", code)
    return found


def fund_year(session: Session, fund: Fund, year: int, *, lock: bool = False) -> FundYear | None:
    """Return the fund's budget row for ``year``, if one was set (locked ``FOR UPDATE`` on
    PostgreSQL when asked)."""
    query = select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    if lock and not is_sqlite(session):
        query = query.with_for_update()
    return session.exec(query).first()


def lock_fund_years(session: Session, fund: Fund, years: list[int]) -> None:
    """Lock the fund's budget rows of ``years`` in year order (PostgreSQL; on SQLite the
    unit of work already holds the database's write lock).

    A grant, a budget cut and a budget's reversal read a year's available budget on every
    day from their date before they post: whoever changes a year's budget or commitments
    holds its row meanwhile, so that two of them never both see money only one can take.
    """
    if is_sqlite(session) or not years:
        return
    session.exec(
        select(FundYear.id)
        .where(FundYear.fund_id == fund.id, col(FundYear.year).in_(sorted(set(years))))
        .order_by(col(FundYear.year))
        .with_for_update()
    ).all()


def recipient_by_code(session: Session, code: str) -> Recipient:
    """Return recipient ``code`` or raise :class:`UnknownRecord`."""
    found = session.exec(select(Recipient).where(Recipient.code == code)).first()
    if found is None:
        raise UnknownRecord("recipient", code)
    return found


_ENTERPRISE = select(Enterprise).where(Enterprise.credit_code == bindparam("credit_code"))
_AWARD = select(Award).where(Award.code == bindparam("code"))
_AWARD_FOR_UPDATE = _AWARD.with_for_update()
_ENTRY_BY_KEY = DriverStatement(
    "SELECT id, request_hash FROM ledger_entry WHERE idempotency_key = ?"
)


def enterprise_by_code(session: Session, credit_code: str, field: str = "enterprise") -> Enterprise:
    """Return the enterprise with this credit code (as typed: any case, spaces around).

    A code that is not registered is :class:`UnknownRecord`, unless it cannot be a credit
    code at all (a wrong check character, GB 32100-2015): then :class:`InvalidInput` naming
    ``field`` says what is wrong with it, since the slip is in the typing, not the register.
    """
    credit_code = credit_code.strip().upper()  # stored upper-case (funds.grants.records)
    found = session.exec(_ENTERPRISE, params={"credit_code": credit_code}).first()
    if found is None:
        problem = credit_code_problem(credit_code)
        if problem:
            raise InvalidInput(field, f"{credit_code!r} {problem}")
        raise UnknownRecord("enterprise", credit_code)
    return found


def award_by_code(session: Session, code: str, *, lock: bool = False) -> Award:
    """Return award ``code`` (locked ``FOR UPDATE`` on PostgreSQL when asked)."""
    locking = lock and not is_sqlite(session)
    found = session.exec(_AWARD_FOR_UPDATE if locking else _AWARD, params={"code": code}).first()
    if found is None:
        raise UnknownRecord("award", code)
    return found


def stages_of(session: Session, award: Award) -> list[Stage]:
    """Return the award's stages in order."""
    return list(
        session.exec(select(Stage).where(Stage.award_id == award.id).order_by(col(Stage.seq)))
    )


def stage_of(session: Session, award: Award, seq: int) -> Stage:
    """Return stage ``seq`` of the award."""
    found = session.exec(select(Stage).where(Stage.award_id == award.id, Stage.seq == seq)).first()
    if found is None:
        raise UnknownRecord("stage", f"{award.code}#{seq}")
    return found


def rules_of(award: Award) -> ProgrammeRules:
    """Return the rules of the award's programme."""
    return rules_for(award.programme)


def fund_code_of(session: Session, award: Award) -> str:
    """Return the code of the fund the award draws on."""
    fund = session.get(Fund, award.fund_id)
    assert fund is not None
    return fund.code


def replayed_entry(session: Session, key: str | None, request: Mapping[str, Any]) -> Entry | None:
    """Return the entry an earlier call with idempotency ``key`` made, if the request matches.

    Same key and same request: the earlier entry (the caller returns its earlier result).
    Same key and another request: :class:`IdempotencyConflict`. Unknown key: ``None``.
    """
    if key is None:
        return None
    found = _ENTRY_BY_KEY.first(session, (key,))
    if found is None:  # the usual case: one statement on the driver's cursor, no ORM object
        return None
    entry_id, request_hash = found
    if request_hash != request_digest(request):
        raise IdempotencyConflict(
            f"idempotency key {key!r} was used for a different request (entry #{entry_id})",
            key=key,
            entry=entry_id,
        )
    entry = session.get(Entry, entry_id)
    assert entry is not None
    return entry


def require_active(award: Award, on: date, what: str) -> None:
    """Refuse money movements for an award whose recipient has exited or was revoked."""
    if award.status == "active":
        return
    if award.ended_on is not None and on < award.ended_on and what in ("pass-through", "spending"):
        return  # recording use that happened before the exit
    rules = rules_of(award)
    raise_ended(award, what, rules)


def raise_ended(award: Award, what: str, rules: ProgrammeRules) -> None:
    """Raise :class:`~funds.grants.errors.AwardEnded` for ``award``."""
    from funds.grants.errors import AwardEnded

    clause = rules.clauses.get("exit") or rules.clauses.get("revocation")
    raise AwardEnded(
        "no-payment-after-exit",
        f"award {award.code} is {award.status} since {award.ended_on}: no {what} may be"
        " recorded for it",
        clause=clause,
        award=award.code,
        status=award.status,
    )


def refuse(rule: str, message: str, *, clause: str | None = None, **details: Any) -> RuleBreach:
    """Build a :class:`RuleBreach` (callers ``raise refuse(...)``)."""
    return RuleBreach(rule, message, clause=clause, **details)
