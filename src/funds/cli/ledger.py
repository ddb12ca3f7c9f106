"""``funds init``, ``funds verify`` and ``funds ledger ...``: the journal itself."""

from __future__ import annotations

from typing import Annotated

import typer

from funds.cli.common import (
    console,
    database,
    emit_json,
    err_console,
    parse_date,
    table,
    unit_of_work,
)
from funds.grants.reconcile import verify_books
from funds.ledger import Ledger
from funds.migrate import current_revision
from funds.money import format_yuan, to_yuan_string

app = typer.Typer(help="Query the double-entry journal.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Balance as of this date.")]


def init() -> None:
    """Create the database or upgrade it to the newest schema."""
    db = database()
    console.print(f"database ready at {db.url} (schema {current_revision(db.engine)})")


def verify_command(json_output: JsonFlag = False) -> None:
    """Re-check every entry's hash and replay every balance, then check the grants records
    (stages, uses, recoveries, exits) against the entries they name; exit 6 when anything is
    off."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        report = verify_books(session)
    if json_output:
        emit_json(
            {
                "ok": report.ok,
                "entries": report.entries,
                "postings": report.postings,
                "accounts": report.accounts,
                "records": report.records,
                "head_hash": report.head_hash,
                "first_problem": report.problem,
                "problems": report.problems,
            }
        )
    elif report.ok:
        console.print(
            f"ledger verifies: {report.entries} entries, {report.postings} postings,"
            f" {report.accounts} accounts; head {report.head_hash[:16]}…; {report.records}"
            " grants records agree with it"
        )
    else:
        err_console.print(f"[bold red]LEDGER DOES NOT VERIFY[/]: {report.problem}")
        for problem in report.problems[1:10]:
            err_console.print(f"  also: {problem}")
    if not report.ok:
        raise typer.Exit(6)


@app.command("balance")
def balance(
    prefix: Annotated[str, typer.Argument(help="Account code or code prefix.")] = "",
    as_of: AsOf = None,
    json_output: JsonFlag = False,
) -> None:
    """Print balances of the accounts whose code starts with PREFIX."""
    day = parse_date(as_of, "--as-of")
    with unit_of_work(json_output=json_output, readonly=True) as session:
        rows = sorted(Ledger(session).balances(prefix, as_of=day).items())
    if json_output:
        emit_json([{"account": code, "balance": to_yuan_string(v)} for code, v in rows])
        return
    table(
        f"balances as of {day or 'now'}", ["account", "元"], [(c, format_yuan(v)) for c, v in rows]
    )


@app.command("history")
def history(
    account: str,
    start: Annotated[str | None, typer.Option("--from")] = None,
    end: Annotated[str | None, typer.Option("--to")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Print the postings of ACCOUNT with running balances."""
    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    with unit_of_work(json_output=json_output, readonly=True) as session:
        lines = Ledger(session).history(account, first, last)
    if json_output:
        emit_json(
            [
                {
                    "entry": line.entry_id,
                    "effective_date": line.effective_date,
                    "kind": line.kind,
                    "memo": line.memo,
                    "voucher": line.voucher,
                    "amount": to_yuan_string(line.amount),
                    "balance": to_yuan_string(line.balance),
                }
                for line in lines
            ]
        )
        return
    table(
        account,
        ["#", "date", "kind", "memo", "元", "balance 元"],
        [
            (
                x.entry_id,
                x.effective_date,
                x.kind,
                x.memo,
                format_yuan(x.amount),
                format_yuan(x.balance),
            )
            for x in lines
        ],
    )
