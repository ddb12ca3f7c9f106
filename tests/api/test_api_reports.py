"""Downloads over HTTP: PDF reports and spreadsheet exports, as attachments, in scope."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
import openpyxl
import pytest
from pypdf import PdfReader

from api.conftest import ZONE, Api, problem
from funds.api.schemas.planner import EXAMPLE_SCENARIO
from funds.reports.fonts import cjk_font

CLUSTER = "ADV-2025-0001"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def pdf(response: httpx.Response, filename: str) -> bytes:
    """Assert ``response`` is a PDF attachment named ``filename``; return its bytes."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote(filename)}" in disposition
    assert response.content.startswith(b"%PDF-")
    return response.content


def test_an_officer_downloads_an_award_statement_as_of_a_date(api: Api) -> None:
    response = api.get(f"/awards/{ZONE}/statement.pdf", user="finance-a", as_of="2025-12-31")
    pdf(response, f"award-statement-{ZONE}-2025-12-31.pdf")
    assert (
        f'filename="award-statement-{ZONE}-2025-12-31.pdf"'
        in (response.headers["content-disposition"])
    )


def test_city_and_recipient_officers_download_the_statements_of_their_own_awards(
    api: Api,
) -> None:
    for user, code in (("city-hf", ZONE), ("zone-hf", ZONE), ("city-wh", CLUSTER)):
        response = api.get(f"/awards/{code}/statement.pdf", user=user, as_of="2025-12-31")
        pdf(response, f"award-statement-{code}-2025-12-31.pdf")


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.skipif(
    not cjk_font().embedded,
    reason="no TrueType CJK font: STSong-Light is not embedded, so its text is not extractable",
)
def test_a_recipients_statement_holds_its_own_award_and_recipient_only(api: Api) -> None:
    response = api.get(f"/awards/{ZONE}/statement.pdf", user="zone-hf", as_of="2025-12-31")
    text = text_of(pdf(response, f"award-statement-{ZONE}-2025-12-31.pdf"))
    assert ZONE in text
    assert "合肥高新区" in text
    assert CLUSTER not in text
    assert "芜湖" not in text


def test_another_citys_award_statement_is_exactly_as_missing_as_one_that_does_not_exist(
    api: Api,
) -> None:
    for user, other in (("city-hf", CLUSTER), ("zone-hf", CLUSTER), ("cluster-wh", ZONE)):
        hidden = problem(api.get(f"/awards/{other}/statement.pdf", user=user), 404)
        missing = problem(api.get("/awards/NO-SUCH/statement.pdf", user=user), 404)
        assert hidden["detail"] == missing["detail"].replace("NO-SUCH", other)
        assert hidden.keys() == missing.keys()


def test_the_fund_execution_report_is_for_the_province_not_for_one_city(api: Api) -> None:
    path = "/funds/mfg/years/2025/execution.pdf"
    pdf(api.get(path, user="auditor", as_of="2025-06-30"), "fund-execution-mfg-2025-2025-06-30.pdf")
    for user in ("city-hf", "zone-hf"):
        problem(api.get(path, user=user), 403)
    problem(api.get("/funds/nope/years/2025/execution.pdf", user="finance-a"), 404)


def test_a_city_officer_gets_the_compliance_report_of_their_own_city_only(api: Api) -> None:
    pdf(api.get("/reports/compliance.pdf", user="finance-a"), "compliance.pdf")
    pdf(api.get("/reports/compliance.pdf", user="city-hf"), "compliance-合肥市.pdf")
    pdf(api.get("/reports/compliance.pdf", user="city-hf", city="合肥"), "compliance-合肥市.pdf")
    problem(api.get("/reports/compliance.pdf", user="city-hf", city="芜湖市"), 404)
    problem(api.get("/reports/compliance.pdf", user="zone-hf"), 403)
    assert (
        problem(api.get("/reports/compliance.pdf", user="auditor", city="北京"), 422)["field"]
        == "city"
    )


def test_the_clawback_register_downloads_for_finance_and_auditors(api: Api) -> None:
    pdf(api.get("/reports/clawback.pdf", user="auditor", as_of="2025-12-31"),
        "clawback-register-2025-12-31.pdf")  # fmt: skip
    problem(api.get("/reports/clawback.pdf", user="city-hf"), 403)


