"""What the console's data-upload pages (数据上报) read and write, with the actor's rights: a department's batches,
its rejected rows (listed, exported for correction, corrected one at a time), and the labels the pages show.

Ingesting itself is :mod:`xinyong.records.ingestion`'s job; this module only adds what a person at a screen needs
on top of it. A department sees and corrects only its own rows; the credit office and auditors read every
department's, with ID numbers masked. Decrypting ID numbers of rejected rows (for a department to correct and resend
them) is audited as ``records:rejections:revealed``. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from xinyong.core import audit
from xinyong.core.actor import Actor
from xinyong.core.departments import Department
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.export import Cell
from xinyong.core.pagination import PageRequest
from xinyong.records import ingestion
from xinyong.records.ingest import Layout, detect_layout
from xinyong.records.ingest.layouts import LABELS, PREFIX
from xinyong.records.models import Batch, BatchRejection
from xinyong.records.rules import Kind

KIND_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "自动识别"),
    ("penalty", "行政处罚"),
    ("license", "行政许可"),
    ("evaluation", "行业信用评价"),
)
ENCODING_CHOICES: tuple[tuple[str, str], ...] = (
    ("", "自动识别（UTF-8 / GB18030）"),
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030（GBK，电子表格软件默认）"),
)
KIND_LABELS = {"license": "行政许可", "penalty": "行政处罚", "evaluation": "行业信用评价"}
LAYOUT_LABELS = {"national-2.0": "国家标准 2.0 版", "national-1.0": "国家标准 1.0 版（旧版）"}
CHANNEL_LABELS = {"upload": "工作台上传", "api": "接口报送", "cli": "命令行导入"}
STATUS_CHOICES: dict[str, str | None] = {
    "pending": ingestion.PENDING,
    "resubmitted": ingestion.RESUBMITTED,
    "all": None,
}
REASON_TITLE = "退回原因"
MAX_FORM_CELLS = 120
MAX_CELL_CHARS = 20_000  # what a rejected row keeps of a cell (records.ingestion)
REVEALED = "records:rejections:revealed"
EXPORTED = "records:rejections:exported"


def label(mapping: Mapping[str, str], value: str | None) -> str:
    return mapping.get(value or "", value or "—")


# ---------------------------------------------------------------- scope


def _own_department(actor: Actor) -> str:
    if not actor.is_department or not actor.department_code:
        raise Forbidden("only a department's own staff send and correct its data (仅本部门工作人员可操作)")
    return actor.department_code


def _scope(actor: Actor, column: Any, department: str | None) -> list[ColumnElement[bool]]:
    """A department reads its own rows; the office and auditors every department's, or one they pick."""
    if actor.is_department:
        if department and department != actor.department_code:
            raise Forbidden("a department sees only its own batches (仅可查看本部门)")
        return [column == _own_department(actor)]
    if not actor.sees_everything:
        raise Forbidden("batches are for staff (仅工作人员可查看)")
    return [column == department] if department else []


def reveals(actor: Actor) -> bool:
    """Whether this actor gets the clear ID numbers of rejected rows: only the department that sent them."""
    return actor.is_department and bool(actor.department_code)


# ---------------------------------------------------------------- batches


@dataclass(frozen=True)
class BatchLine:
    batch: Batch
    department: str


def department_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(Department.code, Department.short_name)).all()
    return {row[0]: row[1] for row in rows}


def list_batches(
    session: Session, actor: Actor, page: PageRequest, department: str | None = None
) -> tuple[list[BatchLine], int]:
    """One page of batches, newest first, and how many there are."""
    where = _scope(actor, Batch.department, department)
    total = session.execute(select(func.count()).select_from(Batch).where(*where)).scalar_one()
    batches = session.execute(
        select(Batch).where(*where).order_by(Batch.id.desc()).offset(page.offset).limit(page.page_size)
    ).scalars()
    names = department_names(session)
    return [BatchLine(b, names.get(b.department, b.department)) for b in batches], int(total)


# ---------------------------------------------------------------- rejected rows


