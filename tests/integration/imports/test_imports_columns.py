"""A sheet may leave out any optional column; a missing required column is named.

Officers' sheets carry the columns their programme needs: a zone's awards have no
集群等级 (tier, advanced clusters only) or county figures, a pass-through sheet may have no
凭证号. Leaving them out is the same as leaving their cells blank. A required column that is
missing is reported at the header row, by its Chinese and English names, and nothing is
written. Checked with ``.xlsx`` and ``.csv`` files alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from import_sheets import run, write
from sqlmodel import select

import factories
from factories import credit_code
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.models import Award, Stage, Use
from funds.imports.kinds import KINDS
from funds.policy import WAN

SUFFIXES = [".xlsx", ".csv"]


@pytest.fixture
def cli(db: Database) -> Iterator[Database]:
    with db.unit_of_work() as session:
        factories.world(session)
    set_database_factory(lambda: db)
    yield db
    set_database_factory(Database.from_url)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_awards_import_without_the_optional_tier_column(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    headers = ["奖补编号", "项目类别", "单位编码", "资金来源", "奖补金额", "分期比例", "立项日期"]
    zone = ["ZONE-2025-0101", "服务型制造集聚区奖补", "HF-GX", "mfg"]
    rows = [[*zone, "1000万", "40/30/30", date(2025, 3, 1)]]
    code, body = run("awards", write(tmp_path / f"awards{suffix}", headers, rows))
    assert code == 0, body
    assert body["kinds"]["awards"]["new"] == 1
    with cli.unit_of_work(readonly=True) as session:
        award = session.exec(select(Award).where(Award.code == "ZONE-2025-0101")).one()
        assert (award.tier, award.amount) == ("", 1000 * WAN)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_awards_import_with_only_the_required_columns(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    required = [c.zh for c in KINDS["awards"].columns if c.required]
    assert required == ["奖补编号", "项目类别", "单位编码", "资金来源", "立项日期"]
    # An advanced cluster's amount and split may both be left to the programme, but not
    # its tier: that cell is required for the programme, reported at the row.
    rows = [["ADV-2025-0101", "先进制造业集群奖补", "WH-CL", "mfg", date(2025, 3, 1)]]
    code, body = run("awards", write(tmp_path / f"adv{suffix}", required, rows))
    assert code == 2, body
    [problem] = body["errors"]
    assert (problem["row"], problem["cell"]) == (2, None)
    assert problem["message"].startswith("the sheet has no column 集群等级 (tier): tier: ''")
    zone = [["ZONE-2025-0102", "服务型制造集聚区奖补", "HF-GX", "mfg", date(2025, 3, 1)]]
    code, body = run("awards", write(tmp_path / f"zone{suffix}", required, zone))
    assert code == 2, body
    assert body["errors"][0]["message"].startswith("the sheet has no column 奖补金额 (amount)")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_missing_required_column_is_named_and_nothing_is_written(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    headers = ["奖补编号", "项目类别", "单位编码", "奖补金额", "立项日期"]  # no 资金来源
    rows = [["ZONE-2025-0101", "服务型制造集聚区奖补", "HF-GX", "1000万", date(2025, 3, 1)]]
    code, body = run("awards", write(tmp_path / f"awards{suffix}", headers, rows))
    assert code == 2
    [problem] = body["errors"]
    assert (problem["row"], problem["column"]) == (1, "资金来源")
    assert problem["message"] == "the required column 资金来源 (fund) is missing"
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Award)).all() == []


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_kind_imports_without_its_optional_columns(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    """Recipients without 县区, releases, assessments without 是否复评, pass-through and
    spending without 凭证号: only the required columns, each file in turn."""
    files: list[tuple[str, list[list[Any]]]] = [
        ("recipients", [["LA-JK", "六安经开区", "开发区", "六安"]]),
        ("enterprises", [[credit_code(9), "六安某公司", "六安"]]),
        (
            "awards",
            [["ZONE-2025-0101", "服务型制造集聚区奖补", "LA-JK", "mfg", date(2025, 3, 1)]],
        ),
        ("assessments", [["ZONE-2025-0101", 2025, "合格", date(2025, 3, 20)]]),
        ("releases", [["ZONE-2025-0101", 1, "张", "李", date(2025, 4, 1)]]),
        (
            "pass_through",
            [
                [
                    "ZONE-2025-0101",
                    credit_code(9),
                    "100万",
                    "培育服务型制造标杆企业",
                    date(2025, 5, 1),
                ]
            ],
        ),
        ("spending", [["ZONE-2025-0101", "10万", "诊断宣贯", date(2025, 5, 2)]]),
    ]
    for kind, rows in files:
        headers = [c.zh for c in KINDS[kind].columns if c.required]
        if kind == "awards":
            headers.insert(4, "奖补金额")  # a zone's amount is set per award
            rows = [[*rows[0][:4], "1000万", rows[0][4]]]
        path = write(tmp_path / f"{kind}{suffix}", headers, rows)
        code, body = run(kind.replace("_", "-"), path)
        assert code == 0, (kind, body)
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Stage.status).where(Stage.seq == 1)).one() == "paid"
        assert sorted(u.voucher or "" for u in session.exec(select(Use))) == ["", ""]


def test_a_park_below_provincial_level_imports_as_such_and_gets_no_zone_grant(
    cli: Database, tmp_path: Path
) -> None:
    """ZONE-GUIDE 总则: a zone's creator is a county or a 省级以上开发区; 市级开发区 is not."""
    headers = [c.zh for c in KINDS["recipients"].columns if c.required]
    path = write(
        tmp_path / "recipients.csv", headers, [["LA-SJ", "六安市级产业园", "市级开发区", "六安"]]
    )
    code, body = run("recipients", path)
    assert code == 0, body
    headers = ["奖补编号", "项目类别", "单位编码", "资金来源", "奖补金额", "立项日期"]
    rows = [["ZONE-2025-0103", "服务型制造集聚区奖补", "LA-SJ", "mfg", "500万", date(2025, 3, 1)]]
    code, body = run("awards", write(tmp_path / "awards.csv", headers, rows))
    assert code == 2, body  # an import refuses a sheet with problems as bad input
    [problem] = body["errors"]
    assert problem["row"] == 2
    assert "省级以下开发区" in problem["message"]
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Award).where(Award.code == "ZONE-2025-0103")).first() is None
