"""What the recipient does with money it holds: pass it on to enterprises, or spend it.

Never more than the recipient holds for that award (the ``held`` account may not go
negative). For a zone grant the recipient's own use is capped at 20 % of the money it has
received, so that the 80 % pass-through floor stays reachable (ZONE-GUIDE 评估管理).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from funds.db import table_of
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.common import (
    award_by_code,
    enterprise_by_code,
    replayed_entry,
    require_active,
    rules_of,
)
from funds.grants.errors import RuleBreach
from funds.grants.models import Award, Stage, Use
from funds.ledger import BalanceRuleBroken, EntryRequest, Ledger, Leg
from funds.money import format_yuan


def record_pass_through(
    session: Session,
    *,
    award: str,
    enterprise: str,
    amount: int,
    purpose: str,
    on: date,
    actor: str,
    voucher: str | None = None,
    idempotency_key: str | None = None,
) -> Use:
    """Record money the recipient passed on (下达) to an enterprise."""
    _check_amount(amount)
    if not purpose.strip():
        raise InvalidInput("purpose", "say what the enterprise receives the money for")
    enterprise = credit_code_of(enterprise)
    request = {
        "op": "pass_through",
        "award": award,
        "enterprise": enterprise,
        "amount": amount,
        "purpose": purpose,
        "on": on.isoformat(),
        "voucher": voucher,
    }
    earlier = replayed_entry(session, idempotency_key, request)
    if earlier is not None:
        return _use_of_entry(session, earlier.id)  # type: ignore[arg-type]
    found = award_by_code(session, award, lock=True)
    target = enterprise_by_code(session, enterprise)
    require_active(found, on, "pass-through")
    ledger = Ledger(session)
    account = accounts.passed(award, target.credit_code)
    accounts.open_account(ledger, account, target.name)
    return _record_use(
        session,
        ledger,
        found,
        kind="pass_through",
        target=account,
        amount=amount,
        on=on,
        actor=actor,
        memo=f"{award} 下达 {target.name}: {purpose}",
        voucher=voucher,
        key=idempotency_key,
        links={"award": award, "enterprise": target.credit_code},
        request=request,
        purpose=purpose,
        enterprise_id=target.id,
    )


def credit_code_of(text: str) -> str:
    """The form of a credit code typed in that is stored, hashed and retried alike."""
    return text.strip().upper()


def record_spending(
    session: Session,
    *,
    award: str,
    amount: int,
    purpose: str,
    on: date,
    actor: str,
    voucher: str | None = None,
    idempotency_key: str | None = None,
) -> Use:
    """Record the recipient's own spending, for a purpose from the programme's list."""
    _check_amount(amount)
    request = {
        "op": "spending",
        "award": award,
        "amount": amount,
        "purpose": purpose,
        "on": on.isoformat(),
        "voucher": voucher,
    }
    earlier = replayed_entry(session, idempotency_key, request)
    if earlier is not None:
        return _use_of_entry(session, earlier.id)  # type: ignore[arg-type]
    found = award_by_code(session, award, lock=True)
    rules = rules_of(found)
    if purpose not in rules.own_use_purposes:
        raise InvalidInput(
            "purpose",
            f"{purpose!r} is not an own-use purpose of {rules.name_zh};"
            f" allowed: {'、'.join(rules.own_use_purposes)}",
        )
    require_active(found, on, "spending")
    if rules.min_pass_through_percent is not None:
        _check_own_use_cap(session, found, amount, 100 - rules.min_pass_through_percent)
    ledger = Ledger(session)
    account = accounts.spent(award, purpose)
    accounts.open_account(ledger, account, purpose)
    return _record_use(
        session,
        ledger,
        found,
        kind="own_use",
        target=account,
        amount=amount,
        on=on,
        actor=actor,
        memo=f"{award} 自用: {purpose}",
        voucher=voucher,
        key=idempotency_key,
        links={"award": award, "purpose": purpose},
        request=request,
        purpose=purpose,
        enterprise_id=None,
    )


def _check_amount(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", f"{amount!r} is not a positive integer of 分")


def _record_use(
    session: Session,
    ledger: Ledger,
    award: Award,
    *,
    kind: str,
    target: str,
    amount: int,
    on: date,
    actor: str,
    memo: str,
    voucher: str | None,
    key: str | None,
    links: dict[str, str],
    request: dict[str, object],
    purpose: str,
    enterprise_id: int | None,
) -> Use:
    """Post held → ``target`` and record the use; a retry that lost a race gets the first."""
    held = accounts.held(award.code)
    try:
        entry = ledger.post(
            EntryRequest(
                kind=kind,
                effective_date=on,
                legs=[Leg(held, -amount), Leg(target, amount)],
                actor=actor,
                memo=memo,
                voucher=voucher,
                idempotency_key=key,
                links=links,
                request=request,
            )
        )
    except BalanceRuleBroken as error:
        raise RuleBreach(
            "use-within-held",
            f"{award.code} holds {format_yuan(ledger.balance(held))} 元; it cannot pass on"
            f" or spend {format_yuan(amount)} 元",
            held=ledger.balance(held),
            amount=amount,
        ) from error
    if entry.replayed:  # a concurrent retry with the same key won the race
        return _use_of_entry(session, entry.id)
    use = Use(
        award_id=award.id,  # type: ignore[arg-type]
        kind=kind,
        enterprise_id=enterprise_id,
        purpose=purpose,
        amount=amount,
        effective_date=on,
        voucher=voucher,
        entry_id=entry.id,
        actor=actor,
    )
    session.add(use)
    session.flush()
    return use


def _check_own_use_cap(session: Session, award: Award, amount: int, percent: int) -> None:
    received = paid_total(session, award)
    spent = session.exec(
        select(func.coalesce(func.sum(Use.amount), 0)).where(
            Use.award_id == award.id,
            Use.kind == "own_use",
            Use.reversed_by == None,  # noqa: E711
        )
    ).one()
    cap = received * percent // 100
    if int(spent) + amount > cap:
        raise RuleBreach(
            "own-use-at-most-20-percent",
            f"{award.code} has received {format_yuan(received)} 元; its own use may not exceed"
            f" {percent} % ({format_yuan(cap)} 元), it has used {format_yuan(int(spent))} 元"
            f" and asks for {format_yuan(amount)} 元 more",
            clause="zone-pass-through",
            received=received,
            cap=cap,
            spent=int(spent),
        )


_STAGES = table_of(Stage)
_PAID = select(func.coalesce(func.sum(_STAGES.c.amount), 0)).where(
    _STAGES.c.award_id == bindparam("award_id"), _STAGES.c.status == "paid"
)
_PAID_AS_OF = _PAID.where(_STAGES.c.paid_on <= bindparam("as_of"))


def paid_total(session: Session, award: Award, as_of: date | None = None) -> int:
    """Return the money paid to the recipient under ``award`` (optionally as of a date).

    Every pass-through and spending response asks for it, so the statements are built once.
    """
    session.flush()  # as a query through the session would
    conn = session.connection()
    if as_of is None:
        return int(conn.execute(_PAID, {"award_id": award.id}).scalar_one())
    return int(conn.execute(_PAID_AS_OF, {"award_id": award.id, "as_of": as_of}).scalar_one())


def _use_of_entry(session: Session, entry_id: int) -> Use:
    use = session.exec(select(Use).where(Use.entry_id == entry_id)).first()
    assert use is not None, f"entry #{entry_id} has no recorded use"
    return use
