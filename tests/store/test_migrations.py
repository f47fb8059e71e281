"""The schema comes only from the migrations, and they upgrade a fresh database cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from store import migrate
from store.models import Base


def test_upgrade_fresh_database_matches_the_models(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    tables = set(inspect(fresh_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with fresh_engine.connect() as connection:
        assert connection.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
        assert (
            connection.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit_events_no_%'"))
            == 2
        )
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_downgrade_to_base_and_upgrade_again(fresh_engine: Engine) -> None:
    migrate.upgrade(fresh_engine)
    migrate.downgrade(fresh_engine, "base")
    assert set(inspect(fresh_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(fresh_engine)
    assert "cases" in inspect(fresh_engine).get_table_names()
