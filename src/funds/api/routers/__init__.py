"""The API's routers, registered in one list.

To add routes (reports, imports, ...): write ``src/funds/api/routers/<name>.py`` with an
``APIRouter`` whose every route declares its role rule (``**allow(Role.FINANCE, ...)``, see
:mod:`funds.api.rules`), then append it to :data:`ROUTERS`. The app refuses to start with a
route that has no rule, and the role × route test covers the new route by itself; add its
success and failure tests and a line to the table in ``docs/api.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from funds.api.routers import (
    alerts,
    award_actions,
    awards,
    enterprises,
    funds,
    imports,
    ledger,
    meta,
    planner,
    recipients,
    reports,
)

ROUTERS: list[APIRouter] = [
    meta.router,
    funds.router,
    recipients.router,
    enterprises.router,
    award_actions.deadlines_router,
    awards.router,
    award_actions.router,
    ledger.router,
    alerts.router,
    planner.router,
    reports.router,
    imports.router,
]
