"""HTTP API of the lists: list types, entries and the listing procedure's steps, a person's listings (clause 14),
and clause 14 notices. Thin: every rule lives in the services."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from xinyong.core.auth.access import DEPARTMENT, ENTITY, OFFICE, PUBLIC, STAFF, require
from xinyong.core.config import get_settings
from xinyong.core.errors import InvalidInput
from xinyong.core.http import CurrentActor, DbSession, reject_unknown_query
from xinyong.core.pagination import Page, PageRequest
from xinyong.lists import service
from xinyong.lists.rules import EntryStatus
from xinyong.lists.schemas import (
    DecisionIn,
    HonourIn,
    ListEntryOut,
    ListTypeIn,
    ListTypeOut,
    NoticeIn,
    PersonEntriesOut,
    ProposalIn,
    PublicSectorIn,
    PublicSectorOut,
    ReasonIn,
    ResponsibilityNoticeOut,
    StatementIn,
)
from xinyong.lists.types import type_out

router = APIRouter(prefix="/api/v1", tags=["lists 名单"], dependencies=[Depends(reject_unknown_query)])

EntryId = Annotated[int, Path(ge=1, le=2**62)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1)]


def _page(page: int, page_size: int) -> PageRequest:
    return PageRequest.checked(page, page_size, max_size=get_settings().page_size_max)


# ---------------------------------------------------------------- list types


@router.get(
    "/list-types",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[ListTypeOut],
    summary="The list types in force (criteria, legal basis, term, exit rules)",
)
def list_types(session: DbSession, on: dt.date | None = None) -> list[ListTypeOut]:
    return [type_out(t) for t in service.current_types(session, on)]


@router.get(
    "/list-types/{code}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[ListTypeOut],
    summary="Every version of one list type",
)
def list_type_versions(code: Annotated[str, Path(max_length=32)], session: DbSession) -> list[ListTypeOut]:
    return [type_out(t) for t in service.type_versions(session, code)]


@router.post(
    "/list-types",
    status_code=201,
    dependencies=[Depends(require(OFFICE))],
    response_model=ListTypeOut,
    summary="Publish a new version of a list type (credit office)",
)
def publish_list_type(body: ListTypeIn, session: DbSession, actor: CurrentActor) -> ListTypeOut:
    return type_out(service.publish_version(session, actor, body))


# ---------------------------------------------------------------- entries


@router.get(
    "/list-entries",
    dependencies=[Depends(require(PUBLIC))],
    response_model=Page[ListEntryOut],
    summary="List entries as the caller may see them",
)
def list_entries(
    session: DbSession,
    actor: CurrentActor,
    list_type: Annotated[str | None, Query(max_length=32)] = None,
    status: EntryStatus | None = None,
    uscc: Annotated[str | None, Query(max_length=18)] = None,
    department: Annotated[str | None, Query(max_length=16)] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[ListEntryOut]:
    items, total = service.search_entries(
        session,
        actor,
        page=_page(page, page_size),
        list_code=list_type,
        status=status,
        uscc=uscc,
        department=department,
    )
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get(
    "/list-entries/{entry_id}",
    dependencies=[Depends(require(PUBLIC))],
    response_model=ListEntryOut,
    summary="One list entry (with its procedure for those who may see it)",
)
def read_entry(entry_id: EntryId, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries",
    status_code=201,
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="拟列入: propose a subject for a list",
)
def propose(body: ProposalIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    subject = body.subject
    person_id = None
    if (subject.uscc is None) == (subject.id_number is None):
        raise InvalidInput("name the subject by uscc, or by id_type and id_number (须指定一个主体)", field="subject")
    if subject.id_number is not None:
        person_id = service.resolve_person(session, actor, subject.name, subject.id_type, subject.id_number)
    entry = service.propose_entry(
        session,
        actor,
        list_type=body.list_type,
        facts=body.facts,
        basis=body.basis,
        subject_uscc=subject.uscc,
        subject_person_id=person_id,
        conduct_date=body.conduct_date,
        linked_record_ids=body.linked_record_ids,
        key_field=body.key_field,
    )
    return service.get_entry(session, actor, entry.id)


@router.post(
    "/list-entries/{entry_id}/notice",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="告知: notify the party; the statement deadline is set in working days",
)
def notify(entry_id: EntryId, body: NoticeIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.notify_party(session, actor, entry_id, notice_doc_no=body.notice_doc_no, rights=body.rights)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/statement",
    dependencies=[Depends(require(ENTITY))],
    response_model=ListEntryOut,
    summary="陈述申辩: the party's own statement, or its waiver",
)
def state(entry_id: EntryId, body: StatementIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.record_statement(
        session, actor, entry_id, statement=body.statement, waived=body.waived, documents=body.documents
    )
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/statement-received",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="陈述申辩: a written statement (or waiver) the department received, entered by it",
)
def statement_received(entry_id: EntryId, body: StatementIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.record_statement(
        session, actor, entry_id, statement=body.statement, waived=body.waived, documents=body.documents
    )
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/decision",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="已决定: a second person (department reviewer) decides to list",
)
def decide(entry_id: EntryId, body: DecisionIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.decide_entry(
        session,
        actor,
        entry_id,
        decision_doc_no=body.decision_doc_no,
        reason=body.reason,
        duration_months=body.duration_months,
        permanent=body.permanent,
    )
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/decline",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="不予列入: a department reviewer decides not to list",
)
def decline(entry_id: EntryId, body: ReasonIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.decline_entry(session, actor, entry_id, reason=body.reason)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/publication",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="已公示: publish a decided entry (writes its credit record)",
)
def publish(entry_id: EntryId, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.publish_entry(session, actor, entry_id)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/exit",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="提前移出: early exit after credit repair (department reviewer)",
)
def exit_early(entry_id: EntryId, body: ReasonIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.exit_entry(session, actor, entry_id, reason=body.reason)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/list-entries/{entry_id}/revocation",
    dependencies=[Depends(require(DEPARTMENT))],
    response_model=ListEntryOut,
    summary="已撤销: revoke a decided or published entry (department reviewer)",
)
def revoke(entry_id: EntryId, body: ReasonIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.revoke_entry(session, actor, entry_id, reason=body.reason)
    return service.get_entry(session, actor, entry_id)


# ---------------------------------------------------------------- 守信激励（红名单）


@router.get(
    "/honour-types",
    dependencies=[Depends(require(PUBLIC))],
    response_model=list[ListTypeOut],
    summary="The honour list types in force (守信激励名单类型: legal basis, issuing body, term)",
)
def honour_list_types(session: DbSession) -> list[ListTypeOut]:
    return [type_out(t) for t in service.honour_types(session)]


@router.post(
    "/honour-entries",
    status_code=201,
    dependencies=[Depends(require(OFFICE))],
    response_model=ListEntryOut,
    summary="拟列入守信激励名单: the credit office adds an entity to an honour list (a second account approves)",
)
def nominate_honour(body: HonourIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    entry = service.nominate_honour(session, actor, body)
    return service.get_entry(session, actor, entry.id)


@router.post(
    "/honour-entries/{entry_id}/approval",
    dependencies=[Depends(require(OFFICE))],
    response_model=ListEntryOut,
    summary="审核公示: a second credit office account approves and publishes an honour entry",
)
def approve_honour(entry_id: EntryId, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.approve_honour(session, actor, entry_id)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/honour-entries/{entry_id}/decline",
    dependencies=[Depends(require(OFFICE))],
    response_model=ListEntryOut,
    summary="不予列入: the credit office declines an honour entry not yet approved",
)
def decline_honour(entry_id: EntryId, body: ReasonIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.decline_honour(session, actor, entry_id, reason=body.reason)
    return service.get_entry(session, actor, entry_id)


@router.post(
    "/honour-entries/{entry_id}/end",
    dependencies=[Depends(require(OFFICE))],
    response_model=ListEntryOut,
    summary="终止公示: the credit office ends a published honour before its term",
)
def end_honour(entry_id: EntryId, body: ReasonIn, session: DbSession, actor: CurrentActor) -> ListEntryOut:
    service.end_honour(session, actor, entry_id, reason=body.reason)
    return service.get_entry(session, actor, entry_id)


# ---------------------------------------------------------------- clause 14


@router.get(
    "/persons/{person_id}/list-entries",
    dependencies=[Depends(require(STAFF))],
    response_model=PersonEntriesOut,
    summary="A person's listings, own and through the entities they were responsible for (clause 14)",
)
def person_list_entries(
    person_id: Annotated[int, Path(ge=1, le=2**62)], session: DbSession, actor: CurrentActor, on: dt.date | None = None
) -> PersonEntriesOut:
    return service.person_entries(session, actor, person_id, on)


@router.get(
    "/list-notices",
    dependencies=[Depends(require(STAFF))],
    response_model=Page[ResponsibilityNoticeOut],
    summary="Clause 14 notices to supervising units and the audit office",
)
def notices(
    session: DbSession,
    actor: CurrentActor,
    entry_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Page[ResponsibilityNoticeOut]:
    items, total = service.list_notices(session, actor, page=_page(page, page_size), entry_id=entry_id)
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.put(
    "/public-sector/{uscc}",
    dependencies=[Depends(require(OFFICE))],
    response_model=PublicSectorOut,
    summary="Mark an entity as 机关事业单位 or 国有企业 and name its supervising unit (credit office)",
)
def set_public_sector(
    uscc: Annotated[str, Path(max_length=64)], body: PublicSectorIn, session: DbSession, actor: CurrentActor
) -> PublicSectorOut:
    row = service.set_public_sector(session, actor, uscc, body.sector, body.supervising_unit)
    return PublicSectorOut(uscc=row.uscc, sector=row.sector, supervising_unit=row.supervising_unit)
