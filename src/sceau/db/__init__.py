"""Storage: the async engine, the shared table metadata, and Alembic migrations.

Capabilities define their tables on :data:`sceau.db.metadata.metadata` and reach the database only
through their own ``store.py``; migrations live in :mod:`sceau.db.migrations`.
"""

from sceau.db.engine import create_engine
from sceau.db.metadata import metadata
from sceau.db.migrate import current_revision, head_revision, upgrade

__all__ = ["create_engine", "current_revision", "head_revision", "metadata", "upgrade"]
