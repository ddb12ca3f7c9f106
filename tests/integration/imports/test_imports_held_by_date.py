"""Imported pass-through and spending are checked against what the recipient held as of each
row's date, and on every later day, as the service checks them: money is passed on or spent
only once its stage was released, and a backdated row may not take money that later-dated
rows (of the file or of the ledger) already took. A refusal names the award, the date and
what was held, at the amount's cell; nothing is written."""

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
from funds.grants import record_pass_through, reverse_entry
from funds.grants.models import Use
from funds.ledger import Ledger, verify
from funds.policy import WAN

ZONE = "ZONE-2025-0001"
ADV = "ADV-2025-0001"
PURPOSE = "培育服务型制造标杆企业"
HEADERS = ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"]
ROWS: list[list[Any]] = [
    [ZONE, credit_code(1), "100万", PURPOSE, "PZ-1", date(2025, 4, 1)],  # C2 before 04-08
    [ZONE, credit_code(1), "300万", PURPOSE, "PZ-2", date(2025, 6, 1)],  # leaves 100万
    [ZONE, credit_code(2), "150万", PURPOSE, "PZ-3", date(2025, 5, 1)],  # C4 June is short
    [ZONE, credit_code(2), "100万", PURPOSE, "PZ-4", date(2025, 5, 1)],  # exactly what is left
]


@pytest.fixture
def cli(db: Database) -> Iterator[Database]:
    """The zone award with stage 1 (400万) paid on 2025-04-08; the cluster's stage 1 (200万)
    paid on the same day."""
    with db.unit_of_work() as session:
        factories.world(session)
        factories.zone_award(session)
        factories.cluster_award(session)
        factories.release(session, ZONE, 1, date(2025, 4, 8))
        factories.release(session, ADV, 1, date(2025, 4, 8))
    set_database_factory(lambda: db)
    yield db
    set_database_factory(Database.from_url)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_imported_pass_through_must_be_covered_by_what_was_held_on_its_date(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    with cli.unit_of_work(readonly=True) as session:
        head = Ledger(session).head()
    code, body = run("pass-through", write(tmp_path / f"p{suffix}", HEADERS, ROWS))
    assert code == 2, body
    by_cell = {e["cell"]: e for e in body["errors"]}
    assert sorted(by_cell) == ["C2", "C4"]
    assert by_cell["C2"]["rule"] == "use-within-held"
    assert by_cell["C2"]["message"] == (
        f"{ZONE} holds 0.00 元 as of 2025-04-01; it cannot pass on 1,000,000.00 元 dated 2025-04-01"
    )
    assert by_cell["C4"]["message"] == (
        f"{ZONE} holds 4,000,000.00 元 as of 2025-05-01, but uses dated up to 2025-06-01"
        " leave only 1,000,000.00 元 of it; it cannot pass on 1,500,000.00 元 dated 2025-05-01"
    )
    with cli.unit_of_work(readonly=True) as session:
        assert Ledger(session).head() == head
        assert session.exec(select(Use)).all() == []


def test_the_rows_that_fit_are_imported_and_no_day_of_the_holding_goes_negative(
    cli: Database, tmp_path: Path
) -> None:
    code, body = run("pass-through", write(tmp_path / "ok.xlsx", HEADERS, [ROWS[1], ROWS[3]]))
    assert code == 0, body
    with cli.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        held = f"award:{ZONE}:held"
        points = ledger.balances_from(held, date(2025, 4, 8))
        assert [balance for _, balance in points] == [400 * 10**6, 300 * 10**6, 0]
        assert verify(session.connection()).ok
    # The ledger's own later-dated pass-through counts for the next file, as for the service.
    late = [[ZONE, credit_code(3), "1", PURPOSE, "PZ-5", date(2025, 4, 30)]]
    code, body = run("pass-through", write(tmp_path / "late.csv", HEADERS, late))
    assert code == 2
    assert "uses dated up to 2025-06-01 leave only 0.00 元" in body["errors"][0]["message"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_imported_spending_dated_before_its_stage_was_released_is_refused(
    cli: Database, tmp_path: Path, suffix: str
) -> None:
    headers = ["奖补编号", "金额", "用途", "凭证号", "支出日期"]
    rows: list[list[Any]] = [
        [ADV, "20万", "公共服务平台建设", "ZC-1", date(2025, 4, 1)],  # B2: before 04-08
        [ADV, "20万", "公共服务平台建设", "ZC-2", date(2025, 4, 8)],  # the day it arrived
    ]
    code, body = run("spending", write(tmp_path / f"s{suffix}", headers, rows))
    assert code == 2, body
    [problem] = body["errors"]
    assert (problem["cell"], problem["rule"]) == ("B2", "use-within-held")
    assert problem["message"] == (
        f"{ADV} holds 0.00 元 as of 2025-04-01; it cannot spend 200,000.00 元 dated 2025-04-01"
    )
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(Use)).all() == []


def test_an_imported_row_whose_voucher_the_award_already_has_is_refused_at_its_cell(
    cli: Database, tmp_path: Path
) -> None:
    with cli.unit_of_work() as session:
        earlier = record_pass_through(
            session, award=ZONE, enterprise=credit_code(2), amount=WAN, purpose=PURPOSE,
            on=date(2025, 5, 1), voucher="PZ-2", actor="zone-hf",
        )  # fmt: skip
    rows = [ROWS[1], [ADV, credit_code(1), "1万", "技术创新项目", "PZ-2", date(2025, 6, 1)]]
    code, body = run("pass-through", write(tmp_path / "again.xlsx", HEADERS, rows))
    assert code == 2, body
    (error,) = body["errors"]
    assert (error["cell"], error["rule"]) == ("E2", "voucher-once")
    assert f"entry #{earlier.entry_id}" in error["message"]


def test_a_voucher_is_free_again_only_from_the_day_its_use_was_reversed(
    cli: Database, tmp_path: Path
) -> None:
    with cli.unit_of_work() as session:
        earlier = record_pass_through(
            session, award=ADV, enterprise=credit_code(2), amount=WAN, purpose="技术创新项目",
            on=date(2025, 5, 1), voucher="PZ-9", actor="cluster",
        )  # fmt: skip
        reverse_entry(
            session, entry_id=earlier.entry_id, reason="企业账户有误", actor="b",
            on=date(2025, 6, 1),
        )  # fmt: skip
    rows = [[ADV, credit_code(1), "1万", "技术创新项目", "PZ-9", date(2025, 5, 1)]]
    code, body = run("pass-through", write(tmp_path / "before.xlsx", HEADERS, rows))
    assert code == 2, body
    assert [(e["cell"], e["rule"]) for e in body["errors"]] == [("E2", "voucher-once")]
    rows = [[ADV, credit_code(1), "1万", "技术创新项目", "PZ-9", date(2025, 6, 1)]]
    code, body = run("pass-through", write(tmp_path / "after.xlsx", HEADERS, rows))
    assert code == 0, body
