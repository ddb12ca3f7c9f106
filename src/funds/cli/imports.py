"""``funds import KIND FILE``: load an officer's spreadsheet, all rows or none.

Every kind is a command (``funds import pass-through 下达明细.xlsx``); ``funds import
workbook FILE`` reads every sheet named after a kind, in dependency order; ``funds import
template KIND`` writes a blank template. The whole file is one unit of work: it commits only
when no row has a problem and ``--dry-run`` was not asked. Problems are listed by sheet, row
and column (exit code 2); ``--json`` prints the full result for machines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from funds.cli.common import console, emit_json, err_console, table, unit_of_work
from funds.cli.grants import Actor, JsonFlag, actor_of
from funds.errors import InvalidInput
from funds.imports import KINDS, ImportResult, import_file, kind_named, template_csv
from funds.imports import write_template as write_template_file
from funds.imports.context import Progress as ProgressCallback

app = typer.Typer(
    help="Import spreadsheets (.xlsx or .csv): every row checked, then all applied or none.",
    no_args_is_help=True,
)

SHOWN_PROBLEMS = 50

File = Annotated[Path, typer.Argument(help="The .xlsx or .csv file.")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Check every row; write nothing.")]
ShowProgress = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress", help="Show progress on stderr (default: on a terminal)."
    ),
]


def run(
    kind: str | None,
    file: Path,
    *,
    dry_run: bool,
    actor: str | None,
    json_output: bool,
    show_progress: bool | None,
) -> ImportResult:
    """Import ``file`` in one unit of work; commit only when it is clean and not a dry run."""
    with _progress(show_progress) as progress, unit_of_work(json_output=json_output) as session:
        result = import_file(
            session,
            file,
            kind=kind,
            actor=actor_of(actor),
            dry_run=dry_run,
            progress=progress,
        )
        if not result.ok or dry_run:
            session.rollback()
    result.committed = result.ok and not dry_run
    return result


def _command(kind: str) -> Callable[..., None]:
    def command(
        file: File,
        dry_run: DryRun = False,
        actor: Actor = None,
        json_output: JsonFlag = False,
        show_progress: ShowProgress = None,
    ) -> None:
        result = run(
            kind,
            file,
            dry_run=dry_run,
            actor=actor,
            json_output=json_output,
            show_progress=show_progress,
        )
        render(result, json_output=json_output)

    command.__doc__ = f"Import {KINDS[kind].zh}: {KINDS[kind].summary}."
    return command


for _name in KINDS:
    app.command(_name.replace("_", "-"))(_command(_name))


@app.command("workbook")
def workbook(
    file: File,
    dry_run: DryRun = False,
    actor: Actor = None,
    json_output: JsonFlag = False,
    show_progress: ShowProgress = None,
) -> None:
    """Import every sheet named after a kind (受助单位, 企业, 奖补, 拨付, 下达企业 ...)."""
    result = run(
        None,
        file,
        dry_run=dry_run,
        actor=actor,
        json_output=json_output,
        show_progress=show_progress,
    )
    render(result, json_output=json_output)


@app.command("template")
def template(
    kind: Annotated[str, typer.Argument(help=f"One of {', '.join(KINDS)}.")],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="File to write (.xlsx or .csv); '-' prints CSV."),
    ] = None,
    english: Annotated[bool, typer.Option("--english", help="English headers.")] = False,
) -> None:
    """Write a blank template with Chinese headers (English ones are accepted too)."""
    found = kind_named(kind)
    if found is None:
        err_console.print(
            f"[bold red]refused:[/] kind: {kind!r} is not one of {', '.join(KINDS)}",
            highlight=False,
        )
        raise typer.Exit(2)
    if output == "-":
        sys.stdout.write(template_csv(found, english=english))
        return
    path = Path(output or f"{found.name}-template.xlsx")
    write_template_file(found, path, english=english)
    console.print(f"template for {found.zh} ({found.name}) written to {path}", highlight=False)


def render(result: ImportResult, *, json_output: bool) -> None:
    """Print the result (a summary, then the problems); exit 2 when there are problems."""
    if json_output:
        emit_json(result.to_dict())
    else:
        _print(result)
    if not result.ok:
        raise typer.Exit(2)


def _print(result: ImportResult) -> None:
    kinds = ", ".join(
        f"{name}: {c.rows} rows, {c.new} new, {c.existing} already there"
        for name, c in result.counts.items()
    )
    for item in result.ignored:
        err_console.print(f"[yellow]ignored:[/] {item}", highlight=False)
    if result.ok:
        verb = "checked (dry run, nothing written)" if result.dry_run else "imported"
        console.print(f"{result.file} {verb}: {kinds or 'no rows'}", highlight=False)
        return
    err_console.print(
        f"[bold red]refused:[/] {result.file}: {len(result.problems)} problem(s); nothing"
        f" was written ({kinds})",
        highlight=False,
    )
    shown = result.problems[:SHOWN_PROBLEMS]
    table(
        "problems",
        ["sheet", "row", "column", "cell", "problem"],
        [(p.sheet, p.row or "", p.column or "", p.cell or "", p.message) for p in shown],
    )
    if len(result.problems) > SHOWN_PROBLEMS:
        console.print(
            f"… and {len(result.problems) - SHOWN_PROBLEMS} more (use --json for all)",
            highlight=False,
        )


@contextmanager
def _progress(wanted: bool | None) -> Iterator[ProgressCallback | None]:
    if wanted is False or (wanted is None and not err_console.is_terminal):
        yield None
        return
    if not err_console.is_terminal:
        yield _plain_progress
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def update(phase: str, done: int, total: int) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total or None)
        bar.update(tasks[phase], completed=done, total=total or None)

    with bar:
        yield update


def _plain_progress(phase: str, done: int, total: int) -> None:
    """Progress as lines, for a log or a pipe."""
    print(f"{phase} {done}/{total}" if total else f"{phase} {done}", file=sys.stderr, flush=True)


__all__ = ["InvalidInput", "app"]
