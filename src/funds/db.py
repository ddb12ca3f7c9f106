"""Engine, sessions and units of work, on SQLite (default) or PostgreSQL.

``FUNDS_DATABASE_URL`` names the database; without it the engine uses a SQLite file under
``./var/``. SQLite runs with WAL, foreign keys on and ``synchronous=FULL``; a writing unit
of work starts with ``BEGIN IMMEDIATE`` so that balance rules are checked under the
database's write lock, a read-only one with ``BEGIN DEFERRED`` (:func:`reading`). On
PostgreSQL the ledger takes row locks itself (``FOR UPDATE`` in a fixed order).

Services take a :class:`~sqlmodel.Session` and flush; only the edges (CLI, API) open a
unit of work with :meth:`Database.unit_of_work`, which commits or rolls back as one.

On a SQLite file a writing unit of work keeps its connection open for the next one (see
:class:`_Spare`): checking a connection out of the pool and back in again costs Python
time on every commit, and on SQLite a durable commit is short enough for that to show.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

DEFAULT_URL = "sqlite:///var/funds.sqlite3"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata


def table_of(model: type[SQLModel]) -> Table:
    """Return the Core table behind a SQLModel table class (for fast bulk statements)."""
    return cast(Table, inspect(model).local_table)


def database_url() -> str:
    """Return the configured database URL (``FUNDS_DATABASE_URL`` or the SQLite default)."""
    return os.environ.get("FUNDS_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the engine's connection settings applied."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 40)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 10.0
"""A pooled connection idle longer than this is pinged before it is handed out."""


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection on checkout only if it sat idle for a while.

    ``pool_pre_ping`` pings on every checkout: one more round trip per unit of work, a
    sixth of a ledger commit. A connection that was in use a moment ago is almost surely
    alive; one idle for :data:`PING_AFTER_IDLE_SECONDS` may have been cut (a server
    restart, a firewall), so it is pinged and, if dead, replaced before anyone uses it.
    A connection cut within the idle window fails its first statement instead; SQLAlchemy
    then discards every pooled connection older than the failure, so one request fails
    and the next ones reconnect.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["funds_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("funds_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: let the pool replace this connection
            raise DisconnectionError(f"pooled connection failed its ping: {error}") from error


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = {"check_same_thread": False, "timeout": 60}
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    # The driver runs in autocommit mode, so SQLAlchemy's begin is ours to issue: the
    # dialect's do_begin (a no-op for sqlite3) is replaced on this engine's dialect by
    # _begin_immediate. A "begin" event listener did it before, but with any listener on
    # the engine SQLAlchemy dispatches events at every begin, commit and statement: about
    # 0.008 ms of a 0.38 ms durable commit. Read-only units begin DEFERRED (reading()).
    engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign]
    return engine


def _begin_immediate(dbapi_connection: Any) -> None:
    """Begin a SQLite transaction under the write lock, unless one is begun already (by
    :func:`reading`'s listener, which runs first). Straight to the driver: through
    ``exec_driver_sql`` the BEGIN alone cost about 0.1 ms of SQLAlchemy's machinery."""
    driver = dbapi_connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


SNAPSHOT = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
"""PostgreSQL's transaction for a reader: one snapshot for all its queries, and no writes."""


def reading(engine: Engine) -> Engine:
    """Return ``engine`` as units that only read use it. On SQLite their transactions begin
    ``DEFERRED`` and take no write lock; on PostgreSQL they are REPEATABLE READ and read only
    (:data:`SNAPSHOT`), so that a report, a statement or a page read while others write sees
    one state throughout. Make it once per engine and keep it (each call registers a
    listener on SQLite)."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(**SNAPSHOT)
    if engine.dialect.name != "sqlite":
        return engine
    reader = engine.execution_options()
    event.listen(reader, "begin", _begin_deferred)
    return reader


def _begin_deferred(conn: Connection) -> None:
    conn.connection.driver_connection.execute("BEGIN DEFERRED")  # type: ignore[union-attr]


@contextmanager
def one_snapshot(session: Session) -> Iterator[Session]:
    """A read-only session whose every query sees the same state of the database.

    On SQLite that is ``session`` itself: a transaction's reads share the snapshot its first
    read took (WAL). PostgreSQL's READ COMMITTED gives each statement a snapshot of its own,
    so a reader of several tables could see a write committed between two of its queries
    half (a posting without its entry, a use without the balance it moved): there it is a
    REPEATABLE READ, read-only transaction on a connection of its own, rolled back on the way
    out; it does not see what ``session`` has not committed. A session of a read-only unit of
    work, already such a transaction (:func:`reading`), and one bound to a connection (a
    test's rolled-back transaction) are used as they are.
    """
    bind = session.get_bind()
    if (
        bind.dialect.name != "postgresql"
        or not isinstance(bind, Engine)
        or bind.get_execution_options().get("postgresql_readonly")  # a reader's already
    ):
        yield session
        return
    with bind.connect().execution_options(**SNAPSHOT) as conn, Session(bind=conn) as snapshot:
        yield snapshot


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    """Tell whether ``bind`` talks to SQLite."""
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name == "sqlite"
    return bind.dialect.name == "sqlite"


class Database:
    """One database: its engine and the units of work opened on it.

    ``Database(engine)`` is the production shape. Tests build one with ``bind`` set to a
    connection inside an outer transaction, so that every unit of work becomes a savepoint
    and the test rolls everything back at the end.
    """

    def __init__(self, engine: Engine, *, bind: Connection | None = None) -> None:
        self.engine = engine
        self._bind = bind
        self._reader = reading(engine)
        self._spare: _Spare | None = None
        if bind is None and _Spare.suits(engine):
            self._spare = _Spare(engine)
            weakref.finalize(self, self._spare.close)  # a dropped Database returns it too

    @classmethod
    def from_url(cls, url: str | None = None) -> Database:
        """Open the database at ``url`` (default: :func:`database_url`)."""
        return cls(make_engine(url))

    @property
    def one_connection(self) -> bool:
        """Whether every unit of work runs on one shared connection (a test's savepoints),
        so that two of them must never be open at once."""
        return self._bind is not None

    @property
    def url(self) -> str:
        """The URL with any password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    def session(self, *, readonly: bool = False) -> Session:
        """Return a new session; the caller owns its transaction."""
        if self._bind is not None:
            return Session(
                bind=self._bind, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        return Session(bind=self._reader if readonly else self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self, *, readonly: bool = False) -> Iterator[Session]:
        """Yield a session that commits when the block succeeds and rolls back otherwise.

        The session owns its transaction as one made by :meth:`session` does: its own
        ``commit()`` or ``rollback()`` inside the block ends the transaction, and the next
        statement begins another. A writing unit on SQLite binds the session to the
        :class:`_Spare` connection, when one is kept, instead of the engine; the
        transaction, its ``BEGIN IMMEDIATE`` and its durable commit are the same.
        """
        spare = None if readonly else self._spare
        conn = None if spare is None else spare.take()
        if conn is None:
            session = self.session(readonly=readonly)
        else:
            session = Session(bind=conn, expire_on_commit=False)
        try:
            yield session
            if readonly:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            try:
                if _holds_anything(session):
                    session.close()
            finally:
                if spare is not None and conn is None:
                    spare.fill()
                elif spare is not None and conn is not None:
                    # a session used after its unit of work (it should not be) then takes a
                    # connection of its own, as one bound to the engine would, never the spare
                    session.bind = self.engine
                    spare.give_back(conn)

    def dispose(self) -> None:
        """Close every pooled connection (the spare one included)."""
        if self._spare is not None:
            self._spare.close()
        self.engine.dispose()


def _holds_anything(session: Session) -> bool:
    """Tell whether closing ``session`` would do anything: end a transaction, detach objects.

    A unit of work that committed through the driver's cursor alone (a ledger post) leaves
    none, and then ``close()`` only swaps empty maps for new ones: about 0.01 ms of a
    0.4 ms commit. A closed session may be used again (it begins anew), as may this one.
    """
    return (
        session.in_transaction()
        or bool(session.identity_map)
        or bool(session.new)
        or bool(session.deleted)
    )


class _Spare:
    """One connection kept open between writing units of work, for the next one to take.

    Checking a connection out of the pool and in again (the pool's queue, the connection
    wrapper, the reset-on-return) took about 0.05 ms of a 0.4 ms SQLite commit. A writing
    unit of work takes the spare if there is one and gives it back at the end; without
    one it runs on the engine as before, and at its end checks a spare out of the pool,
    but only one sitting idle there. So taking or filling the spare never opens a
    connection nor waits for one: a unit of work still touches the database first at
    its first statement, wherever that runs (the API opens units in its event loop).

    The spare is kept only when it is clean (no transaction open, in SQLAlchemy or in the
    driver; not invalidated) and no overflow connection is checked out; at most one is
    kept and any other goes back to the pool. Only SQLite files on a queue pool of two or
    more qualify: PostgreSQL connections are pinged at checkout after idling, which a kept
    one would skip; and with two or more the spare cannot starve a unit of work waiting
    for the pool, which waits only while every connection is checked out, so at least
    one other unit is running, and once the spare is kept every unit that ends goes back
    to the pool.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._conn: Connection | None = None

    @staticmethod
    def suits(engine: Engine) -> bool:
        """Tell whether units of work on ``engine`` may keep a spare connection."""
        pool = engine.pool
        return engine.dialect.name == "sqlite" and isinstance(pool, QueuePool) and pool.size() >= 2

    def take(self) -> Connection | None:
        """Return the spare connection, if one is kept (it is no longer kept then)."""
        with self._lock:
            conn, self._conn = self._conn, None
        return conn

    def fill(self) -> None:
        """Keep a spare, if none is kept, taken from the connections idle in the pool.

        Best effort, after a unit of work has committed: if another thread took the idle
        connection meanwhile, the checkout is an ordinary one (it may open a connection),
        and if it fails the failure is dropped: the unit of work that ends here succeeded.
        """
        pool = self._engine.pool
        if self._conn is not None or not isinstance(pool, QueuePool):
            return
        if pool.checkedin() > 0 and pool.checkedout() < pool.size():
            try:
                conn = self._engine.connect()
            except Exception:  # the unit of work is done: keeping a spare is not its business
                return
            self.give_back(conn)

    def give_back(self, conn: Connection) -> None:
        """Keep ``conn`` as the spare if it is clean and none is kept; else close it."""
        if self._clean(conn):
            with self._lock:
                if self._conn is None:
                    self._conn = conn
                    return
        conn.close()

    def _clean(self, conn: Connection) -> bool:
        if conn.closed or conn.invalidated or conn.in_transaction():
            return False
        pool = self._engine.pool
        # overflow() first: checked out beyond the pool's size needs an overflow connection,
        # and it reads a counter where checkedout() takes the pool queue's lock
        if isinstance(pool, QueuePool) and pool.overflow() > 0 and pool.checkedout() > pool.size():
            return False  # overflow in use: the pool would close one at checkin, let it
        return not conn.connection.driver_connection.in_transaction  # type: ignore[union-attr]

    def close(self) -> None:
        """Return the spare connection, if any, to the pool."""
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
