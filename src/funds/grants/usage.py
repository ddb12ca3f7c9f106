"""What the recipient does with money it holds: pass it on to enterprises, or spend it.

Never more than the recipient holds for that award, as of the use's date and on every
later day: a stage's money is held from the day its release is effective, so a use dated
before it, or one that would take money later-dated uses already took, is refused (the
``held`` account may not go negative on any day, not only today). For a zone grant the
recipient's own use is capped at 20 % of the money it had received by the use's date, and a
backdated use must keep every later day within the cap too, so that the 80 % pass-through
floor stays reachable (ZONE-GUIDE 评估管理).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, func, select

from funds.actors import actor_name
from funds.db import table_of
from funds.driver_sql import DriverStatement, stored_day
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.awards import require_not_exited_by_deadline
from funds.grants.common import (
    award_by_code,
    enterprise_by_code,
    replayed_entry,
    require_active,
    rules_of,
)
from funds.grants.errors import RuleBreach
from funds.grants.models import Award, Stage, Use
from funds.grants.queries import passed_and_paid_statement
from funds.ledger import BalanceRuleBroken, EntryRequest, Ledger, Leg
from funds.ledger.by_day import Shortfall, least_from
from funds.money import format_yuan
from funds.policy import PROGRAMMES, ProgrammeRules

VERBS = {"pass_through": "pass on", "own_use": "spend"}
"""What the refusal says the recipient cannot do, by kind of use."""
NOUNS = {"pass_through": "money passed on", "own_use": "own spending"}
"""How a refusal names an earlier use, by kind."""


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
    """Record money the recipient passed on (下达) to an enterprise (the purpose is recorded
    without the spaces around it)."""
    actor = actor_name(actor)
    _check_amount(amount)
    what = _purpose(purpose, "say what the enterprise receives the money for")
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
    check_pass_through_purpose(rules_of(found), what)
    target = enterprise_by_code(session, enterprise)
    require_active(found, on, "pass-through")
    require_not_exited_by_deadline(session, found, on, "pass-through")
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
        memo=f"{award} 下达 {target.name}: {what}",
        voucher=voucher,
        key=idempotency_key,
        links={"award": award, "enterprise": target.credit_code},
        request=request,
        purpose=what,
        enterprise_id=target.id,
    )


def check_pass_through_purpose(rules: ProgrammeRules, purpose: str) -> None:
    """Refuse money passed on for what another programme's text lists and this one's does not.

    The texts list what each programme's money goes to and end the list in 等, so other
    wording is accepted; but a purpose that another programme names and this one does not
    (培育服务型制造标杆企业 under a cluster award, ADV-OPINION §二十一) is a slip to catch, and
    so is a zone's own-use purpose (诊断宣贯) recorded as money passed on, which would count
    towards the 80 % floor (ZONE-GUIDE 评估管理).
    """
    floor = rules.min_pass_through_percent
    own_use_only = purpose in rules.own_use_purposes and purpose not in rules.pass_through_purposes
    if floor is not None and own_use_only:  # 剩余资金用于开展诊断宣贯……
        raise InvalidInput(
            "purpose",
            f"{purpose!r} is one of the uses of the rest (at most {100 - floor} %) that"
            f" {rules.name_zh}'s recipient spends itself: record it as own spending, not as"
            f" money passed on to an enterprise (for {'、'.join(rules.pass_through_purposes)}等)",
            clause=rules.clauses.get("use"),
        )
    own = {*rules.pass_through_purposes, *rules.own_use_purposes}
    for other in PROGRAMMES.values():
        if purpose in other.pass_through_purposes and purpose not in own:
            raise InvalidInput(
                "purpose",
                f"{purpose!r} is a use of {other.name_zh}, not of {rules.name_zh}, whose money"
                f" goes to {'、'.join(rules.pass_through_purposes)}等",
                clause=rules.clauses.get("use"),
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
    """Record the recipient's own spending, for a purpose from the programme's list (typed
    with spaces around it or not, as a pass-through's)."""
    actor = actor_name(actor)
    _check_amount(amount)
    what = _purpose(purpose, "say what the recipient spent the money on")
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
    if what not in rules.own_use_purposes:
        raise InvalidInput(
            "purpose",
            f"{what!r} is not an own-use purpose of {rules.name_zh};"
            f" allowed: {'、'.join(rules.own_use_purposes)}",
        )
    require_active(found, on, "spending")
    require_not_exited_by_deadline(session, found, on, "spending")
    if rules.min_pass_through_percent is not None:
        _check_own_use_cap(session, found, amount, on, 100 - rules.min_pass_through_percent)
    ledger = Ledger(session)
    account = accounts.spent(award, what)
    accounts.open_account(ledger, account, what)
    return _record_use(
        session,
        ledger,
        found,
        kind="own_use",
        target=account,
        amount=amount,
        on=on,
        actor=actor,
        memo=f"{award} 自用: {what}",
        voucher=voucher,
        key=idempotency_key,
        links={"award": award, "purpose": what},
        request=request,
        purpose=what,
        enterprise_id=None,
    )


def _purpose(purpose: str, ask: str) -> str:
    """The purpose as recorded: without the spaces around it; refused when nothing is left."""
    what = purpose.strip()
    if not what:
        raise InvalidInput("purpose", ask)
    return what


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
    """Post held → ``target`` and record the use; a retry that lost a race gets the first.

    The voucher is recorded without the spaces around it, and refused when a standing use
    of the award already has it (:func:`check_voucher_unused`).
    """
    held = accounts.held(award.code)
    voucher = voucher.strip() if voucher else voucher
    try:
        check_voucher_unused(session, award, voucher, on)
        check_held_by_day(ledger, award.code, kind, amount, on)
    except RuleBreach:
        earlier = replayed_entry(session, key, request)  # a retry that won a race, now locked
        if earlier is None:
            raise
        return _use_of_entry(session, earlier.id)  # type: ignore[arg-type]
    columns = (award.id, kind, enterprise_id, purpose, amount, stored_day(session, on), voucher)
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
            ),
            alongside=lambda entry_id: [
                (_INSERT_USE, (*columns, entry_id, actor)),
                passed_and_paid_statement(award.code, award.id),  # type: ignore[arg-type]
            ],
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
    inserted, totals = entry.alongside_rows
    assert inserted is not None
    assert totals is not None
    use = Use(
        id=inserted[0],
        award_id=award.id,  # type: ignore[arg-type]
        kind=kind,
        enterprise_id=enterprise_id,
        purpose=purpose,
        amount=amount,
        effective_date=on,
        voucher=voucher,
        entry_id=entry.id,
        reversed_by=None,
        actor=actor,
    )
    # The row is written: the object is its stored form, detached. It is not added to the
    # session, which never saw it inserted, so would keep it in its identity map after a
    # rollback of the insert; a later query in the session loads the row afresh.
    make_transient_to_detached(use)
    use._totals_after = (int(totals[0]), int(totals[1]))
    return use


