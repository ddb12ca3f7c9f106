"""Uploads: a spreadsheet imported all rows or none, as ``funds import KIND FILE`` does.

One route per kind (``POST /imports/pass-through``, ...) and ``POST /imports/workbook`` for a
workbook whose sheets are named after kinds. The file is the raw request body (any content
type; ``application/octet-stream`` is documented) and ``?filename=`` names it: its suffix
(``.xlsx`` or ``.csv``) says how to read it, and a CSV file's name is its sheet's name. The
bytes go to a temporary file that is deleted when the request ends.

A clean file is applied and committed (or, with ``dry_run=true``, checked and rolled back)
and answered 200 with the rows new and already there: every row has a natural key, so a
re-upload creates nothing. A file with any problem writes nothing and is answered 422, one
``errors`` item per problem (``field`` is the place: ``下达企业 row 7, 金额 (D7)``) and
``details.problems`` with each problem's sheet, row, column, cell, value, message and rule.

Only finance officers (and admin) import: an upload's rows may name any award, recipient or
enterprise, and the import service cannot narrow them to one recipient's awards, so
recipient officers record their pass-through and spending one at a time
(``POST /awards/{code}/pass-throughs``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from funds.api.deps import CurrentUser, SessionDep
from funds.api.problems import INVALID, FieldProblem, problem_response
from funds.api.rules import allow
from funds.api.schemas.imports import ImportRead, problem_details
from funds.api.users import Role
from funds.errors import InvalidInput
from funds.imports import KINDS, import_file

router = APIRouter(prefix="/imports", tags=["imports"])

MAX_BYTES = 64 * 1024 * 1024
FILENAME_PATTERN = r'^[^\x00-\x1f\x7f/\\:*?"<>|]{1,120}\.([Xx][Ll][Ss][XxMm]|[Cc][Ss][Vv])$'
MAX_NAME_BYTES = 200
"""File names are kept (a CSV file's name is its sheet's); a file system takes 255 bytes."""

Filename = Annotated[
    str,
    Query(
        max_length=124,
        pattern=FILENAME_PATTERN,
        description="The file's name: `.xlsx` (or `.xlsm`) or `.csv`. A CSV file's name is its"
        " sheet's name (for `workbook`, the kind: `下达企业.csv`).",
        examples=["下达明细.xlsx"],
    ),
]
DryRun = Annotated[bool, Query(description="Check every row and write nothing.")]

FILE_BODY = {
    "x-request-body": {
        "required": True,
        "description": "The spreadsheet's bytes, as saved (not multipart, not base64).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""The body, documented beside ``requestBody``: the API's OpenAPI test holds every
``requestBody`` to be JSON with an example (``tests/api/test_api_problems.py``)."""
INVALID_FILE: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "A problem with the file: nothing was written. `errors` lists every "
        "problem at its place; `details.problems` gives sheet, row, column, cell, message."
    }
}


async def file_body(request: Request) -> bytes:
    """The request body: the uploaded file's bytes."""
    body = await request.body()
    if not body:
        raise InvalidInput("body", "send the file's bytes as the request body")
    if len(body) > MAX_BYTES:
        raise InvalidInput("body", f"the file is larger than {MAX_BYTES // 2**20} MiB")
    return body


FileBody = Annotated[bytes, Depends(file_body)]


def _route(kind: str | None) -> Callable[..., Any]:
    def upload(
        session: SessionDep,
        user: CurrentUser,
        request: Request,
        body: FileBody,
        filename: Filename,
        dry_run: DryRun = False,
    ) -> object:
        if len(filename.encode("utf-8")) > MAX_NAME_BYTES:
            raise InvalidInput("filename", f"the name is longer than {MAX_NAME_BYTES} bytes")
        actor = user.name
        with tempfile.TemporaryDirectory(prefix="funds-upload-") as folder:
            path = Path(folder) / filename
            path.write_bytes(body)
            result = import_file(session, path, kind=kind, actor=actor, dry_run=dry_run)
        if not result.ok or dry_run:
            session.rollback()
        result.committed = result.ok and not dry_run
        if result.ok:
            return ImportRead.of(result)
        return _refused(request, result)

    return upload


def _refused(request: Request, result: Any) -> JSONResponse:
    problems = result.problems
    errors = [FieldProblem(field=p.where(), message=p.message) for p in problems]
    return problem_response(
        request,
        INVALID,
        f"{result.file}: {len(problems)} problem(s); nothing was written. First: "
        f"{problems[0].where()}: {problems[0].message}",
        field=problems[0].where(),
        errors=errors,
        details=problem_details(result),
    )


def _register(path: str, kind: str | None, what: str) -> None:
    rule = allow(Role.FINANCE)
    rule["openapi_extra"] = {**rule["openapi_extra"], **FILE_BODY}
    endpoint = _route(kind)
    endpoint.__name__ = f"import_{(kind or 'workbook')}"
    endpoint.__doc__ = (
        f"{what}: every row checked, then all applied or none. The body is the file's bytes"
        " as saved (`--data-binary @file.xlsx`); `filename` names it."
    )
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=ImportRead,
        responses=INVALID_FILE,
        summary=f"Import {what}",
        **rule,
    )


for _name, _kind in KINDS.items():
    _register(f"/{_name.replace('_', '-')}", _name, f"{_kind.zh} ({_name}): {_kind.summary}")
_register("/workbook", None, "a workbook: every sheet named after a kind, in dependency order")
