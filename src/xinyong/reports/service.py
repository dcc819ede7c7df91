"""Use cases of credit reports: build the content as of a moment, issue it (number, code, the versions used),
render the PDF (embedded CJK font, QR code) and verify a report by number and code, by its JSON twin or its PDF.

A report's verification code is HMAC-SM3 over its canonical content; the issued row keeps that content, its hash
and the SHA-256 of the PDF as rendered (rendering is deterministic), so a one-byte change in either file fails.
A report whose records were later corrected, repaired or revoked is *superseded*, and the answer says which.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.clock import BEIJING
from xinyong.core.config import get_settings
from xinyong.core.departments import list_departments
from xinyong.core.display import beijing, department_name
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.masking import mask_id_number
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.evaluation.views import evaluation_of
from xinyong.records import service as records
from xinyong.records.ingest.layouts import LABELS
from xinyong.records.rules import KIND_LABELS, ChangeKind, Kind, Status
from xinyong.reports.models import IssuedReport
from xinyong.reports.pdf import ReportUnavailable as ReportUnavailable  # the area's API, re-exported
from xinyong.reports.pdf import font_path as font_path
from xinyong.reports.pdf import render_pdf as render_pdf
from xinyong.reports.pdf import verify_url as verify_url
from xinyong.reports.rules import (
    AUDIENCE_LABELS,
    EVALUATION_PENDING,
    SECTION_OF_KIND,
    SECTIONS,
    Audience,
    Verdict,
    canonical,
    code_of_canonical,
    content_hash,
    file_hash,
    hash_of_canonical,
    report_number,
    same_code,
    suggestions,
    verification_code,
)
from xinyong.reports.schemas import VerifyOut

MAX_RECORDS = 2000
KEYWORDS = re.compile(rb"/Keywords \(report_no=([A-Z0-9-]{1,40}) code=([0-9A-F]{32})\)")
SUMMARY_KEYS = ("WFXW", "CFLB", "NR_FK", "XKNR", "CFJG", "FR_ZJHM", "FR_XM")


# ---------------------------------------------------------------- building


def _reader(actor: Actor, uscc: str, audience: Audience) -> Actor:
    if audience == Audience.PUBLIC:
        return Actor.public()
    if actor.role == Role.ENTITY:
        if actor.entity_uscc != uscc:
            raise Forbidden("the full report is only for the entity itself (完整版仅限本主体)")
        return actor
    if actor.sees_everything or actor.is_department:
        return Actor.system("reports:full")
    raise Forbidden("the full report is only for the entity itself or staff (完整版仅限本主体或工作人员)")


def _label(kind: str, key: str) -> str:
    for labels in (LABELS.get(Kind(kind)) if kind in set(Kind) else None, *LABELS.values()):
        if labels and key in labels:
            return labels[key]
    return key


def _value(key: str, value: Any) -> str:
    """A content value as a person reads it: lists joined, amounts in 万元 without a trailing zero run."""
    if isinstance(value, list | tuple):
        return "、".join(_value(key, v) for v in value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def _item(view: Any, public: bool, departments: dict[str, str]) -> dict[str, Any]:
    content = view.content
    summary = {k: content[k] for k in SUMMARY_KEYS if k in content and not (public and k == "FR_ZJHM")}
    if "FR_ZJHM" in summary:
        summary["FR_ZJHM"] = mask_id_number(str(summary["FR_ZJHM"]))
    kind = str(view.kind)
    return {
        "source_department_name": departments.get(view.source_department)
        or department_name(view.source_department, full=True),
        "fields": [[_label(kind, k), _value(k, v)] for k, v in summary.items() if v not in (None, "", [])],
        "record_id": view.id,
        "version": view.version,
        "kind": str(view.kind),
        "kind_label": view.kind_label,
        "title": view.title,
        "doc_no": view.doc_no,
        "source_department": view.source_department,
        "decision_date": view.decision_date.isoformat(),
        "severity": view.severity,
        "status": str(view.status),
        "summary": summary,
        **({"publicity_end": view.publicity_end.date.isoformat()} if view.publicity_end is not None else {}),
    }


def build_content(
    session: Session,
    actor: Actor,
    uscc: str,
    *,
    audience: Audience,
    as_of: dt.datetime,
    number: str,
    reader: Actor | None = None,
    issued_for: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[list[int]]]:
    """The report's content. ``reader`` (with ``issued_for``) is for a report issued to a third party under the
    entity's authorisation (a credit-service agency's grant): the records are read with the rights the grant gives,
    and the content names to whom, under which grant, it was issued."""
    entity = entities.get_entity(session, uscc)
    reader = reader if reader is not None and issued_for is not None else _reader(actor, entity.uscc, audience)
    views, _total = records.records_of_entity(
        session, reader, entity.uscc, as_of=as_of, page=PageRequest(1, MAX_RECORDS)
    )
    sections: dict[str, list[dict[str, Any]]] = {key: [] for key, _label, _kinds in SECTIONS}
    departments = {d.code: d.full_name for d in list_departments(session)}
    for view in views:
        item = _item(view, audience == Audience.PUBLIC, departments)
        sections[SECTION_OF_KIND.get(str(view.kind), "other")].append(item)
    counts = {key: len(items) for key, items in sections.items()}
    penalties = sum(1 for v in views if str(v.kind) == "penalty" and v.status in (Status.VALID, Status.OBJECTED))
    objected = sum(1 for v in views if v.status == Status.OBJECTED)
    identity: dict[str, Any] = {
        "uscc": entity.uscc,
        "name": entity.name,
        "status": entity.status,
        "legal_form": entity.legal_form,
        "industry": entity.industry_name,
        "established_on": entity.established_on.isoformat() if entity.established_on else None,
        "registered_capital": entity.registered_capital,
        "former_names": [n for n in entity.former_names.split("｜") if n],
    }
    if audience == Audience.FULL:
        identity["registered_address"] = entity.registered_address
        identity["persons"] = [
            {"role": str(link.role), "name": person.name, "id_masked": person.id_masked}
            for link, person in entities.roles_of_entity(session, entity.uscc, on=as_of.astimezone(BEIJING).date())
        ]
    content = {
        "title": "公共信用信息报告",
        "platform": get_settings().platform_name,
        "number": number,
        "audience": str(audience),
        "audience_label": AUDIENCE_LABELS[audience],
        "as_of": as_of.astimezone(BEIJING).isoformat(timespec="seconds"),
        "as_of_text": beijing(as_of, seconds=True) + "（北京时间）",
        "identity": identity,
        "sections": sections,
        "counts": counts,
        "evaluation": _evaluation_text(session, reader, entity.uscc),
        "suggestions": suggestions(counts, penalties, objected),
    }
    if issued_for is not None:
        content["issued_for"] = issued_for
    used = sorted([v.id, v.version] for v in views)
    return content, used


def _evaluation_text(session: Session, reader: Actor, uscc: str) -> str:
    """The 公共信用综合评价 as the entity's profile shows it (grade, label, score, model, when graded)."""
    found = evaluation_of(session, reader, uscc)
    if not found.graded:
        return EVALUATION_PENDING
    text = f"评价等级：{found.grade}（{found.grade_label}）；综合得分：{found.score}（基础分 {found.base}）"
    text += f"；评价模型：{found.model_name} 第{found.model_version}版"
    if found.computed_at is not None:
        text += f"；评价时间：{beijing(found.computed_at)}（北京时间）"
    if found.forced_by:
        text += "；列入严重失信主体名单，评价结果为D（差）"
    return text


