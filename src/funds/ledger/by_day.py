"""An account's balance day by day, kept in memory while postings are checked one by one.

A posting dated ``d`` changes the account's balance on ``d`` and on every later day, so a
non-negative account can take ``amount`` out on ``d`` only when its least balance from
``d`` on is at least ``amount``: the stored running balance (today's) says nothing about
the days between. :meth:`funds.ledger.Ledger.balances_from` answers this for one posting
from the database; :class:`BalanceByDay` answers it for many postings of a file checked in
memory, each seeing the ones accepted before it.

Most postings of a file take far less than the account holds, so :meth:`BalanceByDay.take`
first compares with the least balance before this file's postings less everything taken so
far (a bound that never overstates what is left); only when that bound is too small are the
postings folded in and the exact least balance computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate


@dataclass(frozen=True)
class Shortfall:
    """Why a posting dated ``day`` cannot take its amount: the balance on ``day`` and the
    least balance on that day or any later one (first reached on ``least_on``), in 分."""

    day: date
    balance: int
    least: int
    least_on: date


def least_from(balances: Sequence[tuple[date, int]]) -> tuple[date, int]:
    """Return the first ``(day, balance)`` of ``balances`` with the least balance."""
    return min(balances, key=lambda point: point[1])


class BalanceByDay:
    """Balances of one account on the days it moves and on the days postings will be dated.

    ``movements`` are ``(day, net change)`` pairs in any order (the account's stored per-day
    movements); ``days`` are the dates postings will be taken on (each must be given here).
    """

    __slots__ = ("_days", "_index", "_least", "_pending", "_taken", "_values")

    def __init__(self, movements: Iterable[tuple[date, int]], days: Iterable[date] = ()) -> None:
        moved: dict[date, int] = {}
        for day, delta in movements:
            moved[day] = moved.get(day, 0) + delta
        self._days = sorted(moved.keys() | set(days))
        self._index = {day: i for i, day in enumerate(self._days)}
        self._values = list(accumulate(moved.get(day, 0) for day in self._days))
        self._pending: dict[int, int] = {}
        self._taken = 0
        self._least = self._suffix_least()

    def take(self, day: date, amount: int) -> Shortfall | None:
        """Take ``amount`` 分 out dated ``day`` when every day from ``day`` on covers it;
        otherwise change nothing and return the :class:`Shortfall`."""
        i = self._index[day]
        if self._least[i] - self._taken >= amount:  # a lower bound of what is left
            self._pending[i] = self._pending.get(i, 0) + amount
            self._taken += amount
            return None
        self._fold()
        least = self._least[i]
        if least < amount:
            where = i + self._values[i:].index(least)
            return Shortfall(day, self._values[i], least, self._days[where])
        for j in range(i, len(self._values)):
            self._values[j] -= amount
        self._least = self._suffix_least()
        return None

    def balance_on(self, day: date) -> int:
        """Return the balance at the end of ``day`` (a day given to the constructor)."""
        self._fold()
        return self._values[self._index[day]]

    def _fold(self) -> None:
        """Apply the amounts taken on the fast path to the balances of their days and after."""
        if not self._pending:
            return
        running = 0
        starts = sorted(self._pending)
        for n, start in enumerate(starts):
            running += self._pending[start]
            stop = starts[n + 1] if n + 1 < len(starts) else len(self._values)
            for j in range(start, stop):
                self._values[j] -= running
        self._pending.clear()
        self._taken = 0
        self._least = self._suffix_least()

    def _suffix_least(self) -> list[int]:
        """The least balance from each day on (the last day's is its own balance)."""
        out = list(accumulate(reversed(self._values), min))
        out.reverse()
        return out
