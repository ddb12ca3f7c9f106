"""``funds serve``: the HTTP API under uvicorn, on ``FUNDS_DATABASE_URL`` (or the default)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from funds.api.workers import ReusePortUnsupported, WorkerOptions, run_workers
from funds.cli.common import console, database, err_console


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes, each on its own socket (SO_REUSEPORT), so that the"
            " kernel spreads connections over them. On PostgreSQL, one a core; SQLite has"
            " one writer, so more than one only adds waiting.",
        ),
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, readable docs at /docs)."""
    db = database()  # creates or upgrades the schema once, before the workers start
    url, sqlite = db.url, db.engine.dialect.name == "sqlite"
    console.print(f"serving {url} on http://{host}:{port} (docs at /docs)", highlight=False)
    options = WorkerOptions(access_log=access_log, log_level=log_level)
    if workers > 1:
        if sqlite:
            err_console.print(
                f"note: {workers} workers on SQLite take turns at its one write lock",
                highlight=False,
            )
        db.dispose()  # each worker opens its own connections
        try:
            code = run_workers(host, port, workers, options)
        except ReusePortUnsupported:
            pass  # uvicorn's own workers, on one shared socket
        except OSError as error:  # the port is taken, or the host does not resolve
            err_console.print(f"refused: cannot listen on {host}:{port}: {error}", highlight=False)
            raise typer.Exit(1) from None
        else:
            raise typer.Exit(code)
    uvicorn.run(
        options.app,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=log_level,
    )