def issue_report(
    session: Session, actor: Actor, uscc: str, *, full: bool = False, as_of: dt.datetime | None = None
) -> IssuedReport:
    """Build, number, sign and store a report. ``as_of`` (a past moment) is for staff and the platform only."""
    return issue_report_pdf(session, actor, uscc, full=full, as_of=as_of)[0]


def issue_report_pdf(
    session: Session,
    actor: Actor,
    uscc: str,
    *,
    full: bool = False,
    as_of: dt.datetime | None = None,
    reader: Actor | None = None,
    issued_for: dict[str, Any] | None = None,
) -> tuple[IssuedReport, bytes]:
    """:func:`issue_report`, also returning the PDF as issued (rendered once: its hash is stored with the row).
    ``reader`` and ``issued_for`` mark a report issued to a third party under the entity's grant (the agencies area
    has checked the grant; see :func:`build_content`)."""
    if as_of is not None and not (actor.sees_everything or actor.is_department):
        raise Forbidden("only staff may ask for a report as of a past moment (仅工作人员可查询历史时点报告)")
    now = clock.now()
    if as_of is not None and as_of.astimezone(BEIJING).date() > now.astimezone(BEIJING).date():
        raise InvalidInput("as_of is in the future (时点不能晚于当前)", field="as_of")
    moment = min(as_of or now, now)  # "as of today" means now
    audience = Audience.FULL if full else Audience.PUBLIC
    uscc = entities.resolve_uscc(session, uscc)
    if not entities.exists(session, uscc):  # a valid code of no entity on the register: say so, never a 500
        raise NotFound(f"no entity with the USCC {uscc} (未找到该统一社会信用代码对应的主体)", field="uscc")
    day = now.astimezone(BEIJING).strftime("%Y%m%d")
    row = IssuedReport(
        number=f"pending-{uuid.uuid4().hex}"[:40],
        uscc=uscc,
        audience=audience,
        as_of=moment,
        issued_at=now,
        actor_role=actor.role,
        actor_id=actor.id,
        content={},
        content_hash="",
        code="",
        record_versions=[],
    )
    session.add(row)
    session.flush()
    row.number = report_number(day, row.id)
    content, used = build_content(
        session, actor, uscc, audience=audience, as_of=moment, number=row.number, reader=reader, issued_for=issued_for
    )
    row.content, row.record_versions = content, used
    row.content_hash = content_hash(content)
    row.code = verification_code(get_settings().report_key, content)
    pdf = render_pdf(row)
    row.pdf_sha256 = file_hash(pdf)
    audit.record(
        session,
        actor,
        "reports:report:issued",
        "credit_report",
        row.number,
        {"uscc": uscc, "audience": audience, "as_of": moment.isoformat(), "records": len(used)}
        | ({"issued_for": issued_for} if issued_for is not None else {}),
    )
    return row, pdf