_INSERT_USE = DriverStatement(
    "INSERT INTO award_use (award_id, kind, enterprise_id, purpose, amount, effective_date,"
    " voucher, entry_id, reversed_by, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?) RETURNING id"
)
"""The use row, written with the entry's writes (:meth:`Ledger.post`'s ``alongside``) and
followed there by a read of the award's totals (:attr:`Use.totals_after`): on PostgreSQL in
their round trip, while the chain head is locked, instead of a round trip each."""


_USE_OF_VOUCHER = DriverStatement(
    "SELECT u.entry_id, u.kind, u.amount, u.effective_date FROM award_use u"
    " WHERE u.award_id = ? AND u.voucher = ? AND (u.reversed_by IS NULL OR"
    " (SELECT r.effective_date FROM ledger_entry r WHERE r.id = u.reversed_by) > ?)"
    " ORDER BY u.id LIMIT 1"
)
"""The use of an award with a voucher that stands on a day: not reversed, or reversed only
later (index ``ix_award_use_award_voucher``)."""


def check_voucher_unused(session: Session, award: Award, voucher: str | None, on: date) -> None:
    """Refuse a use dated ``on`` whose voucher (凭证号) a use of ``award`` standing on ``on``
    already has (call under the award's lock).

    A voucher is one payment document: recorded twice for one award, passed on or spent, it
    is almost always the same payment entered twice. A retry of the same call under its
    idempotency key is answered before this, with the first use; a reversed use frees its
    voucher for the corrected entry from the reversal's date (before it, as of the days
    between, both uses would count).
    """
    if not voucher:
        return
    found = _USE_OF_VOUCHER.first(session, (award.id, voucher, on))
    if found is not None:
        entry_id, kind, amount, day = found
        raise voucher_used(award.code, voucher, int(entry_id), kind, int(amount), day)


