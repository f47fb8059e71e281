"""Persistence: SQLAlchemy models, Alembic migrations, repositories, pgvector, encrypted blob storage,
column encryption, the hash-chained audit log and the embedded PostgreSQL server."""
