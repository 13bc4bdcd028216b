"""Alembic migrations: an empty database reaches head, and head matches the table classes."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from interviewer.settings import Settings
from interviewer.store import create_db_engine, open_database, upgrade
from interviewer.store.db import ALEMBIC_INI
from interviewer.store.tables import Base

TABLES = {"alembic_version", "candidates", "sessions", "turns", "grades", "unsent_transcripts"}


def _head() -> str:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.with_name("migrations")))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_migrations_empty_sqlite_reaches_head_with_all_tables(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == TABLES
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == _head()


def test_migrations_head_matches_table_classes(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    engine.dispose()


def test_migrations_upgrade_twice_is_harmless(database_url: str) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine)
    upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_open_database_creates_sqlite_file_in_data_dir_with_wal(settings: Settings) -> None:
    engine = open_database(settings)
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    assert mode == "wal"
    assert (settings.data_dir / "interviewer.db").exists()
    engine.dispose()


def test_migrations_revisions_form_one_line() -> None:
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.with_name("migrations")))
    scripts = ScriptDirectory.from_config(config)
    assert len(scripts.get_heads()) == 1
    assert [s.revision for s in scripts.walk_revisions()][-1] == "0001"
