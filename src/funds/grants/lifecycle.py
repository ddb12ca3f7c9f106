"""Assessments and their consequences, exits and revocations, recovery, reports.

The consequences follow by themselves when a result is recorded:
- a zone's 优秀 recommends it to the ministry (ZONE-GUIDE 评估管理 评估优秀的推荐申报工业和
  信息化部服务型制造创新发展高地);
- a zone's 不合格 sets a rectification due date three months on and the year's stage
  waits; a 不合格 re-assessment exits the zone (ZONE-GUIDE 评估管理);
- a cluster's failed year forfeits that year's stage (ADV-OPINION §二十二) and a second
  consecutive failure revokes the title (ADV-MEASURES 第十四条);
- a missing assessment counts as 不合格 once its deadline is past (:func:`apply_deadlines`).
Exit or revocation cancels every unpaid stage (the commitment returns to the budget it came
from) and, where the programme recovers, raises a receivable equal to the money paid.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from funds.actors import actor_name
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.awards import (
    final_assessment,
    missed_rectification,
    require_not_exited_by_deadline,
)
from funds.grants.common import (
    add_months,
    award_by_code,
    fund_code_of,
    now,
    raise_ended,
    replayed_entry,
    rules_of,
    stages_of,
)
from funds.grants.errors import Duplicate, RuleBreach
from funds.grants.models import (
    Assessment,
    Award,
    Recovery,
    RectificationSubmission,
    ReportSubmission,
    Stage,
    Termination,
    Use,
)
from funds.grants.usage import paid_total
from funds.ledger import EntryRequest, Ledger, Leg
from funds.money import format_yuan
from funds.policy import (
    ExitReason,
    FailedStagePolicy,
    Gate,
    Grade,
    Programme,
    ProgrammeRules,
    canonical,
)

SYSTEM = "system"


@dataclass(frozen=True)
class Consequence:
    """Something that followed from a result or a deadline, for the officer to read."""

    award: str
    action: str
    detail: str


def record_assessment(
    session: Session,
    *,
    award: str,
    year: int,
    grade: Grade | str,
    on: date,
    actor: str,
    reassessment: bool = False,
    deemed: bool = False,
) -> list[Consequence]:
    """Record an assessment result and carry out what follows from it."""
    actor = actor_name(actor)
    try:
        grade = Grade(canonical(grade))
    except ValueError:
        raise InvalidInput(
            "grade", f"{grade!r} is not one of {', '.join(g.value for g in Grade)}"
        ) from None
    found = award_by_code(session, award, lock=True)
    rules = rules_of(found)
    if found.status != "active":
        raise_ended(found, "assessment", rules)
    _check_assessment_dates(found, year, on)
    previous = final_assessment(session, found, year)
    if reassessment:
        if previous is None or Grade(previous.grade).passes or rules.rectification_months is None:
            raise RuleBreach(
                "reassessment-after-failure",
                f"{award} {year}: a re-assessment follows a failed assessment of a zone only",
                clause=rules.clauses.get("rectification"),
            )
        due = _rectification_due(session, found, year)
        submitted = rectification_submission(session, found, year)
        if due is not None and on > due and not deemed and submitted is None:
            raise RuleBreach(
                "reassessment-within-rectification",
                f"{award} {year}: the rectification period ended on {due} and no rectification"
                f" materials were recorded as submitted by then; a re-assessment dated {on} is"
                " too late: the zone exits the day after the due date (apply the deadlines)",
                clause=rules.clauses.get("rectification"),
                due=due.isoformat(),
            )
        if submitted is not None and on < submitted.submitted_on:
            raise InvalidInput(
                "on",
                f"{award} {year}: the re-assessment ({on}) cannot precede the rectification"
                f" materials it assesses ({submitted.submitted_on})",
            )
        if on < previous.assessed_on:
            raise RuleBreach(
                "reassessment-after-failure",
                f"{award} {year}: the re-assessment ({on}) cannot precede the failed"
                f" assessment it follows ({previous.assessed_on})",
                clause=rules.clauses.get("rectification"),
            )
    elif previous is not None:
        zone_failed = rules.rectification_months is not None and not Grade(previous.grade).passes
        raise Duplicate(
            f"{award} already has an assessment for {year} ({Grade(previous.grade).label}); "
            + (
                "after rectification, record it as a re-assessment instead"
                if zone_failed
                else "a year is assessed once and its result stands (only a zone's 不合格 is"
                " re-assessed, after rectification)"
            ),
            award=award,
            year=year,
        )
    if not deemed and not reassessment:
        require_not_exited_by_deadline(session, found, on, "assessment")
    if not grade.passes and not deemed:
        _check_failure_after_money(session, found, rules, year, on, reassessment)
    row = Assessment(
        award_id=found.id,  # type: ignore[arg-type]
        year=year,
        grade=str(grade),
        assessed_on=on,
        reassessment=reassessment,
        deemed=deemed,
        actor=actor,
        recorded_at=now(),
    )
    if not grade.passes and rules.rectification_months and not reassessment:
        row.rectification_due = add_months(on, rules.rectification_months)
    session.add(row)
    session.flush()
    if grade is Grade.EXCELLENT and rules.programme is Programme.SERVICE_ZONE:
        return [
            Consequence(
                found.code,
                "recommend",
                f"{year} 优秀: 推荐申报工业和信息化部服务型制造创新发展高地 / recommended to the"
                " ministry as a service-oriented manufacturing innovation highland",
            )
        ]
    if grade.passes:
        return []
    return _after_failure(session, found, row, actor)


def record_rectification(
    session: Session, *, award: str, year: int, on: date, actor: str
) -> RectificationSubmission:
    """Record that a zone submitted its rectification materials for ``year``'s 不合格.

    ZONE-GUIDE 评估管理: 需在3个月内完成整改，并在整改时限内再次提交评价材料和相关佐证材料，
    ……由省工业和信息化厅重新组织评估. The due date binds this submission: materials submitted
    by it keep the zone in while the province re-assesses, even after the due date; with
    none by then the zone exits the day after (:func:`apply_deadlines`). Refused unless
    ``year``'s latest result is a 不合格 with a rectification period, dated on or after that
    result and no later than its due date, once a year.
    """
    actor = actor_name(actor)
    found = award_by_code(session, award, lock=True)
    rules = rules_of(found)
    if found.status != "active":
        raise_ended(found, "rectification", rules)
    due = _rectification_due(session, found, year)
    latest = final_assessment(session, found, year)
    if due is None or latest is None or latest.reassessment or Grade(latest.grade).passes:
        raise RuleBreach(
            "rectification-after-failure",
            f"{award} {year}: rectification materials follow a zone's 不合格 of that year,"
            " before its re-assessment; none is pending",
            clause=rules.clauses.get("rectification"),
        )
    if rectification_submission(session, found, year) is not None:
        raise Duplicate(f"{award} already submitted its rectification materials for {year}")
    if on < latest.assessed_on:
        raise InvalidInput(
            "on",
            f"{award} {year}: rectification materials dated {on} cannot precede the 不合格"
            f" they answer ({latest.assessed_on})",
        )
    if on > due:
        raise RuleBreach(
            "rectification-within-deadline",
            f"{award} {year}: the rectification period ended on {due}; materials submitted"
            f" on {on} are too late (在整改时限内再次提交): the zone exits the day after the due"
            " date (apply the deadlines)",
            clause=rules.clauses.get("rectification"),
            due=due.isoformat(),
        )
    row = RectificationSubmission(
        award_id=found.id,  # type: ignore[arg-type]
        year=year,
        submitted_on=on,
        actor=actor,
        recorded_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def rectification_submission(
    session: Session, award: Award, year: int
) -> RectificationSubmission | None:
    """The rectification materials ``award`` submitted for ``year``, if any."""
    return session.exec(
        select(RectificationSubmission).where(
            RectificationSubmission.award_id == award.id, RectificationSubmission.year == year
        )
    ).first()


def _rectification_due(session: Session, award: Award, year: int) -> date | None:
    """The due date the failed first assessment of ``year`` set (None if it set none)."""
    first = session.exec(
        select(Assessment)
        .where(
            Assessment.award_id == award.id,
            Assessment.year == year,
            col(Assessment.reassessment).is_(False),
        )
        .order_by(col(Assessment.id))
    ).first()
    return first.rectification_due if first is not None else None


def _check_assessment_dates(award: Award, year: int, on: date) -> None:
    """Refuse an assessment that cannot have happened (:class:`InvalidInput` naming the field).

    An award is assessed from the year of its recognition on, never before the recognition,
    and the assessment of year Y is held in Y (the stage of Y waits for it): a result dated
    before 1 January of Y is impossible. Dated later is allowed: a re-assessment after
    rectification, or a result held late, carries the day it was given.
    """
    if year < award.granted_on.year:
        raise InvalidInput(
            "year",
            f"{award.code} was recognised on {award.granted_on}; it has no assessment for {year},"
            " a year before its recognition",
        )
    if on < award.granted_on:
        raise InvalidInput(
            "on",
            f"{award.code} cannot have been assessed on {on}, before its recognition"
            f" ({award.granted_on})",
        )
    if on.year < year:
        raise InvalidInput(
            "on", f"the {year} assessment of {award.code} cannot be dated {on}, before {year}"
        )


def _check_failure_after_money(
    session: Session,
    award: Award,
    rules: ProgrammeRules,
    year: int,
    on: date,
    reassessment: bool,
) -> None:
    """Refuse a failed result dated before money already recorded that it would contradict.

    A 不合格 of ``year`` dated ``on`` stops ``year``'s stages after that day (they wait, or are
    forfeited), so a stage of that year paid later would have been paid without its gate (one
    paid the same day stood on its gate when it was made); and a result that ends the award
    (a failed re-assessment, a second failed year) ends it on its date, so money paid or used
    on or after that day would have gone to a recipient that had left. Either way the
    result's date or the payment is wrong: the result is refused naming ``on``, and nothing
    is recorded.
    """
    for stage in stages_of(session, award):
        if stage.year == year and stage.paid_on is not None and stage.paid_on > on:
            raise InvalidInput(
                "on",
                f"{award.code} stage #{stage.seq} of {year} was paid on {stage.paid_on}; a"
                f" 不合格 of {year} dated {on} would leave it paid while its year stood failed"
                " (the stage waits for a passing result): check the result's date, or reverse"
                " the payment first",
            )
    ends_on = on if reassessment else _revocation_day(session, award, rules, year, on)
    if ends_on is None:
        return
    last = _last_money_day(session, award)
    if last is not None and ends_on <= last:
        kind = "exit" if rules.programme is Programme.SERVICE_ZONE else "revocation"
        raise InvalidInput(
            "on",
            f"{award.code} received or used money on {last}; this 不合格 of {year} dated {on}"
            f" ends the award ({kind} on {ends_on}), which would leave money paid to or used"
            " by a recipient that had left: check the result's date, or reverse that money"
            " first",
        )


def _revocation_day(
    session: Session, award: Award, rules: ProgrammeRules, year: int, on: date
) -> date | None:
    """The day a failed result of ``year`` dated ``on`` would revoke the award by consecutive
    failures (as :func:`_revoked_by` reads it once recorded), or None if it would not."""
    limit = rules.revoke_after_consecutive_failures
    if not limit:
        return None

    def failed_on(y: int) -> date | None:
        return on if y == year else _failed_on(session, award, y)

    window = _first_failed_window(failed_on, year, limit)
    return window[1] if window else None


def _last_money_day(session: Session, award: Award) -> date | None:
    """The last day money was paid to, or recorded as used by, the award's recipient."""
    days: list[date] = [s.paid_on for s in stages_of(session, award) if s.paid_on is not None]
    days += session.exec(
        select(col(Use.effective_date)).where(
            Use.award_id == award.id, col(Use.reversed_by).is_(None)
        )
    ).all()
    return max(days, default=None)


