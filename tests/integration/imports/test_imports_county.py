"""Importing county clusters' awards: the recognition figures of COUNTY-PLAN 附件4 第三条 are
read from their columns, required, checked and stored; a refusal is reported at its row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from import_sheets import run, write
from sqlmodel import select

import factories
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.models import Award

HEADERS = [
    "奖补编号", "项目类别", "单位编码", "资金来源", "集群等级", "奖补金额", "分期比例", "立项日期",
    "集群营业收入", "龙头企业数", "优质企业数", "研发投入强度", "全省同行业第一",
]  # fmt: skip
D = date(2025, 6, 20)


def county_row(code: str, *figures: Any) -> list[Any]:
    return [code, "县域制造业特色产业集群", "WH-CL", "mfg", None, "300万", "50/50", D, *figures]


@pytest.fixture
def cli(db: Database) -> Iterator[Database]:
    with db.unit_of_work() as session:
        factories.world(session)
    set_database_factory(lambda: db)
    yield db
    set_database_factory(Database.from_url)


def import_awards(path: Path, rows: list[list[Any]]) -> tuple[int, dict[str, Any]]:
    return run("awards", write(path, HEADERS, rows))


def test_a_county_award_is_imported_with_its_figures(cli: Database, tmp_path: Path) -> None:
    code, body = import_awards(
        tmp_path / "a.xlsx", [county_row("CC-2025-0101", "105亿", 2, 63, "2.35%", "否")]
    )
    assert code == 0, body
    with cli.unit_of_work(readonly=True) as session:
        award = session.exec(select(Award).where(Award.code == "CC-2025-0101")).one()
        assert (award.cluster_revenue, award.quality_enterprises, award.rd_intensity_bp) == (
            105 * 10**10,
            63,
            235,
        )
    again_code, again = import_awards(
        tmp_path / "b.xlsx", [county_row("CC-2025-0101", "105亿", 2, 63, "2.35%", "否")]
    )
    assert again_code == 0, again  # the same row again is already there


def test_county_rows_that_miss_or_fail_a_criterion_are_refused_at_their_cells(
    cli: Database, tmp_path: Path
) -> None:
    code, body = import_awards(
        tmp_path / "a.xlsx",
        [
            county_row("CC-2025-0101", "105亿", None, 63, "2.35%", None),  # J2 required
            county_row("CC-2025-0102", "105亿", 2, 63, "2.1%", None),  # criterion missed
            county_row("CC-2025-0103", "80亿", 2, 63, "2.35%", "是"),  # relaxed: imported
            county_row("CC-2025-0104", "105亿", 2, 63, 0.0235, None),  # L5 a percent-format cell
        ],
    )
    assert code == 2
    by_row = {e["row"]: e for e in body["errors"]}
    assert sorted(by_row) == [2, 3, 5]
    assert by_row[2]["cell"] == "J2"
    assert by_row[3]["rule"] == "county-criteria"
    assert "平均研发投入强度达2.2%以上" in by_row[3]["message"]
    assert by_row[5]["cell"] == "L5"
    assert "type the percent as text" in by_row[5]["message"]
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Award)).all() == []  # nothing written


def test_a_missed_criterion_is_reported_at_the_cell_of_its_figure(
    cli: Database, tmp_path: Path
) -> None:
    # Columns I..L: 集群营业收入, 龙头企业数, 优质企业数, 研发投入强度 (COUNTY-PLAN 附件4 第三条).
    code, body = import_awards(
        tmp_path / "a.xlsx",
        [
            county_row("CC-2025-0101", "105亿", 2, 63, "2.1%", None),  # L2
            county_row("CC-2025-0102", "80亿", 0, 63, "2.35%", None),  # I3 and J3
            county_row("CC-2025-0103", "105亿", 2, 49, "2.35%", None),  # K4
        ],
    )
    assert code == 2
    cells = {e["cell"]: e for e in body["errors"]}
    assert sorted(cells) == ["I3", "J3", "K4", "L2"]
    assert all(e["rule"] == "county-criteria" for e in body["errors"])
    assert (cells["L2"]["column"], cells["L2"]["value"]) == ("研发投入强度", "2.1")
    assert cells["L2"]["message"] == (
        "a county cluster is recognised only when it meets COUNTY-PLAN 附件4 第三条:"
        " R&D intensity 2.1 % is below 2.2 % (平均研发投入强度达2.2%以上 (average R&D intensity"
        " of at least 2.2 %))"
    )
    assert "revenue 80亿元 is below 100亿元" in cells["I3"]["message"]
    assert "no leading enterprise" in cells["J3"]["message"]
    assert "49 quality enterprises, not 50" in cells["K4"]["message"]
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Award)).all() == []
