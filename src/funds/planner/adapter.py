"""Budgets and existing commitments read from the grants ledger instead of a scenario file.

:func:`from_ledger` takes a scenario's :class:`~funds.planner.inputs.PlanInputs` (its
candidates, policy, settings, reserves and planning years) and replaces, for each fund it
reads, the budgets and existing commitments with the books as of a date:

* **budget** of each planning year: the fund-year's appropriation as the ledger holds it
  (:func:`funds.grants.queries.fund_year_execution`, budget changes included). A planning
  year the ledger has no budget for keeps the scenario's figure, and is listed in
  :attr:`LedgerSource.assumed` so that nobody mistakes it for a booked budget.
* **paid**: stages of that year paid by the date. They are spent, so they count in full:
  one commitment ``paid:FUND:YEAR`` with ``release_pct = 100``.
* **committed**: every stage of that year still promised and unpaid (the balance of its
  ``fund:F:Y:committed:A:N`` account; cancelled and forfeited stages and the unpaid stages
  of exited or revoked awards have gone back to ``available`` and are not counted). One
  commitment ``AWARD#SEQ`` each, with the award's programme, so the scenario's pass rate
  (``settings.pass_rates``) gives its release probability. A stage whose release was
  already requested has passed its gate and counts at ``release_pct = 100``.

So the money the plan may give to new awards in a fund-year is::

    budget - paid - Σ expected release of unpaid stages - reserve
  = available + Σ (1 - release probability) × unpaid - reserve

where ``available`` is the ledger's uncommitted budget: a stage that is expected to fall
through (failed assessment, exit) frees its money for the plan, in expectation. The
reserve stays a planning knob of the scenario; the model applies it.

The run records where its figures came from (:class:`LedgerSource`: funds, as-of date and
the ledger head, whose hash fingerprints every entry up to it), and the inputs it stores
hold every figure read, so a run is reproducible without the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlmodel import Session, col, select

from funds.grants.common import fund_year
from funds.grants.models import Award, Fund, Stage
from funds.grants.queries import fund_year_execution
from funds.ledger import Ledger
from funds.planner.errors import ScenarioInvalid
from funds.planner.inputs import Commitment, FundYear, LedgerSource, PlanInputs


@dataclass(frozen=True)
class FundYearBooks:
    """One fund-year as the ledger holds it, in 分."""

    fund: str
    """The ledger's fund code."""
    year: int
    booked: bool
    """Whether the ledger has a budget row for the year."""
    budget: int
    paid: int
    committed: tuple[Commitment, ...]
    """Unpaid stages (fund named as the scenario names it)."""

    @property
    def unpaid(self) -> int:
        """Total of the unpaid stages."""
        return sum(c.amount for c in self.committed)


def match_fund(session: Session, label: str) -> Fund | None:
    """Return the ledger fund a scenario's fund ``label`` names (by code, else by name)."""
    found = session.exec(select(Fund).where(Fund.code == label)).first()
    if found is None:
        found = session.exec(select(Fund).where(Fund.name == label).order_by(col(Fund.id))).first()
    return found


def read_books(
    session: Session, fund: Fund, years: tuple[int, ...], *, label: str, as_of: date | None
) -> list[FundYearBooks]:
    """Return the books of ``fund`` for ``years`` as of ``as_of`` (default: today's books)."""
    day = as_of or date.max
    ledger = Ledger(session)
    out = []
    for year in years:
        execution = fund_year_execution(session, fund.code, year, as_of)
        prefix = f"fund:{fund.code}:{year}:committed:"
        balances = {
            code[len(prefix) :]: amount
            for code, amount in ledger.balances(prefix, as_of=as_of).items()
            if amount > 0
        }
        stages = session.exec(
            select(Stage, Award.code, Award.programme)
            .join(Award, col(Award.id) == Stage.award_id)
            .where(Award.fund_id == fund.id, Stage.year == year)
            .order_by(col(Award.code), col(Stage.seq))
        ).all()
        committed = []
        for stage, award, programme in stages:
            amount = balances.get(f"{award}:{stage.seq}", 0)
            if amount <= 0:
                continue
            requested = (
                stage.status in ("requested", "paid")
                and stage.requested_on is not None
                and stage.requested_on <= day
            )
            committed.append(
                Commitment(
                    ref=f"{award}#{stage.seq}",
                    fund=label,
                    year=year,
                    amount=amount,
                    programme=programme,
                    release_pct=100.0 if requested else None,
                )
            )
        out.append(
            FundYearBooks(
                fund=fund.code,
                year=year,
                booked=fund_year(session, fund, year) is not None,
                budget=execution.budget,
                paid=execution.paid,
                committed=tuple(committed),
            )
        )
    return out


def from_ledger(
    session: Session, inputs: PlanInputs, *, fund: str | None = None, as_of: date | None = None
) -> PlanInputs:
    """Return ``inputs`` with budgets and existing commitments read from the ledger.

    Every fund of the scenario's budgets is read (each must name a ledger fund by code or
    name), or only ``fund`` (a ledger fund code, or a scenario fund label) when given.
    """
    labels = sorted({fy.fund for fy in inputs.fund_years})
    if fund is not None:
        ledger_fund = match_fund(session, fund)
        if ledger_fund is None:
            raise ScenarioInvalid("fund", f"the ledger has no fund {fund!r}")
        chosen = [label for label in labels if label in (fund, ledger_fund.code, ledger_fund.name)]
        if not chosen:
            raise ScenarioInvalid(
                "fund",
                f"the scenario plans no fund named {ledger_fund.code!r} or"
                f" {ledger_fund.name!r} (it plans {labels})",
            )
        matched = [(label, ledger_fund) for label in chosen]
    else:
        matched = []
        for label in labels:
            found = match_fund(session, label)
            if found is None:
                raise ScenarioInvalid(
                    "budgets.fund", f"fund {label!r} is not in the ledger (by code or name)"
                )
            matched.append((label, found))
    fund_years = {(fy.fund, fy.year): fy for fy in inputs.fund_years}
    commitments = [c for c in inputs.commitments if c.fund not in {lb for lb, _ in matched}]
    assumed: list[tuple[str, int]] = []
    for label, found in matched:
        years = tuple(sorted(y for (f, y) in fund_years if f == label))
        for books in read_books(session, found, years, label=label, as_of=as_of):
            old = fund_years[label, books.year]
            if books.booked:
                fund_years[label, books.year] = FundYear(
                    label, books.year, books.budget, min(old.reserve, books.budget)
                )
            else:
                assumed.append((label, books.year))
            if books.paid:
                commitments.append(
                    Commitment(
                        ref=f"paid:{found.code}:{books.year}",
                        fund=label,
                        year=books.year,
                        amount=books.paid,
                        release_pct=100.0,
                    )
                )
            commitments.extend(books.committed)
    head_id, head_hash = Ledger(session).head()
    source = LedgerSource(
        funds=tuple((label, found.code) for label, found in matched),
        as_of=as_of.isoformat() if as_of else None,
        head_id=head_id,
        head_hash=head_hash,
        assumed=tuple(assumed),
    )
    return replace(
        inputs,
        fund_years=tuple(fund_years[fy.fund, fy.year] for fy in inputs.fund_years),
        commitments=tuple(commitments),
        source=source,
    )
