"""Alembic migrations of the RedLens schema.

Run them with ``redlens db upgrade`` or :func:`service.store.engine.upgrade`.
"""
