"""我的信用: the signed-in enterprise's own page — its profile, credit records, grade with breakdown, objections,
repair applications, complaints about it (投诉举报), commitments, self-reports and reports, each with its status
and next deadline (the date and the working days left, from the office calendar). Everything is read through the
areas' services, with the enterprise's own rights; the detailed pages (``/my/objections``, ``/my/repair``,
``/my/commitments``, ``/my/self-reports``, ``/entity/{uscc}``) are linked from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from xinyong.commitments import fulfilment
from xinyong.commitments import service as commitments
from xinyong.complaints import service as complaints
from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.core.auth.access import ENTITY, require
from xinyong.core.calendar import load_calendar
from xinyong.core.clock import BEIJING
from xinyong.core.departments import list_departments
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import PageRequest
from xinyong.core.web import render
from xinyong.core.workdays import WorkCalendar
from xinyong.entities import service as entities
from xinyong.evaluation import views as evaluation
from xinyong.objections import service as objections
from xinyong.portal.web import PortalRoute, own_uscc
from xinyong.records import service as records
from xinyong.repair import service as repair
from xinyong.repair.rules import AppStatus
from xinyong.repair.schemas import ApplicationOut
from xinyong.reports import service as reports
from xinyong.selfreport import service as selfreports

router = APIRouter(include_in_schema=False, route_class=PortalRoute, dependencies=[Depends(reject_unknown_query)])
SHOWN = 20  # rows per section; the detailed pages have the rest


@dataclass(frozen=True)
class Due:
    """A next deadline as a person reads it: the date and the working days left (negative: overdue)."""

    date: dt.date
    left: int
    provisional: bool

    @property
    def text(self) -> str:
        if self.left > 0:
            words = f"还剩 {self.left} 个工作日"
        elif self.left == 0:
            words = "今日到期"
        else:
            words = f"已逾期 {-self.left} 个工作日"
        return f"{self.date.isoformat()}（{words}{'，日历待确认' if self.provisional else ''}）"

    @property
    def urgent(self) -> bool:
        return self.left <= 2


def due(calendar: WorkCalendar, today: dt.date, deadline: dt.date | None) -> Due | None:
    if deadline is None:
        return None
    counted = calendar.count_working_days(today, deadline)
    return Due(deadline, counted.count, counted.provisional)


def beijing(moment: dt.datetime | None) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else ""


def _repair_deadline(application: ApplicationOut) -> dt.date | None:
    """The deadline the application waits on: acceptance while 待受理, the decision while 已受理 or 待审核."""
    if application.status == AppStatus.SUBMITTED:
        return application.accept_deadline
    if application.status in (AppStatus.ACCEPTED, AppStatus.PROPOSED):
        return application.decide_deadline
    return None


def overview(session: DbSession, actor: Actor) -> dict[str, Any]:
    uscc = own_uscc(actor)
    today = clock.today()
    calendar = load_calendar(session)
    names = {d.code: d.short_name for d in list_departments(session)}
    entity = entities.get_entity(session, uscc)
    own_records, record_total = records.records_of_entity(session, actor, uscc, page=PageRequest(1, SHOWN))
    objection_found = objections.list_objections(session, actor, limit=SHOWN)
    objection_labels = objections.record_labels(session, objection_found)
    objection_rows = [
        objections.to_view(o, today, label=objection_labels.get(o.record_id), staff=False) for o in objection_found
    ]
    repair_rows = [repair.to_view(session, a, details=False) for a in repair.list_applications(session, actor)]
    found, commitment_total = commitments.list_commitments(session, actor, uscc=uscc, page=PageRequest(1, SHOWN))
    cases = fulfilment.tolerance_cases(session, actor, today, state="all")
    case_of = {case.commitment_id: (case, label) for case, _commitment, label in cases}
    commitment_rows = []
    for c in found:
        case, label = case_of.get(c.id, (None, ""))
        awaiting = case is not None and label not in ("已补齐", "逾期未补齐")
        commitment_rows.append(
            {
                "number": c.number,
                "type": c.commitment_type,
                "department": names.get(c.department, c.department),
                "signed_on": c.signed_at.astimezone(BEIJING).date().isoformat(),
                "status": c.status + (f"；容缺材料{label}" if case is not None else ""),
                "due": due(calendar, today, case.due_date) if case is not None and awaiting else None,
                "url": f"/commitments/letters/{c.id}",
            }
        )
    self_reports, report_total = selfreports.list_reports(session, actor, uscc=uscc, page=PageRequest(1, SHOWN))
    complaint_rows, complaint_total = complaints.page_complaints(session, actor, page=PageRequest(1, SHOWN))
    issued = [r for r in reports.reports_of_entity(session, uscc) if r.actor_id == actor.id][:SHOWN]
    return {
        "active": "my",
        "entity": entity,
        "type_names": entities.type_names(entity.uscc),
        "evaluation": evaluation.evaluation_of(session, actor, uscc),
        "improvements": evaluation.improvements(session, actor, uscc),
        "records": own_records,
        "record_total": record_total,
        "objections": [
            {
                "row": o,
                "department": names.get(o.source_department, o.source_department),
                "due": None if o.outcome or o.resolved_at else due(calendar, today, o.deadline),
            }
            for o in objection_rows
        ],
        "repairs": [
            {
                "row": a,
                "department": names.get(a.department, a.department),
                "due": due(calendar, today, _repair_deadline(a)),
            }
            for a in repair_rows[:SHOWN]
        ],
        "commitments": commitment_rows,
        "commitment_total": commitment_total,
        "self_reports": [selfreports.to_view(session, actor, r) for r in self_reports],
        "self_report_total": report_total,
        "complaints": [complaints.to_view(session, c, names, reader=actor) for c in complaint_rows],
        "complaint_total": complaint_total,
        "reports": issued,
        "departments": names,
        "beijing": beijing,
        "today": today,
    }


@router.get("/my", dependencies=[Depends(require(ENTITY))])
def my_credit(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    response = render(request, "portal/my.html", overview(session, actor))
    response.headers["Cache-Control"] = "no-store"
    return response
