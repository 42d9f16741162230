"""Storage: SQLAlchemy tables (``tables``), engines and migrations (``engine``), queries
(``repositories``: plain functions taking a Session and, for workspace data, a workspace_id)."""

from service.store.engine import (
    current_revision,
    head_revision,
    make_engine,
    make_session_factory,
    session_scope,
    upgrade,
)

__all__ = [
    "current_revision",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "session_scope",
    "upgrade",
]
