"""Who may call which route: every route declares its rule, and the app refuses to start
with a route that has none.

A route says ``@router.post("/awards", **allow(Role.FINANCE))``. :func:`allow` adds a
dependency that answers 403 to the other roles (``admin`` may always call) and records the
roles in the OpenAPI document as ``x-roles``. :func:`rule_of` reads the rule back from a
route, which is how :func:`funds.api.app.create_app` and the role × route test find routes
without one. Scoped roles (``city``, ``recipient``) are narrowed further inside the route,
see :mod:`funds.api.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Depends
from fastapi.routing import APIRoute

from funds.api.deps import CurrentUser
from funds.api.problems import FORBIDDEN, ApiProblem
from funds.api.users import Caller, Role

EVERYONE = frozenset(Role)
SECURITY_SCHEME = "token"
"""The bearer token scheme every non-public route requires (``funds.api.deps.bearer``)."""


@dataclass(frozen=True)
class RoleRule:
    """A route's rule: the roles that may call it (``public``: no token needed)."""

    roles: frozenset[Role]
    public: bool = False

    async def __call__(self, user: CurrentUser) -> Caller:
        if Role(user.role) not in self.roles:
            raise ApiProblem(FORBIDDEN, f"the {user.role} role may not do this")
        return user


@dataclass(frozen=True)
class PublicRule:
    """The rule of a route anyone may call without a token (health checks)."""

    async def __call__(self) -> None:
        return None


def allow(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments that let ``roles`` (and ``admin``) call the route."""
    rule = RoleRule(frozenset({Role.ADMIN, *roles}))
    return {
        "dependencies": [Depends(rule)],
        "openapi_extra": {
            "x-roles": sorted(r.value for r in rule.roles),
            "security": [{SECURITY_SCHEME: []}],
        },
    }


def allow_everyone() -> dict[str, Any]:
    """Route keyword arguments for a route every authenticated user may call."""
    return allow(*Role)


def allow_public() -> dict[str, Any]:
    """Route keyword arguments for a route that needs no token."""
    return {"dependencies": [Depends(PublicRule())], "openapi_extra": {"x-roles": ["public"]}}


def rule_of(route: APIRoute) -> RoleRule | PublicRule | None:
    """Return the rule a route declared, or ``None``."""
    for dependency in route.dependencies:
        if isinstance(dependency.dependency, RoleRule | PublicRule):
            return dependency.dependency
    return None
