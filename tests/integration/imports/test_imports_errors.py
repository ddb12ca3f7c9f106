"""A file with one error of every kind: each reported at its cell, and nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

import factories
from factories import credit_code
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.models import Award, Enterprise, Recipient, Use
from funds.ledger import Ledger

ZONE = "ZONE-2025-0001"
ADV = "ADV-2025-0001"
D = date(2025, 6, 1)
PURPOSE = "培育服务型制造标杆企业"


def bad_check_character(n: int) -> str:
    code = credit_code(n)
    return code[:-1] + ("0" if code[-1] != "0" else "1")


# sheet → (headers, rows); each row's comment names the cell its error must be reported at.
WORKBOOK: dict[str, tuple[list[str], list[list[Any]]]] = {
    "受助单位": (
        ["单位编码", "单位名称", "单位类型", "所属市", "县区"],
        [
            ["HF-GX", "合肥高新技术产业开发区", "开发区", "合肥市", None],  # A2 conflicts
            ["SZ-X", "宿州某区", "乡镇", "宿州", None],  # C3 not a kind
            ["NJ-X", "南京某区", "区", "南京", None],  # D4 not an Anhui city
        ],
    ),
    "企业": (
        ["统一社会信用代码", "企业名称", "所属市"],
        [
            [bad_check_character(20), "某公司", "合肥"],  # A2 check character
            [credit_code(21), None, "合肥"],  # B3 required
        ],
    ),
    "奖补": (
        [
            "奖补编号",
            "项目类别",
            "单位编码",
            "资金来源",
            "集群等级",
            "奖补金额",
            "分期比例",
            "立项日期",
        ],
        [
            [
                "ZONE-2025-0900",
                "服务型制造集聚区奖补",
                "XX-NONE",
                "mfg",
                None,
                "100万",
                None,
                D,
            ],  # C2
            ["ZONE-2025-0901", "服务型制造集聚区奖补", "HF-GX", "mfg", None, "5亿", None, D],  # F3
            [
                "ZONE-2025-0902",
                "服务型制造集聚区奖补",
                "HF-GX",
                "mfg",
                None,
                "100万",
                None,
                "2025-02-30",
            ],  # H4
            [
                "ZONE-2025-0903",
                "服务型制造集聚区奖补",
                "HF-GX",
                "mfg",
                None,
                "100万",
                "50/40",
                D,
            ],  # G5
        ],
    ),
    "考核结果": (
        ["奖补编号", "考核年度", "考核结果", "评估日期", "是否复评"],
        [
            [ZONE, 2026, "良好", date(2026, 4, 30), None],  # C2 not a grade
            [ZONE, 2025, "合格", date(2025, 12, 1), "是"],  # E3 re-assessment without failure
        ],
    ),
    "拨付": (
        ["奖补编号", "期次", "申请人", "审批人", "拨付日期"],
        [
            [ZONE, 2, "张", "李", date(2026, 5, 1)],  # B2 gate: no 2026 assessment
            [ZONE, "第三期", "张", "李", date(2027, 5, 1)],  # B3 not a number
            [ADV, 1, "张", "张", date(2025, 4, 1)],  # D4 maker-checker
        ],
    ),
    "下达企业": (
        ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"],
        [
            [ZONE, credit_code(1), "300万", PURPOSE, "PZ-1", D],  # valid: 100万 left held
            [ZONE, credit_code(2), "200万", PURPOSE, "PZ-2", D],  # C3 more than held
            [ZONE, credit_code(1), "12.345", PURPOSE, "PZ-4", D],  # C4 below 1 分
            [ZONE, credit_code(1), "abc", PURPOSE, "PZ-5", D],  # C5 not a number
            [ZONE, credit_code(1), "-5万", PURPOSE, "PZ-6", D],  # C6 negative
            ["ZONE-2099-9999", credit_code(1), "1万", PURPOSE, "PZ-7", D],  # A7 unknown award
            [ZONE, credit_code(30), "1万", PURPOSE, "PZ-8", D],  # B8 unknown enterprise
            [ZONE, credit_code(1), "1万", PURPOSE, "PZ-1", D],  # E9 voucher repeated
            [ZONE, credit_code(1), "1万", None, "PZ-10", D],  # D10 required
            [ZONE, credit_code(1), "1万", PURPOSE, "PZ-11", "明天"],  # F11 not a date
        ],
    ),
    "自用": (
        ["奖补编号", "金额", "用途", "凭证号", "支出日期"],
        [
            [ZONE, "90万", "诊断宣贯", "ZC-1", D],  # B2 own use above 20 %
            [ZONE, "1万", "吃饭", "ZC-2", D],  # C3 not an own-use purpose
        ],
    ),
}

EXPECTED = {
    ("受助单位", "A2"),
    ("受助单位", "C3"),
    ("受助单位", "D4"),
    ("企业", "A2"),
    ("企业", "B3"),
    ("奖补", "C2"),
    ("奖补", "F3"),
    ("奖补", "H4"),
    ("奖补", "G5"),
    ("考核结果", "C2"),
    ("考核结果", "E3"),
    ("拨付", "B2"),
    ("拨付", "B3"),
    ("拨付", "D4"),
    ("下达企业", "C3"),
    ("下达企业", "C4"),
    ("下达企业", "C5"),
    ("下达企业", "C6"),
    ("下达企业", "A7"),
    ("下达企业", "B8"),
    ("下达企业", "E9"),
    ("下达企业", "D10"),
    ("下达企业", "F11"),
    ("自用", "B2"),
    ("自用", "C3"),
}


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], list[list[Any]]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, (headers, rows) in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def cli(db: Database) -> Iterator[Database]:
    with db.unit_of_work() as session:
        factories.world(session)
        factories.zone_award(session)
        factories.cluster_award(session)
        factories.release(session, ZONE, 1, date(2025, 4, 8))
    set_database_factory(lambda: db)
    yield db
    set_database_factory(Database.from_url)


def state(db: Database) -> tuple[object, ...]:
    with db.unit_of_work(readonly=True) as session:
        counts = tuple(
            session.exec(select(func.count()).select_from(m)).one()
            for m in (Recipient, Enterprise, Award, Use)
        )
        return Ledger(session).head(), counts


def test_every_kind_of_error_is_reported_at_its_cell_and_nothing_is_written(
    cli: Database, tmp_path: Path
) -> None:
    before = state(cli)
    path = write_workbook(tmp_path / "errors.xlsx", WORKBOOK)
    result = CliRunner().invoke(app, ["import", "workbook", str(path), "--json"])
    assert result.exit_code == 2, result.output
    body = json.loads(result.stdout)
    found = {(e["sheet"], e["cell"]) for e in body["errors"]}
    assert found == EXPECTED, json.dumps(body["errors"], ensure_ascii=False, indent=1)
    assert len(body["errors"]) == len(EXPECTED)
    assert body["committed"] is False
    assert state(cli) == before


def test_the_messages_quote_the_cell_and_name_the_rule(cli: Database, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "errors.xlsx", WORKBOOK)
    body = json.loads(CliRunner().invoke(app, ["import", "workbook", str(path), "--json"]).stdout)
    by_cell = {(e["sheet"], e["cell"]): e for e in body["errors"]}
    assert "'12.345'" in by_cell["下达企业", "C4"]["message"]
    assert "more precise than 1 分" in by_cell["下达企业", "C4"]["message"]
    assert by_cell["下达企业", "C3"]["rule"] == "use-within-held"
    assert "holds 1,000,000.00 元" in by_cell["下达企业", "C3"]["message"]
    assert by_cell["下达企业", "E9"]["message"].startswith("repeats row 2")
    assert by_cell["拨付", "B2"]["rule"] == "gate-assessment"
    assert by_cell["拨付", "D4"]["rule"] == "maker-checker"
    assert by_cell["自用", "B2"]["rule"] == "own-use-at-most-20-percent"
    assert by_cell["奖补", "F3"]["rule"] == "budget-not-overdrawn"
    assert by_cell["下达企业", "C3"]["column"] == "金额"
    assert by_cell["下达企业", "C3"]["row"] == 3
    assert by_cell["下达企业", "C3"]["value"] == "2,000,000.00"
    assert by_cell["下达企业", "C5"]["value"] == "abc"


def test_the_table_for_people_lists_each_problem_where_the_officer_looks(
    cli: Database, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "errors.xlsx", WORKBOOK)
    result = CliRunner().invoke(app, ["import", "workbook", str(path)])
    assert result.exit_code == 2
    assert "25 problem(s); nothing was written" in result.output
    assert "more precise than 1 分" in result.output


def test_a_missing_required_column_is_reported_at_the_header_row(
    cli: Database, tmp_path: Path
) -> None:
    headers = ["奖补编号", "统一社会信用代码", "用途", "下达日期"]
    path = write_workbook(
        tmp_path / "x.xlsx", {"下达": (headers, [[ZONE, credit_code(1), "x", D]])}
    )
    body = json.loads(
        CliRunner().invoke(app, ["import", "pass-through", str(path), "--json"]).stdout
    )
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(1, "金额")]


def test_a_sheet_without_a_header_row_is_refused_whole(cli: Database, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "x.xlsx", {"Sheet": (["甲", "乙"], [[1, 2]])})
    body = json.loads(CliRunner().invoke(app, ["import", "spending", str(path), "--json"]).stdout)
    assert body["errors"][0]["message"].startswith("no header row found")


def test_a_title_row_above_the_headers_and_extra_columns_are_tolerated(
    cli: Database, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2025年下达明细表"])
    sheet.append(
        ["奖补编号", "统一社会信用代码", "金额（元）", "用途", "凭证号", "下达日期", "备注"]
    )
    sheet.append([ZONE, credit_code(1), 1234.56, PURPOSE, "PZ-T", D, "经办人: 王"])
    book.save(tmp_path / "t.xlsx")
    out = CliRunner().invoke(app, ["import", "pass-through", str(tmp_path / "t.xlsx"), "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.stdout)
    assert body["new"] == 1
    assert body["ignored"] == ["Sheet column G '备注'"]
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Use.amount).where(Use.voucher == "PZ-T")).one() == 123456
