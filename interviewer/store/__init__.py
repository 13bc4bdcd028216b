"""Storage of interviews: SQLAlchemy tables, Alembic migrations, and the one repository.

Open the database with :func:`open_database` (migrates to the newest schema) and wrap the
engine in a :class:`Repository`; nothing else touches the tables.
"""

from interviewer.store.db import create_db_engine, open_database, store_errors, upgrade
from interviewer.store.repository import (
    CandidateRecord,
    GradeRecord,
    GradeStage,
    Repository,
    SessionListing,
    SessionRecord,
    TurnRecord,
    TurnStatus,
    UnsentTranscript,
    is_session_id,
)

__all__ = [
    "CandidateRecord",
    "GradeRecord",
    "GradeStage",
    "Repository",
    "SessionListing",
    "SessionRecord",
    "TurnRecord",
    "TurnStatus",
    "UnsentTranscript",
    "create_db_engine",
    "is_session_id",
    "open_database",
    "store_errors",
    "upgrade",
]