def _after_failure(
    session: Session, award: Award, result: Assessment, actor: str
) -> list[Consequence]:
    rules = rules_of(award)
    if result.reassessment:
        return _terminate(
            session,
            award=award.code,
            reason=ExitReason.FAILED_RECTIFICATION,
            on=result.assessed_on,
            actor=actor,
            note=f"re-assessment of {result.year} still 不合格",
        )
    done: list[Consequence] = []
    if result.rectification_due is not None:
        done.append(
            Consequence(
                award.code,
                "rectify",
                f"{result.year} {Grade(result.grade).label}: rectify and be re-assessed by"
                f" {result.rectification_due}"
                + (
                    f"; the {result.year} stage waits"
                    if any(
                        s.year == result.year and s.status in ("committed", "requested")
                        for s in stages_of(session, award)
                    )
                    else ""
                ),
            )
        )
    if rules.failed_stage is FailedStagePolicy.FORFEIT:
        done += _forfeit_year(session, award, result.year, result.assessed_on, actor)
    limit = rules.revoke_after_consecutive_failures
    if limit and _consecutive_failures(session, award, result.year) >= limit:
        first, on = _revoked_by(session, award, result.year, limit)
        done += _terminate(
            session,
            award=award.code,
            reason=ExitReason.CONSECUTIVE_FAILURES,
            on=on,
            actor=actor,
            note=f"{limit} consecutive failed assessments: {first}–{first + limit - 1}",
        )
    return done


