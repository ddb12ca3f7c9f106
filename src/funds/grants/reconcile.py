"""Do the grants records say what the ledger says? ``funds verify`` asks after the ledger.

The ledger's entries are hash-chained and its balances replayed (:func:`funds.ledger.verify`);
the grants tables beside it are what statements, reports and the compliance scan read: a
stage's status, dates and amount, a pass-through's or a spending's amount and date, a
recovery, a termination's receivable. Every such row that moved money names the entry that
moved it, so each is checked against that entry here, and a stage's status against the
balance of its commitment account. A row edited behind the engine's back (with the
``sqlite3`` shell, say) then fails ``verify`` instead of changing what the alerts say.

Assessments, reports and rectification materials move no money and have no entry: an edit
to them is not caught here.

Every query of one verification reads the same state. On SQLite the unit of work's one
transaction already gives that (WAL: a reader's snapshot is fixed at its first read). On
PostgreSQL, whose default READ COMMITTED gives each statement a snapshot of its own, a
posting committed between the read of the entries and the read of the postings would look
like a posting of no entry: :func:`verify_books` therefore reads through
:func:`funds.db.one_snapshot`, a connection of its own at REPEATABLE READ, read only, so that
writes going on beside it cannot raise a false problem and a verification cannot change
anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from funds.db import one_snapshot
from funds.grants import accounts
from funds.grants.models import Award, Fund, Recovery, Stage, Termination, Use
from funds.ledger.models import Account, Entry, Posting
from funds.ledger.verify import VerifyReport, verify
from funds.money import format_yuan

OPEN = ("committed", "requested")
"""Stage statuses whose money still sits in the stage's commitment account."""


def verify_books(session: Session) -> VerifyReport:
    """The ledger's own verification, then the grants records against it: one report, read
    from one snapshot of the database (see the module's notes)."""
    with one_snapshot(session) as books:
        return reconcile(books, verify(books.connection()))


def reconcile(session: Session, report: VerifyReport) -> VerifyReport:
    """Check every money-moving grants record against its entry; add problems to ``report``."""
    books = _Books.read(session)
    for check in (_uses, _stages, _recoveries, _terminations):
        report.records += check(session, books, report)
    return report


@dataclass(frozen=True)
class _Books:
    """What the checks read once: the named entries, what they moved, what reversed them."""

    codes: dict[int, str]
    entries: dict[int, tuple[str, date]]
    moved: dict[int, int]
    reversed_by: dict[int, int]

    @classmethod
    def read(cls, session: Session) -> _Books:
        named = select(Use.entry_id).union(
            select(Stage.release_entry_id),
            select(Stage.close_entry_id),
            select(Recovery.entry_id),
            select(Termination.entry_id),
        )
        entries = session.exec(
            select(col(Entry.id), col(Entry.kind), col(Entry.effective_date)).where(
                col(Entry.id).in_(named)
            )
        ).all()
        moved = session.exec(
            select(Posting.entry_id, func.sum(Posting.amount))
            .where(col(Posting.amount) > 0, col(Posting.entry_id).in_(named))
            .group_by(col(Posting.entry_id))
        ).all()
        reversals = session.exec(
            select(Entry.reverses_id, Entry.id).where(col(Entry.reverses_id).is_not(None))
        ).all()
        return cls(
            codes={
                a: c
                for a, c in session.exec(select(col(Award.id), col(Award.code))).all()
                if a is not None
            },
            entries={i: (k, d) for i, k, d in entries if i is not None},
            moved={int(e): int(total) for e, total in moved},
            reversed_by={int(t): int(b) for t, b in reversals if t is not None and b is not None},
        )

    def entry(self, entry_id: int | None, what: str, report: VerifyReport) -> date | None:
        """The named entry's date; a problem when it is missing."""
        if entry_id is None or entry_id not in self.entries:
            report.fail(f"{what} names entry #{entry_id}, which is not in the ledger")
            return None
        return self.entries[entry_id][1]

    def moves(self, entry_id: int, amount: int, what: str, report: VerifyReport) -> None:
        """A problem when the entry moved another sum than the record says."""
        actual = self.moved.get(entry_id, 0)
        if actual != amount:
            report.fail(
                f"{what} says {format_yuan(amount)} 元; its entry #{entry_id} moved"
                f" {format_yuan(actual)} 元"
            )

    def reversal(
        self, entry_id: int, recorded: int | None, what: str, report: VerifyReport
    ) -> None:
        """A problem when the record and the ledger disagree on whether it was reversed."""
        actual = self.reversed_by.get(entry_id)
        if actual != recorded:
            said = f"reversed by #{recorded}" if recorded is not None else "not reversed"
            found = f"entry #{actual} reverses it" if actual is not None else "nothing reverses it"
            report.fail(f"{what} says {said}; in the ledger {found}")