@dataclass(frozen=True)
class RejectionFilter:
    status: str = "pending"  # a key of STATUS_CHOICES
    batch_id: int | None = None
    kind: str | None = None
    department: str | None = None

    @classmethod
    def parse(
        cls, status: str | None, batch_id: int | None, kind: str | None, department: str | None
    ) -> RejectionFilter:
        status = status or "pending"
        if status not in STATUS_CHOICES:
            raise InvalidInput(f"status must be one of {', '.join(STATUS_CHOICES)} (状态筛选错误)", field="status")
        if kind and kind not in KIND_LABELS:
            raise InvalidInput("kind must be license, penalty or evaluation (类别错误)", field="kind")
        return cls(status, batch_id, kind or None, (department or "").strip().upper() or None)

    def query(self) -> dict[str, str]:
        values = {"status": self.status, "batch": self.batch_id, "kind": self.kind, "department": self.department}
        return {k: str(v) for k, v in values.items() if v is not None and not (k == "status" and v == "pending")}


def _rejection_conditions(actor: Actor, query: RejectionFilter) -> list[ColumnElement[bool]]:
    r = BatchRejection
    where = _scope(actor, r.department, query.department)
    wanted = STATUS_CHOICES[query.status]
    if wanted:
        where.append(r.status == wanted)
    if query.batch_id is not None:
        where.append(r.batch_id == query.batch_id)
    if query.kind:
        where.append(r.kind == query.kind)
    return where


def rejection_page(
    session: Session, actor: Actor, query: RejectionFilter, page: PageRequest
) -> tuple[list[BatchRejection], int]:
    """One page of rejected rows (newest batch first, then by row), and how many match."""
    where = _rejection_conditions(actor, query)
    total = session.execute(select(func.count()).select_from(BatchRejection).where(*where)).scalar_one()
    rows = session.execute(
        select(BatchRejection)
        .where(*where)
        .order_by(BatchRejection.batch_id.desc(), BatchRejection.row_number, BatchRejection.id)
        .offset(page.offset)
        .limit(page.page_size)
    ).scalars()
    return list(rows), int(total)


def kinds_pending(session: Session, actor: Actor, query: RejectionFilter) -> list[str]:
    """The kinds among the matching rows: a file to correct holds one kind, so each gets its own download."""
    where = _rejection_conditions(actor, query)
    found = session.execute(select(BatchRejection.kind).where(*where).distinct()).scalars()
    return sorted(found)


def get_rejection(session: Session, actor: Actor, rejection_id: int) -> BatchRejection:
    """One of the department's own rejected rows; anyone else's looks missing (404)."""
    department = _own_department(actor)
    found = session.get(BatchRejection, rejection_id)
    if found is None or found.department != department:
        raise NotFound(f"no rejected row {rejection_id} (未找到该退回记录)", field="rejection_id")
    return found


def reasons(rejection: BatchRejection) -> list[str]:
    return [str(error.get("reason", "")) for error in rejection.errors]


def reason_text(rejection: BatchRejection) -> str:
    return "；".join(reasons(rejection))


# ---------------------------------------------------------------- columns in the national order


_ORDER: dict[str, dict[str, int]] = {str(kind): {code: i for i, code in enumerate(LABELS[kind])} for kind in LABELS}
_UNKNOWN = 10_000


@lru_cache(maxsize=256)
def _layout(kind: str, headers: tuple[str, ...]) -> Layout | None:
    try:
        return detect_layout(headers, kind, strict=False)
    except InvalidInput:
        return None


def _keys(kind: str, headers: Sequence[str]) -> list[tuple[tuple[str, str], int]]:
    """For each header, the column it belongs to in a combined table and where that column sorts: a national field
    (whatever the header's spelling) by the national order, any other column by its name, after those."""
    layout = _layout(kind, tuple(headers))
    order = _ORDER.get(kind, {})
    keys: list[tuple[tuple[str, str], int]] = []
    used: set[tuple[str, str]] = set()
    for index, header in enumerate(headers):
        canonical = layout.columns.get(index) if layout else None
        key = ("field", canonical) if canonical else ("header", header)
        if key in used:  # 1.0 处罚类别1 and 处罚类别2 both hold CFLB: keep both columns
            key = ("header", header)
        used.add(key)
        keys.append((key, order.get(canonical, _UNKNOWN) if canonical else _UNKNOWN))
    return keys


@dataclass
class Table:
    titles: list[str]
    rows: list[list[Cell]]


