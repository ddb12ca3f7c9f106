"""Pass two for pass-through rows, in bulk: checked in memory, posted in batches.

A file of 100,000 vouchers cannot go through :func:`funds.grants.record_pass_through` one
call at a time within the time an officer waits, so this path does what the service does
with a few queries for the whole file: the awards (locked ``FOR UPDATE`` on PostgreSQL, as
the service locks them), the enterprises and the idempotency keys already in the journal
are read once; the per-day movements of every award's ``held`` account are read in one
grouped query and kept day by day in memory (:class:`funds.ledger.by_day.BalanceByDay`),
each row taking its amount from its date on, in file order. A row that would pass on more
than the recipient held as of its date, or than later-dated uses leave of it, is refused
with the service's rule and message. The entries go to :meth:`funds.ledger.Ledger.post_batch` in
chunks (which checks the balance rules again under its lock) and the ``award_use`` rows are
inserted beside them.

What is written is exactly what the service writes: the same accounts, entry kind, memo,
voucher, links and request (hence request hash) under the same idempotency key. A row
imported here and later retried through the service, or the other way round, is
recognised as the same payment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlmodel import Session

from funds import bulk
from funds.db import is_sqlite, table_of
from funds.errors import FundsError
from funds.grants import accounts
from funds.grants.common import now, require_active, rules_of
from funds.grants.errors import UnknownRecord
from funds.grants.models import Award, Enterprise, Use
from funds.grants.usage import check_pass_through_purpose, held_shortfall, voucher_used
from funds.imports.context import Context, existing_keys, natural_key
from funds.imports.report import ParsedRow
from funds.ledger import Account, Entry, EntryRequest, IdempotencyConflict, Ledger, Leg, PostedEntry
from funds.ledger.by_day import BalanceByDay
from funds.ledger.hashing import request_digest

CHUNK = 10_000
"""Entries per :meth:`~funds.ledger.Ledger.post_batch` call (measured: 10,000 costs about a
tenth less than 2,000 for 100,000 rows, and a few tens of MiB more)."""
PASS_THROUGH_FIELDS = ("enterprise", "amount", "purpose", "on")
AWARDS = table_of(Award)
ENTERPRISES = table_of(Enterprise)
ACCOUNTS = table_of(Account)
USES = table_of(Use)
ENTRIES = table_of(Entry)


@dataclass(frozen=True)
class _Target:
    id: int
    name: str


class _Pending(NamedTuple):
    award: Award
    target: _Target
    request: EntryRequest
    purpose: str


def pass_through(session: Session, rows: list[ParsedRow], ctx: Context) -> None:
    """Check every pass-through row, then post the new ones (see the module docstring)."""
    if not rows:
        return
    session.flush()
    counts = ctx.result.count("pass_through")
    awards = _awards(session, {r.values["award"] for r in rows})
    targets = _enterprises(session, {r.values["enterprise"] for r in rows})
    keys = [natural_key("pass_through", r.values["award"], r, PASS_THROUGH_FIELDS) for r in rows]
    known = existing_keys(session, keys)
    ledger = Ledger(session)
    books = _Books(awards, targets, known, _held(ledger, awards, rows), _vouchers(session, rows))
    pending: list[_Pending] = []
    for row, key in zip(rows, keys, strict=True):
        ctx.tick()
        if not ctx.first_use(key, row):
            continue
        try:
            item = _check(row, key, books, ctx.actor)
        except FundsError as error:
            ctx.refuse(row, error)
            continue
        if item is None:
            counts.existing += 1
        else:
            counts.new += 1
            pending.append(item)
    if pending and (ctx.later_kinds or (ctx.result.ok and not ctx.result.dry_run)):
        _write(session, ledger, pending, ctx)


@dataclass
class _Books:
    """What the checks read once for the whole file, and each award's ``held`` as it goes."""

    awards: dict[str, Award]
    targets: dict[str, _Target]
    known: dict[str, tuple[int, str]]
    held: dict[str, BalanceByDay]
    vouchers: dict[tuple[int, str], list[tuple[tuple[int, str, int, date], date | None]]]
    """The uses that carry a voucher of the file, by award id and voucher, each with its
    reversal's date (None while it stands)."""
    codes: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def accounts(self, award: str, credit: str) -> tuple[str, str]:
        """The ``held`` and ``passed`` account codes of a payment (built once per pair)."""
        found = self.codes.get((award, credit))
        if found is None:
            found = (accounts.held(award), accounts.passed(award, credit))
            self.codes[(award, credit)] = found
        return found