def _revoked_by(session: Session, award: Award, year: int, limit: int) -> tuple[int, date]:
    """The first ``limit`` consecutive failed years in ``year``'s run that include ``year``,
    and the day the last of their results was given: the title is revoked then, not on the
    day of whichever result happened to be typed last (a 2026 deemed 不合格 applied after a
    2027 不合格 of 2027-05-01 revokes on 2027-05-01, not on 2026's deadline)."""
    window = _first_failed_window(lambda y: _failed_on(session, award, y), year, limit)
    assert window is not None  # called once the run is on record
    return window


def _failed_on(session: Session, award: Award, year: int) -> date | None:
    """The day ``year``'s final result was given, if it failed."""
    latest = final_assessment(session, award, year)
    return latest.assessed_on if latest and not Grade(latest.grade).passes else None


def _first_failed_window(
    failed_on: Callable[[int], date | None], year: int, limit: int
) -> tuple[int, date] | None:
    """Of the runs of ``limit`` consecutive failed years that include ``year``, the one
    complete first (its first year, and the day its last result was given), or None."""
    windows: list[tuple[date, int]] = []
    for first in range(year - limit + 1, year + 1):
        days = [failed_on(y) for y in range(first, first + limit)]
        if all(d is not None for d in days):
            windows.append((max(d for d in days if d is not None), first))
    if not windows:
        return None
    on, first = min(windows)
    return first, on


