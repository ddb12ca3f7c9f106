"""``funds serve --workers N``: a socket a worker, connections spread by the kernel.

The server runs for real, in a subprocess, on a SQLite file of its own (the processes are the
subject, not the database, so the PostgreSQL pass skips these); which worker holds a
connection is read from ``/proc`` (the socket inodes each worker process has open).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import on_postgres
from funds.api.workers import listening_sockets

pytestmark = [
    pytest.mark.skipif(
        not Path("/proc/self/task").exists() or not hasattr(socket, "SO_REUSEPORT"),
        reason="reads /proc and needs SO_REUSEPORT (Linux)",
    ),
    pytest.mark.skipif(on_postgres(), reason="the worker processes, on SQLite only"),
]


def test_the_sockets_share_one_port_and_port_zero_picks_it_once() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 3)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        assert len(ports) == 1
        assert 0 not in ports
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in sockets)
    finally:
        for s in sockets:
            s.close()


def test_a_port_another_program_holds_is_refused() -> None:
    with socket.socket() as taken:  # no SO_REUSEPORT: nobody may share it
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError, match="in use"):
            listening_sockets("127.0.0.1", taken.getsockname()[1], 2)


def test_a_port_another_server_holds_with_reuseport_is_refused_too() -> None:
    first = listening_sockets("127.0.0.1", 0, 2)
    try:
        with pytest.raises(OSError, match="in use"):  # not silently shared with the first
            listening_sockets("127.0.0.1", first[0].getsockname()[1], 2)
    finally:
        for s in first:
            s.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:  # gone
        return []
    return [int(child) for child in text.split()]


def _workers(pid: int) -> list[int]:
    """The supervisor's worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:  # exited in between
            continue
        if b"multiprocessing.resource_tracker" not in command:
            found.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _established_to(port: int) -> set[str]:
    """Inodes of the server ends of established connections on ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        if local_port == port and fields[3] == "01":  # ESTABLISHED
            inodes.add(fields[9])
    return inodes


def _wait_for(predicate: object, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _healthy(base: str) -> bool:
    try:
        return all(httpx.get(f"{base}/health", timeout=2).status_code == 200 for _ in range(8))
    except httpx.HTTPError:
        return False


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, int]]:
    port = _free_port()
    env = os.environ | {"FUNDS_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}"}
    command = [sys.executable, "-c", "from funds.cli import main; main()", "serve"]
    command += ["--port", str(port), "--workers", "2", "--no-access-log", "--log-level", "warning"]
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, env=env, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _healthy(base) or process.poll() is not None, "the server to answer")
        assert process.poll() is None, log.read_text()
        _wait_for(lambda: len(_workers(process.pid)) == 2, "two workers")
        yield process, base, port
    finally:
        workers = _workers(process.pid)
        process.kill()  # the supervisor first, so that it restarts nothing
        process.wait()
        for child in workers:
            with contextlib.suppress(OSError):
                os.kill(child, signal.SIGKILL)


def test_connections_are_spread_over_both_workers(
    two_workers: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, base, port = two_workers
    clients = [httpx.Client(base_url=base) for _ in range(40)]
    try:
        for client in clients:
            assert client.get("/health").status_code == 200  # each keeps its connection
        open_ends = _established_to(port)
        held = {pid: len(_socket_inodes(pid) & open_ends) for pid in _workers(process.pid)}
        # 40 connections hashed over two sockets: both have some (all on one: p = 2⁻³⁹)
        assert sum(held.values()) == 40
        assert all(count > 0 for count in held.values()), held
    finally:
        for client in clients:
            client.close()


def test_sigterm_stops_every_worker_and_exits_zero(
    two_workers: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, _, _ = two_workers
    workers = _workers(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not [pid for pid in workers if _alive(pid)]


def test_sighup_replaces_every_worker_and_keeps_serving(
    two_workers: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, base, _ = two_workers
    before = set(_workers(process.pid))
    process.send_signal(signal.SIGHUP)
    _wait_for(
        lambda: len(now := set(_workers(process.pid))) == 2 and not now & before,
        "two new workers",
    )
    _wait_for(lambda: _healthy(base), "the new workers to answer")
    assert not [pid for pid in before if _alive(pid)]
    assert process.poll() is None


def test_workers_stop_when_their_supervisor_is_killed(
    two_workers: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, _, _ = two_workers
    workers = _workers(process.pid)
    process.kill()  # no chance to stop them: the kernel tells them (PR_SET_PDEATHSIG)
    process.wait()
    _wait_for(lambda: not [pid for pid in workers if _alive(pid)], "the workers to stop")


def test_a_worker_that_dies_is_started_again(
    two_workers: tuple[subprocess.Popen[bytes], str, int],
) -> None:
    process, base, _ = two_workers
    time.sleep(5.5)  # past the start-up grace, after which a death is not a failed start
    first, second = _workers(process.pid)
    os.kill(first, signal.SIGKILL)
    _wait_for(
        lambda: len(workers := _workers(process.pid)) == 2 and first not in workers,
        "the worker to be replaced",
    )
    assert second in _workers(process.pid)
    _wait_for(lambda: _healthy(base), "the new worker to answer")
    assert process.poll() is None


def test_a_worker_that_cannot_start_stops_the_server_with_uvicorns_startup_code() -> None:
    script = (
        "import sys; from funds.api.workers import WorkerOptions, run_workers;"
        " sys.exit(run_workers('127.0.0.1', 0, 2, WorkerOptions(app='funds.nowhere:app')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == 3, done.stderr.decode()
    assert b"funds.nowhere" in done.stderr
