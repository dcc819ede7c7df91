"""Clause 14 (依法追究违法失信责任): an entity's listing follows its responsible persons, and a listing of a
机关事业单位 or 国有企业 is reported to its supervising unit and the audit office.

- :func:`entries_of_person`: entries of entities where the person held 法定代表人, 主要负责人 or 实际控制人 on the
  entry's conduct date, for list types that bind responsible persons (the serious list by default).
- :func:`notify_supervisors`: called by the decision; writes one notice to the supervising unit (上级主管单位) and
  one to the audit office (审计部门). A unit registered by 机构编制 (USCC position 1 = ``1``) is a 机关事业单位 by its
  code; state-owned enterprises cannot be told from the code, so the credit office marks them (and names any
  unit's supervisor) with :func:`set_public_sector`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.departments import Department
from xinyong.core.errors import Forbidden, InvalidInput, NotFound
from xinyong.core.pagination import PageRequest
from xinyong.entities import service as entities
from xinyong.entities.lookup import Person, PersonRoleLink, find_person
from xinyong.entities.rules import PersonRole, role_active
from xinyong.lists.models import ListEntry, ListType, PublicSectorSubject, ResponsibilityNotice
from xinyong.lists.schemas import ListEntryView, PersonEntriesOut, ResponsibilityNoticeOut, ResponsibleListing
from xinyong.lists.views import current_entries, entries_in_force_for, views_of

RESPONSIBLE_ROLES = frozenset({PersonRole.LEGAL_REPRESENTATIVE, PersonRole.PRINCIPAL, PersonRole.ACTUAL_CONTROLLER})
PUBLIC_INSTITUTION = "机关事业单位"
STATE_OWNED = "国有企业"
SECTORS = frozenset({PUBLIC_INSTITUTION, STATE_OWNED})
AUDIT_OFFICE = "SJJ"  # 市审计局
STATE_ASSETS = "GZW"  # 市国资委: the default supervisor of a city state-owned enterprise
SUPERVISOR = "上级主管单位"
AUDITOR = "审计部门"
UNKNOWN_SUPERVISOR = "上级主管单位（待信用办登记）"


# ---------------------------------------------------------------- responsible persons


def entries_of_person(session: Session, person_id: int, on: dt.date) -> list[ResponsibleListing]:
    """Entries in force on ``on`` of every entity the person was responsible for at the time of the conduct."""
    links = [
        (link, entity)
        for link, entity in entities.entities_of_person(session, person_id)
        if link.role in RESPONSIBLE_ROLES
    ]
    if not links:
        return []
    entries = entries_in_force_for(session, [entity.uscc for _, entity in links], on)
    type_ids = {e.list_type_id for e in entries}
    binding = {
        t.id for t in session.scalars(select(ListType).where(ListType.id.in_(type_ids))) if t.binds_responsible_persons
    }
    views = {v.id: v for v in views_of(session, [e for e in entries if e.list_type_id in binding])}
    found: list[ResponsibleListing] = []
    for entry in entries:
        view = views.get(entry.id)
        if view is None:
            continue
        for link, entity in links:
            if link.uscc == entry.subject_uscc and role_active(link.valid_from, link.valid_to, entry.conduct_date):
                found.append(
                    ResponsibleListing(
                        role=link.role,
                        uscc=entity.uscc,
                        entity_name=entity.name,
                        role_from=link.valid_from,
                        role_to=link.valid_to,
                        entry=view,
                    )
                )
    return found


def responsible_persons_of_entry(session: Session, entry: ListEntry) -> list[tuple[PersonRoleLink, Person]]:
    """The other direction of :func:`entries_of_person`, by the same rule: the persons an entity's entry follows
    (法定代表人, 主要负责人, 实际控制人 holding the role on the conduct date), when its list type binds responsible
    persons; none for a person's own entry."""
    if entry.subject_uscc is None:
        return []
    ltype = session.get(ListType, entry.list_type_id)
    if ltype is None or not ltype.binds_responsible_persons:
        return []
    return [
        (link, person)
        for link, person in entities.roles_of_entity(session, entry.subject_uscc, on=entry.conduct_date)
        if link.role in RESPONSIBLE_ROLES
    ]


def person_entries(session: Session, actor: Actor, person_id: int, on: dt.date | None = None) -> PersonEntriesOut:
    """A person's page for authorised staff: entries about them and, by clause 14, those of the entities they were
    responsible for. Reading it is audited (``lists:person:read``)."""
    if not (actor.sees_everything or actor.is_department):
        raise Forbidden("only staff read a person's listings (仅工作人员可查看)")
    person = find_person(session, person_id)
    if person is None:
        raise NotFound(f"no person {person_id} (未找到该自然人)", field="person_id")
    day = on or clock.today()
    own: list[ListEntryView] = current_entries(session, person_id=person.id, on=day)
    via = entries_of_person(session, person.id, day)
    if actor.role != Role.SYSTEM:
        audit.record(
            session,
            actor,
            "lists:person:read",
            "person",
            str(person.id),
            {"on": day.isoformat(), "own": len(own), "via_entities": len(via)},
        )
    return PersonEntriesOut(
        person_id=person.id, name=person.name, id_masked=person.id_masked, on=day, own_entries=own, via_entities=via
    )


# ---------------------------------------------------------------- 机关事业单位 and 国有企业