def rejection_table(rejections: Sequence[BatchRejection], *, reveal: bool, names: Mapping[str, str] | None) -> Table:
    """Rejected rows as the department sent them (one column per field, national order, unknown columns after) and a
    退回原因 column. ``names`` (department code -> name) adds the department, batch and row in front, for readers
    who are not the sender."""
    columns: dict[tuple[str, str], tuple[int, int, str]] = {}  # key -> (sort position, first seen, title)
    cells: list[dict[tuple[str, str], str]] = []
    for rejection in rejections:
        values = ingestion.rejection_cells(rejection, reveal=reveal)
        values.pop(REASON_TITLE, None)  # a corrected file sent back with our reason column: that is not data
        headers = list(values)
        row: dict[tuple[str, str], str] = {}
        for header, (key, position) in zip(headers, _keys(rejection.kind, headers), strict=True):
            columns.setdefault(key, (position, len(columns), header))
            row[key] = values[header]
        cells.append(row)
    ordered = sorted(columns, key=lambda k: columns[k][:2])
    titles = [columns[key][2] for key in ordered] + [REASON_TITLE]
    rows: list[list[Cell]] = []
    for rejection, row in zip(rejections, cells, strict=True):
        line: list[Cell] = [row.get(key, "") for key in ordered]
        line.append(reason_text(rejection))
        if names is not None:
            line = [
                names.get(rejection.department, rejection.department),
                rejection.batch_id,
                rejection.row_number,
                *line,
            ]
        rows.append(line)
    if names is not None:
        titles = ["报送部门", "批次号", "原行号", *titles]
    return Table(titles, rows)


def export_rejections(session: Session, actor: Actor, query: RejectionFilter, fmt: str, limit: int) -> Table:
    """Every matching row (up to ``limit`` + 1, so the writer can say it was cut), for a spreadsheet. The department
    gets its ID numbers in clear to correct and resend them, audited; other readers get them masked."""
    where = _rejection_conditions(actor, query)
    found = list(
        session.execute(
            select(BatchRejection)
            .where(*where)
            .order_by(BatchRejection.batch_id.desc(), BatchRejection.row_number, BatchRejection.id)
            .limit(limit + 1)
        ).scalars()
    )
    reveal = reveals(actor)
    table = rejection_table(found, reveal=reveal, names=None if reveal else department_names(session))
    personal = [r.id for r in found[:limit] if r.values.get("__enc__")]
    payload = {"format": fmt, "rows": min(len(found), limit), "filter": query.query()}
    if reveal and personal:
        payload |= {"revealed_rows": len(personal), "rejection_ids": personal[:200], "purpose": "更正后重新报送"}
        audit.record(session, actor, REVEALED, "batch_rejection", "*", payload)
    else:
        audit.record(session, actor, EXPORTED, "batch_rejection", "*", payload)
    return table


# ---------------------------------------------------------------- correcting one row in the browser


@dataclass(frozen=True)
class FormCell:
    header: str
    value: str
    label: str  # the national field name, when the header is a code or another spelling
    reasons: tuple[str, ...] = ()
    added: bool = False  # not in the row as sent: a required field that was missing


@dataclass(frozen=True)
class RowForm:
    rejection: BatchRejection
    cells: list[FormCell]
    general: list[str] = field(default_factory=list)  # reasons not tied to one column (an unreadable row)

    @property
    def headers(self) -> list[str]:
        return [cell.header for cell in self.cells]


def field_name(kind: str, code: str | None) -> str:
    """The catalogue's Chinese name of a rejected row's field (``CF_JDRQ``/``JDRQ`` → 处罚决定日期); a reason about
    the whole row is 整行; a field the catalogue does not know is shown as sent (an identifier)."""
    if not code or code == "row":
        return "整行"
    canonical = _canonical(kind, code)
    return LABELS[Kind(kind)][canonical] if canonical else code


def _canonical(kind: str, code: str) -> str | None:
    prefix = PREFIX.get(Kind(kind)) if kind in KIND_LABELS else None
    bare = code.removeprefix(prefix) if prefix else code
    return bare if bare in _ORDER.get(kind, {}) else None