def get_report(session: Session, actor: Actor, number: str) -> IssuedReport:
    """An issued report, for whoever asked for it, the entity itself (full and public) or staff."""
    row = session.execute(select(IssuedReport).where(IssuedReport.number == number)).scalar_one_or_none()
    allowed = row is not None and (
        actor.sees_everything
        or (actor.role == Role.ENTITY and actor.entity_uscc == row.uscc)
        or (row.actor_role == actor.role and row.actor_id == actor.id and actor.role != Role.PUBLIC)
        or (actor.is_department and row.audience == Audience.PUBLIC)
    )
    if row is None or not allowed:
        raise NotFound(f"no report {number} for you (未找到该报告)", field="number")
    return row


# ---------------------------------------------------------------- verification


def _superseded(session: Session, row: IssuedReport) -> list[str]:
    """Which records the report used were later corrected, repaired or revoked."""
    reasons: list[str] = []
    used = {int(pair[0]): int(pair[1]) for pair in row.record_versions}
    if not used:
        return reasons
    # only versions recorded after the report's moment can be later than the ones it used, and only the columns the
    # verdict needs: loading every version with its content made verification slow
    seen: set[tuple[int, str]] = set()
    for version in records.versions_since(session, used, row.as_of):
        doc_no = version.doc_no
        if version.version <= used[version.record_id]:
            continue
        what = None
        if version.change_kind == ChangeKind.CORRECTED:
            what = "已更正"
        elif version.status in (Status.REPAIRED, Status.REVOKED):
            what = str(version.status)
        if what and (version.record_id, what) not in seen:
            seen.add((version.record_id, what))
            when = version.valid_from.astimezone(BEIJING).date().isoformat()
            kind = KIND_LABELS[Kind(version.kind)] if version.kind in set(Kind) else "信用记录"
            reasons.append(f"记录 {doc_no}（{kind}）于 {when} {what}")
    return reasons


