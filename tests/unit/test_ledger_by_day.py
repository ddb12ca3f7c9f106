"""The in-memory holding by day that imports check pass-through rows against: a posting may
take only what every day from its date on still holds, whatever order the rows come in."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from funds.ledger.by_day import BalanceByDay, Shortfall, least_from

D0 = date(2025, 4, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def test_money_is_taken_only_from_the_day_it_arrived() -> None:
    held = BalanceByDay([(day(7), 400)], days=[day(0), day(7)])
    assert held.take(day(0), 1) == Shortfall(day(0), 0, 0, day(0))
    assert held.take(day(7), 400) is None
    assert held.balance_on(day(7)) == 0


def test_a_backdated_posting_may_not_take_what_a_later_one_took() -> None:
    held = BalanceByDay([(day(0), 400), (day(300), 300)], days=[day(30), day(60)])
    assert held.take(day(60), 400) is None
    assert held.take(day(30), 1) == Shortfall(day(30), 400, 0, day(60))
    assert held.take(day(300), 300) is None  # stage 2's money, on its day


def test_least_from_returns_the_first_day_of_the_least_balance() -> None:
    assert least_from([(day(0), 5), (day(1), 2), (day(2), 2), (day(3), 9)]) == (day(1), 2)


movements = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 500)), max_size=6)
takes = st.lists(st.tuples(st.integers(0, 40), st.integers(1, 400)), max_size=40)


@given(movements, takes)
def test_take_accepts_exactly_what_keeps_every_later_day_covered(
    moves: list[tuple[int, int]], wanted: list[tuple[int, int]]
) -> None:
    held = BalanceByDay([(day(n), a) for n, a in moves], days=[day(n) for n, _ in wanted])
    accepted: list[tuple[int, int]] = []
    for n, amount in wanted:
        balance = {
            t: sum(a for m, a in moves if m <= t) - sum(a for m, a in accepted if m <= t)
            for t in range(41)
        }
        fits = min(balance[t] for t in range(n, 41)) >= amount
        short = held.take(day(n), amount)
        assert (short is None) == fits
        if fits:
            accepted.append((n, amount))
        else:
            assert short is not None
            assert short.least == min(balance[t] for t in range(n, 41))
            assert short.balance == balance[n]
            assert short.least_on >= day(n)
    for n, _ in wanted:
        expected = sum(a for m, a in moves if m <= n) - sum(a for m, a in accepted if m <= n)
        assert held.balance_on(day(n)) == expected
