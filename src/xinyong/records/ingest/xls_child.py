"""The child process that reads an old .xls workbook (see :class:`.excel.XlsTable`): its address space is limited
first, so a workbook that would need more memory aborts this process, never the server."""

from __future__ import annotations

import resource
import sys


def main(argv: list[str]) -> int:
    source, target, memory, max_rows, max_columns = argv
    limit = int(memory)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from xinyong.records.ingest.excel import convert

    return convert(source, target, int(max_rows), int(max_columns))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
