"""Where the test vectors are, and how to read the interop corpus's manifest."""

from __future__ import annotations

import calendar
import json
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "tests" / "vectors"
INTEROP = VECTORS / "interop"
INTEROP_METADATA = INTEROP / "metadata"
SCHEMA_CATALOG = VECTORS / "schema" / "catalog.xml"
HEADER = REPO / "capi" / "include" / "ssogate" / "ssogate.h"

# 2026-11-28T00:00:00Z, the day the corpus was assembled. Every import in these tests uses this
# clock, so the outcomes (expired metadata, expired certificates) do not change as time passes.
NOW = 1795824000


@lru_cache(maxsize=None)
def manifest() -> Dict[str, Any]:
    return json.loads((INTEROP / "manifest.json").read_text(encoding="utf-8"))


def metadata_entries() -> List[Dict[str, Any]]:
    """The manifest's entries for metadata/*.xml, in manifest order."""
    return [f for f in manifest()["files"] if f["file"].startswith("metadata/")]


def openssl_time(text: str) -> int:
    """'Sep  7 14:33:59 2028 GMT' (as `openssl x509 -enddate` prints it) -> Unix seconds."""
    return calendar.timegm(time.strptime(" ".join(text.split()), "%b %d %H:%M:%S %Y GMT"))


def iso_time(text: Optional[str]) -> Optional[int]:
    """'2028-07-19T17:28:34.000Z' / '2100-01-01T00:00:42Z' -> Unix seconds; None stays None."""
    if text is None:
        return None
    base = text.rstrip("Z").split(".")[0]
    return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
