"""Ingestion of real XHS exports (MediaCrawler, Spider_XHS, creator centre) and RedLens CSVs.

Entry points: :func:`ingest_paths` and :func:`ingest_file`; the formats are described in
FORMATS.md next to this file.
"""

from service.ingest.core import WorkspaceNotFoundError, expand_paths, ingest_file, ingest_paths
from service.ingest.formats import FORMATS, FormatSpec, UnknownFormatError, detect_format
from service.ingest.readers import InputFileError
from service.ingest.summary import (
    FileSummary,
    IngestProgress,
    IngestSummary,
    NoteCoverage,
    ProgressCallback,
    RowError,
)

__all__ = [
    "FORMATS",
    "FileSummary",
    "FormatSpec",
    "IngestProgress",
    "IngestSummary",
    "InputFileError",
    "NoteCoverage",
    "ProgressCallback",
    "RowError",
    "UnknownFormatError",
    "WorkspaceNotFoundError",
    "detect_format",
    "expand_paths",
    "ingest_file",
    "ingest_paths",
]
