"""Read review files (JSONL envelopes, JSONL of one source, CSV with a column mapping) as raw payloads."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

from pipeline.adapters import load_csv_mapping, read_csv_payloads

__all__ = ["UNREADABLE_ENVELOPE_SOURCE", "FilePayload", "batched", "iter_file_payloads"]

# Lines that are not a readable envelope still go to bronze (under this source) and so to quarantine.
UNREADABLE_ENVELOPE_SOURCE = "jsonl-envelope"


@dataclass(frozen=True, slots=True)
class FilePayload:
    source: str
    payload: bytes
    received_at: datetime


def _envelope(line: bytes, received_at: datetime) -> FilePayload:
    try:
        obj = json.loads(line)
        source = obj["source"]
        payload = base64.b64decode(obj["payload_b64"]) if "payload_b64" in obj else obj["payload"]
        if isinstance(payload, dict):
            payload = json.dumps(payload, ensure_ascii=False)
        when = datetime.fromisoformat(obj["received_at"]) if obj.get("received_at") else received_at
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        data = payload if isinstance(payload, bytes) else str(payload).encode("utf-8")
        return FilePayload(str(source), data, when)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return FilePayload(UNREADABLE_ENVELOPE_SOURCE, line, received_at)


def iter_file_payloads(
    path: Path, source: str | None = None, mapping: str | None = None, received_at: datetime | None = None
) -> Iterator[FilePayload]:
    """Yield every record of `path` as a raw payload; never skips a line (bad ones quarantine downstream).

    - `.csv`: needs `mapping` (config/mappings/<mapping>.yaml); source becomes `csv:<mapping>`.
    - `.jsonl` with `source`: each line is one raw payload of that source, bytes as they are.
    - `.jsonl` without `source`: each line is an envelope `{"source", "payload" | "payload_b64", "received_at"?}`.
    """
    now = received_at or datetime.now(UTC)
    if path.suffix.lower() == ".csv":
        if not mapping:
            raise ValueError(f"{path}: a CSV import needs --mapping NAME (a file in config/mappings/)")
        csv_mapping = load_csv_mapping(mapping)
        for payload in read_csv_payloads(path, csv_mapping):
            yield FilePayload(f"csv:{csv_mapping.name}", payload, now)
        return
    with path.open("rb") as fh:
        for raw_line in fh:
            line = raw_line.rstrip(b"\r\n")
            if not line.strip():
                continue
            yield FilePayload(source, line, now) if source else _envelope(line, now)


def batched(items: Iterator[FilePayload], size: int) -> Iterator[list[FilePayload]]:
    while batch := list(islice(items, size)):
        yield batch
