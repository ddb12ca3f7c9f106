"""Posting API: open accounts, post entries (one or a batch), reverse, balances, history.

Every write runs inside the caller's unit of work and flushes, never commits. Writes are
serialised on the chain head: on PostgreSQL the touched accounts are locked ``FOR UPDATE``
in id order and then the chain-head row; on SQLite the unit of work already holds the
write lock (``BEGIN IMMEDIATE``). Under that lock the balance rules are checked, the
entry gets the next id and its hash, and postings, running balances and per-day balances
are written together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, cast, func, insert, literal, null, select, union_all
from sqlmodel import Session

from funds.actors import actor_name
from funds.db import is_sqlite, table_of
from funds.driver_sql import DriverStatement
from funds.ledger.driver import PostingDriver
from funds.ledger.errors import (
    AccountMismatch,
    AlreadyReversed,
    BalanceRuleBroken,
    IdempotencyConflict,
    InvalidAmount,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from funds.ledger.hashing import (
    GENESIS,
    canonical_entry,
    canonical_links,
    chain_hash,
    recorded_at_text,
    request_digest,
)
from funds.ledger.models import (
    Account,
    AccountKind,
    BalanceRule,
    ChainHead,
    DailyBalance,
    Entry,
    Posting,
)
from funds.money import format_yuan

ACCOUNTS = table_of(Account)
ENTRIES = table_of(Entry)
POSTINGS = table_of(Posting)
DAILY = table_of(DailyBalance)
CHAIN = table_of(ChainHead)

# The query statements, built once: building a Core statement costs more than running it
# on SQLite, and a prebuilt one goes straight to the compiled cache. The posting path's own
# statements are in :mod:`funds.ledger.driver`.
_ACCOUNT_ID = select(ACCOUNTS.c.id).where(ACCOUNTS.c.code == bindparam("code"))
_BALANCE_NOW = select(ACCOUNTS.c.balance).where(ACCOUNTS.c.id == bindparam("account_id"))
_BALANCE_AS_OF = select(func.coalesce(func.sum(DAILY.c.delta), 0)).where(
    DAILY.c.account_id == bindparam("account_id"), DAILY.c.day <= bindparam("as_of")
)
_ID_OF_CODE = select(ACCOUNTS.c.id).where(ACCOUNTS.c.code == bindparam("code")).scalar_subquery()
_BALANCES_FROM = union_all(
    select(
        literal(0).label("part"),
        cast(null(), Date).label("day"),
        func.coalesce(func.sum(DAILY.c.delta), 0).label("amount"),
    ).where(DAILY.c.account_id == _ID_OF_CODE, DAILY.c.day <= bindparam("day")),
    select(literal(1), DAILY.c.day, DAILY.c.delta).where(
        DAILY.c.account_id == _ID_OF_CODE, DAILY.c.day > bindparam("day")
    ),
).order_by("part", "day")
"""The balance of an account (by code) as of a day, then its movement on each later day:
one statement where the account's id, its balance then and its later days were three."""


Alongside = Callable[[int], Sequence[tuple[DriverStatement, Sequence[Any]]]]
"""Given a new entry's id, statements to run with the entry's writes (:meth:`Ledger.post`)."""

NO_REQUEST_HASH = ""
"""The request hash of an entry posted without an idempotency key: nothing to compare."""


@dataclass(frozen=True)
class Leg:
    """One posting of an entry to be made: ``amount`` 分 on the account ``account``."""

    account: str
    amount: int


@dataclass(frozen=True)
class EntryRequest:
    """An entry to post. ``request`` is what the idempotency hash covers (default: all)."""

    kind: str
    effective_date: date
    legs: Sequence[Leg]
    actor: str
    memo: str = ""
    voucher: str | None = None
    idempotency_key: str | None = None
    links: Mapping[str, Any] = field(default_factory=dict)
    request: Mapping[str, Any] | None = None
    reverses_id: int | None = None

    def __post_init__(self) -> None:
        # Who posted it, stripped (funds.actors): every entry names someone, in one form.
        object.__setattr__(self, "actor", actor_name(self.actor))

    def digest(self) -> str:
        """Return the hash of what this request asks for."""
        if self.request is not None:
            return request_digest(self.request)
        return request_digest(
            {
                "kind": self.kind,
                "effective_date": self.effective_date.isoformat(),
                "legs": [[leg.account, leg.amount] for leg in self.legs],
                "memo": self.memo,
                "voucher": self.voucher,
                "links": dict(self.links),
                "reverses_id": self.reverses_id,
            }
        )