_FOLLOWS_FROM = {
    ExitReason.CONSECUTIVE_FAILURES: "two consecutive failed assessments on record; record"
    " the assessments and the title is revoked with the second",
    ExitReason.FAILED_RECTIFICATION: "a re-assessment after rectification still 不合格 on"
    " record; record the re-assessment and the zone exits with it",
    ExitReason.EXPIRED: "a recognition past its last valid day, or a review (复核) not passed;"
    " record the review, or date the exit after the recognition expires",
}
"""What an officer's exit for a reason that the engine applies itself must rest on."""


def _check_termination_reason(
    session: Session,
    award: Award,
    rules: ProgrammeRules,
    reason: ExitReason,
    on: date,
    on_record: bool,
) -> None:
    """Refuse an officer's exit for a reason the programme's texts do not end an award for,
    or for a result (two failed years, a failed re-assessment, a lapsed recognition) that
    is not on record: the engine ends the award itself when that result is recorded."""
    if reason not in rules.exit_reasons:
        allowed = ", ".join(r.label for r in rules.exit_reasons)
        raise InvalidInput(
            "reason",
            f"{award.code} is a {rules.name_zh}: its texts end it for {allowed}, not"
            f" {reason.label}",
        )
    if on_record or reason not in _FOLLOWS_FROM:
        return
    results = session.exec(select(Assessment).where(Assessment.award_id == award.id)).all()
    if reason is ExitReason.CONSECUTIVE_FAILURES:
        limit = rules.revoke_after_consecutive_failures or 2
        years = {a.year for a in results}
        shown = any(_consecutive_failures(session, award, y) >= limit for y in years)
    elif reason is ExitReason.FAILED_RECTIFICATION:
        shown = any(a.reassessment and not Grade(a.grade).passes for a in results)
    else:
        shown = award.recognition_expires is not None and on > award.recognition_expires
    if not shown:
        expiry = award.recognition_expires
        valid = f" (valid until {expiry})" if expiry is not None else ""
        raise RuleBreach(
            "exit-reason-on-record",
            f"{award.code}{valid} cannot end for {reason.label} on {on}: that needs"
            f" {_FOLLOWS_FROM[reason]}",
            clause=rules.clauses.get("exit"),
            reason=reason.value,
        )


