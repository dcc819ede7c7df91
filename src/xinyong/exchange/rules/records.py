"""Cross-level exchange rules: upstream credit records (penalties, licences) read with the aggregation's validator."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from xinyong.exchange.rules.items import ItemError, masked_number
from xinyong.records.ingest.validate import validate_row

RECORD_PREFIXES: Final = {"CF_": "penalty", "XK_": "license"}

RECORD_KIND_WORDS: Final = {"penalty": "penalty", "行政处罚": "penalty", "license": "license", "行政许可": "license"}


def record_kind_of(raw: Mapping[str, object]) -> str | None:
    """The credit record kind an upstream item carries (``LB``/``记录类别`` = penalty or license, or national 2.0
    field codes with the CF_/XK_ prefix); None for a list item."""
    for key in ("LB", "记录类别", "kind"):
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            return RECORD_KIND_WORDS.get(value.strip(), value.strip()[:32])
    prefixes = {RECORD_PREFIXES[str(k)[:3]] for k in raw if str(k)[:3] in RECORD_PREFIXES}
    return prefixes.pop() if len(prefixes) == 1 else None


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    """One validated upstream credit record (行政处罚 or 行政许可 in the national format); ID numbers masked."""

    upstream_id: str
    kind: str
    doc_no: str
    subject_name: str
    uscc: str | None
    id_type: str | None
    id_number: str | None
    decision_date: dt.date
    status: str
    content: dict[str, Any]


def parse_record(
    raw: Mapping[str, object], *, row: int, kind: str, today: dt.date, source_department: str
) -> ParsedRecord | list[ItemError]:
    """Validate an upstream credit record with the aggregation's own row validator (records/ingest): the same
    required fields, dates, enumerations and subject rules as a department's file. ``JLID`` (or ``ID``) is the
    source's identifier; without one the document number is."""
    prefix = next(p for p, k in RECORD_PREFIXES.items() if k == kind)
    upstream_id = str(raw.get("JLID") or raw.get("ID") or "").strip()[:128] or None
    fields = {
        (str(k)[len(prefix) :] if str(k).startswith(prefix) else str(k)): v
        for k, v in raw.items()
        if str(k) not in ("LB", "记录类别", "kind", "JLID", "ID", "BGLX", "BBH", "SJC", "DFBM")
    }
    outcome = validate_row(kind, fields, row=row, today=today, source_department=source_department)
    if outcome.record is None:
        return [ItemError(row, e.field, e.reason, upstream_id) for e in outcome.errors]
    record = outcome.record
    subject: dict[str, str] = {k: str(v) for k, v in record["subject"].items()}
    id_number = subject.pop("id_number", None)
    if id_number:
        subject["id_number"] = masked_number(id_number)
        subject["id_sha256"] = hashlib.sha256(id_number.encode()).hexdigest()
    content: dict[str, Any] = {
        "kind": kind,
        "doc_no": record["doc_no"],
        "subject": subject,
        "title": record["title"],
        "decision_date": record["decision_date"].isoformat(),
        "severity": record["severity"],
        "status": record["status"],
        "content": {
            k: (masked_number(str(v)) if k in ("XDR_ZJHM", "FR_ZJHM") and v else v)
            for k, v in record["content"].items()
        },
    }
    return ParsedRecord(
        upstream_id=upstream_id or f"{kind}:{record['doc_no']}",
        kind=kind,
        doc_no=record["doc_no"],
        subject_name=subject.get("name", ""),
        uscc=subject.get("uscc"),
        id_type=subject.get("id_type"),
        id_number=id_number,
        decision_date=record["decision_date"],
        status=record["status"],
        content=content,
    )
