"""Alembic environment: runs on the connection handed over by :func:`sceau.db.migrate.upgrade`."""

from __future__ import annotations

from alembic import context

from sceau.db.metadata import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `sceau db upgrade` (sceau.db.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