def _consecutive_failures(session: Session, award: Award, year: int) -> int:
    """Count the unbroken run of failed years that ``year`` belongs to, both ways.

    Results may be recorded out of order (2027's before a late 2026's); "连续两年未通过考核"
    (ADV-MEASURES 第十四条) is about the years, not the order they were typed in. A year
    with no result, or a passing one, breaks the run.
    """

    def failed(y: int) -> bool:
        return _failed_on(session, award, y) is not None

    if not failed(year):
        return 0
    first, last = year, year
    while failed(first - 1):
        first -= 1
    while failed(last + 1):
        last += 1
    return last - first + 1


def forfeit_failed_year(session: Session, award: Award, year: int, on: date, actor: str) -> None:
    """Forfeit ``year``'s open stages if its final assessment stands failed and the programme
    forfeits a failed year's money (after a reversed release put a stage back)."""
    rules = rules_of(award)
    result = final_assessment(session, award, year)
    if (
        rules.failed_stage is FailedStagePolicy.FORFEIT
        and result
        and not Grade(result.grade).passes
    ):
        _forfeit_year(session, award, year, max(on, result.assessed_on), actor)


def _forfeit_year(
    session: Session, award: Award, year: int, on: date, actor: str
) -> list[Consequence]:
    open_stages = [
        s
        for s in stages_of(session, award)
        if s.year == year and s.status in ("committed", "requested")
    ]
    if not open_stages:
        return []
    _close_stages(session, award, open_stages, "forfeited", on, actor, f"{year} 考核未通过")
    total = sum(s.amount for s in open_stages)
    return [
        Consequence(
            award.code, "forfeit", f"{year} stage ({format_yuan(total)} 元) forfeited to budget"
        )
    ]


def _close_stages(
    session: Session,
    award: Award,
    stages: list[Stage],
    status: str,
    on: date,
    actor: str,
    note: str,
) -> int:
    fund = fund_code_of(session, award)
    legs: list[Leg] = []
    for s in stages:
        legs += [
            Leg(accounts.committed(fund, s.year, award.code, s.seq), -s.amount),
            Leg(accounts.available(fund, s.year), s.amount),
        ]
    entry = Ledger(session).post(
        EntryRequest(
            kind="cancel" if status == "cancelled" else "forfeit",
            effective_date=on,
            legs=legs,
            actor=actor,
            memo=f"{award.code} stages {[s.seq for s in stages]} {status}: {note}",
            links={"award": award.code, "stages": [s.seq for s in stages]},
        )
    )
    for s in stages:
        s.status, s.closed_on, s.close_entry_id, s.note = status, on, entry.id, note
        session.add(s)
    session.flush()
    return entry.id


def terminate(
    session: Session,
    *,
    award: str,
    reason: ExitReason | str,
    on: date,
    actor: str,
    note: str = "",
) -> list[Consequence]:
    """Exit (zone) or revoke (cluster): cancel unpaid stages, raise recovery if it applies.

    An officer's exit or revocation is dated on or after the recognition and after the day of
    the last payment or use already recorded for the award (ZONE-GUIDE 评估管理 不予下达剩余
    奖补; ADV-MEASURES 第十四条): dated earlier it would leave money paid to, or used by, a
    recipient that had already left (money paid or used on the exit day counts as after it,
    as the ``paid-after-exit`` alert and :func:`require_active` read it). The exits that
    follow from a result or a deadline carry the result's date.
    """
    actor = actor_name(actor)
    return _terminate(
        session, award=award, reason=reason, on=on, actor=actor, note=note, check=True
    )