def _check(row: ParsedRow, key: str, books: _Books, actor: str) -> _Pending | None:
    v = row.values
    code, credit, amount, on = v["award"], v["enterprise"], v["amount"], v["on"]
    request = {
        "op": "pass_through",
        "award": code,
        "enterprise": credit,
        "amount": amount,
        "purpose": v["purpose"],
        "on": on.isoformat(),
        "voucher": v["voucher"],
    }
    if key in books.known:
        entry_id, digest = books.known[key]
        if digest != request_digest(request):
            raise IdempotencyConflict(
                f"this row's natural key {key!r} was imported before with other values"
                f" (entry #{entry_id}); correct a recorded payment with a reversal",
                key=key,
                entry=entry_id,
            )
        return None
    award = books.awards.get(code)
    if award is None:
        raise UnknownRecord("award", code)
    target = books.targets.get(credit)
    if target is None:
        raise UnknownRecord("enterprise", credit)
    check_pass_through_purpose(rules_of(award), v["purpose"].strip())
    require_active(award, on, "pass-through")
    voucher = v["voucher"]
    standing = books.vouchers.get((award.id, voucher), []) if voucher and award.id else []
    used = next((use for use, undone in standing if undone is None or undone > on), None)
    if used is not None:
        raise voucher_used(code, voucher, *used)
    short = books.held[code].take(on, amount)
    if short is not None:
        raise held_shortfall(code, "pass_through", amount, short)
    source, destination = books.accounts(code, credit)
    return _Pending(
        award=award,
        target=target,
        purpose=v["purpose"],
        request=EntryRequest(
            kind="pass_through",
            effective_date=on,
            legs=[Leg(source, -amount), Leg(destination, amount)],
            actor=actor,
            memo=f"{code} 下达 {target.name}: {v['purpose']}",
            voucher=v["voucher"],
            idempotency_key=key,
            links={"award": code, "enterprise": credit},
            request=request,
        ),
    )


def _chunks(items: list[str]) -> Iterator[list[str]]:
    ordered = sorted(items)
    for start in range(0, len(ordered), 500):
        yield ordered[start : start + 500]


def _awards(session: Session, codes: set[str]) -> dict[str, Award]:
    found: dict[str, Award] = {}
    for chunk in _chunks(list(codes)):
        query = select(Award).where(Award.code.in_(chunk)).order_by(Award.id)  # type: ignore[attr-defined,arg-type]
        if not is_sqlite(session):
            query = query.with_for_update()
        for award in session.scalars(query):
            found[award.code] = award
    return found


def _enterprises(session: Session, codes: set[str]) -> dict[str, _Target]:
    found: dict[str, _Target] = {}
    conn = session.connection()
    for chunk in _chunks(list(codes)):
        query = select(ENTERPRISES.c.id, ENTERPRISES.c.credit_code, ENTERPRISES.c.name).where(
            ENTERPRISES.c.credit_code.in_(chunk)
        )
        for row in conn.execute(query):
            found[row.credit_code] = _Target(int(row.id), row.name)
    return found


