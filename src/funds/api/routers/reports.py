"""Downloads: PDF reports and spreadsheet exports, the bytes ``funds report`` and ``funds
export`` write, as of a date.

Each route reads in its read-only unit of work, calls one function of :mod:`funds.reports`
and answers the bytes as an attachment with a file name. Scoped roles get only what is
theirs: a city or recipient officer downloads the statement of their own awards (another's
is the same 404 as a missing one) and a city officer the compliance report and alert export
of their own city; the province-wide reports and exports (fund execution, clawbacks, the
journal, balances, every award) are not for them (403), because the report functions cannot
narrow them to one city or recipient.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from funds.api.deps import CurrentUser, SessionDep
from funds.api.rules import allow, allow_everyone
from funds.api.scope import Scope
from funds.api.types import CODE_PATTERN, Day, Year
from funds.api.users import Role
from funds.clock import today
from funds.errors import InvalidInput
from funds.grants.errors import UnknownRecord
from funds.policy import normalise_city
from funds.reports import (
    Export,
    alerts_export,
    award_statement_pdf,
    awards_export,
    balances_export,
    clawback_pdf,
    compliance_pdf,
    fund_execution_pdf,
    journal_export,
    plan_export,
    plan_pdf,
    to_csv,
    to_excel,
)

router = APIRouter(tags=["reports"])

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"

AwardCode = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN, examples=["ZONE-2025-0001"])]
FundCode = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN, examples=["mfg"])]
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AsOf = Annotated[Day | None, Query(description="As of this date (default: today).")]
City = Annotated[
    str | None,
    Query(max_length=20, pattern=CODE_PATTERN, description="Only this city (e.g. 合肥市).")
]  # fmt: skip
Format = Annotated[
    Literal["xlsx", "csv"],
    Query(description="`xlsx`: one workbook of every sheet and 说明; `csv`: one sheet."),
]
SheetKey = Annotated[
    str | None,
    Query(
        max_length=40,
        pattern="^[a-z]+$",
        description="With `format=csv`, which sheet (default: the first); see docs/reports.md.",
    ),
]

PROVINCE = (Role.FINANCE, Role.AUDITOR)
"""Who may read province-wide figures that cannot be narrowed to a city or recipient."""


def _binary(*media_types: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {m: {} for m in media_types}}}


PDF_RESPONSE = _binary(PDF, what="The report as a PDF (an attachment).")
SHEET_RESPONSE = _binary(
    XLSX, CSV, what="The export as an .xlsx workbook or one CSV sheet (UTF-8 with BOM)."
)


def attachment(content: bytes, media_type: str, filename: str) -> Response:
    """``content`` as a download named ``filename`` (RFC 6266, UTF-8 names with a fallback)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def _pdf(content: bytes, filename: str) -> Response:
    return attachment(content, PDF, filename)


def _sheets(export: Export, fmt: str, sheet: str | None, stem: str) -> Response:
    if fmt == "xlsx":
        if sheet is not None:
            raise InvalidInput("sheet", "a workbook holds every sheet; choose one with format=csv")
        return attachment(to_excel(export), XLSX, f"{stem}.xlsx")
    keys = [s.key for s in export.sheets]
    chosen = export.sheets[0] if sheet is None else next(
        (s for s in export.sheets if s.key == sheet), None
    )  # fmt: skip
    if chosen is None:
        raise InvalidInput("sheet", f"{sheet!r} is not one of this export's sheets: {keys}")
    name = stem if chosen is export.sheets[0] else f"{stem}.{chosen.key}"
    return attachment(to_csv(chosen), f"{CSV}; charset=utf-8", f"{name}.csv")


def _city_of(user_city: str | None, asked: str | None) -> str | None:
    """The city a report covers: a city officer's own (another is not found), else as asked."""
    if user_city is None:
        return asked
    if asked is not None and _normal(asked) != _normal(user_city):
        raise UnknownRecord("city", asked)
    return user_city


def _normal(city: str) -> str:
    try:
        return normalise_city(city)
    except ValueError as error:
        raise InvalidInput("city", str(error)) from None


@router.get(
    "/awards/{code}/statement.pdf", response_class=Response, responses=PDF_RESPONSE,
    **allow_everyone(),
)  # fmt: skip
def award_statement(
    code: AwardCode, session: SessionDep, user: CurrentUser, as_of: AsOf = None
) -> Response:
    """The award statement to print and sign: stages, money, pass-through, recovery, alerts."""
    Scope.of(user).award(session, code)
    day = as_of or today()
    return _pdf(award_statement_pdf(session, [code], day), f"award-statement-{code}-{day}.pdf")