def _terminate(
    session: Session,
    *,
    award: str,
    reason: ExitReason | str,
    on: date,
    actor: str,
    note: str = "",
    check: bool = False,
    on_record: bool = False,
) -> list[Consequence]:
    try:
        reason = ExitReason(canonical(reason))
    except ValueError:
        raise InvalidInput(
            "reason", f"{reason!r} is not one of {', '.join(r.value for r in ExitReason)}"
        ) from None
    found = award_by_code(session, award, lock=True)
    rules = rules_of(found)
    if found.status != "active":
        raise_ended(found, "exit or revocation", rules)
    kind = "exit" if rules.programme is Programme.SERVICE_ZONE else "revocation"
    if check:
        _check_termination_reason(session, found, rules, reason, on, on_record)
        _check_termination_date(session, found, kind, on)
    done: list[Consequence] = []
    unpaid = [s for s in stages_of(session, found) if s.status in ("committed", "requested")]
    if unpaid:
        _close_stages(session, found, unpaid, "cancelled", on, actor, f"{kind}: {reason.value}")
        total = sum(s.amount for s in unpaid)
        done.append(
            Consequence(award, "cancel", f"unpaid stages ({format_yuan(total)} 元) back to budget")
        )
    paid = paid_total(session, found)
    recoverable = paid if rules.recovers(reason) else 0
    entry_id = None
    if recoverable:
        ledger = Ledger(session)
        accounts.open_account(ledger, accounts.receivable(award))
        accounts.open_account(ledger, accounts.clawback(award))
        entry_id = ledger.post(
            EntryRequest(
                kind="clawback",
                effective_date=on,
                legs=[Leg(accounts.clawback(award), -paid), Leg(accounts.receivable(award), paid)],
                actor=actor,
                memo=f"{award} {kind} ({reason.value}): recover all money paid",
                links={"award": award},
            )
        ).id
        done.append(Consequence(award, "recover", f"{format_yuan(paid)} 元 to be recovered"))
    session.add(
        Termination(
            award_id=found.id,  # type: ignore[arg-type]
            kind=kind,
            reason=str(reason),
            effective_date=on,
            note=note,
            recoverable=recoverable,
            recovery_due=on + timedelta(days=rules.recovery_due_days) if recoverable else None,
            entry_id=entry_id,
            actor=actor,
            recorded_at=now(),
        )
    )
    found.status = "exited" if kind == "exit" else "revoked"
    found.ended_on = on
    session.add(found)
    session.flush()
    done.insert(0, Consequence(award, kind, f"{kind} on {on}: {reason.value}"))
    return done


def _check_termination_date(session: Session, award: Award, kind: str, on: date) -> None:
    """Refuse an exit or revocation dated before the recognition, or on or before a day on
    which money was paid to, or recorded as used by, the recipient
    (:class:`InvalidInput` naming ``on``)."""
    if on < award.granted_on:
        raise InvalidInput(
            "on", f"{award.code} cannot end on {on}, before its recognition ({award.granted_on})"
        )
    last = _last_money_day(session, award)
    if last is not None and on <= last:
        raise InvalidInput(
            "on",
            f"{award.code} received or used money on {last}; {'an' if kind == 'exit' else 'a'}"
            f" {kind} dated {on} would leave"
            f" money paid to or used by a recipient that had left: date it after {last}",
        )


