"""Several uvicorn worker processes, each listening on a socket of its own (``SO_REUSEPORT``).

``uvicorn --workers N`` hands every worker one shared listening socket, and whichever worker
wakes first accepts whatever is waiting: fifty keep-alive clients that connect at once all
land on one worker (seen in ``bench.api``: 50 of 50), which then serves alone, one core of
two, while the others idle. Here each worker gets its own socket bound to the same port with
``SO_REUSEPORT``, and the kernel spreads new connections over the sockets by a hash of the
connection's addresses, so the load spreads with the connections.

The supervisor (:func:`run_workers`) makes the sockets, starts one process a socket (spawned,
not forked: each worker opens its own database connections), restarts a worker that dies,
and on SIGINT or SIGTERM stops them all (uvicorn's graceful shutdown: requests in flight
finish). A worker that fails to start, or dies within :data:`STARTUP_GRACE` seconds of
starting, stops them all: restarting it would fail again.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE

APP = "funds.api.app:app_from_env"
STARTUP_GRACE = 5.0
"""Seconds within which a worker that dies is taken to have failed to start."""
STOP_TIMEOUT = 30.0
"""Seconds a worker has to finish its requests once told to stop, before it is killed."""

logger = logging.getLogger("funds.serve")


class ReusePortUnsupported(RuntimeError):
    """Raised when this platform has no ``SO_REUSEPORT``."""


@dataclass(frozen=True)
class WorkerOptions:
    """What each worker's uvicorn runs with."""

    access_log: bool = True
    log_level: str = "info"
    app: str = APP


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` TCP sockets listening on ``host:port`` with ``SO_REUSEPORT``.

    Port 0 takes a free port for the first socket and binds the others to the same one.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ReusePortUnsupported("this platform has no SO_REUSEPORT")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(2048)
            sock.set_inheritable(True)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def serve_socket(sock: socket.socket, options: WorkerOptions) -> None:
    """One worker: uvicorn on the app factory, accepting on ``sock`` (a spawned process)."""
    config = uvicorn.Config(
        options.app,
        factory=True,
        access_log=options.access_log,
        log_level=options.log_level,
    )
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


class _Worker:
    """One worker process and the socket it serves."""

    def __init__(self, sock: socket.socket, options: WorkerOptions) -> None:
        self.sock = sock
        self.options = options
        self.process: BaseProcess | None = None
        self.started_at = 0.0

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(
            target=serve_socket, args=(self.sock, self.options), name="funds-worker"
        )
        self.process.start()
        self.started_at = time.monotonic()

    def stop(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()  # SIGTERM: uvicorn finishes the requests in flight

    def reap(self, timeout: float) -> None:
        if self.process is None:
            return
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def run_workers(host: str, port: int, count: int, options: WorkerOptions) -> int:
    """Serve with ``count`` worker processes until SIGINT or SIGTERM; return the exit code.

    0 after a stop by signal; :data:`~uvicorn.config.STARTUP_FAILURE` when a worker could
    not start.
    """
    sockets = listening_sockets(host, port, count)
    workers = [_Worker(sock, options) for sock in sockets]
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        for worker in workers:
            worker.start()
        while not stopping.wait(0.25):
            code = _tend(workers)
            if code:
                break
    finally:
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.reap(STOP_TIMEOUT)
        for sock in sockets:
            sock.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _tend(workers: list[_Worker]) -> int:
    """Restart the workers that died; a non-zero code when one failed to start."""
    for worker in workers:
        process = worker.process
        if process is None or process.is_alive():
            continue
        lived = time.monotonic() - worker.started_at
        if process.exitcode == STARTUP_FAILURE or lived < STARTUP_GRACE:
            logger.error(
                "a worker exited with code %s %.1f s after it started; stopping",
                process.exitcode,
                lived,
            )
            return STARTUP_FAILURE
        logger.warning("worker %s exited with code %s; restarting", process.pid, process.exitcode)
        worker.start()
    return 0
