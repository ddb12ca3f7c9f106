"""Several uvicorn worker processes, each listening on a socket of its own (``SO_REUSEPORT``).

``uvicorn --workers N`` hands every worker one shared listening socket, and whichever worker
wakes first accepts whatever is waiting: fifty keep-alive clients that connect at once all
land on one worker (seen in ``bench.api``: 50 of 50), which then serves alone, one core of
two, while the others idle. Here each worker gets its own socket bound to the same port with
``SO_REUSEPORT``, and the kernel spreads new connections over the sockets by a hash of the
connection's addresses, so the load spreads with the connections.

The supervisor (:func:`run_workers`) refuses a port that something already listens on (with
``SO_REUSEPORT`` a second server would otherwise share it silently), makes the sockets,
starts one process a socket (spawned, not forked: each worker opens its own database
connections) and restarts a worker that dies. SIGHUP replaces every worker: a new process
starts on each socket while the old one finishes its requests in flight and stops; new
connections wait in the socket's backlog until the new one accepts. SIGINT, SIGTERM or SIGQUIT
stop them all: the sockets close at once and each worker finishes its requests in flight
(uvicorn's graceful shutdown), within :data:`STOP_TIMEOUT` seconds for all of them. A
worker whose supervisor dies gets SIGTERM from the kernel (Linux: ``PR_SET_PDEATHSIG``).
A worker that fails to start, or dies within :data:`STARTUP_GRACE` seconds of the first
start, stops them all: restarting it would fail again.

A socket's connections wait in its backlog while its worker restarts (a second or two), and
a worker that hangs without dying is not detected: put a health check in front
(``GET /health``) as for any server.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

APP = "funds.api.app:app_from_env"
STARTUP_GRACE = 5.0
"""Seconds after the first start within which a worker that dies is taken to have failed."""
STOP_TIMEOUT = 30.0
"""Seconds the workers have, all together, to finish their requests once told to stop."""
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
_PR_SET_PDEATHSIG = 1

logger = logging.getLogger("uvicorn.error")


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

    ``host`` is resolved as uvicorn would, and its first address is used. Port 0 takes a
    free port for the first socket and binds the others to the same one. A port something
    already listens on is refused (``OSError``, address in use), even if it, too, set
    ``SO_REUSEPORT``.
    """
    if not hasattr(socket, "SO_REUSEPORT"):
        raise ReusePortUnsupported("this platform has no SO_REUSEPORT")
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    if port:
        with socket.socket(family, socket.SOCK_STREAM) as probe:  # no SO_REUSEPORT: alone
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            address = (address[0], sock.getsockname()[1], *address[2:])
            sock.listen(2048)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    return sockets


def serve_socket(sock: socket.socket, options: WorkerOptions, supervisor: int) -> None:
    """One worker: uvicorn on the app factory, accepting on ``sock`` (a spawned process)."""
    _die_with(supervisor)
    config = uvicorn.Config(
        options.app,
        factory=True,
        access_log=options.access_log,
        log_level=options.log_level,
    )
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C reaches the whole process group
        server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def _die_with(supervisor: int) -> None:
    """Have the kernel send SIGTERM when the supervisor dies (Linux), and check it lives."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != supervisor:  # it died before the request above took effect
        sys.exit(0)


class _Worker:
    """One worker process and the socket it serves."""

    def __init__(self, sock: socket.socket, options: WorkerOptions) -> None:
        self.sock = sock
        self.options = options
        self.process: BaseProcess | None = None
        self.retired: list[tuple[BaseProcess, float]] = []
        """Replaced processes finishing their requests, and when each must be done by."""

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(
            target=serve_socket, args=(self.sock, self.options, os.getpid()), name="funds-worker"
        )
        self.process.start()

    def replace(self) -> None:
        """Start a new worker on the socket and tell the old one to finish and stop (SIGHUP)."""
        old = self.process
        self.start()
        if old is not None:
            _stop(old)
            self.retired.append((old, time.monotonic() + STOP_TIMEOUT))

    def tidy(self) -> None:
        """Forget the replaced processes that have finished; kill those past their time."""
        now = time.monotonic()
        for process, deadline in self.retired:
            if process.is_alive() and deadline <= now:
                process.kill()
        self.retired = [(p, d) for p, d in self.retired if p.is_alive()]

    def processes(self) -> list[BaseProcess]:
        return [p for p in [self.process, *(p for p, _ in self.retired)] if p is not None]


def _stop(process: BaseProcess) -> None:
    if process.is_alive():
        process.terminate()  # SIGTERM: uvicorn finishes the requests in flight


def run_workers(host: str, port: int, count: int, options: WorkerOptions) -> int:
    """Serve with ``count`` worker processes until SIGINT, SIGTERM or SIGQUIT.

    Returns the exit code: 0 after a stop by signal; :data:`~uvicorn.config.STARTUP_FAILURE`
    when a worker could not start. Call it from the main thread (it handles signals).
    """
    uvicorn.Config(options.app, log_level=options.log_level)  # logging as the workers log
    received: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)  # only this: the loop below acts on it (no locks here)

    sockets = listening_sockets(host, port, count)
    workers = [_Worker(sock, options) for sock in sockets]
    previous: dict[int, Any] = {}
    code = 0
    try:
        for stop in (*_STOPS, signal.SIGHUP):
            previous[stop] = signal.signal(stop, on_signal)
        started = time.monotonic()
        for worker in workers:
            if not received:
                worker.start()
        logger.info("started %d workers on port %d", count, sockets[0].getsockname()[1])
        code = _supervise(workers, received, started)
    finally:
        for worker in workers:
            for process in worker.processes():
                _stop(process)
        for sock in sockets:  # no new connections while the workers finish theirs
            sock.close()
        _reap([p for w in workers for p in w.processes()], time.monotonic() + STOP_TIMEOUT)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return code


def _supervise(workers: list[_Worker], received: list[int], started: float) -> int:
    """Tend the workers until a stop signal (0) or a failed start (the start-up code)."""
    while True:
        while received:
            signum = received.pop(0)
            if signum in _STOPS:
                logger.info("stopping the workers (%s)", signal.Signals(signum).name)
                return 0
            logger.info("restarting the workers (SIGHUP)")
            for worker in workers:
                worker.replace()
        for worker in workers:
            worker.tidy()
            process = worker.process
            if process is None or process.is_alive():
                continue
            early = time.monotonic() - started < STARTUP_GRACE
            if process.exitcode == STARTUP_FAILURE or early:
                logger.error("a worker exited with code %s at start-up; stopping", process.exitcode)
                return STARTUP_FAILURE
            logger.warning(
                "worker %s exited with code %s; restarting", process.pid, process.exitcode
            )
            worker.start()
        time.sleep(0.25)


def _reap(processes: list[BaseProcess], deadline: float) -> None:
    """Wait for ``processes`` until ``deadline`` (one deadline for all), then kill the rest."""
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive() and deadline <= time.monotonic():
            process.kill()
            process.join()
