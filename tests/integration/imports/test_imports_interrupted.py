"""An import killed half-way through writing leaves the ledger exactly as it was."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlmodel import func, select

import factories
from factories import FreshFactory
from funds.db import Database
from funds.grants.models import Use
from funds.ledger import Account, Ledger

ROWS = 8_000
CLI = [sys.executable, "-c", "from funds.cli import main; main()"]


def write_vouchers(path: Path, award: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"])
        for n in range(ROWS):
            code = factories.credit_code(1 + n % 3)
            writer.writerow([award, code, "100", "培育服务型制造标杆企业", f"K-{n}", "2025-06-01"])


def snapshot(database: Database) -> tuple[object, ...]:
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        accounts = session.exec(select(func.count()).select_from(Account)).one()
        uses = session.exec(select(func.count()).select_from(Use)).one()
        return ledger.head(), ledger.balances(""), accounts, uses


def test_an_import_killed_while_writing_leaves_the_ledger_as_before_and_verifiable(
    fresh_database: FreshFactory, tmp_path: Path
) -> None:
    database = fresh_database()
    with database.unit_of_work() as session:
        factories.world(session)
        award = factories.zone_award(session).code
        factories.release(session, award, 1, date(2025, 4, 8))
    write_vouchers(tmp_path / "vouchers.csv", award)
    before = snapshot(database)
    env = {**os.environ, "FUNDS_DATABASE_URL": database.engine.url.render_as_string(False)}
    command = [*CLI, "import", "pass-through", str(tmp_path / "vouchers.csv"), "--progress"]
    seen = []
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            seen.append(line)
            if line.startswith("writing") and not line.startswith("writing 0/"):  # posted
                process.send_signal(signal.SIGKILL)
                break
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert snapshot(database) == before
    verified = subprocess.run([*CLI, "verify"], env=env, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert "ledger verifies" in verified.stdout
