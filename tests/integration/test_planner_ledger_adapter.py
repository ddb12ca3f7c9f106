"""The planner reads budgets and existing commitments from the grants ledger.

Figures are checked against :func:`funds.grants.queries.fund_year_execution`, the query
officers read: the budget of every planning year, what is paid and what is committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from factories import FUND, release, world, zone_award
from funds import grants
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.queries import fund_year_execution
from funds.ledger import Ledger
from funds.planner.adapter import from_ledger
from funds.planner.errors import ScenarioInvalid
from funds.planner.inputs import Candidate, FundYear, PlanInputs, Settings
from funds.planner.rounding import caps
from funds.planner.run import plan
from funds.planner.scenario import canonical_json, inputs_from_dict
from funds.policy import WAN

NAME = "省制造强省建设资金"  # the fund's name in factories.world()
YEARS = (2026, 2027, 2028, 2029)  # the ledger has budgets up to 2028


def scenario(label: str = NAME) -> PlanInputs:
    return PlanInputs(
        name="ledger",
        fund_years=tuple(FundYear(label, y, 8000 * WAN, reserve=500 * WAN) for y in YEARS),
        candidates=(
            Candidate(
                "Z1",
                "Z1",
                "service_zone",
                label,
                "合肥市",
                "汽车",
                90.0,
                300 * WAN,
                800 * WAN,
                schedule=(50, 50),  # by 2027-12-31 from a 2026 start (ZONE-GUIDE 附则)
            ),
            Candidate(
                "Z2",
                "Z2",
                "service_zone",
                label,
                "芜湖市",
                "新材料",
                80.0,
                500 * WAN,
                500 * WAN,
                schedule=(50, 50),
            ),
        ),
        settings=Settings(
            time_limit=10,
            explain=False,
            marginal=False,
            pass_rates=(("advanced_cluster", 90.0), ("service_zone", 80.0)),
        ),
    )


def budget_of(inputs: PlanInputs, year: int) -> int:
    found = inputs.budget(NAME, year)
    assert found is not None
    return found.budget


@pytest.fixture
def books(session: Session) -> Session:
    """Zone awards: 1000万 from 2026 (40/60), its 2026 stage paid on 1 April 2026; 600万
    from 2025 (40/30/30, unpaid); 400万 from 2026 (50/50) exited in June 2026, which frees
    its unpaid stages."""
    world(session)
    first = zone_award(session, amount_wan=1000, granted_on=date(2026, 3, 1), split=(40, 60))
    zone_award(session, amount_wan=600, granted_on=date(2025, 3, 1))
    release(session, first.code, 1, date(2026, 4, 1))
    gone = zone_award(session, amount_wan=400, granted_on=date(2026, 3, 3), split=(50, 50))
    grants.terminate(
        session, award=gone.code, reason="voluntary", on=date(2026, 6, 1), actor="finance-a"
    )
    return session


def test_budgets_paid_and_committed_equal_the_fund_year_execution(books: Session) -> None:
    inputs = from_ledger(books, scenario())
    for year in (2026, 2027):
        execution = fund_year_execution(books, FUND, year)
        budget = inputs.budget(NAME, year)
        assert budget is not None
        assert budget.budget == execution.budget == 10_000 * WAN
        assert budget.reserve == 500 * WAN  # the scenario's knob is kept
        paid = [c for c in inputs.commitments if c.year == year and c.ref.startswith("paid:")]
        unpaid = [c for c in inputs.commitments if c.year == year and "#" in c.ref]
        assert sum(c.amount for c in paid) == execution.paid
        assert sum(c.amount for c in unpaid) == execution.committed
        assert all(c.release_pct == 100.0 for c in paid)
        assert all(c.programme == "service_zone" and c.release_pct is None for c in unpaid)
        # budget available for new money: budget - paid - expected release - reserve
        expected = execution.budget - execution.paid - 0.8 * execution.committed - 500 * WAN
        assert caps(inputs)[NAME, year] == int(expected)
    assert fund_year_execution(books, FUND, 2026).paid == 400 * WAN
    assert fund_year_execution(books, FUND, 2026).committed == 180 * WAN  # exited award freed
    assert budget_of(from_ledger(books, scenario()), 2028) == 10_000 * WAN


def test_a_planning_year_without_a_booked_budget_keeps_the_scenario_figure(
    books: Session,
) -> None:
    inputs = from_ledger(books, scenario())
    budget = inputs.budget(NAME, 2029)
    assert budget is not None
    assert budget.budget == 8000 * WAN
    assert inputs.source is not None
    assert inputs.source.assumed == ((NAME, 2029),)
    assert inputs.source.funds == ((NAME, FUND),)
    assert (inputs.source.head_id, inputs.source.head_hash) == Ledger(books).head()


def test_the_books_as_of_a_date_before_the_release(books: Session) -> None:
    inputs = from_ledger(books, scenario(), as_of=date(2026, 3, 15))
    execution = fund_year_execution(books, FUND, 2026, as_of=date(2026, 3, 15))
    assert execution.paid == 0
    unpaid = [c for c in inputs.commitments if c.year == 2026]
    assert sum(c.amount for c in unpaid) == execution.committed == 780 * WAN
    assert inputs.source is not None
    assert inputs.source.as_of == "2026-03-15"


def test_a_requested_stage_has_passed_its_gate_and_counts_in_full(books: Session) -> None:
    award = zone_award(books, amount_wan=300, granted_on=date(2026, 5, 1), split=(50, 50))
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2026, 5, 2))
    stage = next(
        c for c in from_ledger(books, scenario()).commitments if c.ref == f"{award.code}#1"
    )
    assert stage.release_pct == 100.0
    assert stage.amount == 150 * WAN


def test_the_fund_is_matched_by_code_too_and_an_unknown_fund_is_refused(
    books: Session,
) -> None:
    by_code = from_ledger(books, scenario(label=FUND))
    assert by_code.source is not None
    assert by_code.source.funds == ((FUND, FUND),)
    with pytest.raises(ScenarioInvalid):
        from_ledger(books, scenario(label="no such fund"))
    with pytest.raises(ScenarioInvalid):
        from_ledger(books, scenario(), fund="nope")


def test_a_ledger_run_round_trips_and_plans_within_the_books(books: Session) -> None:
    inputs = from_ledger(books, scenario())
    assert inputs_from_dict(json.loads(canonical_json(inputs))) == inputs
    result = plan(inputs)
    assert result.plan is not None
    assert result.plan.breaches == []
    assert result.source is not None
    assert inputs.source is not None
    assert result.source["head_hash"] == inputs.source.head_hash
    for line in result.plan.years:
        assert line.slack >= 0


@pytest.fixture
def cli(db: Database) -> Iterator[CliRunner]:
    set_database_factory(lambda: db)
    yield CliRunner()
    set_database_factory(Database.from_url)


def test_the_cli_plans_from_the_ledger_and_records_the_head(
    cli: CliRunner, db: Database, tmp_path: Path
) -> None:
    with db.unit_of_work() as session:
        world(session)
        zone_award(session, amount_wan=1000, granted_on=date(2026, 3, 1), split=(40, 60))
    with db.unit_of_work() as session:
        head = Ledger(session).head()
    path = tmp_path / "ledger.json"
    body = json.loads(canonical_json(scenario()))
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    args = ["plan", "run", str(path), "--from-ledger", "--fund", FUND, "--as-of", "2026-12-31"]
    out = cli.invoke(app, [*args, "--json"])
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    assert result["source"]["head_id"] == head[0]
    assert result["source"]["head_hash"] == head[1]
    assert result["source"]["as_of"] == "2026-12-31"
    shown = cli.invoke(app, ["plan", "show", str(result["run"])])
    assert "from the ledger" in shown.output
    refused = cli.invoke(app, ["plan", "run", str(path), "--fund", FUND])
    assert refused.exit_code == 2