def _dated(day: date | None, recorded: date | None, what: str, report: VerifyReport) -> None:
    if day is not None and day != recorded:
        report.fail(f"{what} is dated {recorded}; its entry is dated {day}")


def _uses(session: Session, books: _Books, report: VerifyReport) -> int:
    return _money_rows(session, books, report, Use)


def _recoveries(session: Session, books: _Books, report: VerifyReport) -> int:
    return _money_rows(session, books, report, Recovery)


def _money_rows(
    session: Session, books: _Books, report: VerifyReport, table: type[Use] | type[Recovery]
) -> int:
    """Uses and recoveries alike: each row's entry exists, is of the row's kind and date,
    moved the row's amount, and is reversed exactly when the row says so."""
    rows = (
        session.connection()
        .execute(  # columns, not entities: award_use is the big table
            sa_select(
                col(table.id),
                col(table.award_id),
                col(table.kind),
                col(table.amount),
                col(table.effective_date),
                col(table.entry_id),
                col(table.reversed_by),
            ).order_by(col(table.id))
        )
        .all()
    )
    for row in rows:
        what = f"{books.codes.get(row.award_id, row.award_id)} {row.kind} #{row.id}"
        day = books.entry(row.entry_id, what, report)
        if day is None:
            continue
        kind = books.entries[row.entry_id][0]
        if kind != row.kind:
            report.fail(f"{what} names entry #{row.entry_id}, a {kind} entry")
        _dated(day, row.effective_date, what, report)
        books.moves(row.entry_id, row.amount, what, report)
        books.reversal(row.entry_id, row.reversed_by, what, report)
    return len(rows)


def _stages(session: Session, books: _Books, report: VerifyReport) -> int:
    rows = session.exec(
        select(Stage, Fund.code)
        .join(Award, col(Award.id) == col(Stage.award_id))
        .join(Fund, col(Fund.id) == col(Award.fund_id))
        .order_by(col(Stage.id))
    ).all()
    balances = dict(
        session.exec(
            select(Account.code, Account.balance).where(
                col(Account.code).like("fund:%:committed:%")
            )
        ).all()
    )
    for stage, fund in rows:
        code = books.codes.get(stage.award_id, str(stage.award_id))
        what = f"stage {code}#{stage.seq} ({stage.status})"
        held = balances.get(accounts.committed(fund, stage.year, code, stage.seq), 0)
        expected = stage.amount if stage.status in OPEN else 0
        if held != expected:
            report.fail(
                f"{what} should leave {format_yuan(expected)} 元 committed; its commitment"
                f" account holds {format_yuan(held)} 元"
            )
        if stage.status == "paid":
            day = books.entry(stage.release_entry_id, f"{what} release", report)
            if day is not None and stage.release_entry_id is not None:
                _dated(day, stage.paid_on, f"{what} payment", report)
                books.moves(stage.release_entry_id, stage.amount, what, report)
                books.reversal(stage.release_entry_id, None, what, report)
        elif stage.status in ("forfeited", "cancelled"):
            day = books.entry(stage.close_entry_id, f"{what} closing", report)
            _dated(day, stage.closed_on, f"{what} closing", report)
        elif stage.status not in OPEN:
            report.fail(f"{what}: no stage has that status")
    return len(rows)


def _terminations(session: Session, books: _Books, report: VerifyReport) -> int:
    rows = session.exec(select(Termination).order_by(col(Termination.id))).all()
    ended = {row.award_id: row for row in rows}
    for award in session.exec(select(Award).order_by(col(Award.id))).all():
        row = ended.get(award.id)  # type: ignore[arg-type]
        if (award.status == "active") != (row is None):
            report.fail(
                f"{award.code} is {award.status}, and its exit or revocation is "
                f"{'on record' if row is not None else 'not on record'}"
            )
        elif row is not None and award.ended_on != row.effective_date:
            report.fail(
                f"{award.code} ended on {award.ended_on}; its {row.kind} is dated"
                f" {row.effective_date}"
            )
    for row in rows:
        what = f"{books.codes.get(row.award_id, row.award_id)} {row.kind}"
        if row.entry_id is None:
            if row.recoverable:
                report.fail(
                    f"{what} says {format_yuan(row.recoverable)} 元 is recoverable; no"
                    " entry raised it"
                )
            continue
        day = books.entry(row.entry_id, f"{what} receivable", report)
        _dated(day, row.effective_date, f"{what} receivable", report)
        books.moves(row.entry_id, row.recoverable, f"{what} receivable", report)
    return len(rows)