def report_keys() -> list[str]:
    """The report key codes are made with now, then the earlier ones (``XINYONG_REPORT_KEYS_OLD``): a report issued
    before a key rotation still verifies, its printed code unchanged."""
    settings = get_settings()
    return [settings.report_key, *settings.report_keys_old]


def report_key_of(row: IssuedReport, data: bytes | None = None) -> str | None:
    """The key (current or old) whose code matches the stored content, or None: the archive was changed. ``data``:
    the content's canonical bytes, when the caller has them already."""
    data = canonical(row.content) if data is None else data
    for key in report_keys():
        if same_code(code_of_canonical(key, data), row.code):
            return key
    return None


def _answer(
    session: Session,
    row: IssuedReport | None,
    code: str,
    *,
    pdf: bytes | None = None,
    content: dict[str, Any] | None = None,
) -> VerifyOut:
    if row is None or not same_code(row.code, code):
        return VerifyOut(verdict=Verdict.NOT_GENUINE, reasons=["报告编号或验证码不存在（unknown number or code）"])
    data = canonical(row.content)  # once: the code and the hash both cover these bytes (81 KB for 200 records)
    key = report_key_of(row, data)
    if key is None or hash_of_canonical(data) != row.content_hash:
        return VerifyOut(verdict=Verdict.NOT_GENUINE, number=row.number, reasons=["存档内容与验证码不符"])
    if pdf is not None and file_hash(pdf) != row.pdf_sha256:
        return VerifyOut(
            verdict=Verdict.NOT_GENUINE, number=row.number, reasons=["PDF 文件内容已被改动（content changed）"]
        )
    if content is not None and not same_code(verification_code(key, content), row.code):
        return VerifyOut(
            verdict=Verdict.NOT_GENUINE, number=row.number, reasons=["JSON 内容已被改动（content changed）"]
        )
    reasons = _superseded(session, row)
    return VerifyOut(
        verdict=Verdict.SUPERSEDED if reasons else Verdict.VALID,
        number=row.number,
        uscc=row.uscc,
        name=row.content.get("identity", {}).get("name"),
        issued_at=row.issued_at,
        reasons=reasons,
    )


def _by_number(session: Session, number: str) -> IssuedReport | None:
    return session.execute(select(IssuedReport).where(IssuedReport.number == number.strip()[:40])).scalar_one_or_none()


def _audit_check(session: Session, actor: Actor, number: str, result: VerifyOut, how: str) -> VerifyOut:
    audit.record(
        session,
        actor,
        "reports:report:verified",
        "credit_report",
        number[:128] or "-",
        {"verdict": result.verdict, "how": how},
    )
    return result


def verify_code(session: Session, actor: Actor, number: str, code: str) -> VerifyOut:
    """The /verify page and the QR code: the number and code of a report the platform issued."""
    return _audit_check(session, actor, number, _answer(session, _by_number(session, number), code), "code")


def verify_pdf(session: Session, actor: Actor, data: bytes) -> VerifyOut:
    found = KEYWORDS.search(data)
    if found is None:
        result = VerifyOut(
            verdict=Verdict.NOT_GENUINE, reasons=["文件中没有报告编号和验证码（not a report of this platform）"]
        )
        return _audit_check(session, actor, "", result, "pdf")
    number, code = found.group(1).decode(), found.group(2).decode()
    return _audit_check(session, actor, number, _answer(session, _by_number(session, number), code, pdf=data), "pdf")


def verify_json(session: Session, actor: Actor, data: dict[str, Any], code: str) -> VerifyOut:
    number = str(data.get("number", ""))
    return _audit_check(
        session, actor, number, _answer(session, _by_number(session, number), code, content=data), "json"
    )


def reports_of_entity(session: Session, uscc: str, limit: int = 50) -> list[IssuedReport]:
    return list(
        session.execute(
            select(IssuedReport).where(IssuedReport.uscc == uscc).order_by(IssuedReport.id.desc()).limit(limit)
        ).scalars()
    )


def count_reports(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(IssuedReport)).scalar_one())
