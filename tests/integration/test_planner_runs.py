"""Planner runs stored with their inputs, read back, compared; the ``funds plan`` CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.planner.errors import RunNotFound
from funds.planner.scenario import inputs_from_dict, load_scenario
from funds.planner.service import compare_runs, get_run, list_runs, results_of, run_and_store

EXAMPLE = Path(__file__).parents[2] / "examples" / "scenarios" / "anhui_2026_2030.toml"
runner = CliRunner()


def quick(path: Path = EXAMPLE, **settings: object):  # type: ignore[no-untyped-def]
    inputs = load_scenario(path)
    wanted = {"explain": False, "marginal": False, "time_limit": 5.0, **settings}
    return replace(inputs, settings=replace(inputs.settings, **wanted))  # type: ignore[arg-type]


def test_a_run_is_stored_with_everything_needed_to_reproduce_it(session: Session) -> None:
    inputs = quick()
    run, result = run_and_store(session, inputs, actor="planner-1")
    stored = get_run(session, run.id or 0)
    assert stored.status == result.status
    assert stored.status in ("optimal", "feasible")
    assert stored.solver == "highs"
    assert stored.solver_version
    assert stored.gap_ppm is not None
    assert stored.gap_ppm <= 1000
    assert inputs_from_dict(json.loads(stored.inputs)) == inputs
    body = results_of(stored)
    assert body["plan"]["total_new"] == result.plan.total_new  # type: ignore[union-attr]
    assert body["plan"]["breaches"] == []


def test_runs_compare_side_by_side_with_differences_marked(session: Session) -> None:
    first, _ = run_and_store(session, quick())
    tighter = quick()
    tighter = replace(
        tighter,
        fund_years=tuple(
            replace(fy, budget=fy.budget - 1_000_000_000) for fy in tighter.fund_years
        ),
    )
    second, _ = run_and_store(session, tighter)
    comparison = compare_runs(session, [first.id or 0, second.id or 0])
    assert [r["run"] for r in comparison.runs] == [first.id, second.id]
    assert any(row.differs for row in comparison.years)
    assert any(row.differs for row in comparison.funded)
    assert [r.id for r in list_runs(session)][:2] == [second.id, first.id]


def test_an_unknown_run_is_not_found(session: Session) -> None:
    with pytest.raises(RunNotFound):
        get_run(session, 987654)


@pytest.fixture
def cli(db: Database) -> Iterator[CliRunner]:
    set_database_factory(lambda: db)
    yield runner
    set_database_factory(Database.from_url)


def test_the_cli_runs_shows_and_compares_plans(cli: CliRunner, tmp_path: Path) -> None:
    args = ["plan", "run", str(EXAMPLE), "--no-explain", "--time-limit", "5", "--json"]
    first = json.loads(cli.invoke(app, args).output)
    second = json.loads(cli.invoke(app, [*args[:-1], "--solver", "cbc", "--json"]).output)
    assert first["solver"] == "highs"
    assert second["solver"] == "cbc"
    shown = cli.invoke(app, ["plan", "show", str(first["run"])])
    assert shown.exit_code == 0
    assert "against baselines" in shown.output
    compared = cli.invoke(app, ["plan", "compare", str(first["run"]), str(second["run"])])
    assert compared.exit_code == 0
    assert "new money by year" in compared.output


def test_the_cli_diagnoses_an_infeasible_scenario(cli: CliRunner, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("city_floor_pct = 1.5", "city_floor_pct = 7")
    scenario = tmp_path / "floors.toml"
    scenario.write_text(text, encoding="utf-8")
    out = cli.invoke(app, ["plan", "run", str(scenario), "--no-explain"])
    assert out.exit_code == 0, out.output
    assert "infeasible" in out.output
    assert "floors_above_100" in out.output


def test_a_float_amount_in_a_scenario_file_is_refused_with_its_field(
    cli: CliRunner, tmp_path: Path
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('budget = "6000万"', "budget = 6000.0")
    scenario = tmp_path / "float.toml"
    scenario.write_text(text, encoding="utf-8")
    out = cli.invoke(app, ["plan", "run", str(scenario)])
    assert out.exit_code == 2
    assert "budgets[0].budget" in out.output
