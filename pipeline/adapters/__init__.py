"""Source adapters: raw payload bytes in, a canonical `ReviewEvent` (or a `QuarantineError`) out.

Importing this package registers every built-in adapter; the ingest stage calls `parse_payload` only.
"""

from pipeline.adapters import app_store, nps, social, storefront, support  # noqa: F401  (registers adapters)
from pipeline.adapters.base import (
    Adapter,
    IngestLimits,
    QuarantineError,
    get_adapter,
    parse_payload,
    register_adapter,
    register_adapter_family,
    registered_sources,
)
from pipeline.adapters.csv_import import CsvAdapter, CsvClock, CsvMapping, load_csv_mapping, read_csv_payloads
from pipeline.adapters.nps import nps_score_to_stars

__all__ = [
    "Adapter",
    "CsvAdapter",
    "CsvClock",
    "CsvMapping",
    "IngestLimits",
    "QuarantineError",
    "get_adapter",
    "load_csv_mapping",
    "nps_score_to_stars",
    "parse_payload",
    "read_csv_payloads",
    "register_adapter",
    "register_adapter_family",
    "registered_sources",
]
