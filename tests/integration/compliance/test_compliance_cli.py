"""``funds alerts``: exit codes a scheduler acts on, JSON output, replay, list, ack, show."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from factories import release, world, zone_award
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database

runner = CliRunner()


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Commands run on the test's rolled-back database, with today set to 2025-07-01."""
    monkeypatch.setenv("FUNDS_TODAY", "2025-07-01")
    monkeypatch.delenv("FUNDS_WEBHOOK_URL", raising=False)
    set_database_factory(lambda: db)
    with db.unit_of_work() as session:
        world(session)
    yield db
    set_database_factory(Database.from_url)


def run(*args: str) -> tuple[int, Any]:
    result = runner.invoke(app, ["alerts", *args])
    body = json.loads(result.stdout) if "--json" in args and result.stdout.strip() else None
    return result.exit_code, body


def grant_and_pay(db: Database) -> str:
    with db.unit_of_work() as session:
        award = zone_award(session)
        release(session, award.code, 1, date(2025, 4, 1))
        return award.code


def test_scan_exits_0_when_no_red_alert_is_open(cli: Database) -> None:
    code, body = run("scan", "--json")
    assert code == 0
    assert body["exit_code"] == 0
    assert body["recorded"] is True


def test_scan_exits_1_when_red_alerts_are_open_and_lists_them(cli: Database) -> None:
    award = grant_and_pay(cli)
    code, body = run("scan", "--json")
    assert code == 1
    assert body["breaches"] >= 1
    keys = {f["key"] for f in body["findings"]}
    assert f"zone-quarterly-report:{award}:2025Q2" in keys
    code, again = run("scan", "--json")
    assert (code, again["reused"]) == (1, True)


def test_warning_only_mode_lets_the_scan_exit_0(cli: Database) -> None:
    grant_and_pay(cli)
    assert (
        runner.invoke(
            app,
            [
                "alerts",
                "mode",
                "zone-quarterly-report",
                "--warning-only",
                "--by",
                "张三",
                "--reason",
                "试",
            ],
        ).exit_code
        == 0
    )
    code, body = run("scan", "--json")
    assert code == 0
    assert any(f["warning_only"] for f in body["findings"])


def test_a_replay_as_of_a_past_date_records_nothing(cli: Database, db: Database) -> None:
    grant_and_pay(cli)
    code, body = run("scan", "--as-of", "2025-07-15", "--json")
    assert (code, body["recorded"]) == (1, False)
    assert run("list", "--json")[1] == []


def test_list_ack_and_show_an_alert(cli: Database) -> None:
    award = grant_and_pay(cli)
    run("scan")
    code, red = run("list", "--severity", "red", "--city", "合肥", "--json")
    assert code == 0
    assert red
    assert {a["severity"] for a in red} == {"red"}
    assert run("list", "--recipient", "WH-CL", "--json")[1] == []
    key = f"zone-quarterly-report:{award}:2025Q2"
    code, acked = run("ack", key, "--by", "合肥市 张三", "--comment", "已催报", "--json")
    assert (code, acked["state"]) == (0, "acknowledged")
    code, shown = run("show", key, "--json")
    assert [e["kind"] for e in shown["history"]] == ["opened", "acknowledged"]
    assert shown["history"][1]["actor"] == "合肥市 张三"
    assert run("show", "nope", "--json")[0] == 4
    assert run("list", "--severity", "purple", "--json")[0] == 2


def test_rules_lists_the_catalogue(cli: Database, session: Session) -> None:
    code, rules = run("rules", "--json")
    assert code == 0
    assert "pass-through-80" in {r["id"] for r in rules}
