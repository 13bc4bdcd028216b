"""Start-up skips Alembic when the database is already at the newest schema revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from interviewer.store import create_db_engine, upgrade
from interviewer.store.db import ALEMBIC_INI, _head_revisions


def test_head_revisions_match_alembic() -> None:
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_INI.with_name("migrations")))
    assert _head_revisions() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_upgrade_at_head_does_not_run_alembic(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_db_engine(database_url)
    upgrade(engine)

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("Alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade(engine)
    assert {"sessions", "turns", "grades"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_of_empty_database_runs_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = command.upgrade

    def spy(config: Config, revision: str, **kwargs: Any) -> None:
        calls.append(revision)
        real(config, revision, **kwargs)

    monkeypatch.setattr(command, "upgrade", spy)
    engine = create_db_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert calls == ["head"]
    assert "sessions" in inspect(engine).get_table_names()
