"""Reversing a mistaken entry, with a reason, and keeping the records in step.

Only entries an officer can mistype are reversible here: a budget setting, a stage release,
a pass-through, own spending, a repayment or write-off. Grants, cancellations, forfeits and
clawbacks follow from decisions and are undone by new decisions, not by reversal. A release
cannot be reversed once its award has ended: the exit cancelled every unpaid stage and
raised the recovery on the money paid, and a stage put back to "committed" would hold its
budget for an award that can never be paid again. Nor can a release whose money the
recipient already passed on or spent: the holding must cover the stage on every day from
its payment on (a use dated before a later stage arrived had only this one to come from),
so those uses are reversed first. A reversed release leaves its stage committed and unpaid
as the grant made it (no request, approval or payment date), to be requested and approved
again.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from funds.actors import actor_name
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.common import award_by_code, lock_fund_years, raise_ended, rules_of
from funds.grants.errors import RuleBreach
from funds.grants.lifecycle import forfeit_failed_year
from funds.grants.models import Award, BudgetChange, Fund, FundYear, Recovery, Stage, Use
from funds.grants.records import check_cut_by_day
from funds.grants.usage import check_own_use_after_reversal
from funds.ledger import Ledger, PostedEntry
from funds.ledger.by_day import least_from
from funds.money import format_yuan

REVERSIBLE = ("budget", "release", "pass_through", "own_use", "repayment", "write_off")


def reverse_entry(
    session: Session,
    *,
    entry_id: int,
    reason: str,
    actor: str,
    on: date | None = None,
    idempotency_key: str | None = None,
) -> PostedEntry:
    """Reverse entry ``entry_id`` and mark the record it made as reversed."""
    actor = actor_name(actor)
    if not reason.strip():
        raise InvalidInput("reason", "a reversal needs a recorded reason")
    ledger = Ledger(session)
    original = ledger.entry(entry_id)
    if original.kind not in REVERSIBLE:
        raise RuleBreach(
            "reversible-kinds",
            f"entry #{entry_id} is a {original.kind}; only {', '.join(REVERSIBLE)} entries can"
            " be reversed (a grant is ended by exit or revocation)",
        )
    if ledger.reversal_of(entry_id) is not None:
        pass  # reversed already: the ledger replays a retry or refuses a second reversal
    elif on is not None and on < original.effective_date:
        raise RuleBreach(
            "reversal-not-before-entry",
            f"entry #{entry_id} ({original.kind}) is dated {original.effective_date}; its"
            f" reversal cannot be dated earlier ({on}): the books would show it undone"
            " before it happened",
            entry=entry_id,
            effective_date=original.effective_date,
            on=on,
        )
    elif original.kind == "release":
        _check_release_reversal(session, ledger, entry_id, on)
    elif original.kind == "budget":
        _check_budget_reversal(session, ledger, entry_id, on or original.effective_date)
    reversal = ledger.reverse(
        entry_id,
        actor=actor,
        memo=f"reversal of #{entry_id}: {reason}",
        effective_date=on,
        idempotency_key=idempotency_key,
    )
    if reversal.replayed:
        return reversal
    stage = None
    if original.kind == "release":
        stage = session.exec(select(Stage).where(Stage.release_entry_id == entry_id)).one()
    _undo_record(session, original.kind, entry_id, reversal.id)
    session.flush()
    if stage is not None:
        # Back to committed in a year whose assessment now stands failed, the stage can never
        # be paid again: under the forfeit rule (clusters, counties) its commitment goes back
        # to the budget at once instead of hanging there.
        award = session.get(Award, stage.award_id)
        assert award is not None
        forfeit_failed_year(session, award, stage.year, reversal.effective_date, actor)
    return reversal


def _check_release_reversal(
    session: Session, ledger: Ledger, release_entry_id: int, on: date | None
) -> None:
    """Refuse to reverse a release of an ended award, or one that recorded use rests on.

    The award is locked first, so that no use of it is recorded while this is checked.
    """
    stage = session.exec(select(Stage).where(Stage.release_entry_id == release_entry_id)).first()
    if stage is None:  # already reversed: the ledger says so (or replays a retry)
        return
    found = session.get(Award, stage.award_id)
    assert found is not None
    assert stage.paid_on is not None
    award = award_by_code(session, found.code, lock=True)
    if award.status != "active":
        raise_ended(award, "release reversal", rules_of(award))
    if on is not None and on != stage.paid_on:
        raise InvalidInput(
            "on",
            f"stage {award.code}#{stage.seq} was paid on {stage.paid_on}; reversing its release"
            f" says the payment was recorded by mistake, so it is dated that day, not {on}"
            " (the stage's statement as of the days between would show the money held but"
            " not paid)",
        )
    check_own_use_after_reversal(session, award, stage)
    _keep_uses_covered(ledger, award, stage, stage.paid_on)


def _check_budget_reversal(session: Session, ledger: Ledger, entry_id: int, day: date) -> None:
    """Refuse to reverse a budget increase that commitments dated by then rest on."""
    change = session.exec(select(BudgetChange).where(BudgetChange.entry_id == entry_id)).first()
    if change is None or change.budget <= change.previous:  # a cut's reversal adds money
        return
    row = session.get(FundYear, change.fund_year_id)
    assert row is not None
    fund = session.get(Fund, row.fund_id)
    assert fund is not None
    lock_fund_years(session, fund, [row.year])
    check_cut_by_day(
        ledger,
        fund.code,
        row.year,
        change.budget - change.previous,
        day,
        f"reverse the budget change #{entry_id} ({format_yuan(change.previous)} →"
        f" {format_yuan(change.budget)} 元)",
    )


def _keep_uses_covered(ledger: Ledger, award: Award, stage: Stage, start: date) -> None:
    """Refuse a release reversal that would leave the award's holding below zero on some day
    from ``start`` (the payment's day, which the reversal carries) on."""
    least_on, least = least_from(ledger.balances_from(accounts.held(award.code), start))
    if least >= stage.amount:
        return
    raise RuleBreach(
        "use-within-held",
        f"stage {award.code}#{stage.seq} paid {format_yuan(stage.amount)} 元 on"
        f" {stage.paid_on}; reversing it would leave {award.code} holding"
        f" {format_yuan(least - stage.amount)} 元 on {least_on}, because pass-throughs or own"
        " spending dated by then used the money; reverse those before the release that paid"
        " for them",
        held=least,
        amount=stage.amount,
        as_of=least_on,
    )


def _undo_record(session: Session, kind: str, entry_id: int, reversal_id: int) -> None:
    if kind in ("pass_through", "own_use"):
        use = session.exec(select(Use).where(Use.entry_id == entry_id)).one()
        use.reversed_by = reversal_id
        session.add(use)
    elif kind in ("repayment", "write_off"):
        recovery = session.exec(select(Recovery).where(Recovery.entry_id == entry_id)).one()
        recovery.reversed_by = reversal_id
        session.add(recovery)
    elif kind == "release":
        stage = session.exec(select(Stage).where(Stage.release_entry_id == entry_id)).one()
        stage.status, stage.paid_on, stage.approved_by = "committed", None, None
        stage.requested_by, stage.requested_on, stage.release_entry_id = None, None, None
        stage.note = f"release #{entry_id} reversed by #{reversal_id}"
        session.add(stage)
    elif kind == "budget":
        change = session.exec(select(BudgetChange).where(BudgetChange.entry_id == entry_id)).one()
        row = session.get(FundYear, change.fund_year_id)
        assert row is not None
        row.budget -= change.budget - change.previous
        session.add(row)
