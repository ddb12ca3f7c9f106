"""Funds and their annual budgets, recipients and enterprises."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from funds.actors import actor_name
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.common import fund_by_code, fund_year, now, replayed_entry
from funds.grants.credit_code import credit_code_problem
from funds.grants.errors import Duplicate, RuleBreach
from funds.grants.models import BudgetChange, Enterprise, Fund, FundYear, Recipient
from funds.ledger import BalanceRuleBroken, EntryRequest, Ledger, Leg
from funds.ledger.by_day import least_from
from funds.money import format_yuan
from funds.policy import normalise_city

RECIPIENT_KINDS = ("county", "district", "development_zone", "local_zone", "cluster")
"""What a recipient is. ``development_zone`` is a development zone of provincial level or
above (省级以上开发区: 国家级 or 省级, 高新技术开发区 and 经济技术开发区 among them), which
ZONE-GUIDE 总则 admits as a service zone's creator; ``local_zone`` is one below provincial
level (a 市级 or 县级 park), which it does not."""


def add_fund(session: Session, *, code: str, name: str, actor: str) -> Fund:
    """Register a special fund (资金来源); ``actor`` is recorded as who registered it."""
    if not code or ":" in code:
        raise InvalidInput("code", f"{code!r} must be non-empty and contain no ':'")
    if session.exec(select(Fund).where(Fund.code == code)).first() is not None:
        raise Duplicate(f"fund {code!r} already exists", fund=code)
    fund = Fund(code=code, name=name, registered_by=actor, registered_at=now())
    session.add(fund)
    session.flush()
    return fund


def set_budget(
    session: Session,
    *,
    fund_code: str,
    year: int,
    amount: int,
    reason: str,
    actor: str,
    effective_date: date | None = None,
    idempotency_key: str | None = None,
) -> FundYear:
    """Set (or amend, with a reason) a fund's annual budget to ``amount`` 分.

    The entry's effective date defaults to 1 January of the budget year, or today when
    a future year's budget is set in advance.

    A cut below what is already committed is refused: the budget's available part may
    never go negative.
    """
    actor = actor_name(actor)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput("amount", f"{amount!r} is not a non-negative integer of 分")
    if not reason.strip():
        raise InvalidInput("reason", "a budget change needs a recorded reason")
    fund = fund_by_code(session, fund_code)
    request = {"op": "budget", "fund": fund_code, "year": year, "amount": amount}
    row = fund_year(session, fund, year, lock=True)
    if replayed_entry(session, idempotency_key, request) is not None and row is not None:
        return row
    ledger = Ledger(session)
    source, avail = accounts.budget(fund_code, year), accounts.available(fund_code, year)
    accounts.open_account(ledger, source, f"{fund.name} {year} 年度预算")
    accounts.open_account(ledger, avail, f"{fund.name} {year} 可用额度")
    if row is None:
        row = FundYear(fund_id=fund.id, year=year, budget=0)  # type: ignore[arg-type]
        session.add(row)
        session.flush()
    previous, delta = row.budget, amount - row.budget
    day = effective_date or min(date.today(), date(year, 1, 1))
    if delta == 0:
        return row
    if delta < 0:
        cut = f"cut the budget to {format_yuan(amount)} 元"
        check_cut_by_day(ledger, fund_code, year, -delta, day, cut)
    try:
        entry = ledger.post(
            EntryRequest(
                kind="budget",
                effective_date=day,
                legs=[Leg(source, -delta), Leg(avail, delta)],
                actor=actor,
                memo=f"{year} budget {format_yuan(previous)} → {format_yuan(amount)} 元: {reason}",
                idempotency_key=idempotency_key,
                links={"fund": fund_code, "year": year},
                request=request,
            )
        )
    except BalanceRuleBroken as error:
        committed = previous - ledger.balance(avail)
        raise RuleBreach(
            "budget-not-below-commitments",
            f"{fund_code} {year}: cannot cut the budget to {format_yuan(amount)} 元;"
            f" {format_yuan(committed)} 元 is already committed",
            clause="budget-limit",
            committed=committed,
        ) from error
    if entry.replayed:  # a concurrent retry with the same key won the race
        session.refresh(row)
        return row
    row.budget = amount
    session.add(row)
    session.add(
        BudgetChange(
            fund_year_id=row.id,  # type: ignore[arg-type]
            previous=previous,
            budget=amount,
            reason=reason,
            effective_date=day,
            actor=actor,
            recorded_at=now(),
            entry_id=entry.id,
        )
    )
    session.flush()
    return row


def check_cut_by_day(
    ledger: Ledger, fund_code: str, year: int, cut: int, day: date, what: str
) -> None:
    """Refuse to take ``cut`` 分 out of a year's available budget dated ``day`` when the
    commitments dated by then, or on any later day, leave less than that available then:
    the fund's execution as of that day would show more committed than budgeted."""
    least_on, least = least_from(ledger.balances_from(accounts.available(fund_code, year), day))
    if least >= cut:
        return
    raise RuleBreach(
        "budget-not-below-commitments",
        f"{fund_code} {year}: cannot {what} from {day}; on {least_on} only"
        f" {format_yuan(least)} 元 of the budget is uncommitted (the rest is already committed"
        f" or paid), {format_yuan(cut - least)} 元 less than the {format_yuan(cut)} 元 cut",
        clause="budget-limit",
        available=least,
        cut=cut,
        as_of=least_on,
    )


def add_recipient(
    session: Session,
    *,
    code: str,
    name: str,
    kind: str,
    city: str,
    actor: str,
    county: str = "",
) -> Recipient:
    """Register a recipient (county, district, development zone or cluster) for ``actor``."""
    actor = actor_name(actor)
    if kind not in RECIPIENT_KINDS:
        raise InvalidInput("kind", f"{kind!r} is not one of {', '.join(RECIPIENT_KINDS)}")
    try:
        city = normalise_city(city)
    except ValueError as error:
        raise InvalidInput("city", str(error)) from None
    if session.exec(select(Recipient).where(Recipient.code == code)).first() is not None:
        raise Duplicate(f"recipient {code!r} already exists", recipient=code)
    recipient = Recipient(
        code=code,
        name=name,
        kind=kind,
        city=city,
        county=county,
        registered_by=actor,
        registered_at=now(),
    )
    session.add(recipient)
    session.flush()
    return recipient


def add_enterprise(
    session: Session, *, credit_code: str, name: str, city: str, actor: str
) -> Enterprise:
    """Register an enterprise for ``actor``, validating its 统一社会信用代码 and check character."""
    actor = actor_name(actor)
    credit_code = credit_code.strip().upper()
    problem = credit_code_problem(credit_code)
    if problem:
        raise InvalidInput("credit_code", f"{credit_code!r} {problem}")
    try:
        city = normalise_city(city)
    except ValueError as error:
        raise InvalidInput("city", str(error)) from None
    existing = session.exec(select(Enterprise).where(Enterprise.credit_code == credit_code)).first()
    if existing is not None:
        raise Duplicate(f"enterprise {credit_code} already exists ({existing.name})")
    enterprise = Enterprise(
        credit_code=credit_code, name=name, city=city, registered_by=actor, registered_at=now()
    )
    session.add(enterprise)
    session.flush()
    return enterprise
