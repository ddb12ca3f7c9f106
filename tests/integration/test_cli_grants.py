"""The officers' command line, end to end on a rolled-back database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from factories import credit_code
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.models import Enterprise, Fund, Recipient

runner = CliRunner()


@pytest.fixture
def cli(db: Database) -> Iterator[CliRunner]:
    set_database_factory(lambda: db)
    yield runner
    set_database_factory(Database.from_url)


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def setup_zone() -> None:
    run("fund", "add", "mfg", "省制造强省建设资金")
    for year in ("2025", "2026", "2027"):
        run("budget", "set", "mfg", year, "8000万", "--date", "2024-12-01", "--actor", "a")
    run("recipient", "add", "HF", "合肥高新区", "--kind", "development_zone", "--city", "合肥")
    run("enterprise", "add", credit_code(1), "合肥甲公司", "--city", "合肥市")
    run(
        "award", "grant", "--programme", "service_zone", "--recipient", "HF", "--fund", "mfg",
        "--amount", "1,000万", "--date", "2025-03-01", "--actor", "a",
    )  # fmt: skip


def test_an_officer_grants_releases_and_passes_money_on(cli: CliRunner) -> None:
    setup_zone()
    run("stage", "request", "ZONE-2025-0001", "1", "--date", "2025-04-01", "--actor", "a")
    out = run("stage", "approve", "ZONE-2025-0001", "1", "--date", "2025-04-02", "--actor", "b")
    assert "paid 4,000,000.00" in out
    out = run(
        "pass-through", "ZONE-2025-0001", credit_code(1), "350万", "--purpose",
        "培育服务型制造标杆企业", "--date", "2025-05-01", "--voucher", "PZ-1", "--actor", "z",
    )  # fmt: skip
    assert "87.50 %" in out
    data = json.loads(run("show", "award", "ZONE-2025-0001", "--json"))
    assert data["paid"] == "4000000.00"
    assert data["passed_on"] == "3500000.00"
    assert data["pass_through_percent"] == "87.50"
    assert [s["status"] for s in data["stages"]] == ["paid", "committed", "committed"]
    fund = json.loads(run("show", "fund", "mfg", "2025", "--json"))
    assert fund["available"] == "76000000.00"
    assert "ledger verifies" in run("verify")


def test_refusals_name_the_rule_and_change_nothing(cli: CliRunner) -> None:
    setup_zone()
    run("stage", "request", "ZONE-2025-0001", "1", "--date", "2025-04-01", "--actor", "a")
    result = runner.invoke(
        app, ["stage", "approve", "ZONE-2025-0001", "1", "--date", "2025-04-02", "--actor", "a"]
    )
    assert result.exit_code == 3
    assert "maker-checker" in result.output
    result = runner.invoke(
        app, ["stage", "request", "ZONE-2025-0001", "2", "--date", "2026-04-01", "--json"]
    )
    assert result.exit_code == 3
    body = json.loads(result.stdout.splitlines()[0])
    assert body["rule"] == "gate-assessment"
    assert "ZONE-GUIDE" in body["clause"]
    data = json.loads(run("show", "award", "ZONE-2025-0001", "--json"))
    assert data["paid"] == "0.00"


def test_bad_amounts_and_dates_are_refused_quoting_the_input(cli: CliRunner) -> None:
    run("fund", "add", "mfg", "省制造强省建设资金")
    result = runner.invoke(app, ["budget", "set", "mfg", "2026", "12.345"])
    assert result.exit_code == 2
    assert "'12.345'" in result.output
    result = runner.invoke(app, ["show", "fund", "mfg", "2026", "--as-of", "2026-13-01"])
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_assessment_consequences_are_printed(cli: CliRunner) -> None:
    setup_zone()
    out = run("assess", "record", "ZONE-2025-0001", "2026", "unqualified", "--date", "2026-04-30")
    assert "rectify" in out
    assert "2026-07-30" in out
    out = run(
        "assess", "record", "ZONE-2025-0001", "2026", "unqualified", "--reassessment",
        "--date", "2026-07-20",
    )  # fmt: skip
    assert "exit" in out
    data = json.loads(run("show", "recipient", "HF", "--json"))
    assert data["awards"][0]["status"] == "exited"


def test_registering_a_fund_recipient_or_enterprise_records_who_did_it(
    cli: CliRunner, db: Database
) -> None:
    run("fund", "add", "dx", "省制造业数字化转型资金", "--actor", "财务处-张")
    run("recipient", "add", "LA", "六安经开区", "--kind", "development_zone", "--city", "六安",
        "--actor", "财务处-李")  # fmt: skip
    run("enterprise", "add", credit_code(7), "六安乙公司", "--city", "六安", "--actor", "财务处-王")
    with db.unit_of_work(readonly=True) as session:
        fund = session.exec(select(Fund).where(Fund.code == "dx")).one()
        recipient = session.exec(select(Recipient).where(Recipient.code == "LA")).one()
        enterprise = session.exec(
            select(Enterprise).where(Enterprise.credit_code == credit_code(7))
        ).one()
        registered = [
            (row.registered_by, row.registered_at) for row in (fund, recipient, enterprise)
        ]
    assert [by for by, _ in registered] == ["财务处-张", "财务处-李", "财务处-王"]
    assert all(at is not None for _, at in registered)
