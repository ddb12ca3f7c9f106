"""Import a file: read and check every cell, check every row's business rules, apply.

:func:`import_file` takes the caller's session and flushes, never commits: the edge
commits when the result is clean and this is not a dry run, and rolls back otherwise, so a
file is applied whole or not at all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import Session

from funds.errors import InvalidInput
from funds.imports import bulk
from funds.imports.context import Context, Progress
from funds.imports.handlers import HANDLERS, each_row
from funds.imports.kinds import KINDS, Kind, kind_named
from funds.imports.parsing import Tick, parse_sheet
from funds.imports.reading import RawSheet, open_sheets
from funds.imports.report import ImportResult, ParsedRow, Problem


def import_file(
    session: Session,
    path: Path,
    *,
    kind: str | None,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Read, check and apply ``path``; ``kind=None`` reads every sheet named after a kind.

    Pass one reads every cell (types, amounts, credit codes, dates, required fields); pass
    two applies the readable rows in order — kinds in the order of :data:`KINDS`, rows in
    file order — catching each refusal at its row. Nothing is committed here.
    """
    with _collector_paused():
        return _import(session, path, kind, actor, dry_run, progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: a large file allocates millions of objects that live
    until the end, and rescanning them costs a fifth of the time; reference counting still
    frees everything else at once."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    session: Session,
    path: Path,
    kind: str | None,
    actor: str,
    dry_run: bool,
    progress: Progress | None,
) -> ImportResult:
    wanted = _kind(kind)
    result = ImportResult(file=path.name, dry_run=dry_run)
    batches: dict[str, list[ParsedRow]] = {}
    with open_sheets(path) as sheets:
        for raw, sheet_kind in _assign(sheets, wanted, result):
            tick = _reading(progress, raw)
            batches.setdefault(sheet_kind.name, []).extend(
                parse_sheet(raw, sheet_kind, result, tick)
            )
    order = [name for name in KINDS if batches.get(name)]
    total = sum(len(rows) for rows in batches.values())
    ctx = Context(actor=actor, result=result, progress=progress, total=total)
    if progress is not None:
        progress("checking", 0, total)
    for name in order:
        ctx.later_kinds = name != order[-1]
        if name == "pass_through":
            bulk.pass_through(session, batches[name], ctx)
        else:
            each_row(session, batches[name], ctx, HANDLERS[name])
    if progress is not None:
        progress("checking", total, total)
    return result


def _kind(name: str | None) -> Kind | None:
    if name is None:
        return None
    found = kind_named(name)
    if found is None:
        raise InvalidInput("kind", f"{name!r} is not one of {', '.join(KINDS)}")
    return found


def _assign(
    sheets: list[RawSheet], wanted: Kind | None, result: ImportResult
) -> Iterator[tuple[RawSheet, Kind]]:
    named = [(s, kind_named(s.name)) for s in sheets]
    if wanted is not None:
        chosen = [s for s, k in named if k is wanted] or sheets[:1]
        result.ignored += [f"sheet {s.name!r}" for s in sheets if s not in chosen]
        for sheet in chosen:
            yield sheet, wanted
        return
    found = [(s, k) for s, k in named if k is not None]
    if not found:
        names = "、".join(f"{k.zh} ({k.name})" for k in KINDS.values())
        result.problems.append(
            Problem(sheets[0].name if sheets else "", None, None, f"no sheet is named {names}")
        )
    result.ignored += [f"sheet {s.name!r}" for s, k in named if k is None]
    for sheet, kind in found:
        assert kind is not None
        yield sheet, kind


def _reading(progress: Progress | None, raw: RawSheet) -> Tick | None:
    if progress is None:
        return None

    def tick(row: int) -> None:
        progress("reading", row, raw.max_row)

    return tick
