"""The officers' command line, end to end on a rolled-back database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta

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


def test_an_actor_typed_with_spaces_is_the_same_officer_and_a_blank_one_is_refused(
    cli: CliRunner,
) -> None:
    setup_zone()
    run("stage", "request", "ZONE-2025-0001", "1", "--date", "2025-04-01", "--actor", "finance-a")
    out = run(
        "stage", "approve", "ZONE-2025-0001", "1", "--date", "2025-04-02",
        "--actor", "finance-a ", code=3,
    )  # fmt: skip
    assert "maker-checker" in out
    out = run("stage", "approve", "ZONE-2025-0001", "1", "--actor", " ", code=2)
    assert "--actor" in out
    assert "names nobody" in out
    data = json.loads(run("show", "award", "ZONE-2025-0001", "--json"))
    assert data["paid"] == "0.00"


def test_a_credit_code_with_a_wrong_check_character_is_refused_as_mistyped(
    cli: CliRunner,
) -> None:
    setup_zone()
    wrong = credit_code(1)[:-1] + ("0" if credit_code(1)[-1] != "0" else "1")
    out = run(
        "pass-through", "ZONE-2025-0001", wrong, "1万", "--purpose", "培育服务型制造标杆企业",
        "--actor", "z", code=2,
    )  # fmt: skip
    assert "enterprise" in out
    assert "check character" in out
    assert "check character" in run("show", "enterprise", wrong, code=2)


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


def setup_county() -> None:
    run("fund", "add", "mfg", "省制造强省建设资金")
    run("budget", "set", "mfg", "2025", "8000万", "--date", "2024-12-01", "--actor", "a")
    run("budget", "set", "mfg", "2026", "8000万", "--date", "2024-12-01", "--actor", "a")
    run("recipient", "add", "AQ-HN", "怀宁县新型建材产业集群", "--kind", "cluster",
        "--city", "安庆", "--county", "怀宁县")  # fmt: skip


COUNTY_GRANT = (
    "award", "grant", "--programme", "county_cluster", "--recipient", "AQ-HN", "--fund", "mfg",
    "--amount", "300万", "--split", "50/50", "--date", "2025-06-20", "--actor", "a",
)  # fmt: skip


# COUNTY-PLAN 附件4 第三条: 营业收入100亿元以上 (可适当放宽)、至少一家龙头企业、
# 优质企业50家以上、平均研发投入强度达2.2%以上
def test_a_county_cluster_is_granted_on_its_figures_and_shows_them(cli: CliRunner) -> None:
    setup_county()
    run(*COUNTY_GRANT, "--revenue", "100亿", "--leading-enterprises", "1",
        "--quality-enterprises", "50", "--rd-intensity", "2.2%")  # fmt: skip
    data = json.loads(run("show", "award", "CC-2025-0001", "--json"))
    assert data["county"] == {
        "revenue": "10000000000.00",
        "leading_enterprises": 1,
        "quality_enterprises": 50,
        "rd_intensity_percent": "2.20",
        "first_in_province": False,
        "top_nationally": False,
    }


def test_a_county_grant_without_its_figures_is_refused_naming_the_missing_one(
    cli: CliRunner,
) -> None:
    setup_county()
    result = runner.invoke(app, [*COUNTY_GRANT, "--revenue", "120亿", "--json"])
    assert result.exit_code == 2
    body = json.loads(result.stdout.splitlines()[0])
    assert body["details"]["field"] == "leading_enterprises"
    assert "附件4 第三条" in body["message"]


def test_a_county_cluster_below_100_yi_is_refused_unless_marked_first_in_the_province(
    cli: CliRunner,
) -> None:
    setup_county()
    figures = ("--revenue", "80亿", "--leading-enterprises", "2", "--quality-enterprises", "60",
               "--rd-intensity", "2.4%")  # fmt: skip
    result = runner.invoke(app, [*COUNTY_GRANT, *figures, "--json"])
    assert result.exit_code == 3
    body = json.loads(result.stdout.splitlines()[0])
    assert (body["rule"], body["details"]["criteria"]) == ("county-criteria", ["revenue"])
    assert body["clause"].startswith("COUNTY-PLAN 附件4 第三条")
    run(*COUNTY_GRANT, *figures, "--first-in-province")
    data = json.loads(run("show", "award", "CC-2025-0001", "--json"))
    assert data["county"]["first_in_province"] is True


def test_an_rd_intensity_typed_as_more_than_two_decimals_is_refused(cli: CliRunner) -> None:
    setup_county()
    figures = ("--revenue", "120亿", "--leading-enterprises", "2", "--quality-enterprises", "60",
               "--rd-intensity", "2.205%")  # fmt: skip
    result = runner.invoke(app, [*COUNTY_GRANT, *figures])
    assert result.exit_code == 2
    assert "0.01 %" in result.output


def test_figures_given_for_a_zone_are_refused(cli: CliRunner) -> None:
    run("fund", "add", "mfg", "省制造强省建设资金")
    result = runner.invoke(app, ["award", "grant", "--programme", "service_zone", "--recipient",
                                 "HF", "--fund", "mfg", "--amount", "1000万",
                                 "--revenue", "120亿"])  # fmt: skip
    assert result.exit_code == 2
    assert "revenue" in result.output


# ZONE-GUIDE 评估管理: own use ≤ 20 % of the money received by the use's date
def test_a_backdated_own_use_is_refused_by_what_had_been_received_then(cli: CliRunner) -> None:
    setup_zone()
    run("stage", "request", "ZONE-2025-0001", "1", "--date", "2025-04-01", "--actor", "a")
    run("stage", "approve", "ZONE-2025-0001", "1", "--date", "2025-04-02", "--actor", "b")
    result = runner.invoke(app, ["spend", "ZONE-2025-0001", "80万", "--purpose", "诊断宣贯",
                                 "--date", "2025-04-01", "--json"])  # fmt: skip
    assert result.exit_code == 3
    body = json.loads(result.stdout.splitlines()[0])
    assert body["rule"] == "own-use-at-most-20-percent"
    assert "by 2025-04-01" in body["message"]
    run("spend", "ZONE-2025-0001", "80万", "--purpose", "诊断宣贯", "--date", "2025-04-02")


def test_an_assessment_dated_before_its_year_is_refused_naming_the_date(cli: CliRunner) -> None:
    setup_zone()
    result = runner.invoke(app, ["assess", "record", "ZONE-2025-0001", "2027", "qualified",
                                 "--date", "2026-12-31", "--json"])  # fmt: skip
    assert result.exit_code == 2
    body = json.loads(result.stdout.splitlines()[0])
    assert body["details"]["field"] == "on"


def test_a_zone_grant_in_one_stage_is_refused_as_not_paid_in_stages(cli: CliRunner) -> None:
    run("fund", "add", "mfg", "省制造强省建设资金")
    run("budget", "set", "mfg", "2025", "8000万", "--date", "2024-12-01", "--actor", "a")
    run("recipient", "add", "HF", "合肥高新区", "--kind", "development_zone", "--city", "合肥")
    result = runner.invoke(app, ["award", "grant", "--programme", "service_zone", "--recipient",
                                 "HF", "--fund", "mfg", "--amount", "1000万", "--split", "100",
                                 "--date", "2025-03-01", "--json"])  # fmt: skip
    assert result.exit_code == 3
    assert json.loads(result.stdout.splitlines()[0])["rule"] == "staged-payment"


# ZONE-GUIDE 评估管理: a zone that failed has until its due date to rectify. Run from a day
# after today, the deadlines would exit it while its window is still open.
def test_deadlines_are_not_applied_from_a_day_after_today(cli: CliRunner) -> None:
    setup_zone()
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    result = runner.invoke(app, ["assess", "deadlines", "--as-of", tomorrow])
    assert result.exit_code == 2, result.output
    assert "after today" in result.output
    data = json.loads(run("show", "award", "ZONE-2025-0001", "--json"))
    assert data["status"] == "active"
    assert "consequences" in run("assess", "deadlines", "--as-of", "2025-06-30")


def test_the_day_deadlines_are_held_to_is_funds_today_when_set(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_zone()
    monkeypatch.setenv("FUNDS_TODAY", "2025-06-30")
    result = runner.invoke(app, ["assess", "deadlines", "--as-of", "2025-07-01"])
    assert result.exit_code == 2, result.output
    assert "after today (2025-06-30)" in result.output
    assert "consequences" in run("assess", "deadlines")
