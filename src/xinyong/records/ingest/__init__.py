"""Aggregation (归集), the pure part: read department files, recognise their layout, validate rows.

- :mod:`.files` streams CSV (UTF-8, UTF-8 with BOM, GB18030) and, through :mod:`.excel`, XLSX/XLS into a
  :class:`~.table.Table`: a header and rows of text;
- :mod:`.layouts` recognises the national 2.0 and 1.0 field codes and the Chinese field names;
- :mod:`.values` parses dates, amounts, enumerations and ID types;
- :mod:`.checks` and :mod:`.subjects` hold the per-row checker and the subject rules;
- :mod:`.validate` turns one row into a ``NormalisedRow`` (the fields of ``RecordIn``) or row errors.

No database, no web framework, no CLI here (an import-linter contract keeps it so): the ingestion service,
the API, the console upload and ``xinyong import`` all call these. Typical use::

    with open_table(data, filename) as table:
        layout = detect_layout(table.headers, kind)
        for row, cells in table.rows():
            if isinstance(cells, UnreadableRow):
                ...  # a row error: RowError(row, "row", cells.reason)
                continue
            fields, original = layout.split(cells)
            outcome = validate_row(kind, fields, row=row, today=today, source_department=code,
                                   layout=layout, original=original)
"""

from __future__ import annotations

from xinyong.records.ingest.files import Table, UnreadableRow, open_table
from xinyong.records.ingest.layouts import NATIONAL_1, NATIONAL_2, Layout, detect_layout, guess_kind
from xinyong.records.ingest.validate import NormalisedRow, RowError, RowOutcome, SourceUnit, validate_row

__all__ = [
    "NATIONAL_1",
    "NATIONAL_2",
    "Layout",
    "NormalisedRow",
    "RowError",
    "RowOutcome",
    "SourceUnit",
    "Table",
    "UnreadableRow",
    "detect_layout",
    "guess_kind",
    "open_table",
    "validate_row",
]
