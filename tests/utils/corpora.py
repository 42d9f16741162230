"""What the corpus tests (tests/data) share."""

from __future__ import annotations

import re

#: The id (provenance) of a labelled row taken from a public corpus: ``real:<folder>:<row>``, the
#: folder under the shared corpora directory and the row's index in its file.
REAL_ROW_ID = re.compile(r"real:(?P<folder>[a-z0-9_]+):(?P<row>\d+)")
