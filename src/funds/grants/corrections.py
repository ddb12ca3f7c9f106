"""Reversing a mistaken entry, with a reason, and keeping the records in step.

Only entries an officer can mistype are reversible here: a budget setting, a stage release,
a pass-through, own spending, a repayment or write-off. Grants, cancellations, forfeits and
clawbacks follow from decisions and are undone by new decisions, not by reversal. A release
cannot be reversed once its award has ended: the exit cancelled every unpaid stage and
raised the recovery on the money paid, and a stage put back to "committed" would hold its
budget for an award that can never be paid again.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from funds.errors import InvalidInput
from funds.grants.common import raise_ended, rules_of
from funds.grants.errors import RuleBreach
from funds.grants.models import Award, BudgetChange, FundYear, Recovery, Stage, Use
from funds.grants.usage import check_own_use_after_reversal
from funds.ledger import Ledger, PostedEntry

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
    if original.kind == "release":
        _refuse_after_end(session, entry_id)
        _keep_own_use_within_cap(session, entry_id)
    reversal = ledger.reverse(
        entry_id,
        actor=actor,
        memo=f"reversal of #{entry_id}: {reason}",
        effective_date=on,
        idempotency_key=idempotency_key,
    )
    if reversal.replayed:
        return reversal
    _undo_record(session, original.kind, entry_id, reversal.id)
    session.flush()
    return reversal


def _refuse_after_end(session: Session, release_entry_id: int) -> None:
    """Raise :class:`~funds.grants.errors.AwardEnded` if the released award has ended."""
    award = session.exec(
        select(Award).join(Stage).where(Stage.release_entry_id == release_entry_id)
    ).first()
    if award is not None and award.status != "active":
        raise_ended(award, "release reversal", rules_of(award))


def _keep_own_use_within_cap(session: Session, release_entry_id: int) -> None:
    """Refuse a release reversal that would leave recorded own use above its cap."""
    row = session.exec(
        select(Award, Stage).join(Stage).where(Stage.release_entry_id == release_entry_id)
    ).first()
    if row is not None:
        check_own_use_after_reversal(session, *row)


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
