"""The lists' service API: what routes, the CLI and other areas call (commitments, the check API, repair, reports).

The work is done in :mod:`~xinyong.lists.types` (list type versions), :mod:`~xinyong.lists.procedure` (the listing
procedure), :mod:`~xinyong.lists.views` (reading, visibility) and :mod:`~xinyong.lists.responsible` (clause 14);
this module is the stable surface. Services flush, never commit: the request, command or job owns the transaction.

Stable signatures::

    propose_entry(session, actor, *, list_type, facts, basis, subject_uscc=None, subject_person_id=None,
                  department=None, conduct_date=None, linked_record_ids=(), key_field=None) -> ListEntry
    notify_party(session, actor, entry_id, *, notice_doc_no, rights=None) -> ListEntry
    record_statement(session, actor, entry_id, *, statement, waived=False, documents=()) -> ListEntry
    decide_entry(session, actor, entry_id, *, decision_doc_no, reason=None, duration_months=None,
                 permanent=None) -> ListEntry
    decline_entry(session, actor, entry_id, *, reason) -> ListEntry
    publish_entry(session, actor, entry_id) -> ListEntry
    exit_entry(session, actor, entry_id, *, reason, repair_ref=None) -> ListEntry      # early exit after repair
    revoke_entry(session, actor, entry_id, *, reason) -> ListEntry
    expire_entries(session, actor, today) -> ExpiryResult                             # xinyong tick
    current_entries(session, *, uscc=None, person_id=None, on) -> list[ListEntryView]
    binding_entity(session, uscc, on) -> (known, list[BindingEntry])                   # the check's one statement
    binding_entity_and_honours(session, uscc, on) -> (known, binding, honours)         # the same, with 守信激励
    binding_person(session, person_id, on) -> list[BindingEntry]
    entries_of_person(session, person_id, on) -> list[ResponsibleListing]              # clause 14
    responsible_persons_of_entry(session, entry) -> list[(PersonRoleLink, Person)]      # clause 14, other way
    entry_view(session, entry_id) -> ListEntryView
    candidate_records(session, actor, limit=200) -> list[CreditRecordVersion]         # 待研判 serious penalties
    search_public_entries(session, actor, *, category, page, keyword=None, department=None, decided_from=None,
                          decided_to=None, cursor=None) -> (list[ListEntryOut], total)  # the portal's list pages
    apply_upstream_entry(session, system_actor, UpstreamEntry) -> ListEntry         # exchange area only
    # 守信激励（红名单, lists.honours): the office's procedure (two-person rule) and the readers of honours
    nominate_honour(session, actor, HonourIn) -> ListEntry
    approve_honour(session, actor, entry_id) -> ListEntry      # a second office account; publishes
    decline_honour(session, actor, entry_id, *, reason) -> ListEntry
    end_honour(session, actor, entry_id, *, reason) -> ListEntry  # 终止公示
    honours_of(session, uscc, on=None) -> list[ListEntryView]  # in force; never binding
    withholding_codes(session) -> set[str]                     # list types whose entry withholds incentives
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinyong.core.errors import NotFound
from xinyong.core.workflow import StepHistory
from xinyong.lists.facts import entry_facts, usccs_stepped_since
from xinyong.lists.honours import (
    approve_honour,
    decline_honour,
    end_honour,
    honour_queue,
    honour_type,
    honour_types,
    honours_of,
    nominate_honour,
    recent_honours,
    withholding_codes,
)
from xinyong.lists.models import LISTING, ListEntry, ListType
from xinyong.lists.oversight import procedure_items
from xinyong.lists.procedure import (
    ExpiryResult,
    decide_entry,
    decline_entry,
    exit_entry,
    expire_entries,
    notify_party,
    propose_entry,
    publish_entry,
    record_statement,
    resolve_person,
    revoke_entry,
)
from xinyong.lists.responsible import (
    entries_of_person,
    list_notices,
    person_entries,
    responsible_persons_of_entry,
    sector_of,
    set_public_sector,
)
from xinyong.lists.schemas import ListEntryView
from xinyong.lists.steps import refuse_upstream
from xinyong.lists.types import (
    current_type,
    current_types,
    get_type,
    publish_version,
    seed_list_types,
    type_versions,
)
from xinyong.lists.upstream import UpstreamEntry, apply_upstream_entry, find_upstream
from xinyong.lists.views import (
    BindingEntry,
    awaiting_decision,
    binding_entity,
    binding_entity_and_honours,
    binding_person,
    candidate_records,
    current_entries,
    get_entry,
    published_entries_of,
    search_entries,
    search_public_entries,
    upstream_in_force,
    usccs_in_force,
    views_of,
)


def entry_view(session: Session, entry_id: int) -> ListEntryView:
    """One entry's full view, without rights applied (for other areas' services; never hand it to the public)."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(f"no list entry {entry_id} (未找到该名单条目)", field="entry_id")
    return views_of(session, [entry])[0]


def get_entry_row(session: Session, entry_id: int) -> ListEntry:
    """The entry's row (for other areas' services that check its department or status)."""
    entry = session.get(ListEntry, entry_id)
    if entry is None:
        raise NotFound(f"no list entry {entry_id} (未找到该名单条目)", field="entry_id")
    return entry


__all__ = [
    "BindingEntry",
    "ExpiryResult",
    "ListEntry",
    "ListEntryView",
    "ListType",
    "UpstreamEntry",
    "apply_upstream_entry",
    "approve_honour",
    "awaiting_decision",
    "binding_entity",
    "binding_entity_and_honours",
    "binding_person",
    "candidate_records",
    "current_entries",
    "current_type",
    "current_types",
    "decide_entry",
    "decline_entry",
    "decline_honour",
    "end_honour",
    "entries_of_person",
    "entry_facts",
    "entry_steps",
    "entry_view",
    "exit_entry",
    "expire_entries",
    "find_upstream",
    "get_entry",
    "get_entry_row",
    "get_type",
    "honour_queue",
    "honour_type",
    "honour_types",
    "honours_of",
    "list_notices",
    "nominate_honour",
    "notify_party",
    "person_entries",
    "procedure_items",
    "propose_entry",
    "publish_entry",
    "publish_version",
    "published_entries_of",
    "recent_honours",
    "record_statement",
    "refuse_upstream",
    "resolve_person",
    "responsible_persons_of_entry",
    "restricting_entries_of",
    "revoke_entry",
    "search_entries",
    "search_public_entries",
    "sector_of",
    "seed_list_types",
    "set_public_sector",
    "type_versions",
    "upstream_in_force",
    "usccs_in_force",
    "usccs_stepped_since",
    "withholding_codes",
]


def entry_steps(session: Session, entry_id: int) -> list[StepHistory]:
    """The listing procedure's steps of one entry, oldest first (the step log every reader shows)."""
    return LISTING.steps_of(session, entry_id)


def restricting_entries_of(session: Session, *, usccs: Sequence[str], person_ids: Sequence[int]) -> list[ListEntry]:
    """Every entry (any status, honours left out: they restrict nobody) of the entities and persons named, by id."""
    conditions = []
    if usccs:
        conditions.append(ListEntry.subject_uscc.in_(list(usccs)))
    if person_ids:
        conditions.append(ListEntry.subject_person_id.in_(list(person_ids)))
    if not conditions:
        return []
    query = select(ListEntry).where(or_(*conditions), ListEntry.honour.is_(False)).order_by(ListEntry.id)
    return list(session.scalars(query))
