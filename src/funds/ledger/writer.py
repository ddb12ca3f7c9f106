"""Group commit: single entries posted from many threads, committed together.

Every entry extends one hash chain, so writers queue on its head, and on PostgreSQL each
commit of one entry costs the client and the server about a millisecond of CPU each:
separate transactions from sixteen threads top out near a thousand entries a second on two
cores, whatever the locking. A :class:`LedgerWriter` shares the commit instead. A caller's
entry joins a queue; the first caller to find no commit under way leads: it takes the
queue (up to ``max_group`` entries), posts it with :meth:`Ledger.post_batch` in one unit
of work, hands each caller its own entry, and passes the lead to the next caller waiting.
While one group commits, the next gathers, so the groups grow with the load and a lone
caller commits alone, at once.

Each call returns only when its entry is durable, and every entry is posted as it would
have been on its own, in queue order: the balance rules see the entries before it, an
idempotent retry returns the first entry. When a group is refused by a domain rule (one
entry overdraws, one key arrives twice) nothing of it is written, and its entries are then
posted one unit of work each, so that only the offending entry fails, with its own error.
A database failure fails the whole group: its outcome is unknown to the writer, so it is
not retried behind the callers' backs.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from funds.db import Database
from funds.errors import FundsError
from funds.ledger.service import EntryRequest, Ledger, PostedEntry, check_request

DEFAULT_MAX_GROUP = 64
"""Entries per group at most: enough to amortise a commit, small enough to keep its locks short."""


@dataclass(eq=False)
class _Ticket:
    """One caller's entry in the queue, and what became of it."""

    request: EntryRequest
    woken: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    posted: PostedEntry | None = None
    error: BaseException | None = None

    def outcome(self) -> PostedEntry:
        if self.error is not None:
            raise self.error
        assert self.posted is not None
        return self.posted


class LedgerWriter:
    """Posts single entries for many threads of one process, sharing their commits."""

    def __init__(self, db: Database, *, max_group: int = DEFAULT_MAX_GROUP) -> None:
        if max_group < 1:
            raise ValueError(f"max_group must be at least 1, got {max_group}")
        self._db = db
        self._max_group = max_group
        self._mutex = threading.Lock()
        self._queue: deque[_Ticket] = deque()
        self._leading = False
        self._overlap = not db.one_connection
        self.groups = 0
        """Groups committed or refused so far (for the benchmark's mean group size)."""

    @property
    def waiting(self) -> int:
        """Entries queued behind the group being committed."""
        with self._mutex:
            return len(self._queue)

    def post(self, request: EntryRequest) -> PostedEntry:
        """Post ``request`` durably, as :meth:`Ledger.post` in a unit of work of its own would.

        A malformed request (unbalanced, an amount not integer 分) is refused here, before
        it joins a queue.
        """
        check_request(request)
        ticket = _Ticket(request)
        with self._mutex:
            self._queue.append(ticket)
            leads = not self._leading
            self._leading = True
        if not leads:
            ticket.woken.wait()
            if not ticket.leads:
                return ticket.outcome()
        self._lead()
        return ticket.outcome()

    def _lead(self) -> None:
        """Post one group from the head of the queue and commit it, passing the lead on.

        The lead passes on as soon as the group's writes are in, before its commit: the
        next group's locking reads then wait in the database for this commit, instead of
        the next leader waiting for it here, so its Python overlaps this commit's round
        trip. Where every unit of work shares one connection (a test's savepoints) the
        lead passes on after the commit instead.
        """
        with self._mutex:
            count = min(len(self._queue), self._max_group)
            group = [self._queue.popleft() for _ in range(count)]
        passed = False
        try:
            self.groups += 1
            with self._db.unit_of_work() as session:
                posted = Ledger(session).post_batch([t.request for t in group])
                if self._overlap:
                    self._pass_lead()
                    passed = True
        except FundsError as refusal:  # from post_batch: nothing is written, nor passed on
            if len(group) == 1:
                group[0].error = refusal
            else:
                self._commit_one_by_one(group)
        except BaseException as failure:  # the database's: the group's outcome is unknown
            for ticket in group:
                ticket.error = failure
        else:
            for ticket, entry in zip(group, posted, strict=True):
                ticket.posted = entry
        finally:
            if not passed:
                self._pass_lead()
            for ticket in group:
                ticket.woken.set()

    def _pass_lead(self) -> None:
        with self._mutex:
            if self._queue:
                successor = self._queue[0]
                successor.leads = True
                successor.woken.set()
            else:
                self._leading = False

    def _commit_one_by_one(self, group: list[_Ticket]) -> None:
        for ticket in group:
            try:
                with self._db.unit_of_work() as session:
                    ticket.posted = Ledger(session).post(ticket.request)
            except BaseException as error:
                ticket.error = error