@router.get(
    "/funds/{fund}/years/{year}/execution.pdf", response_class=Response,
    responses=PDF_RESPONSE, **allow(*PROVINCE, Role.PLANNER),
)  # fmt: skip
def fund_execution(fund: FundCode, year: Year, session: SessionDep, as_of: AsOf = None) -> Response:
    """The fund-year's execution by programme and by city, with charts and a table per city."""
    day = as_of or today()
    return _pdf(
        fund_execution_pdf(session, fund, year, day), f"fund-execution-{fund}-{year}-{day}.pdf"
    )


@router.get(
    "/reports/compliance.pdf", response_class=Response, responses=PDF_RESPONSE,
    **allow(*PROVINCE, Role.PLANNER, Role.CITY),
)  # fmt: skip
def compliance(session: SessionDep, user: CurrentUser, city: City = None) -> Response:
    """Open alerts of the last recorded scan by severity, city and rule (a city officer: their
    own city's only)."""
    chosen = _city_of(Scope.of(user).city, city)
    pdf = compliance_pdf(session, city=_normal(chosen) if chosen else None)
    return _pdf(pdf, f"compliance-{_normal(chosen)}.pdf" if chosen else "compliance.pdf")


@router.get(
    "/reports/clawback.pdf", response_class=Response, responses=PDF_RESPONSE,
    **allow(*PROVINCE),
)  # fmt: skip
def clawback(session: SessionDep, as_of: AsOf = None) -> Response:
    """Exits and revocations: due, recovered, written off, outstanding, overdue."""
    day = as_of or today()
    return _pdf(clawback_pdf(session, day), f"clawback-register-{day}.pdf")


@router.get(
    "/plans/runs/{run}/report.pdf", response_class=Response, responses=PDF_RESPONSE,
    **allow(Role.PLANNER, Role.AUDITOR),
)  # fmt: skip
def plan_report(run: RunId, session: SessionDep) -> Response:
    """A stored planner run: inputs, plan, explanations, baselines (or the diagnosis)."""
    return _pdf(plan_pdf(session, run), f"plan-run-{run}.pdf")


@router.get(
    "/exports/journal", response_class=Response, responses=SHEET_RESPONSE, **allow(*PROVINCE)
)
def export_journal(
    session: SessionDep,
    format: Format = "xlsx",
    sheet: SheetKey = None,
    start: Annotated[Day | None, Query(description="First effective date.")] = None,
    end: Annotated[Day | None, Query(description="Last effective date.")] = None,
) -> Response:
    """Every posting of the journal (sheet ``journal``), by entry, with the entry's hash."""
    return _sheets(journal_export(session, start=start, end=end), format, sheet, "journal")


@router.get(
    "/exports/balances", response_class=Response, responses=SHEET_RESPONSE, **allow(*PROVINCE)
)
def export_balances(
    session: SessionDep,
    format: Format = "xlsx",
    sheet: SheetKey = None,
    as_of: AsOf = None,
    prefix: Annotated[
        str, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", examples=["fund:mfg:2025:"])
    ] = "",
) -> Response:
    """Account balances as of a date (sheet ``balances``)."""
    day = as_of or today()
    export = balances_export(session, as_of=day, prefix=prefix)
    return _sheets(export, format, sheet, f"balances-{day}")


@router.get(
    "/exports/awards", response_class=Response, responses=SHEET_RESPONSE,
    **allow(*PROVINCE, Role.PLANNER),
)  # fmt: skip
def export_awards(
    session: SessionDep, format: Format = "xlsx", sheet: SheetKey = None, as_of: AsOf = None
) -> Response:
    """Every award's statement as one row (sheet ``awards``) and every stage (``stages``)."""
    day = as_of or today()
    return _sheets(awards_export(session, as_of=day), format, sheet, f"awards-{day}")


@router.get(
    "/exports/alerts", response_class=Response, responses=SHEET_RESPONSE,
    **allow(*PROVINCE, Role.PLANNER, Role.CITY),
)  # fmt: skip
def export_alerts(
    session: SessionDep,
    user: CurrentUser,
    format: Format = "xlsx",
    sheet: SheetKey = None,
    city: City = None,
) -> Response:
    """Open and acknowledged alerts, worst first (sheet ``alerts``; a city officer: their own
    city's only)."""
    chosen = _city_of(Scope.of(user).city, city)
    export = alerts_export(session, city=_normal(chosen) if chosen else None)
    return _sheets(export, format, sheet, f"alerts-{_normal(chosen)}" if chosen else "alerts")


@router.get(
    "/exports/plans/{run}", response_class=Response, responses=SHEET_RESPONSE,
    **allow(Role.PLANNER, Role.AUDITOR),
)  # fmt: skip
def export_plan(
    run: RunId, session: SessionDep, format: Format = "xlsx", sheet: SheetKey = None
) -> Response:
    """A stored planner run's funded candidates (sheet ``awards``), fund-years (``years``),
    groups (``groups``) and explanations (``explanations``)."""
    return _sheets(plan_export(session, run), format, sheet, f"plan-run-{run}")
