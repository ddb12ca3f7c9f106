"""The README's terminal session runs as written (docs that stay true)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from factories import FreshFactory
from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database

README = Path(__file__).parents[2] / "README.md"


def readme_commands() -> list[tuple[list[str], int]]:
    """Every ``funds ...`` line of the README's session, with the exit code it promises."""
    commands = []
    for line in README.read_text("utf-8").splitlines():
        if not line.startswith("funds "):
            continue
        command, _, comment = line.partition("#")
        promised = re.search(r"exit code (\d)", comment)
        commands.append((shlex.split(command)[1:], int(promised[1]) if promised else 0))
    return commands


def test_the_readme_session_runs_as_written(fresh_database: FreshFactory) -> None:
    database = fresh_database()
    set_database_factory(lambda: database)
    try:
        for args, code in readme_commands():
            result = CliRunner().invoke(app, args)
            assert result.exit_code == code, (args, result.output)
    finally:
        set_database_factory(Database.from_url)
    assert len(readme_commands()) >= 15
