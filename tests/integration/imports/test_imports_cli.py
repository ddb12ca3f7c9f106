"""``funds import``: templates, dry runs, re-imports and the progress lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

import factories
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.grants.models import Recipient
from funds.imports import KINDS
from funds.ledger import Ledger

SAMPLES = Path(__file__).parents[2] / "data" / "imports"
runner = CliRunner()


@pytest.fixture
def cli(db: Database) -> Iterator[Database]:
    with db.unit_of_work() as session:
        factories.world(session)
    set_database_factory(lambda: db)
    yield db
    set_database_factory(Database.from_url)


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["import", *args])
    assert result.exit_code == code, result.output
    return result.stdout


def test_a_template_has_chinese_headers_and_a_sheet_that_explains_them(
    cli: Database, tmp_path: Path
) -> None:
    path = tmp_path / "下达.xlsx"
    assert "written to" in invoke("template", "pass-through", "--output", str(path))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["下达企业", "说明"]
    headers = [c.value for c in book["下达企业"][1]]
    assert headers == ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"]
    assert book["说明"]["A2"].value == "奖补编号"
    body = json.loads(invoke("pass-through", str(path), "--json"))
    assert (body["ok"], body["rows"]) == (True, 0)


def test_every_kind_has_a_template_that_reads_back_as_that_kind(
    cli: Database, tmp_path: Path
) -> None:
    for kind in KINDS:
        for english in (False, True):
            path = tmp_path / f"{kind}-{english}.xlsx"
            flags = ["--english"] if english else []
            invoke("template", kind, "--output", str(path), *flags)
            body = json.loads(invoke(kind.replace("_", "-"), str(path), "--json"))
            assert body["ok"], body
            assert body["ignored"] == []


def test_a_csv_template_prints_on_stdout_in_english_when_asked() -> None:
    out = invoke("template", "spending", "--output", "-", "--english")
    assert next(csv.reader(io.StringIO(out))) == ["award", "amount", "purpose", "voucher", "date"]


def test_an_unknown_kind_is_refused() -> None:
    result = runner.invoke(app, ["import", "template", "grants"])
    assert result.exit_code == 2
    assert "is not one of" in result.output


def test_a_dry_run_counts_what_would_be_new_and_writes_nothing(cli: Database) -> None:
    out = invoke("recipients", str(SAMPLES / "recipients.xlsx"), "--dry-run")
    assert "dry run, nothing written" in out
    assert "2 new, 1 already there" in out
    with cli.unit_of_work(readonly=True) as session:
        assert session.exec(select(func.count()).select_from(Recipient)).one() == 2


def test_the_same_workbook_imported_twice_is_all_already_there_the_second_time(
    cli: Database,
) -> None:
    first = json.loads(invoke("workbook", str(SAMPLES / "workbook.xlsx"), "--json"))
    assert (first["committed"], first["new"], first["existing"]) == (True, 18, 2)
    with cli.unit_of_work(readonly=True) as session:
        head = Ledger(session).head()
    second = json.loads(invoke("workbook", str(SAMPLES / "workbook.xlsx"), "--json"))
    assert (second["new"], second["existing"]) == (0, 20)
    with cli.unit_of_work(readonly=True) as session:
        assert Ledger(session).head() == head


def test_progress_lines_go_to_stderr_when_asked(cli: Database) -> None:
    result = runner.invoke(
        app, ["import", "recipients", str(SAMPLES / "recipients.xlsx"), "--progress"]
    )
    assert result.exit_code == 0, result.output
    assert "checking 3/3" in result.stderr


def test_a_file_that_is_not_a_spreadsheet_is_refused(cli: Database, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = runner.invoke(app, ["import", "spending", str(tmp_path / "notes.txt")])
    assert result.exit_code == 2
    assert "expected an .xlsx or .csv file" in result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    result = runner.invoke(app, ["import", "spending", str(broken)])
    assert result.exit_code == 2
    assert "cannot be read as a workbook" in result.output