@pytest.fixture
def plan_run(api: Api) -> int:
    response = api.post("/plans/runs", dict(EXAMPLE_SCENARIO), user="planner")
    assert response.status_code == 201, response.text
    run: int = response.json()["run"]
    return run


def test_a_planner_downloads_a_runs_report_and_its_results(api: Api, plan_run: int) -> None:
    pdf(api.get(f"/plans/runs/{plan_run}/report.pdf", user="planner"), f"plan-run-{plan_run}.pdf")
    book = workbook(api.get(f"/exports/plans/{plan_run}", user="auditor"), f"plan-run-{plan_run}")
    assert book.sheetnames == ["资助对象", "年度资金", "按市与产业", "原因说明", "说明"]
    problem(api.get(f"/plans/runs/{plan_run + 1000}/report.pdf", user="planner"), 404)
    problem(api.get(f"/plans/runs/{plan_run}/report.pdf", user="finance-a"), 403)


def workbook(response: httpx.Response, stem: str) -> Any:
    """Assert ``response`` is an .xlsx attachment named ``stem.xlsx``; return the workbook."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert f"filename*=UTF-8''{quote(stem)}.xlsx" in response.headers["content-disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)


def csv_rows(response: httpx.Response, filename: str) -> list[list[str]]:
    """Assert ``response`` is a CSV attachment (UTF-8 with BOM); return its rows."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert f"filename*=UTF-8''{quote(filename)}" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_journal_exports_as_a_workbook_with_every_posting(api: Api) -> None:
    book = workbook(api.get("/exports/journal", user="finance-a"), "journal")
    assert book.sheetnames == ["分录", "说明"]
    rows = list(book["分录"].iter_rows(values_only=True))
    assert rows[0][0] == "分录号"
    assert len(rows) > 1


def test_balances_export_as_csv_as_of_a_date(api: Api) -> None:
    response = api.get(
        "/exports/balances", user="auditor", format="csv", as_of="2025-12-31", prefix="award:"
    )
    rows = csv_rows(response, "balances-2025-12-31.csv")
    assert rows[0][0] == "科目"
    held = [r for r in rows[1:] if r[0] == f"award:{ZONE}:held"]
    assert [r[3] for r in held] == ["4000000.00"]


def test_the_award_export_gives_each_sheet_as_csv_and_refuses_an_unknown_one(api: Api) -> None:
    awards = csv_rows(api.get("/exports/awards", user="finance-a", format="csv"), "awards-")
    stages = csv_rows(
        api.get("/exports/awards", user="finance-a", format="csv", sheet="stages"), "awards-"
    )
    assert sorted(r[0] for r in awards[1:]) == [CLUSTER, ZONE]
    assert stages[0][:2] == ["奖补编号", "期次"]
    bad = problem(api.get("/exports/awards", user="finance-a", format="csv", sheet="nope"), 422)
    assert bad["field"] == "sheet"
    problem(api.get("/exports/awards", user="finance-a", sheet="stages"), 422)
    problem(api.get("/exports/awards", user="finance-a", format="pdf"), 422)
    for user in ("city-hf", "zone-hf"):
        problem(api.get("/exports/awards", user=user), 403)


def test_a_city_officer_exports_the_alerts_of_their_own_city_only(api: Api) -> None:
    assert api.post("/alerts/scans", {}, user="finance-a").status_code == 200
    every = csv_rows(api.get("/exports/alerts", user="auditor", format="csv"), "alerts.csv")
    rows = csv_rows(api.get("/exports/alerts", user="city-wh", format="csv"), "alerts-芜湖市.csv")
    assert rows[0] == every[0]
    assert rows[0][8] == "市"
    assert rows[1:] == [r for r in every[1:] if r[8] == "芜湖市"]
    problem(api.get("/exports/alerts", user="city-wh", city="合肥市"), 404)
    problem(api.get("/exports/alerts", user="cluster-wh"), 403)
    workbook(api.get("/exports/alerts", user="finance-a"), "alerts")