@dataclass(frozen=True)
class PostedEntry:
    """An entry as stored. ``replayed`` is true when an idempotent retry returned it."""

    id: int
    kind: str
    effective_date: date
    hash: str
    legs: tuple[Leg, ...]
    replayed: bool = False
    alongside_rows: tuple[tuple[Any, ...] | None, ...] = ()
    """The first row of each ``alongside`` statement posted with it (:meth:`Ledger.post`)."""


@dataclass(frozen=True)
class HistoryLine:
    """One posting in an account's history, with the balance after it (by effective date)."""

    entry_id: int
    effective_date: date
    kind: str
    memo: str
    voucher: str | None
    amount: int
    balance: int


@dataclass
class _AccountState:
    id: int
    code: str
    rule: BalanceRule
    balance: int


class Ledger:
    """The posting API over one session (one unit of work)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids: dict[str, int] = {}

    # -- accounts -----------------------------------------------------------------

    def open_account(self, code: str, kind: AccountKind, rule: BalanceRule, name: str = "") -> int:
        """Return the id of account ``code``, creating it if new; kind and rule must match."""
        row = (
            self.session.connection()
            .execute(
                select(ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.rule).where(
                    ACCOUNTS.c.code == code
                )
            )
            .first()
        )
        if row is not None:
            if (row.kind, row.rule) != (str(kind), str(rule)):
                raise AccountMismatch(
                    f"account {code!r} exists as {row.kind}/{row.rule}, not {kind}/{rule}",
                    account=code,
                )
            self._ids[code] = row.id
            return int(row.id)
        result = self.session.connection().execute(
            insert(ACCOUNTS).values(
                code=code,
                name=name,
                kind=str(kind),
                rule=str(rule),
                balance=0,
                created_at=_now(),
            )
        )
        inserted = result.inserted_primary_key
        assert inserted is not None
        account_id = int(inserted[0])
        self._ids[code] = account_id
        return account_id

    def open_accounts(self, specs: Sequence[tuple[str, AccountKind, BalanceRule, str]]) -> None:
        """Open many accounts at once: ``(code, kind, rule, name)`` each; existing ones must match.

        One query finds those that exist, one insert opens the rest.
        """
        wanted = {code: (str(kind), str(rule), name) for code, kind, rule, name in specs}
        conn = self.session.connection()
        existing = conn.execute(
            select(ACCOUNTS.c.code, ACCOUNTS.c.id, ACCOUNTS.c.kind, ACCOUNTS.c.rule).where(
                ACCOUNTS.c.code.in_(list(wanted))
            )
        )
        for row in existing:
            if (row.kind, row.rule) != wanted[row.code][:2]:
                raise AccountMismatch(
                    f"account {row.code!r} exists as {row.kind}/{row.rule},"
                    f" not {'/'.join(wanted[row.code][:2])}",
                    account=row.code,
                )
            self._ids[row.code] = int(row.id)
            del wanted[row.code]
        if wanted:
            created = _now()
            conn.execute(
                insert(ACCOUNTS),
                [
                    {
                        "code": c,
                        "name": n,
                        "kind": k,
                        "rule": r,
                        "balance": 0,
                        "created_at": created,
                    }
                    for c, (k, r, n) in wanted.items()
                ],
            )

    def account_id(self, code: str) -> int:
        """Return the id of account ``code`` or raise :class:`UnknownAccount`."""
        if code in self._ids:
            return self._ids[code]
        found = self.session.connection().execute(_ACCOUNT_ID, {"code": code}).scalar()
        if found is None:
            raise UnknownAccount(code)
        self._ids[code] = int(found)
        return int(found)

    def has_account(self, code: str) -> bool:
        """Tell whether account ``code`` exists."""
        try:
            self.account_id(code)
        except UnknownAccount:
            return False
        return True

    # -- posting ------------------------------------------------------------------

    def post(self, request: EntryRequest, *, alongside: Alongside | None = None) -> PostedEntry:
        """Post one entry; an idempotent retry returns the first entry with ``replayed``.

        ``alongside``, given the new entry's id, returns statements to run right after the
        entry's writes, in the same round trip on PostgreSQL: the insert of the row that
        records the entry in the domain (a pass-through's ``award_use`` row, say) and a read
        of what it changed, which would otherwise cost a round trip each while the chain
        head is locked. The first row of each comes back in ``alongside_rows``. A replayed
        entry runs nothing.
        """
        return self.post_batch([request], alongside=alongside)[0]

    def post_batch(
        self, requests: Sequence[EntryRequest], *, alongside: Alongside | None = None
    ) -> list[PostedEntry]:
        """Post entries atomically, in order: all are written or none (an error is raised).

        ``alongside`` (see :meth:`post`) runs once per new entry, in order.
        """
        for request in requests:
            check_request(request)
        if alongside is not None:
            self.session.flush()  # what the alongside statements read includes the ORM's changes
        driver = PostingDriver(self.session.connection())
        codes = sorted({leg.account for r in requests for leg in r.legs})
        keys = [r.idempotency_key for r in requests if r.idempotency_key is not None]
        rows, head, replays = driver.lock(codes, keys)
        states = _account_states(codes, rows)
        if head is None:
            raise RuntimeError("ledger chain head is missing: run `funds init`")
        head_id, head_hash = head
        seen_keys: dict[str, int] = {}
        reversed_here: dict[int, int] = {}
        posted: list[PostedEntry] = []
        entry_rows: list[tuple[Any, ...]] = []
        posting_rows: list[tuple[Any, ...]] = []
        daily: dict[tuple[int, date | str], list[int]] = {}  # by account and stored day
        recorded_at = _now()
        recorded_iso = recorded_at_text(recorded_at)
        recorded_value = driver.stamp(recorded_at)
        for request in requests:
            key = request.idempotency_key
            if key is not None and key in replays:
                posted.append(self._replay(request, replays[key]))
                continue
            if key is not None and key in seen_keys:
                raise IdempotencyConflict(
                    f"idempotency key {key!r} appears twice in one batch", key=key
                )
            if request.reverses_id is not None:
                self._refuse_second_reversal(request.reverses_id, reversed_here)
            _apply_rules(request, states)
            head_id += 1
            if key is not None:
                seen_keys[key] = head_id
            if request.reverses_id is not None:
                reversed_here[request.reverses_id] = head_id
            links = canonical_links(request.links)
            digest = request.digest() if key is not None else NO_REQUEST_HASH
            stored_day = driver.day(request.effective_date)  # ISO text on SQLite: hashed as is
            canonical = canonical_entry(
                entry_id=head_id,
                kind=request.kind,
                effective_date=stored_day,
                recorded_at=recorded_iso,
                actor=request.actor,
                memo=request.memo,
                voucher=request.voucher,
                idempotency_key=key,
                request_hash=digest,
                reverses_id=request.reverses_id,
                links=links,
                postings=[(leg.account, leg.amount) for leg in request.legs],
            )
            prev_hash, head_hash = head_hash, chain_hash(head_hash, canonical)
            entry_rows.append(
                (
                    head_id,
                    request.kind,
                    stored_day,
                    recorded_value,
                    request.actor,
                    request.memo,
                    request.voucher,
                    key,
                    digest,
                    request.reverses_id,
                    links,
                    prev_hash,
                    head_hash,
                )
            )
            for leg in request.legs:
                account_id = states[leg.account].id
                posting_rows.append((head_id, account_id, leg.amount, stored_day))
                bucket = daily.setdefault((account_id, stored_day), [0, 0])
                bucket[0] += leg.amount
                bucket[1] += 1
            posted.append(
                PostedEntry(
                    id=head_id,
                    kind=request.kind,
                    effective_date=request.effective_date,
                    hash=head_hash,
                    legs=tuple(request.legs),
                )
            )
        if entry_rows:
            new = [i for i, entry in enumerate(posted) if not entry.replayed]
            extra = [] if alongside is None else [alongside(posted[i].id) for i in new]
            statements = [
                (st.text(driver.dialect), params) for group in extra for st, params in group
            ]
            read = driver.write(
                entry_rows,
                posting_rows,
                [(s.balance, s.id) for s in states.values()],
                [
                    (account_id, day, delta, count)
                    for (account_id, day), (delta, count) in sorted(daily.items())
                ],
                (head_id, head_hash),
                statements,
            )
            for i, group in zip(new if alongside else (), extra, strict=True):
                posted[i] = replace(posted[i], alongside_rows=tuple(read[: len(group)]))
                del read[: len(group)]
        return posted

    def reverse(
        self,
        entry_id: int,
        *,
        actor: str,
        memo: str,
        effective_date: date | None = None,
        idempotency_key: str | None = None,
        kind: str = "reversal",
    ) -> PostedEntry:
        """Post the mirror image of entry ``entry_id``; an entry can be reversed once."""
        original = self.session.get(Entry, entry_id)
        if original is None:
            raise UnknownEntry(entry_id)
        if original.reverses_id is not None:
            raise AlreadyReversed(
                f"entry #{entry_id} is itself a reversal; post the original again instead",
                entry=entry_id,
            )
        request = EntryRequest(
            kind=kind,
            effective_date=effective_date or original.effective_date,
            legs=[Leg(leg.account, -leg.amount) for leg in self.legs_of(entry_id)],
            actor=actor,
            memo=memo,
            idempotency_key=idempotency_key,
            links={"reverses": entry_id},
            reverses_id=entry_id,
        )
        conn = self.session.connection()
        if idempotency_key is None or not PostingDriver(conn).replays([idempotency_key]):
            self._refuse_second_reversal(entry_id, {})
        return self.post(request)

    def reversal_of(self, entry_id: int) -> int | None:
        """Return the id of the entry that reverses ``entry_id``, if any."""
        found = (
            self.session.connection()
            .execute(select(ENTRIES.c.id).where(ENTRIES.c.reverses_id == entry_id))
            .scalar()
        )
        return None if found is None else int(found)

    def legs_of(self, entry_id: int) -> list[Leg]:
        """Return the postings of entry ``entry_id`` in posting order."""
        rows = self.session.connection().execute(
            select(ACCOUNTS.c.code, POSTINGS.c.amount)
            .join(ACCOUNTS, ACCOUNTS.c.id == POSTINGS.c.account_id)
            .where(POSTINGS.c.entry_id == entry_id)
            .order_by(POSTINGS.c.id)
        )
        return [Leg(code, int(amount)) for code, amount in rows]

    # -- queries ------------------------------------------------------------------

    def balance(self, code: str, as_of: date | None = None, *, missing_ok: bool = False) -> int:
        """Return the balance of ``code`` in 分: now, or over postings effective ≤ ``as_of``.

        An account never opened raises :class:`UnknownAccount`, or counts as 0 with
        ``missing_ok`` (an award that never received money has no holding account yet).
        """
        if missing_ok and not self.has_account(code):
            return 0
        account_id = self.account_id(code)
        conn = self.session.connection()
        if as_of is None:
            value = conn.execute(_BALANCE_NOW, {"account_id": account_id}).scalar()
        else:
            value = conn.execute(
                _BALANCE_AS_OF, {"account_id": account_id, "as_of": as_of}
            ).scalar()
        return int(value or 0)

    def balances_from(self, code: str, day: date) -> list[tuple[date, int]]:
        """Return ``(day, balance)`` for ``code`` as of ``day`` and after each later day it
        moves, in date order (an account never opened has ``[(day, 0)]``).

        The least of them is what a posting dated ``day`` may take out without the balance
        going below zero on ``day`` or any later day (:func:`funds.ledger.by_day.least_from`).
        """
        rows = self.session.connection().execute(_BALANCES_FROM, {"code": code, "day": day})
        (_, _, opening), *later = rows.all()
        balance = int(opening)
        points = [(day, balance)]
        for _, moved_on, delta in later:
            balance += int(delta)
            points.append((moved_on, balance))
        return points

    def movements(self, codes: Iterable[str]) -> dict[str, list[tuple[date, int]]]:
        """Return each account's net movement per effective date, ``code → [(day, delta)]``
        in date order, for many accounts in a few queries (accounts never opened: none)."""
        wanted = sorted(set(codes))
        found: dict[str, list[tuple[date, int]]] = {}
        conn = self.session.connection()
        for start in range(0, len(wanted), 500):
            query = (
                select(ACCOUNTS.c.code, DAILY.c.day, DAILY.c.delta)
                .join(DAILY, DAILY.c.account_id == ACCOUNTS.c.id)
                .where(ACCOUNTS.c.code.in_(wanted[start : start + 500]))
                .order_by(ACCOUNTS.c.code, DAILY.c.day)
            )
            for code, day, delta in conn.execute(query):
                found.setdefault(code, []).append((day, int(delta)))
        return found

    def balances(self, prefix: str, as_of: date | None = None) -> dict[str, int]:
        """Return the balance of every account whose code starts with ``prefix``."""
        conn = self.session.connection()
        # A byte-order range uses the index (SQLite's default collation is binary; on
        # PostgreSQL the "C" collation matches an expression index from the migrations).
        code = ACCOUNTS.c.code if is_sqlite(self.session) else ACCOUNTS.c.code.collate("C")
        in_range = (code >= prefix) & (code < prefix + "\U0010ffff")
        if as_of is None:
            rows = conn.execute(select(ACCOUNTS.c.code, ACCOUNTS.c.balance).where(in_range))
        else:
            rows = conn.execute(
                select(ACCOUNTS.c.code, func.coalesce(func.sum(DAILY.c.delta), 0))
                .select_from(ACCOUNTS)
                .outerjoin(DAILY, (DAILY.c.account_id == ACCOUNTS.c.id) & (DAILY.c.day <= as_of))
                .where(in_range)
                .group_by(ACCOUNTS.c.code)
            )
        return {code: int(value) for code, value in rows.all()}  # one fetch, not one per row

    def history(
        self, code: str, start: date | None = None, end: date | None = None
    ) -> list[HistoryLine]:
        """Return the postings of ``code`` effective in ``[start, end]`` with running balances."""
        account_id = self.account_id(code)
        opening = 0
        if start is not None:
            opening = self.balance(code, as_of=date.fromordinal(start.toordinal() - 1))
        query = (
            select(
                POSTINGS.c.entry_id,
                POSTINGS.c.effective_date,
                ENTRIES.c.kind,
                ENTRIES.c.memo,
                ENTRIES.c.voucher,
                POSTINGS.c.amount,
            )
            .join(ENTRIES, ENTRIES.c.id == POSTINGS.c.entry_id)
            .where(POSTINGS.c.account_id == account_id)
            .order_by(POSTINGS.c.effective_date, POSTINGS.c.id)
        )
        if start is not None:
            query = query.where(POSTINGS.c.effective_date >= start)
        if end is not None:
            query = query.where(POSTINGS.c.effective_date <= end)
        lines = []
        running = opening
        for row in self.session.connection().execute(query):
            running += int(row.amount)
            lines.append(
                HistoryLine(
                    entry_id=int(row.entry_id),
                    effective_date=row.effective_date,
                    kind=row.kind,
                    memo=row.memo,
                    voucher=row.voucher,
                    amount=int(row.amount),
                    balance=running,
                )
            )
        return lines

    def entry(self, entry_id: int) -> Entry:
        """Return the stored entry ``entry_id``."""
        found = self.session.get(Entry, entry_id)
        if found is None:
            raise UnknownEntry(entry_id)
        return found

    def head(self) -> tuple[int, str]:
        """Return the newest entry's id (0 when empty) and hash: the ledger's fingerprint."""
        row = (
            self.session.connection()
            .execute(select(CHAIN.c.last_entry_id, CHAIN.c.last_hash).where(CHAIN.c.id == 1))
            .first()
        )
        if row is None:
            return 0, GENESIS
        return int(row.last_entry_id or 0), str(row.last_hash)

    # -- internals ----------------------------------------------------------------

    def _refuse_second_reversal(self, entry_id: int, in_batch: Mapping[int, int]) -> None:
        """Raise :class:`AlreadyReversed` if ``entry_id`` is reversed (call under the lock)."""
        reversal = in_batch.get(entry_id) or self.reversal_of(entry_id)
        if reversal is not None:
            raise AlreadyReversed(
                f"entry #{entry_id} was already reversed by entry #{reversal}",
                entry=entry_id,
                reversal=reversal,
            )

    def _replay(self, request: EntryRequest, found: tuple[int, str]) -> PostedEntry:
        entry_id, stored_hash = found
        if stored_hash != request.digest():
            raise IdempotencyConflict(
                f"idempotency key {request.idempotency_key!r} was used for a different request"
                f" (entry #{entry_id})",
                key=request.idempotency_key,
                entry=entry_id,
            )
        stored = self.entry(entry_id)
        return PostedEntry(
            id=entry_id,
            kind=stored.kind,
            effective_date=stored.effective_date,
            hash=stored.hash,
            legs=tuple(self.legs_of(entry_id)),
            replayed=True,
        )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_RULES = {str(rule): rule for rule in BalanceRule}
"""Each balance rule by its stored text: a dict look-up, where calling the enum is slower."""


def _account_states(
    codes: Sequence[str], rows: Sequence[tuple[int, str, str, int]]
) -> dict[str, _AccountState]:
    """The locked accounts by code; raise :class:`UnknownAccount` for any not found."""
    states = {
        code: _AccountState(
            int(account_id), code, _RULES.get(rule) or BalanceRule(rule), int(balance)
        )
        for account_id, code, rule, balance in rows
    }
    for code in codes:
        if code not in states:
            raise UnknownAccount(code)
    return states


def check_request(request: EntryRequest) -> None:
    """Raise :class:`UnbalancedEntry` or :class:`InvalidAmount` unless ``request`` is well formed.

    What needs no database: two postings or more, each a non-zero integer of 分, summing to zero.
    """
    if len(request.legs) < 2:
        raise UnbalancedEntry(
            f"an entry needs at least two postings, got {len(request.legs)}", kind=request.kind
        )
    total = 0
    for leg in request.legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int):
            raise InvalidAmount(
                f"posting to {leg.account!r}: amount {leg.amount!r} is not integer 分",
                account=leg.account,
            )
        if leg.amount == 0:
            raise InvalidAmount(f"posting to {leg.account!r}: amount is zero", account=leg.account)
        total += leg.amount
    if total != 0:
        raise UnbalancedEntry(
            f"postings sum to {format_yuan(total)} 元, not zero", kind=request.kind, total=total
        )


def _apply_rules(request: EntryRequest, states: dict[str, _AccountState]) -> None:
    """Apply the request's legs to ``states``; raise before changing any when a rule breaks."""
    legs = request.legs
    if len(legs) == 2 and legs[0].account != legs[1].account:  # the common entry, no dict
        changes = {legs[0].account: legs[0].amount, legs[1].account: legs[1].amount}
    else:
        changes = {}
        for leg in legs:
            changes[leg.account] = changes.get(leg.account, 0) + leg.amount
    for code, change in changes.items():
        state = states[code]
        after = state.balance + change
        if (state.rule is BalanceRule.NON_NEGATIVE and after < 0) or (
            state.rule is BalanceRule.NON_POSITIVE and after > 0
        ):
            raise BalanceRuleBroken(
                f"account {code} holds {format_yuan(state.balance)} 元;"
                f" a change of {format_yuan(change)} 元 would leave {format_yuan(after)} 元"
                f" ({state.rule.value.replace('_', '-')})",
                account=code,
                balance=state.balance,
                change=change,
                rule=str(state.rule),
            )
    for code, change in changes.items():
        states[code].balance += change
