"""Uploads over HTTP: a spreadsheet is imported all rows or none, problems at their cells."""

from __future__ import annotations

import io
from typing import Any

import httpx2 as httpx
import openpyxl

from api.conftest import ZONE, Api, problem
from factories import credit_code

HEADER = ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"]


def pass_through_csv(*rows: list[str]) -> bytes:
    """A pass-through sheet as CSV (UTF-8 with BOM, as Excel saves it)."""
    lines = [",".join(HEADER), *(",".join(r) for r in rows)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


GOOD = [
    [ZONE, credit_code(1), "100万", "技术创新项目", "PZ-0001", "2025-05-01"],
    [ZONE, credit_code(2), "50000.00", "技术创新项目", "PZ-0002", "2025-05-02"],
]


def upload(
    api: Api,
    content: bytes,
    *,
    user: str = "finance-a",
    kind: str = "pass-through",
    filename: str = "下达明细.csv",
    **params: Any,
) -> httpx.Response:
    """POST ``content`` as the file of an import of ``kind``."""
    response: httpx.Response = api.client.post(
        f"/imports/{kind}",
        content=content,
        params={"filename": filename, **params},
        headers=api.headers(user) | {"Content-Type": "application/octet-stream"},
    )
    return response


def passed_on(api: Api) -> str:
    passed: str = api.get(f"/awards/{ZONE}", user="auditor").json()["passed_on"]
    return passed


def test_a_clean_file_is_imported_and_its_rows_are_counted_new(api: Api) -> None:
    before = passed_on(api)
    response = upload(api, pass_through_csv(*GOOD))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body | {"ignored": []} == {
        "file": "下达明细.csv",
        "dry_run": False,
        "committed": True,
        "rows": 2,
        "new": 2,
        "existing": 0,
        "kinds": {"pass_through": {"rows": 2, "new": 2, "existing": 0}},
        "ignored": [],
    }
    assert (before, passed_on(api)) == ("0.00", "1050000.00")


def test_uploading_the_same_file_again_counts_every_row_as_already_there(api: Api) -> None:
    assert upload(api, pass_through_csv(*GOOD)).json()["new"] == 2
    again = upload(api, pass_through_csv(*GOOD))
    assert again.status_code == 200, again.text
    assert (again.json()["new"], again.json()["existing"]) == (0, 2)
    assert passed_on(api) == "1050000.00"


def test_a_dry_run_checks_every_row_and_writes_nothing(api: Api) -> None:
    response = upload(api, pass_through_csv(*GOOD), dry_run="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["dry_run"], body["committed"], body["new"]) == (True, False, 2)
    assert passed_on(api) == "0.00"
    assert upload(api, pass_through_csv(*GOOD)).json()["new"] == 2


def test_a_bad_file_is_refused_with_every_cell_named_and_nothing_written(api: Api) -> None:
    bad = pass_through_csv(
        GOOD[0],
        [ZONE, "91340100MA0000001X", "一百块", "技术创新项目", "PZ-0003", "2025-05-03"],
    )
    body = problem(upload(api, bad), 422)
    assert body["type"].endswith("/invalid-input")
    places = {(p["sheet"], p["row"], p["column"], p["cell"]) for p in body["details"]["problems"]}
    assert ("下达明细", 3, "统一社会信用代码", "B3") in places
    assert ("下达明细", 3, "金额", "C3") in places
    fields = [e["field"] for e in body["errors"]]
    assert "下达明细 row 3, 金额 (C3)" in fields
    assert len(body["errors"]) == len(body["details"]["problems"])
    assert "nothing was written" in body["detail"]
    assert passed_on(api) == "0.00"


def test_a_row_that_breaks_a_rule_is_refused_at_its_amount_with_the_rule(api: Api) -> None:
    too_much = [ZONE, credit_code(1), "500万", "技术创新项目", "PZ-0009", "2025-05-09"]
    body = problem(upload(api, pass_through_csv(GOOD[0], too_much)), 422)
    [found] = body["details"]["problems"]
    assert (found["row"], found["column"], found["cell"]) == (3, "金额", "C3")
    assert found["rule"]
    assert passed_on(api) == "0.00"


def test_a_workbook_upload_is_read_like_the_csv_one(api: Api) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "下达企业"
    for row in [HEADER, *GOOD]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(api, buffer.getvalue(), kind="workbook", filename="年度台账.xlsx")
    assert response.status_code == 200, response.text
    assert response.json()["kinds"] == {"pass_through": {"rows": 2, "new": 2, "existing": 0}}


def test_an_unreadable_upload_or_a_missing_name_is_invalid_input(api: Api) -> None:
    assert problem(upload(api, b"not a zip", filename="x.xlsx"), 422)["field"] == "file"
    assert problem(upload(api, b"a,b", filename="x.pdf"), 422)["field"] == "filename"
    assert problem(upload(api, b"", filename="x.csv"), 422)["field"] == "body"
    response = api.client.post("/imports/spending", content=b"a", headers=api.headers("admin"))
    assert problem(response, 422)["field"] == "filename"


def test_only_finance_and_admin_may_import(api: Api) -> None:
    for user in ("zone-hf", "city-hf", "auditor", "planner"):
        problem(upload(api, pass_through_csv(*GOOD), user=user), 403)
    assert upload(api, pass_through_csv(*GOOD), user="admin").status_code == 200
