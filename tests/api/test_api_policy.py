"""The policy edges over HTTP: a county cluster's recognition figures (COUNTY-PLAN 附件4
第三条), own use capped by what had been received by its date and assessments within the
award's life (ZONE-GUIDE 评估管理), and awards the texts pay in stages (分步到位)."""

from __future__ import annotations

from typing import Any

from api.conftest import ZONE, Api, problem

FIGURES = {
    "revenue": "120亿",
    "leading_enterprises": 2,
    "quality_enterprises": 60,
    "rd_intensity": "2.4%",
}


def county_grant(**figures: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "programme": "county_cluster",
        "recipient": "WH-CL",
        "fund": "mfg",
        "amount": "3000000.00",
        "split": [50, 50],
        "granted_on": "2025-06-20",
    }
    if figures:
        body["county"] = figures
    return body


def awards(api: Api) -> int:
    total: int = api.get("/awards", user="finance-a").json()["total"]
    return total


def test_a_county_cluster_granted_on_its_figures_shows_them_in_its_statement(api: Api) -> None:
    response = api.post("/awards", county_grant(**FIGURES), user="finance-a")
    assert response.status_code == 201, response.text
    assert response.json()["county"] == {
        "revenue": "12000000000.00",
        "leading_enterprises": 2,
        "quality_enterprises": 60,
        "rd_intensity_percent": "2.40",
        "first_in_province": False,
        "top_nationally": False,
    }
    code = response.json()["code"]
    assert api.get(f"/awards/{code}", user="auditor").json()["county"]["revenue"] == (
        "12000000000.00"
    )


def test_a_county_grant_without_figures_is_refused_naming_the_field(api: Api) -> None:
    before = awards(api)
    body = problem(api.post("/awards", county_grant(), user="finance-a"), 422)
    assert body["field"] == "county"
    assert awards(api) == before


# COUNTY-PLAN 附件4 第三条: 优质企业50家以上
def test_a_county_cluster_short_of_quality_enterprises_is_refused_naming_the_criterion(
    api: Api,
) -> None:
    before = awards(api)
    response = api.post(
        "/awards", county_grant(**FIGURES | {"quality_enterprises": 49}), user="finance-a"
    )
    body = problem(response, 409)
    assert body["rule"] == "county-criteria"
    assert body["details"]["criteria"] == ["quality-enterprises"]
    assert body["clause"].startswith("COUNTY-PLAN 附件4 第三条")
    assert awards(api) == before


# 集群营业收入居全省同行业第一位或位居全国同行业前列的集群，可适当放宽条件
def test_revenue_below_100_yi_passes_only_for_a_cluster_near_the_top_nationally(
    api: Api,
) -> None:
    low = FIGURES | {"revenue": "9,000,000,000.00"}  # 90亿元, as 元
    assert problem(api.post("/awards", county_grant(**low), user="finance-a"), 409)["details"][
        "criteria"
    ] == ["revenue"]
    relaxed = api.post("/awards", county_grant(**low, top_nationally=True), user="finance-a")
    assert relaxed.status_code == 201, relaxed.text
    assert relaxed.json()["county"]["top_nationally"] is True


def test_an_rd_intensity_sent_as_a_json_number_is_refused(api: Api) -> None:
    response = api.post(
        "/awards", county_grant(**FIGURES | {"rd_intensity": 2.4}), user="finance-a"
    )
    assert "rd_intensity" in problem(response, 422)["field"]


def test_figures_sent_for_a_zone_are_refused(api: Api) -> None:
    body = county_grant(**FIGURES) | {"programme": "service_zone", "recipient": "HF-GX"}
    assert problem(api.post("/awards", body, user="finance-a"), 422)["field"] == "revenue"


# ZONE-GUIDE 评估管理: 剩余资金 (≤ 20 %) of the money received by the day it is used
def test_own_use_dated_before_the_first_payment_is_refused(api: Api) -> None:
    early = {"amount": "10000.00", "purpose": "诊断宣贯", "on": "2025-03-31"}
    body = problem(api.post(f"/awards/{ZONE}/spendings", early, user="zone-hf"), 409)
    assert body["rule"] == "own-use-at-most-20-percent"
    assert body["details"]["received"] == 0
    later = early | {"on": "2025-04-01"}  # the day the first stage was paid
    assert api.post(f"/awards/{ZONE}/spendings", later, user="zone-hf").status_code == 201


def test_an_assessment_for_a_year_before_the_recognition_is_refused_naming_the_year(
    api: Api,
) -> None:
    body = {"year": 2024, "grade": "qualified", "on": "2025-04-30"}
    refused = problem(api.post(f"/awards/{ZONE}/assessments", body, user="finance-a"), 422)
    assert refused["field"] == "year"
    dated = {"year": 2027, "grade": "qualified", "on": "2026-12-31"}
    refused = problem(api.post(f"/awards/{ZONE}/assessments", dated, user="finance-a"), 422)
    assert refused["field"] == "on"


# ZONE-GUIDE 评估管理: 根据考核评价结果和年度资金预算规模分步到位
def test_a_zone_grant_in_a_single_stage_is_refused(api: Api) -> None:
    body = {
        "programme": "service_zone",
        "recipient": "HF-GX",
        "fund": "mfg",
        "amount": "6000000.00",
        "split": [100],
        "granted_on": "2026-02-01",
    }
    assert problem(api.post("/awards", body, user="finance-a"), 409)["rule"] == "staged-payment"
