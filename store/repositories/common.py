"""Helpers shared by repositories."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from store.models import Base


def insert_once(session: Session, row: Base, unique_column: str) -> None:
    """Insert ``row`` unless a row with the same ``unique_column`` exists: what a pipeline node re-run after
    a crash does with the artifact it made the first time."""
    model = type(row)
    values = {column.key: getattr(row, column.key) for column in model.__table__.columns}
    values["id"] = values.get("id") or uuid.uuid4()
    values.pop("created_at", None)
    session.execute(insert(model).values(**values).on_conflict_do_nothing(index_elements=[unique_column]))
