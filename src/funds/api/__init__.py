"""The HTTP API (FastAPI): thin edges over the same services the CLI calls.

The design in one paragraph. :func:`funds.api.app.create_app` builds the application on a
:class:`~funds.db.Database`; every request is one unit of work (``deps.SessionDep``) that
commits before the response is sent, or rolls back. A bearer token names the user
(``deps.CurrentUser``); each route declares which roles may call it with
:func:`funds.api.rules.allow`, and the scoped roles (``city``, ``recipient``) are narrowed
inside the route by :class:`funds.api.scope.Scope`, which answers "not found" for another's
records so that nothing about them leaks. Domain errors become RFC 9457 problem details in
one table (:mod:`funds.api.problems`); money-moving POSTs are idempotent under an
``Idempotency-Key`` (:mod:`funds.api.idempotency`). Routers live in
:mod:`funds.api.routers` and are registered in one list there.

Importing this package does not import FastAPI (the CLI's ``funds users`` only needs
:mod:`funds.api.users`); ``from funds.api import create_app`` loads it on demand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from funds.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from funds.api.app import create_app

        return create_app
    raise AttributeError(name)