def _form_cells(rejection: BatchRejection, cells: Mapping[str, str]) -> tuple[list[FormCell], list[str]]:
    """Cells in the national order, each with its reasons, plus an empty cell for each field a reason names that the
    row did not have (a required column missing from the file); and the reasons tied to no column."""
    labels: Mapping[str, str] = LABELS[Kind(rejection.kind)] if rejection.kind in KIND_LABELS else {}
    order = _ORDER.get(rejection.kind, {})
    by_column: dict[str, list[str]] = {}
    general: list[str] = []
    extra: dict[str, tuple[str, int]] = {}  # header -> (label, position) of cells the row did not have
    for error in rejection.errors:
        reason = str(error.get("reason", ""))
        code = str(error.get("field") or "")
        canonical = _canonical(rejection.kind, code)
        column = error.get("column")
        header = str(column) if column else (labels.get(canonical, code) if canonical else None)
        if not header or code == "row":
            general.append(reason)
            continue
        by_column.setdefault(header, []).append(reason)
        if header not in cells and header not in extra:
            extra[header] = (labels.get(canonical or "", ""), order.get(canonical or "", _UNKNOWN))
    headers = list(cells)
    layout = _layout(rejection.kind, tuple(headers))
    placed: list[tuple[int, int, FormCell]] = []
    for index, (header, (_, position)) in enumerate(zip(headers, _keys(rejection.kind, headers), strict=True)):
        canonical = layout.columns.get(index) if layout else None
        name = labels.get(canonical or "", "")
        cell = FormCell(header, cells[header], name if name != header else "", tuple(by_column.get(header, ())))
        placed.append((position, index, cell))
    for offset, (header, (name, position)) in enumerate(extra.items(), start=len(headers)):
        cell = FormCell(header, "", name if name != header else "", tuple(by_column[header]), added=True)
        placed.append((position, offset, cell))
    placed.sort(key=lambda item: item[:2])
    return [cell for _, _, cell in placed], general


def form_headers(rejection: BatchRejection) -> list[str]:
    """The headers a row's form carries (nothing decrypted to know them)."""
    cells = {str(k): "" for k in rejection.values if k not in ("__enc__", REASON_TITLE)}
    return [cell.header for cell in _form_cells(rejection, cells)[0]]


def row_form(
    session: Session, actor: Actor, rejection: BatchRejection, values: Mapping[str, str] | None = None
) -> RowForm:
    """The rejected row as an editable form. Its ID numbers are decrypted for the department's own staff (who must
    correct and resend them), audited; ``values`` (the form as sent back, to show it again) replaces the stored
    cells and decrypts nothing."""
    _own_department(actor)
    if values is None:
        values = ingestion.rejection_cells(rejection, reveal=True)
        if rejection.values.get("__enc__"):
            payload = {"rejection_ids": [rejection.id], "batch": rejection.batch_id, "purpose": "在线更正"}
            audit.record(session, actor, REVEALED, "batch_rejection", str(rejection.id), payload)
    cells, general = _form_cells(rejection, {k: v for k, v in values.items() if k != REASON_TITLE})
    return RowForm(rejection, cells, general)


@dataclass(frozen=True)
class Resubmitted:
    result: ingestion.BatchResult
    again: BatchRejection | None  # the row's new rejection when it is still wrong


def resubmit_row(
    session: Session, actor: Actor, rejection: BatchRejection, headers: Sequence[str], values: Sequence[str]
) -> Resubmitted:
    """Send one corrected row as a new batch (channel ``upload``), with the headers the form was built from.

    Whatever comes of it, the old rejection is settled: 已重新报送 by the new batch. If the row is still wrong,
    its new rejection (with the new reasons) is the one to correct next, so the department never sees one row
    twice in its list.
    """
    department = _own_department(actor)
    if rejection.status != ingestion.PENDING:
        raise InvalidInput("this row was already resubmitted (该行已重新报送)", field="rejection_id")
    if list(headers) != form_headers(rejection) or len(values) != len(headers):
        raise InvalidInput("the form does not match this row; reload the page (表单已过期，请刷新页面)", field="header")
    if len(headers) > MAX_FORM_CELLS:
        raise InvalidInput("too many columns (列数过多)", field="header")
    for header, value in zip(headers, values, strict=True):
        if len(value) > MAX_CELL_CHARS:
            raise InvalidInput(f"{header[:40]}: longer than {MAX_CELL_CHARS} characters (内容过长)", field="value")
    row = dict(zip(headers, values, strict=True))
    result = ingestion.ingest_rows(session, actor, [row], department=department, kind=rejection.kind, channel="upload")
    again = session.execute(
        select(BatchRejection).where(BatchRejection.batch_id == result.batch_id).order_by(BatchRejection.id).limit(1)
    ).scalar_one_or_none()
    session.execute(
        update(BatchRejection)
        .where(BatchRejection.id == rejection.id, BatchRejection.status == ingestion.PENDING)
        .values(status=ingestion.RESUBMITTED, resolved_by_batch=result.batch_id)
        .execution_options(synchronize_session="fetch")
    )
    session.refresh(rejection)
    return Resubmitted(result, again)
