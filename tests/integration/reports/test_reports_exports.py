"""Spreadsheets round-trip through pandas with the ledger's figures to the 分, and workbooks
are formatted for reading; the ``funds report`` and ``funds export`` commands write files."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from reports_books import AS_OF, build_books, store_plan
from sqlmodel import Session
from typer.testing import CliRunner

from factories import FreshFactory
from funds import grants
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.compliance import AlertFilter, list_alerts
from funds.db import Database
from funds.ledger import Ledger
from funds.reports import (
    alerts_export,
    awards_export,
    balances_export,
    journal_export,
    plan_export,
    to_csv,
    to_excel,
    write_export,
)


def fen(value: object) -> int:
    """元 read back by pandas (float from Excel, text or float from CSV) as 分."""
    return int(Decimal(str(value)).scaleb(2).to_integral_value())


def test_the_journal_round_trips_through_csv_and_every_entry_balances(session: Session) -> None:
    build_books(session)
    export = journal_export(session)
    back = pd.read_csv(io.BytesIO(to_csv(export.sheets[0])), encoding="utf-8-sig")
    head_id, _ = Ledger(session).head()
    assert back["分录号"].max() == head_id
    amounts = back["金额（元）"].map(fen)
    assert amounts.groupby(back["分录号"]).sum().eq(0).all()
    wan = back["金额（万元）"].map(lambda v: int(Decimal(str(v)).scaleb(6)))
    assert wan.tolist() == amounts.tolist()


def test_balances_in_a_workbook_equal_the_ledgers_as_of_balances(session: Session) -> None:
    build_books(session)
    workbook = to_excel(balances_export(session, as_of=AS_OF))
    back = pd.read_excel(io.BytesIO(workbook), sheet_name="余额")
    expected = Ledger(session).balances("", as_of=AS_OF)
    assert dict(zip(back["科目"], back["余额（元）"].map(fen), strict=True)) == expected
    about = pd.read_excel(io.BytesIO(workbook), sheet_name="说明")
    assert Ledger(session).head()[1] in about["内容"].tolist()


def test_the_award_workbook_is_formatted_for_reading(session: Session) -> None:
    codes = build_books(session)
    workbook = load_workbook(io.BytesIO(to_excel(awards_export(session, as_of=AS_OF))))
    sheet = workbook["奖补"]
    assert sheet.freeze_panes == "A2"
    headers = [c.value for c in sheet[1]]
    paid = headers.index("已拨付（元）") + 1
    assert sheet.cell(row=2, column=paid).number_format == "#,##0.00"
    assert sheet.column_dimensions["E"].width >= 10
    assert sheet.cell(row=1, column=1).font.bold
    back = pd.read_excel(io.BytesIO(to_excel(awards_export(session, as_of=AS_OF))), "奖补")
    for code in codes.values():
        s = grants.award_statement(session, code, AS_OF)
        row = back[back["奖补编号"] == code].iloc[0]
        assert fen(row["已拨付（元）"]) == s.paid
        assert fen(row["下达企业（元）"]) == s.passed_on
        assert fen(row["尚欠（元）"]) == s.receivable
    stages = pd.read_excel(io.BytesIO(to_excel(awards_export(session, as_of=AS_OF))), "分期")
    assert len(stages) == 3 + 3


def test_alerts_and_plan_results_export_with_chinese_headers(
    session: Session, tmp_path: Path
) -> None:
    build_books(session)
    alerts = pd.read_csv(io.BytesIO(to_csv(alerts_export(session).sheets[0])), encoding="utf-8-sig")
    assert len(alerts) == len(list_alerts(session, AlertFilter()))
    assert {"等级", "依据条款", "情况"} <= set(alerts.columns)
    run = store_plan(session)
    written = write_export(plan_export(session, run.id or 0), tmp_path / "plan.csv")
    assert [p.name for p in written] == [
        "plan.csv",
        "plan.years.csv",
        "plan.groups.csv",
        "plan.explanations.csv",
    ]
    funded = pd.read_csv(written[0], encoding="utf-8-sig")
    assert funded["金额（元）"].map(fen).sum() == 400 * 10**6
    assert set(funded["编号"]) == {"C1", "C2"}


def test_the_report_and_export_commands_write_files(
    fresh_database: FreshFactory, tmp_path: Path
) -> None:
    database = fresh_database()
    with database.unit_of_work() as session:
        codes = build_books(session)
    set_database_factory(lambda: database)
    runner = CliRunner()
    try:
        pdf = tmp_path / "award.pdf"
        award = runner.invoke(
            app, ["report", "award", codes["zone"], "--as-of", "2026-06-30", "--out", str(pdf)]
        )
        sheet = tmp_path / "awards.xlsx"
        export = runner.invoke(app, ["export", "awards", "--as-of", "2026-06-30", "-o", str(sheet)])
        refused = runner.invoke(app, ["export", "alerts", "-o", str(tmp_path / "alerts.txt")])
        nothing = runner.invoke(app, ["report", "award", "-o", str(tmp_path / "none.pdf")])
    finally:
        set_database_factory(Database.from_url)
    assert award.exit_code == 0, award.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert export.exit_code == 0, export.output
    assert len(pd.read_excel(sheet, sheet_name="奖补")) == 2
    assert refused.exit_code == 2
    assert "xlsx or .csv" in refused.output
    assert nothing.exit_code == 2