def _vouchers(
    session: Session, rows: list[ParsedRow]
) -> dict[tuple[int, str], list[tuple[tuple[int, str, int, date], date | None]]]:
    """The uses (of any award, any kind) that carry one of the file's vouchers, each with the
    date of its reversal (None while it stands): a row whose voucher a use of its award
    standing on the row's date already has is refused, as the service refuses it."""
    given = sorted({str(r.values["voucher"]) for r in rows if r.values["voucher"]})
    found: dict[tuple[int, str], list[tuple[tuple[int, str, int, date], date | None]]] = {}
    conn = session.connection()
    for chunk in _chunks(given):
        query = (
            select(USES.c.award_id, USES.c.voucher, USES.c.entry_id, USES.c.kind)
            .add_columns(USES.c.amount, USES.c.effective_date, ENTRIES.c.effective_date)
            .outerjoin(ENTRIES, ENTRIES.c.id == USES.c.reversed_by)
            .where(USES.c.voucher.in_(chunk))
            .order_by(USES.c.id)
        )
        for award_id, voucher, entry_id, kind, amount, day, undone in conn.execute(query):
            earlier = (int(entry_id), str(kind), int(amount), day)
            found.setdefault((int(award_id), str(voucher)), []).append((earlier, undone))
    return found


def _held(
    ledger: Ledger, awards: dict[str, Award], rows: list[ParsedRow]
) -> dict[str, BalanceByDay]:
    """Each award's holding by day: its stored movements, and the dates the file's rows use."""
    days: dict[str, set[date]] = {code: set() for code in awards}
    for row in rows:
        found = days.get(row.values["award"])
        if found is not None:
            found.add(row.values["on"])
    moves = ledger.movements(accounts.held(code) for code in awards)
    return {
        code: BalanceByDay(moves.get(accounts.held(code), ()), dates)
        for code, dates in days.items()
    }


def _write(session: Session, ledger: Ledger, pending: list[_Pending], ctx: Context) -> None:
    if ctx.progress is not None:
        ctx.progress("writing", 0, len(pending))
    _open_accounts(session, ledger, pending)
    done = 0
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start : start + CHUNK]
        posted = ledger.post_batch([p.request for p in chunk])
        _insert_uses(session, chunk, posted)
        done += len(chunk)
        if ctx.progress is not None:
            ctx.progress("writing", done, len(pending))


USE_COLUMNS = (
    "award_id",
    "kind",
    "enterprise_id",
    "purpose",
    "amount",
    "effective_date",
    "voucher",
    "entry_id",
    "reversed_by",
    "actor",
)


def _insert_uses(session: Session, chunk: list[_Pending], posted: list[PostedEntry]) -> None:
    """Insert the ``award_use`` row of each posted entry."""
    rows = [
        (
            p.award.id,
            "pass_through",
            p.target.id,
            p.purpose,
            p.request.legs[1].amount,
            p.request.effective_date,
            p.request.voucher,
            entry.id,
            None,
            p.request.actor,
        )
        for p, entry in zip(chunk, posted, strict=True)
    ]
    bulk.insert_rows(session.connection(), USES, USE_COLUMNS, rows)


def _open_accounts(session: Session, ledger: Ledger, pending: list[_Pending]) -> None:
    """Open the ``passed`` accounts the rows need, thousands at a time.

    One query finds those already open. The first missing one is opened through the chart
    of accounts (:func:`funds.grants.accounts.open_account`, which gives its kind and
    balance rule); the others, every one an ``award:A:passed:E`` account like it, are
    inserted in one statement with the same kind and rule. (Opening them one by one costs
    two statements each: a minute for 40,000 award-enterprise pairs.)
    """
    names = {p.request.legs[1].account: p.target.name for p in pending}
    conn = session.connection()
    existing = {code for (code,) in bulk.select_in(conn, ACCOUNTS, ["code"], "code", names)}
    missing = sorted(code for code in names if code not in existing)
    if not missing:
        return
    first = missing[0]
    accounts.open_account(ledger, first, names[first])
    kind, rule = conn.execute(
        select(ACCOUNTS.c.kind, ACCOUNTS.c.rule).where(ACCOUNTS.c.code == first)
    ).one()
    opened_at = now()
    bulk.insert_rows(
        conn,
        ACCOUNTS,
        ("code", "name", "kind", "rule", "balance", "created_at"),
        [(code, names[code], kind, rule, 0, opened_at) for code in missing[1:]],
    )
