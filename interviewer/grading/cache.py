"""Grade cache keyed by (question version, answer, prompt version, grader and model).

The answer's part also holds what else its grade depends on: whether a spoken answer's
transcript is trusted, and the hints shown before it (see ``GradingService.grade``).

The same answer is never paid for twice, and a stored grade is returned byte for byte, which
also makes repeated grading stable. Only finished grades are cached (never ``pending`` ones).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from interviewer.errors import StoreError
from interviewer.grading.base import Grade

__all__ = ["GradeCache", "MemoryGradeCache", "SQLiteGradeCache", "cache_key"]


def cache_key(*, question_version: str, answer: str, prompt_version: str, model: str) -> str:
    """A stable key for one grading: any change in its inputs gives a new key."""
    payload = "\x1f".join([question_version, prompt_version, model, answer])
    return hashlib.sha256(payload.encode()).hexdigest()


class GradeCache(Protocol):
    """Where finished grades are kept."""

    def get(self, key: str) -> Grade | None:
        """The cached grade, if any."""
        ...

    def put(self, key: str, grade: Grade) -> None:
        """Store a grade."""
        ...


class MemoryGradeCache:
    """In-process cache (thread-safe)."""

    def __init__(self) -> None:
        self._items: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Grade | None:
        """The cached grade, if any."""
        with self._lock:
            raw = self._items.get(key)
        return Grade.model_validate_json(raw) if raw else None

    def put(self, key: str, grade: Grade) -> None:
        """Store a grade."""
        with self._lock:
            self._items[key] = grade.model_dump_json()


class SQLiteGradeCache:
    """A SQLite file (one table), shared by threads through one locked connection.

    Args:
        path: The database file; its folder is created.
    """

    def __init__(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, timeout=10)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS grades (key TEXT PRIMARY KEY, grade TEXT NOT NULL, "
                "created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            )
            self._conn.commit()
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot open the grade cache {path}: {exc}. Check the data directory."
            ) from exc
        self._lock = threading.Lock()

    def get(self, key: str) -> Grade | None:
        """The cached grade, if any (a corrupt row counts as a miss)."""
        with self._lock:
            row = self._conn.execute("SELECT grade FROM grades WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return Grade.model_validate_json(row[0])
        except ValueError:
            return None

    def put(self, key: str, grade: Grade) -> None:
        """Store a grade (replacing any previous one)."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO grades (key, grade) VALUES (?, ?)",
                (key, grade.model_dump_json()),
            )
            self._conn.commit()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()