def record_recovery(
    session: Session,
    *,
    award: str,
    amount: int,
    on: date,
    actor: str,
    kind: str = "repayment",
    voucher: str | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Recovery:
    """Record a repayment (partial allowed) or a write-off (with a reason)."""
    actor = actor_name(actor)
    if kind not in ("repayment", "write_off"):
        raise InvalidInput("kind", f"{kind!r} is not repayment or write_off")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise InvalidInput("amount", f"{amount!r} is not a positive integer of 分")
    if kind == "write_off" and not reason.strip():
        raise InvalidInput("reason", "a write-off needs a recorded reason")
    request = {"op": kind, "award": award, "amount": amount, "on": on.isoformat()}
    request |= {"voucher": voucher, "reason": reason}
    earlier = replayed_entry(session, idempotency_key, request)
    if earlier is not None:
        found_row = session.exec(select(Recovery).where(Recovery.entry_id == earlier.id)).first()
        assert found_row is not None
        return found_row
    found = award_by_code(session, award, lock=True)
    ended = session.exec(select(Termination).where(Termination.award_id == found.id)).first()
    if ended is not None and on < ended.effective_date:
        raise InvalidInput(
            "on",
            f"{award} owed nothing before its {ended.kind} on {ended.effective_date}; a"
            f" {kind} dated {on} precedes the receivable it settles",
        )
    ledger = Ledger(session)
    code = accounts.receivable(award)
    outstanding = ledger.balance(code, missing_ok=True)
    if amount > outstanding:
        raise RuleBreach(
            "recover-at-most-due",
            f"{award} owes {format_yuan(outstanding)} 元; {format_yuan(amount)} 元 is more"
            " than is due",
            outstanding=outstanding,
            amount=amount,
        )
    target = accounts.recovered(award) if kind == "repayment" else accounts.written_off(award)
    accounts.open_account(ledger, target)
    entry = ledger.post(
        EntryRequest(
            kind=kind,
            effective_date=on,
            legs=[Leg(code, -amount), Leg(target, amount)],
            actor=actor,
            memo=f"{award} {kind}" + (f": {reason}" if reason else ""),
            voucher=voucher,
            idempotency_key=idempotency_key,
            links={"award": award},
            request=request,
        )
    )
    if entry.replayed:  # a concurrent retry with the same key won the race
        return session.exec(select(Recovery).where(Recovery.entry_id == entry.id)).one()
    row = Recovery(
        award_id=found.id,  # type: ignore[arg-type]
        kind=kind,
        amount=amount,
        effective_date=on,
        voucher=voucher,
        reason=reason,
        entry_id=entry.id,
        actor=actor,
    )
    session.add(row)
    session.flush()
    return row


def review_recognition(
    session: Session, *, award: str, passed: bool, on: date, actor: str
) -> list[Consequence]:
    """Record the review (复核) at the end of a recognition period.

    Passing extends the recognition by its period (3 years for county clusters); failing
    ends the award as expired: unpaid stages return to the budget (COUNTY-PLAN 附件4 第六条).
    """
    actor = actor_name(actor)
    found = award_by_code(session, award, lock=True)
    rules = rules_of(found)
    if rules.recognition_years is None or found.recognition_expires is None:
        raise RuleBreach(
            "review-applies-to-recognitions",
            f"{award} is a {rules.name_zh}; only a recognition with a validity period is reviewed",
        )
    if found.status != "active":
        raise_ended(found, "review", rules)
    began = add_months(found.recognition_expires, -12 * rules.recognition_years)
    if on < began:
        raise RuleBreach(
            "review-once-per-period",
            f"{award} is recognised from {began} to {found.recognition_expires}: a review dated"
            f" {on} belongs to the period before, which was already reviewed",
            clause=rules.clauses.get("validity"),
        )
    opens = found.recognition_expires - timedelta(days=rules.review_opens_days)
    if on < opens:
        raise RuleBreach(
            "review-at-period-end",
            f"{award} is recognised until {found.recognition_expires}; its review (复核) comes"
            f" when the period is over (每次有效期满后), recorded from {opens} on, not {on}",
            clause=rules.clauses.get("validity"),
            expires=found.recognition_expires.isoformat(),
        )
    if not passed:
        return _terminate(  # the failed review is the record the expiry rests on
            session,
            award=award,
            reason=ExitReason.EXPIRED,
            on=on,
            actor=actor,
            note="复核未通过",
            check=True,
            on_record=True,
        )
    found.recognition_expires = add_months(found.recognition_expires, 12 * rules.recognition_years)
    session.add(found)
    session.flush()
    return [
        Consequence(award, "renew", f"review passed; recognised until {found.recognition_expires}")
    ]


REPORT_OPENS_DAYS = 30
"""A quarter's report is taken from this many days before the quarter's last day: when the
``zone-quarterly-report`` alert starts asking for it (orange)."""


def record_report(
    session: Session, *, award: str, period: str, on: date, actor: str
) -> ReportSubmission:
    """Record a progress report: ``2026Q1`` (zone, quarterly) or ``2025`` (county, annual).

    Refused (naming ``on``) when dated before the period's end is near: a quarter's report
    from 30 days before its last day (ZONE-GUIDE 评估管理 每季度末报送), a year's once the
    year is over (COUNTY-PLAN 附件4 第八条 将上一年度集群发展情况报); and (naming ``period``)
    for a period that ended before the recognition, when no report was due.
    """
    actor = actor_name(actor)
    found = award_by_code(session, award)
    rules = rules_of(found)
    if not rules.quarterly_report and not rules.annual_report_due:
        raise RuleBreach(
            "reports-of-programme",
            f"{award} is a {rules.name_zh}, which files no progress reports: its texts set"
            " none (a service zone reports every quarter, a county cluster every year)",
            award=award,
        )
    quarterly = len(period) == 6 and period[4] == "Q" and period[5] in "1234"
    annual = len(period) == 4 and period.isdigit()
    if not period[:4].isdigit() or not (
        (quarterly and rules.quarterly_report) or (annual and rules.annual_report_due)
    ):
        expected = "2026Q1" if rules.quarterly_report else "2025"
        raise InvalidInput(
            "period", f"{period!r} is not a report period of {rules.name_zh} (e.g. {expected})"
        )
    year = int(period[:4])
    if quarterly:
        last_month = 3 * int(period[5])
        ends = date(year, last_month, calendar.monthrange(year, last_month)[1])
        opens = ends - timedelta(days=REPORT_OPENS_DAYS)
        why = f"每季度末报送: from {REPORT_OPENS_DAYS} days before the quarter's last day"
    else:
        ends = date(year, 12, 31)
        opens, why = date(year + 1, 1, 1), "将上一年度集群发展情况报: once the year is over"
    if ends < found.granted_on:
        raise InvalidInput(
            "period",
            f"{award} was recognised on {found.granted_on}; no report is due on {period},"
            f" which ended on {ends}",
        )
    if on < opens:
        raise InvalidInput(
            "on",
            f"a report on {period} cannot be submitted on {on}: it is due at the end of the"
            f" period ({why}, {opens})",
        )
    existing = session.exec(
        select(ReportSubmission).where(
            ReportSubmission.award_id == found.id, ReportSubmission.period == period
        )
    ).first()
    if existing is not None:
        raise Duplicate(f"{award} already reported {period} on {existing.submitted_on}")
    row = ReportSubmission(award_id=found.id, period=period, submitted_on=on, actor=actor)  # type: ignore[arg-type]
    session.add(row)
    session.flush()
    return row


def apply_deadlines(
    session: Session, *, as_of: date, actor: str = SYSTEM, today: date | None = None
) -> list[Consequence]:
    """Treat what is past due as its rules say: a missing assessment is 不合格 once its
    deadline has passed; a rectification not re-assessed by its due date fails it.

    ``today`` is the caller's clock (the CLI and the API pass :func:`funds.clock.today`):
    deadlines after it have not passed yet, so an ``as_of`` later than ``today`` is refused.
    Without it ``as_of`` is taken as given, as a simulation of later days does.
    """
    actor = actor_name(actor)
    if today is not None and as_of > today:
        raise InvalidInput(
            "as_of",
            f"{as_of} is after today ({today}): a deadline that has not passed yet cannot be"
            " applied (an assessment or rectification may still arrive by then)",
        )
    done: list[Consequence] = []
    awards = session.exec(select(Award).where(Award.status == "active").order_by(col(Award.id)))
    for award in list(awards):
        done += _deadlines_of(session, award, as_of, actor)
    return done


def _deadlines_of(session: Session, award: Award, as_of: date, actor: str) -> list[Consequence]:
    """Apply ``award``'s passed deadlines one at a time, in the order of their days.

    A missing assessment counts as 不合格 on its deadline; a zone's rectification due date
    passed with neither materials nor a re-assessment fails it, and the zone exits, the day
    after. Each result may set another deadline (a deemed 不合格 sets a rectification due
    date), and an exit ends the award: a deadline later than the exit is not applied, so
    no result is dated after the award ended.
    """
    done: list[Consequence] = []
    while award.status == "active":
        missing = _first_missing_assessment(session, award, as_of)
        missed = _first_missed_rectification(session, award, as_of)
        if missed is not None and (missing is None or missed[0] <= missing[0]):
            (on, year), reassessment = missed, True  # the day after the last to rectify
        elif missing is not None:
            (on, year), reassessment = missing, False
            done.append(Consequence(award.code, "deemed", f"{year}: no assessment by {on}"))
        else:
            break
        done += record_assessment(
            session,
            award=award.code,
            year=year,
            grade=Grade.NOT_SUBMITTED,
            on=on,
            actor=actor,
            reassessment=reassessment,
            deemed=True,
        )
    return done


def _first_missing_assessment(
    session: Session, award: Award, as_of: date
) -> tuple[date, int] | None:
    """The earliest assessed year with no result whose deadline passed before ``as_of``."""
    month, day = rules_of(award).assessment_due
    years = sorted({s.year for s in stages_of(session, award) if s.gate == Gate.ASSESSMENT})
    for year in years:
        deadline = date(year, month, day)
        if deadline < as_of and final_assessment(session, award, year) is None:
            return deadline, year
    return None


def _first_missed_rectification(
    session: Session, award: Award, as_of: date
) -> tuple[date, int] | None:
    """The earliest day after a rectification due date passed before ``as_of`` with no
    materials submitted and no re-assessment, and the year it was for."""
    found = missed_rectification(session, award, as_of)
    return None if found is None else (found[1] + timedelta(days=1), found[0])
