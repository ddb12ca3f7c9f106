"""Tokens: created by the CLI and shown once, stored hashed, checked on every call, revocable."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.conftest import Api, problem
from funds.api.models import ApiUser
from funds.api.users import hash_token
from funds.cli import app as cli_app
from funds.cli.common import set_database_factory
from funds.db import Database, metadata


@pytest.fixture
def cli(db: Database) -> Iterator[CliRunner]:
    set_database_factory(lambda: db)
    yield CliRunner()
    set_database_factory(Database.from_url)


def test_the_migrations_match_the_api_tables(session: Session) -> None:
    context = MigrationContext.configure(session.connection())
    diff = [d for d in compare_metadata(context, metadata) if "api_" in str(d)]
    assert diff == []


def test_a_call_without_a_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = api.get("/me", user=None)
    body = problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["type"] == "https://funds.example/problems/unauthorized"


def test_an_unknown_token_is_401(api: Api) -> None:
    response = api.client.get("/me", headers={"Authorization": "Bearer funds_not-a-token"})
    assert "unknown or was revoked" in problem(response, 401)["detail"]


def test_a_token_in_another_scheme_is_401(api: Api) -> None:
    response = api.client.get("/me", headers={"Authorization": f"Basic {api.tokens['admin']}"})
    problem(response, 401)


def test_me_names_the_user_its_role_and_scope(api: Api) -> None:
    assert api.get("/me", user="city-hf").json() == {
        "name": "city-hf",
        "role": "city",
        "city": "合肥市",
        "recipient": None,
    }


def test_health_answers_without_a_token(api: Api) -> None:
    assert api.get("/health", user=None).json() == {"status": "ok"}


def test_the_token_is_stored_only_as_its_hash(api: Api, session: Session) -> None:
    token = api.tokens["finance-a"]
    user = session.exec(select(ApiUser).where(ApiUser.name == "finance-a")).one()
    assert user.token_hash == hash_token(token)
    assert token not in (user.token_hash, user.token_hint)


def test_the_cli_adds_a_user_whose_token_works_once_shown(api: Api, cli: CliRunner) -> None:
    result = cli.invoke(cli_app, ["users", "add", "李审计", "--role", "auditor", "--json"])
    assert result.exit_code == 0, result.output
    token = json.loads(result.output)["token"]
    response = api.client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["name"] == "李审计"
    listed = cli.invoke(cli_app, ["users", "list", "--json"])
    assert token not in listed.output
    assert "李审计" in listed.output


def test_the_cli_refuses_a_city_user_without_a_city(cli: CliRunner) -> None:
    result = cli.invoke(cli_app, ["users", "add", "x", "--role", "city"])
    assert result.exit_code == 2
    assert "city" in result.output


def test_the_cli_refuses_a_recipient_user_of_an_unknown_recipient(cli: CliRunner) -> None:
    result = cli.invoke(cli_app, ["users", "add", "x", "--role", "recipient", "--recipient", "NO"])
    assert result.exit_code == 4


def test_the_cli_refuses_an_unknown_role_and_a_second_user_of_the_same_name(
    api: Api, cli: CliRunner
) -> None:
    assert cli.invoke(cli_app, ["users", "add", "x", "--role", "boss"]).exit_code == 2
    assert cli.invoke(cli_app, ["users", "add", "admin", "--role", "admin"]).exit_code == 5


def test_a_user_named_with_spaces_is_the_user_of_that_name_so_no_twin_approves_its_request(
    api: Api, cli: CliRunner
) -> None:
    # The actor of a call is its user's name, stored stripped (funds.actors), as the CLI's
    # --actor and the services strip theirs: maker-checker compares one form of each name.
    twin = cli.invoke(cli_app, ["users", "add", "finance-a ", "--role", "finance"])
    assert twin.exit_code == 5, twin.output
    blank = cli.invoke(cli_app, ["users", "add", "  ", "--role", "finance"])
    assert blank.exit_code == 2
    assert "name" in blank.output


def test_a_revoked_token_is_refused_from_then_on(api: Api, cli: CliRunner) -> None:
    assert api.get("/me", user="planner").status_code == 200
    result = cli.invoke(cli_app, ["users", "revoke", "planner"])
    assert result.exit_code == 0, result.output
    problem(api.get("/me", user="planner"), 401)
    listed = json.loads(cli.invoke(cli_app, ["users", "list", "--json"]).output)
    assert next(u for u in listed if u["name"] == "planner")["revoked_at"] is not None


def test_revoking_an_unknown_user_is_not_found(cli: CliRunner) -> None:
    assert cli.invoke(cli_app, ["users", "revoke", "nobody"]).exit_code == 4


def test_the_serve_command_runs_uvicorn_on_the_app_factory(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append({"app": app, **kw}))
    result = cli.invoke(cli_app, ["serve", "--port", "8123", "--no-access-log"])
    assert result.exit_code == 0, result.output
    assert calls == [
        {
            "app": "funds.api.app:app_from_env",
            "factory": True,
            "host": "127.0.0.1",
            "port": 8123,
            "workers": 1,
            "access_log": False,
            "log_level": "info",
        }
    ]
