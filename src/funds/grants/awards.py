"""Granting awards and releasing their stages (request by one officer, approve by another).

A grant commits every stage against its planned year's budget in one entry; a release
moves one stage's commitment to the recipient once its gate holds: the recognition for
the first stage, a passing assessment for that year for the others (ADV-OPINION §二十一,
ADV-MEASURES 第十二条, ZONE-GUIDE 评估管理).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from funds.actors import actor_name
from funds.driver_sql import DriverStatement
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants import county as county_figures
from funds.grants.common import (
    add_months,
    award_by_code,
    fund_by_code,
    fund_code_of,
    lock_fund_years,
    now,
    recipient_by_code,
    replayed_entry,
    require_active,
    rules_of,
    stage_of,
)
from funds.grants.errors import (
    AwardEnded,
    BudgetShortfall,
    Duplicate,
    GateNotMet,
    MakerChecker,
    RuleBreach,
)
from funds.grants.models import Assessment, Award, Recipient, Stage
from funds.ledger import EntryRequest, Ledger, Leg
from funds.ledger.by_day import least_from
from funds.money import format_wan, format_yuan, format_yuan_wan
from funds.policy import (
    CountyClusterFacts,
    FailedStagePolicy,
    Gate,
    Grade,
    Programme,
    ProgrammeRules,
    canonical,
    rules_for,
    split_amount,
)


@dataclass(frozen=True)
class StagePlan:
    """A stage as an officer plans it: year, amount in 分 and (optionally) its gate."""

    year: int
    amount: int
    gate: Gate | None = None


def plan_stages(
    amount: int, start_year: int, split: tuple[int, ...] | None, rules: ProgrammeRules
) -> list[StagePlan]:
    """Split ``amount`` over consecutive years from ``start_year`` (default split 40/30/30)."""
    percents = split or rules.default_split
    try:
        parts = split_amount(amount, percents)
    except ValueError as error:
        raise InvalidInput("split", str(error)) from None
    return [StagePlan(start_year + i, part) for i, part in enumerate(parts)]


def grant_award(
    session: Session,
    *,
    programme: Programme | str,
    recipient: str,
    fund: str,
    granted_on: date,
    actor: str,
    amount: int | None = None,
    tier: str = "",
    stages: list[StagePlan] | None = None,
    split: tuple[int, ...] | None = None,
    code: str | None = None,
    idempotency_key: str | None = None,
    county: CountyClusterFacts | None = None,
) -> Award:
    """Grant an award and commit each stage against its year's budget.

    Refused, naming the shortfall, when a year's available budget is too small; refused
    when an advanced-cluster amount differs from its tier's (1000万 / 500万), when a
    zone stage falls after the guideline's validity (2027-12-31), or when a county
    cluster's recognition figures (``county``, stored on the award) miss a criterion of
    COUNTY-PLAN 附件4 第三条. The edges require ``county`` for every county grant
    (:func:`funds.grants.county.county_facts`); without it the grant is recorded with
    empty figures, as awards stored before the criteria were checked are.
    """
    actor = actor_name(actor)
    try:
        rules = rules_for(programme)
    except ValueError:
        names = ", ".join(str(p) for p in Programme)
        raise InvalidInput("programme", f"{programme!r} is not one of {names}") from None
    tier = canonical(tier) if tier else ""
    amount = _award_amount(rules, amount, tier)
    plans = stages or plan_stages(amount, granted_on.year, split, rules)
    request = {
        "op": "grant",
        "programme": str(rules.programme),
        "recipient": recipient,
        "fund": fund,
        "amount": amount,
        "tier": tier,
        "granted_on": granted_on.isoformat(),
        "stages": [[p.year, p.amount, p.gate] for p in plans],
        "code": code,
    }
    if county is not None:  # only then: earlier requests keep their hash
        request["county"] = county_figures.request_part(county)
    earlier = replayed_entry(session, idempotency_key, request)
    if earlier is not None:
        return award_by_code(session, _linked_award(earlier.links))
    if rules.in_force_from is not None and granted_on < rules.in_force_from:
        raise RuleBreach(
            "programme-in-force",
            f"a {rules.name_zh} rests on a text of {rules.in_force_from}; one granted on"
            f" {granted_on}, before it, has no basis: check granted_on",
            clause=rules.clauses.get("in_force"),
            granted_on=granted_on,
            in_force_from=rules.in_force_from,
        )
    _check_stages(rules, amount, plans, granted_on)
    county_figures.check_recognition(rules, county)
    holder = recipient_by_code(session, recipient)
    if rules.recipient_kinds and holder.kind not in rules.recipient_kinds:
        raise RuleBreach(
            "eligible-recipient",
            f"{holder.name} is a {holder.kind}{_KIND_ZH.get(holder.kind, '')}; a"
            f" {rules.name_zh} goes to a {' / '.join(rules.recipient_kinds)}",
            clause=rules.clauses.get("creator"),
            recipient=recipient,
        )
    if rules.tiers:
        _check_new_recognition(session, rules, holder, tier)
    source = fund_by_code(session, fund)
    if code is not None and not _CODE.fullmatch(code):
        raise InvalidInput(
            "code", f"{code!r} is not an award code (letters, digits and '-', e.g. ZONE-2025-0001)"
        )
    code = code or _next_code(session, rules, granted_on.year)
    if session.exec(select(Award).where(Award.code == code)).first() is not None:
        raise Duplicate(f"award {code} already exists", award=code)
    ledger = Ledger(session)
    lock_fund_years(session, source, [plan.year for plan in plans])
    _check_budget(ledger, fund, plans, granted_on, rules.clauses.get("budget"))
    legs: list[Leg] = []
    for seq, plan in enumerate(plans, start=1):
        target = accounts.committed(fund, plan.year, code, seq)
        legs += [Leg(accounts.available(fund, plan.year), -plan.amount), Leg(target, plan.amount)]
    accounts.open_accounts(ledger, [leg.account for leg in legs[1::2]] + [accounts.held(code)])
    entry = ledger.post(
        EntryRequest(
            kind="grant",
            effective_date=granted_on,
            legs=legs,
            actor=actor,
            memo=f"{rules.name_zh} {code}: {holder.name} {format_wan(amount)}",
            idempotency_key=idempotency_key,
            links={"award": code, "recipient": recipient},
            request=request,
        )
    )
    if entry.replayed:  # a concurrent retry with the same key won the race
        return award_by_code(session, _linked_award(ledger.entry(entry.id).links))
    award = Award(
        code=code,
        programme=str(rules.programme),
        tier=tier,
        recipient_id=holder.id,  # type: ignore[arg-type]
        fund_id=source.id,  # type: ignore[arg-type]
        amount=amount,
        granted_on=granted_on,
        recognition_expires=(
            add_months(granted_on, 12 * rules.recognition_years)
            if rules.recognition_years
            else None
        ),
        granted_by=actor,
        recorded_at=now(),
    )
    if county is not None:
        county_figures.store(award, county)
    session.add(award)
    session.flush()
    for seq, plan in enumerate(plans, start=1):
        gate = plan.gate or (Gate.RECOGNITION if seq == 1 else Gate.ASSESSMENT)
        session.add(
            Stage(
                award_id=award.id,  # type: ignore[arg-type]
                seq=seq,
                year=plan.year,
                amount=plan.amount,
                gate=str(gate),
                commit_entry_id=entry.id,
            )
        )
    session.flush()
    return award


def _linked_award(links: str) -> str:
    return str(json.loads(links)["award"])


def _award_amount(rules: ProgrammeRules, amount: int | None, tier: str) -> int:
    if rules.tiers:
        if tier not in rules.tiers:
            raise InvalidInput(
                "tier", f"{tier!r} is not one of {', '.join(rules.tiers)} for {rules.name_zh}"
            )
        fixed = rules.tiers[tier]
        if amount is not None and amount != fixed:
            raise RuleBreach(
                "fixed-award-amount",
                f"a {tier} {rules.name_zh} is {format_yuan_wan(fixed)},"
                f" not {format_yuan(amount)} 元",
                clause=rules.clauses["amount"],
            )
        return fixed
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", f"{rules.name_zh} needs a positive amount in 分")
    return amount


def _check_stages(
    rules: ProgrammeRules, amount: int, plans: list[StagePlan], granted_on: date
) -> None:
    if not plans:
        raise InvalidInput("stages", "an award needs at least one stage")
    if any(isinstance(p.amount, bool) or not isinstance(p.amount, int) for p in plans):
        raise InvalidInput("stages", "stage amounts are integer 分")
    if any(p.amount <= 0 for p in plans):
        raise InvalidInput("stages", "every stage amount must be positive")
    if sum(p.amount for p in plans) != amount:
        raise InvalidInput(
            "stages",
            f"stages sum to {format_yuan(sum(p.amount for p in plans))} 元,"
            f" the award is {format_yuan(amount)} 元",
        )
    if len(plans) < rules.min_stages:
        raise RuleBreach(
            "staged-payment",
            f"a {rules.name_zh} is paid in stages by its assessment results (分步到位):"
            f" plan at least {rules.min_stages} stages, not {len(plans)}",
            clause=rules.clauses.get("staged"),
            stages=len(plans),
        )
    if any(p.year < granted_on.year for p in plans):
        raise InvalidInput("stages", "a stage cannot be planned before the year of the grant")
    if any(p.gate == Gate.RECOGNITION for p in plans[1:]):
        raise RuleBreach(
            "gate-assessment",
            "only the first stage is paid on the recognition; every later stage waits for its"
            " year's passing assessment (根据认定和考核评价结果分步到位)",
            clause=rules.clauses.get("staged") or rules.clauses.get("gate"),
        )
    if rules.valid_until is not None:
        late = [p.year for p in plans if p.year > rules.valid_until.year]
        if late:
            raise RuleBreach(
                "zone-stage-within-validity",
                f"stages planned in {late} fall after the guideline's validity"
                f" ({rules.valid_until.isoformat()})",
                clause=rules.clauses["validity"],
                years=late,
            )


def _check_new_recognition(
    session: Session, rules: ProgrammeRules, holder: Recipient, tier: str
) -> None:
    """Refuse a second award for a recognition the recipient was already awarded for.

    The award is given to a newly recognised cluster (给予新认定的……集群, ADV-OPINION §二十一),
    once: a cluster that holds an award of this programme that was not revoked gets another
    only when it is newly recognised at a higher tier (provincial → national → world), never
    again at the same tier or a lower one. The higher tier's award is paid in full (the
    text gives it to each new recognition and says nothing of netting the earlier one).
    """
    # One grant for a recipient at a time: two concurrent grants for one recognition wait
    # here for each other (PostgreSQL row lock; SQLite's writer lock already orders them).
    session.exec(select(Recipient.id).where(Recipient.id == holder.id).with_for_update()).one()
    held = session.exec(
        select(Award).where(
            Award.recipient_id == holder.id,
            Award.programme == str(rules.programme),
            Award.status != "revoked",
        )
    ).all()
    rank = list(rules.tiers)  # world, national, provincial: the first is the highest
    for earlier in held:
        if earlier.tier not in rank or rank.index(earlier.tier) <= rank.index(tier):
            raise RuleBreach(
                "award-once-per-recognition",
                f"{holder.name} already holds {earlier.code} ({earlier.tier},"
                f" {format_yuan(earlier.amount)} 元, granted {earlier.granted_on}); a"
                f" {rules.name_zh} is given once, on a new recognition (新认定), and again only"
                " when the cluster is newly recognised at a higher tier",
                clause=rules.clauses.get("amount"),
                recipient=holder.code,
                award=earlier.code,
            )


def _check_budget(
    ledger: Ledger, fund: str, plans: list[StagePlan], granted_on: date, clause: str | None
) -> None:
    """Refuse a grant whose stages some year's available budget cannot carry on the grant
    date or any later day: the commitment is dated ``granted_on``, so it counts on every
    day from then on, and a budget set (or freed by a forfeit) only later, or taken by
    later-dated grants, does not carry it on the days before."""
    needed: dict[int, int] = defaultdict(int)
    for plan in plans:
        needed[plan.year] += plan.amount
    for year, amount in sorted(needed.items()):
        code = accounts.available(fund, year)
        least_on, have = least_from(ledger.balances_from(code, granted_on))
        if have < amount:
            when = "" if least_on == granted_on else f" on {least_on}"
            raise BudgetShortfall(
                "budget-not-overdrawn",
                f"{fund} {year}: available budget {format_yuan(have)} 元{when} cannot carry"
                f" {format_yuan(amount)} 元 granted on {granted_on};"
                f" short by {format_yuan(amount - have)} 元"
                + _later_budget_hint(ledger, fund, year, granted_on),
                clause=clause,
                fund=fund,
                year=year,
                available=have,
                needed=amount,
                shortfall=amount - have,
                as_of=least_on,
            )


def _later_budget_hint(ledger: Ledger, fund: str, year: int, granted_on: date) -> str:
    """Say so when the year's budget grew after the grant date: a budget recorded (dated)
    later does not carry an earlier grant, which an officer may not expect."""
    source = accounts.budget(fund, year)  # its balance is minus the budget
    then = -ledger.balance(source, granted_on, missing_ok=True)
    now = -ledger.balance(source, missing_ok=True)
    if now <= then:
        return ""
    return (
        f" (the {year} budget was {format_yuan(then)} 元 on {granted_on} and is"
        f" {format_yuan(now)} 元 now: a budget dated after the grant does not carry it; record"
        " the budget dated on or before the grant date)"
    )


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
_KIND_ZH = {
    "local_zone": " (省级以下开发区)",
    "development_zone": " (省级以上开发区)",
    "cluster": " (产业集群)",
    "county": " (县)",
    "district": " (区)",
}
"""How a refusal names a recipient kind that a programme does not admit."""


def _next_code(session: Session, rules: ProgrammeRules, year: int) -> str:
    prefix = f"{rules.code_prefix}-{year}-"
    if session.get_bind().dialect.name == "postgresql":
        # Concurrent grants of one programme-year take turns to pick the next number.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": prefix})
    code = col(Award.code)
    in_prefix = (code >= prefix, code < prefix + "\U0010ffff", code.startswith(prefix))
    # Fast path: the largest code in index order is the highest zero-padded number.
    last = session.exec(select(Award.code).where(*in_prefix).order_by(code.desc()).limit(1)).first()
    suffix = last[len(prefix) :] if last else "0"
    if suffix.isdigit() and int(suffix) < 9999:
        return f"{prefix}{int(suffix) + 1:04d}"
    # Past 9999 (or custom codes): longest then largest first.
    query = (
        select(Award.code)
        .where(*in_prefix)
        .order_by(func.length(code).desc(), code.desc())
        .limit(50)
    )
    numbers = [int(c[len(prefix) :]) for c in session.exec(query) if c[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


# -- release ------------------------------------------------------------------------------


def request_release(session: Session, *, award: str, seq: int, actor: str, on: date) -> Stage:
    """Ask for stage ``seq`` to be paid; a different officer must approve it."""
    actor = actor_name(actor)
    found = award_by_code(session, award, lock=True)
    stage = stage_of(session, found, seq)
    if stage.status == "requested" and _requester(stage) == actor:
        return stage
    _check_release(session, found, stage, on)
    stage.status, stage.requested_by, stage.requested_on = "requested", actor, on
    session.add(stage)
    session.flush()
    return stage


def approve_release(
    session: Session,
    *,
    award: str,
    seq: int,
    actor: str,
    on: date,
    idempotency_key: str | None = None,
) -> Stage:
    """Approve a requested stage (maker-checker) and pay it from its commitment.

    The approver and the requester are compared as stripped names (:mod:`funds.actors`):
    ``"finance-a "`` is ``finance-a``, also against a request stored before names were
    stripped.
    """
    actor = actor_name(actor)
    found = award_by_code(session, award, lock=True)
    stage = stage_of(session, found, seq)
    request = {"op": "release", "award": award, "seq": seq, "on": on.isoformat()}
    if replayed_entry(session, idempotency_key, request) is not None:
        return stage
    require_active(found, on, "payment")
    if stage.status != "requested":
        raise RuleBreach(
            "release-requested-first",
            f"stage {award}#{seq} is {stage.status}: a release must be requested by one"
            " finance officer before another approves it",
            stage=f"{award}#{seq}",
        )
    if _requester(stage) == actor:
        raise MakerChecker(
            "maker-checker",
            f"{actor} requested stage {award}#{seq} and cannot also approve it",
            stage=f"{award}#{seq}",
        )
    if stage.requested_on is not None and on < stage.requested_on:
        raise InvalidInput(
            "on",
            f"stage {award}#{seq} was requested on {stage.requested_on}: its approval and"
            f" payment cannot be dated {on}, before the request",
        )
    _check_release(session, found, stage, on)
    fund = fund_code_of(session, found)
    ledger = Ledger(session)
    accounts.open_account(ledger, accounts.held(award))
    entry = ledger.post(
        EntryRequest(
            kind="release",
            effective_date=on,
            legs=[
                Leg(accounts.committed(fund, stage.year, award, seq), -stage.amount),
                Leg(accounts.held(award), stage.amount),
            ],
            actor=actor,
            memo=f"{award} stage {seq} ({stage.year}) requested by {stage.requested_by}",
            idempotency_key=idempotency_key,
            links={"award": award, "stage": seq},
            request=request,
        )
    )
    if entry.replayed:  # a concurrent retry with the same key won the race
        session.refresh(stage)
        return stage
    stage.status, stage.approved_by, stage.paid_on = "paid", actor, on
    stage.release_entry_id = entry.id
    session.add(stage)
    session.flush()
    return stage


_MISSED_RECTIFICATION = DriverStatement(
    "SELECT a.year, a.rectification_due FROM assessment a"
    " WHERE a.award_id = ? AND a.rectification_due IS NOT NULL AND a.rectification_due < ?"
    " AND NOT EXISTS (SELECT 1 FROM assessment b WHERE b.award_id = a.award_id"
    " AND b.year = a.year AND b.reassessment)"
    " AND NOT EXISTS (SELECT 1 FROM rectification_submission r"
    " WHERE r.award_id = a.award_id AND r.year = a.year)"
    " ORDER BY a.rectification_due LIMIT 1"
)
"""A zone's 不合格 whose rectification period ended before a day with neither materials
submitted nor a re-assessment recorded: the zone exits the day after its due date."""


def missed_rectification(session: Session, award: Award, before: date) -> tuple[int, date] | None:
    """The year and due date of ``award``'s earliest 不合格 whose rectification period ended
    before ``before`` with neither materials submitted nor a re-assessment, if any."""
    found = _MISSED_RECTIFICATION.first(session, (award.id, before))
    if found is None:
        return None
    year, due = found
    return int(year), due if isinstance(due, date) else date.fromisoformat(due)  # SQLite: text


def require_not_exited_by_deadline(session: Session, award: Award, on: date, what: str) -> None:
    """Refuse ``what`` dated ``on`` when ``award`` has exited by then under ZONE-GUIDE 评估管理
    though the deadlines have not been applied yet: a 不合格 whose rectification period
    ended before ``on`` with no rectification materials submitted and no re-assessment.

    The exit follows from the texts on the day after the due date whether or not anyone has
    run ``funds assess deadlines``; money paid or used, or a result given, from that day on
    would go to a recipient that had left.
    """
    if rules_of(award).rectification_months is None:
        return
    found = missed_rectification(session, award, on)
    if found is None:
        return
    year, due = found
    raise AwardEnded(
        "no-payment-after-exit",
        f"{award.code}: the {year} 不合格's rectification was due by {due} and neither"
        f" materials nor a re-assessment are on record, so the zone exits on"
        f" {due + timedelta(days=1)}: no {what} dated {on} may be recorded; apply the"
        " deadlines (funds assess deadlines) to record the exit",
        clause=rules_of(award).clauses.get("rectification"),
        award=award.code,
        exits_on=due + timedelta(days=1),
    )


def _requester(stage: Stage) -> str | None:
    return None if stage.requested_by is None else stage.requested_by.strip()


def _check_release(session: Session, award: Award, stage: Stage, on: date) -> None:
    rules = rules_of(award)
    name = f"{award.code}#{stage.seq}"
    if stage.status == "paid":
        raise RuleBreach("stage-paid-once", f"stage {name} was already paid on {stage.paid_on}")
    require_active(award, on, "payment")
    require_not_exited_by_deadline(session, award, on, "payment")
    if stage.status in ("cancelled", "forfeited"):
        raise RuleBreach(
            "stage-not-cancelled",
            f"stage {name} was {stage.status} on {stage.closed_on}: {stage.note}",
            clause=rules.clauses.get("exit" if stage.status == "cancelled" else "gate"),
        )
    if on < award.granted_on:
        raise GateNotMet(
            "gate-recognition", f"stage {name} cannot be paid before the award ({award.granted_on})"
        )
    if on.year < stage.year:  # 年度资金预算: a stage is paid from its own year's budget
        raise GateNotMet(
            "gate-budget-year",
            f"stage {name} is planned in the {stage.year} budget;"
            f" it cannot be paid before {stage.year}-01-01 (asked for {on})",
            clause=rules.clauses.get("budget"),
            stage=name,
            year=stage.year,
        )
    if award.recognition_expires is not None and on > award.recognition_expires:
        raise GateNotMet(
            "gate-recognition-valid",
            f"the recognition of {award.code} was valid until {award.recognition_expires}"
            " and has expired;"
            " it must pass the review (复核) before more money is paid",
            clause=rules.clauses.get("validity"),
        )
    if stage.gate == Gate.ASSESSMENT and not passed_assessment(session, award, stage.year, on):
        raise GateNotMet(
            "gate-assessment",
            f"stage {name} needs a passing assessment (优秀 or 合格) for {stage.year};"
            f" none is recorded as of {on}",
            clause=rules.clauses.get("gate"),
            stage=name,
            year=stage.year,
        )
    if stage.gate != Gate.ASSESSMENT:  # 对通过考核评价的集群，落实相关财政补助政策 (§二十二)
        result = final_assessment(session, award, stage.year, on)
        if result is not None and not Grade(result.grade).passes:
            raise GateNotMet(
                "gate-assessment",
                f"stage {name} is planned in {stage.year}, and {award.code}'s {stage.year}"
                f" assessment was {Grade(result.grade).label} on {result.assessed_on}: "
                + (
                    "the stage waits for a passing re-assessment after rectification"
                    if rules.failed_stage is FailedStagePolicy.DEFER
                    else "a year whose assessment failed gets no subsidy"
                ),
                clause=rules.clauses.get("gate"),
                stage=name,
                year=stage.year,
            )


def final_assessment(
    session: Session, award: Award, year: int, on: date | None = None
) -> Assessment | None:
    """Return the latest assessment (or re-assessment) of ``year`` known on ``on``."""
    query = select(Assessment).where(Assessment.award_id == award.id, Assessment.year == year)
    if on is not None:
        query = query.where(Assessment.assessed_on <= on)
    query = query.order_by(col(Assessment.assessed_on).desc(), col(Assessment.id).desc())
    return session.exec(query).first()


def passed_assessment(session: Session, award: Award, year: int, on: date) -> bool:
    """Tell whether the award's final assessment for ``year`` (as of ``on``) passed."""
    latest = final_assessment(session, award, year, on)
    return latest is not None and Grade(latest.grade).passes
