"""Database engine, migrations and error translation.

SQLite (the default, a file in the data directory) runs in WAL mode with a busy timeout so the
web app's threads and a second process can read while one writes; PostgreSQL is the same code
with a ``postgresql+psycopg://`` URL. Alembic migrations run programmatically at start-up; when
the database is already at the newest revision, a one-row query says so and Alembic (half a
second to import) is not loaded at all.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from interviewer.errors import StoreError
from interviewer.settings import Settings

__all__ = ["ALEMBIC_INI", "create_db_engine", "open_database", "store_errors", "upgrade"]

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
SQLITE_BUSY_TIMEOUT_MS = 10_000
# Serialises concurrent `upgrade` calls from several app processes on one PostgreSQL database.
_PG_MIGRATION_LOCK = 7_243_010


def create_db_engine(url: str) -> Engine:
    """Build an engine for a SQLAlchemy URL, with SQLite tuned for concurrent use.

    Raises:
        StoreError: The URL is malformed or names a driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"INTERVIEWER_DATABASE_URL is not a valid database URL ({exc}); use e.g. "
            "sqlite:///data/interviewer.db or postgresql+psycopg://user:pass@host/db."
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    try:
        return create_engine(url, pool_pre_ping=True, future=True)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise StoreError(
            f"Cannot use database URL {parsed.render_as_string(hide_password=True)}: {exc}. "
            "For PostgreSQL use a postgresql+psycopg:// URL."
        ) from exc


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: object, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Migrate the database to the newest schema (Alembic ``head``).

    Raises:
        StoreError: The database cannot be reached or the migration failed.
    """
    with store_errors("reading the schema version"), engine.connect() as connection:
        if _at_head(connection):
            return
    from alembic import command
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.with_name("migrations")))
    with store_errors("migrating the database"), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _at_head(connection: Connection) -> bool:
    """Whether the database's Alembic revision is the single head of the migration files."""
    heads = _head_revisions()
    if len(heads) != 1 or not inspect(connection).has_table("alembic_version"):
        return False
    rows: list[str] = list(
        connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    )
    return set(rows) == heads


@cache
def _head_revisions() -> frozenset[str]:
    """Revision ids that no other revision builds on, read from the migration files.

    Hand-written so start-up need not import Alembic: the ``revision`` and ``down_revision``
    assignments are literals (the Alembic template), read with :mod:`ast`. An empty set means
    the files could not be read this way, and callers fall back to Alembic.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(ALEMBIC_INI.with_name("migrations").joinpath("versions").glob("*.py")):
        values = _literal_assignments(path)
        revision, down = values.get("revision"), values.get("down_revision")
        if not isinstance(revision, str):
            return frozenset()
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(item) for item in down)
        elif down is not None:
            return frozenset()
    return frozenset(revisions - parents)


def _literal_assignments(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                values[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return values


def open_database(settings: Settings) -> Engine:
    """The engine for ``settings.effective_database_url``, migrated to the newest schema."""
    engine = create_db_engine(settings.effective_database_url)
    upgrade(engine)
    return engine


@contextmanager
def store_errors(action: str) -> Iterator[None]:
    """Translate SQLAlchemy errors raised inside the block into :class:`StoreError`.

    Args:
        action: What was being done, for the message (e.g. ``"saving the answer"``).
    """
    try:
        yield
    except StoreError:
        raise
    except OperationalError as exc:
        if _refused_login(exc):
            # Waiting does not help a wrong password: "try again in a moment" misled operators.
            raise StoreError(
                f"The database refused the login while {action} ({_short(exc)}). Check the user, "
                "password and database name in INTERVIEWER_DATABASE_URL (`interviewer doctor` "
                "tests it).",
                public=f"The app cannot use its database while {action}: tell whoever runs it. "
                "Nothing typed was lost.",
            ) from exc
        raise StoreError(
            f"The database is unavailable or locked while {action} ({_short(exc)}). Nothing "
            "typed was lost: try again in a moment; if it persists, check "
            "INTERVIEWER_DATABASE_URL and that the database server is running "
            "(`interviewer doctor`).",
            public=f"The database is unavailable while {action}. Nothing typed was lost: try "
            "again in a moment.",
        ) from exc
    except IntegrityError as exc:
        raise StoreError(
            f"This session was changed at the same time elsewhere (another tab or process) while "
            f"{action}. Reload the session and send your answer again."
        ) from exc
    except SQLAlchemyError as exc:
        if _lacks_privilege(exc):
            # A database created without OWNER: PostgreSQL 15's public schema takes no tables
            # from other users, and "restarting the app migrates it" sent operators in circles.
            raise StoreError(
                f"The database user in INTERVIEWER_DATABASE_URL lacks a privilege while "
                f"{action} ({_short(exc)}). Make that user the database's owner, as "
                "docs/deploy.md (section 1) creates it: as a PostgreSQL superuser, `ALTER "
                "DATABASE name OWNER TO user;` with the names from the URL.",
                public=f"The app cannot use its database while {action}: tell whoever runs it. "
                "Nothing typed was lost.",
            ) from exc
        raise StoreError(
            f"Database error while {action} ({_short(exc)}). Run `interviewer doctor`; if the "
            "schema is out of date, restarting the app migrates it.",
            public=f"The database failed while {action}. Nothing typed was lost: try again in a "
            "moment, and if it keeps failing, tell whoever runs this app.",
        ) from exc


# PostgreSQL's words for refused credentials or a wrong database name (not a server down).
_REFUSED_LOGIN = re.compile(
    r"password authentication failed|no password supplied|no pg_hba\.conf entry"
    r"|(role|database) \"[^\"]*\" does not exist",
    re.IGNORECASE,
)


def _refused_login(exc: OperationalError) -> bool:
    """The database refused the login or does not exist: waiting will not help."""
    return bool(_REFUSED_LOGIN.search(str(getattr(exc, "orig", None) or exc)))


def _lacks_privilege(exc: SQLAlchemyError) -> bool:
    """PostgreSQL's insufficient_privilege (SQLSTATE 42501): permission denied."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501"


def _short(exc: SQLAlchemyError) -> str:
    """First line of the driver's message, without the SQL statement and parameters."""
    original = getattr(exc, "orig", None) or exc
    return (
        str(original).strip().splitlines()[0][:200] if str(original).strip() else type(exc).__name__
    )
