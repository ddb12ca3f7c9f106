"""``funds serve``: the HTTP API under uvicorn, on ``FUNDS_DATABASE_URL`` (or the default)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from funds.cli.common import console, database


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error.")] = "info",
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, readable docs at /docs)."""
    db = database()  # creates or upgrades the schema once, before the workers start
    console.print(f"serving {db.url} on http://{host}:{port} (docs at /docs)", highlight=False)
    uvicorn.run(
        "funds.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level=log_level,
    )