def set_public_sector(
    session: Session, actor: Actor, uscc: str, sector: str, supervising_unit: str
) -> PublicSectorSubject:
    """The credit office marks an entity as 机关事业单位 or 国有企业 and names its supervising unit.
    Audit event ``lists:public_sector:set``."""
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("only the credit office marks public-sector entities (仅信用办可维护)")
    if sector not in SECTORS:
        raise InvalidInput(f"sector must be {PUBLIC_INSTITUTION} or {STATE_OWNED} (单位性质)", field="sector")
    unit = supervising_unit.strip()
    if not unit or len(unit) > 200:
        raise InvalidInput("supervising_unit is 1–200 characters (上级主管单位)", field="supervising_unit")
    entity = entities.get_entity(session, uscc)
    row = session.get(PublicSectorSubject, entity.uscc)
    previous = {"sector": row.sector, "supervising_unit": row.supervising_unit} if row else None
    if row is None:
        row = PublicSectorSubject(uscc=entity.uscc, sector=sector, supervising_unit=unit, set_by=actor.id)
        session.add(row)
    row.sector, row.supervising_unit, row.set_by, row.set_at = sector, unit, actor.id, clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "lists:public_sector:set",
        "entity",
        entity.uscc,
        {"sector": sector, "supervising_unit": unit, "previous": previous},
    )
    return row


def sector_of(session: Session, uscc: str) -> tuple[str, str] | None:
    """(sector, supervising unit) of a 机关事业单位 or 国有企业; ``None`` for other entities."""
    row = session.get(PublicSectorSubject, uscc)
    if row is not None:
        return row.sector, row.supervising_unit
    if uscc.startswith("1"):  # registered by 机构编制: 机关, 事业单位 and the like
        return PUBLIC_INSTITUTION, UNKNOWN_SUPERVISOR
    return None


def _department_named(session: Session, name: str) -> Department | None:
    return session.scalars(
        select(Department).where(or_(Department.short_name == name, Department.full_name == name))
    ).first()


def notify_supervisors(session: Session, actor: Actor, entry: ListEntry, ltype: ListType) -> list[ResponsibilityNotice]:
    """Clause 14: a decision about a 机关事业单位 or 国有企业 produces notices to its supervising unit and the audit
    office. Audit event ``lists:notice:created`` each."""
    if entry.subject_uscc is None:
        return []
    sector = sector_of(session, entry.subject_uscc)
    if sector is None:
        return []
    kind, unit = sector
    if kind == STATE_OWNED and unit == UNKNOWN_SUPERVISOR:
        assets = session.get(Department, STATE_ASSETS)
        unit = assets.full_name if assets else unit
    supervisor = _department_named(session, unit)
    auditor = session.get(Department, AUDIT_OFFICE)
    deciding = session.get(Department, entry.department)
    by = deciding.short_name if deciding else entry.department
    content = (
        f"{entry.subject_name}（{entry.subject_uscc}，{kind}）经{by}认定，"
        f"于 {entry.decision_date} 以 {entry.decision_doc_no} 列入{ltype.name}。"
        f"失信事实：{entry.facts[:500]}。依共社信办字〔2020〕7号第（十四）项通报。"
    )
    made: list[ResponsibilityNotice] = []
    for recipient_kind, name, department in (
        (SUPERVISOR, unit, supervisor.code if supervisor else None),
        (AUDITOR, auditor.full_name if auditor else AUDITOR, auditor.code if auditor else None),
    ):
        notice = ResponsibilityNotice(
            entry_id=entry.id,
            subject_uscc=entry.subject_uscc,
            sector=kind,
            recipient_kind=recipient_kind,
            recipient_name=name,
            recipient_department=department,
            content=content,
            created_on=clock.today(),
            created_by=actor.id,
            created_at=clock.now(),
        )
        session.add(notice)
        session.flush()
        audit.record(
            session,
            actor,
            "lists:notice:created",
            "list_entry",
            str(entry.id),
            {"notice_id": notice.id, "recipient_kind": recipient_kind, "recipient": name},
        )
        made.append(notice)
    return made


def list_notices(
    session: Session, actor: Actor, *, page: PageRequest, entry_id: int | None = None
) -> tuple[list[ResponsibilityNoticeOut], int]:
    """Notices the actor may read: the office, auditors and the platform all; a department those about its own
    entries and those addressed to it."""
    n = ResponsibilityNotice
    stmt = select(n)
    if not actor.sees_everything:
        if not actor.is_department:
            raise Forbidden("only staff read clause 14 notices (仅工作人员可查看通报)")
        code = actor.department_code or ""
        own_entries = select(ListEntry.id).where(ListEntry.department == code)
        stmt = stmt.where(or_(n.entry_id.in_(own_entries), n.recipient_department == code))
    if entry_id is not None:
        stmt = stmt.where(n.entry_id == entry_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(n.id.desc()).offset(page.offset).limit(page.page_size))
    return [
        ResponsibilityNoticeOut(
            id=r.id,
            entry_id=r.entry_id,
            subject_uscc=r.subject_uscc,
            sector=r.sector,
            recipient_kind=r.recipient_kind,
            recipient_name=r.recipient_name,
            recipient_department=r.recipient_department,
            content=r.content,
            created_on=r.created_on,
            created_by=r.created_by,
        )
        for r in rows
    ], total
