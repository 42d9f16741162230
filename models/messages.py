"""Marking English phrases for the pages' message catalogue.

Code outside the web layer (authenticity findings, report charts) writes English phrases that the
pages show translated. :func:`N_` marks them so ``make i18n`` (pybabel) extracts them; it returns
the phrase unchanged, and the pages look the translation up at render time.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction into the catalogue; returns it unchanged."""
    return message


__all__ = ["N_"]