def voucher_used(
    award: str, voucher: str, entry_id: int, kind: str, amount: int, day: object
) -> RuleBreach:
    """The refusal of a second use with ``voucher``, naming the earlier entry."""
    return RuleBreach(
        "voucher-once",
        f"voucher {voucher!r} is already recorded for {award}: entry #{entry_id},"
        f" {NOUNS[kind]} of {format_yuan(amount)} 元 dated {day}; one voucher is one payment"
        " (reverse that entry to correct it, or give this payment its own voucher)",
        voucher=voucher,
        entry=entry_id,
    )


def check_held_by_day(ledger: Ledger, award: str, kind: str, amount: int, on: date) -> None:
    """Refuse a use of ``amount`` dated ``on`` unless ``award``'s holding covers it on ``on``
    and on every later day (call under the award's lock)."""
    points = ledger.balances_from(accounts.held(award), on)
    least_on, least = least_from(points)
    if least < amount:
        raise held_shortfall(award, kind, amount, Shortfall(on, points[0][1], least, least_on))


def held_shortfall(award: str, kind: str, amount: int, short: Shortfall) -> RuleBreach:
    """The refusal of a use the holding does not cover, in the officer's terms: the award,
    the use's date, what was held then and what later-dated uses leave of it (元)."""
    message = f"{award} holds {format_yuan(short.balance)} 元 as of {short.day}"
    if short.least_on != short.day:
        message += (
            f", but uses dated up to {short.least_on} leave only"
            f" {format_yuan(short.least)} 元 of it"
        )
    message += f"; it cannot {VERBS[kind]} {format_yuan(amount)} 元 dated {short.day}"
    return RuleBreach(
        "use-within-held", message, held=short.least, amount=amount, as_of=short.least_on
    )


def _check_own_use_cap(
    session: Session,
    award: Award,
    amount: int,
    on: date,
    percent: int,
    *,
    without_stage: int | None = None,
) -> None:
    """Refuse own use that would pass ``percent`` of the money received, on any day from ``on``.

    The cap is measured as of each use's date: a use dated ``on`` counts against what had been
    received by ``on``, not against stages paid later. A backdated use also adds to every
    later day, so the check runs on ``on`` and on the date of each later own use (received
    money only grows between them, so those are the days the cap can first break).
    ``without_stage`` leaves out a paid stage (id) whose release is being reversed.
    """
    uses = session.exec(
        select(col(Use.effective_date), col(Use.amount)).where(
            Use.award_id == award.id,
            Use.kind == "own_use",
            Use.reversed_by == None,  # noqa: E711
        )
    ).all()
    paid = session.exec(
        select(col(Stage.paid_on), col(Stage.amount)).where(
            Stage.award_id == award.id, Stage.status == "paid", Stage.id != without_stage
        )
    ).all()
    for day in sorted({on, *(used_on for used_on, _ in uses if used_on > on)}):
        received = sum(part for paid_on, part in paid if paid_on is not None and paid_on <= day)
        spent = sum(used for used_on, used in uses if used_on <= day)
        cap = received * percent // 100
        if spent + amount > cap:
            more = (
                f" and {format_yuan(amount)} 元 more dated {on} would pass it"
                if amount
                else "; reverse that own use before the release that paid for it"
            )
            raise RuleBreach(
                "own-use-at-most-20-percent",
                f"{award.code} had received {format_yuan(received)} 元 by {day}; its own use"
                f" may not exceed {percent} % ({format_yuan(cap)} 元), it had used"
                f" {format_yuan(spent)} 元 by then{more}",
                clause="zone-pass-through",
                received=received,
                cap=cap,
                spent=spent,
                as_of=day,
            )


def check_own_use_after_reversal(session: Session, award: Award, stage: Stage) -> None:
    """Refuse to reverse the release of ``stage`` when the own use already recorded would then
    pass the programme's cap on some day (ZONE-GUIDE 评估管理): reverse that use first."""
    rules = rules_of(award)
    if rules.min_pass_through_percent is None:
        return
    first = session.exec(
        select(func.min(Use.effective_date)).where(
            Use.award_id == award.id,
            Use.kind == "own_use",
            Use.reversed_by == None,  # noqa: E711
        )
    ).one()
    if first is not None:
        percent = 100 - rules.min_pass_through_percent
        _check_own_use_cap(session, award, 0, first, percent, without_stage=stage.id)


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
