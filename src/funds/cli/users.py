"""``funds users add|list|revoke``: API users and their tokens.

``funds users add NAME --role ROLE [--city CITY] [--recipient CODE]`` prints the new token
once; only its hash is stored. ``revoke`` disables the token (the user stays on record as
the actor of what they did).
"""

from __future__ import annotations

from typing import Annotated

import typer

from funds.api.users import Role, add_user, list_users, revoke_user
from funds.cli.common import say, table, unit_of_work

app = typer.Typer(help="API users and their tokens.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name, recorded as the actor.")],
    role: Annotated[str, typer.Option(help=", ".join(r.value for r in Role))],
    city: Annotated[str | None, typer.Option(help="The city of a city user.")] = None,
    recipient: Annotated[
        str | None, typer.Option(help="The recipient code of a recipient user.")
    ] = None,
    json_output: JsonFlag = False,
) -> None:
    """Create a user and print its API token (shown this once only)."""
    with unit_of_work(json_output=json_output) as session:
        made = add_user(session, name=name, role=role, city=city, recipient=recipient)
        user = made.user
        body = {
            "name": user.name,
            "role": user.role,
            "city": user.city,
            "recipient": user.recipient,
            "token": made.token,
        }
    scope = user.city or user.recipient or "all"
    say(
        json_output,
        body,
        f"user {user.name} ({user.role}, {scope}) created; API token (shown once):\n{made.token}",
    )


@app.command("list")
def list_command(json_output: JsonFlag = False) -> None:
    """List users, their roles, scopes and whether their token is revoked."""
    with unit_of_work(json_output=json_output, readonly=True) as session:
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "city": u.city,
                "recipient": u.recipient,
                "token": u.token_hint + "…",
                "created_at": u.created_at.isoformat(timespec="seconds"),
                "revoked_at": u.revoked_at.isoformat(timespec="seconds") if u.revoked_at else None,
            }
            for u in list_users(session)
        ]
    if json_output:
        say(True, rows, "")
        return
    table(
        "API users",
        ["name", "role", "scope", "token", "created", "revoked"],
        [
            (
                r["name"],
                r["role"],
                r["city"] or r["recipient"] or "",
                r["token"],
                r["created_at"],
                r["revoked_at"] or "",
            )
            for r in rows
        ],
    )


@app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="User name.")], json_output: JsonFlag = False
) -> None:
    """Revoke a user's token; requests with it get 401 from now on."""
    with unit_of_work(json_output=json_output) as session:
        user = revoke_user(session, name=name)
        revoked = user.revoked_at
    say(
        json_output,
        {"name": name, "revoked_at": revoked},
        f"user {name}: token revoked at {revoked}",
    )
