"""Unsent transcripts: a spoken answer survives a page reload during its transcription.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unsent_transcripts",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("recording", sa.String(length=32), nullable=False),
        sa.Column("position", sa.String(length=40), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id"),
    )


def downgrade() -> None:
    op.drop_table("unsent_transcripts")
