"""Change notices for business systems (pull): list entries of subjects a system checked recently that were
published (列入), exited (移出, at expiry or early) or revoked (撤销) on or after the day of its check.

This is the read side of req §3.10's "when a list changes, systems that checked the subject recently are told";
the same changes are pushed to registered webhooks through the outbox by :mod:`xinyong.punishment.notices`.
Persons are matched on their own entries only (not yet through the entities they were responsible for).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core import clock
from xinyong.core.actor import Actor
from xinyong.lists import service as lists
from xinyong.punishment.models import Check
from xinyong.punishment.schemas import ChangeOut


def changes_for(session: Session, actor: Actor, *, days: int = 90) -> list[ChangeOut]:
    """Changes to the entries of subjects ``actor`` checked in the last ``days`` days, after its check, oldest first."""
    since = clock.now() - dt.timedelta(days=days)
    checks = list(
        session.scalars(
            select(Check)
            .where(Check.requester_id == actor.id, Check.at >= since, Check.subject_known.is_(True))
            .order_by(Check.at, Check.id)
        )
    )
    by_uscc: dict[str, list[Check]] = {}
    by_person: dict[int, list[Check]] = {}
    for check in checks:
        if check.subject_kind == "entity":
            by_uscc.setdefault(check.subject_key, []).append(check)
        elif check.person_id is not None:
            by_person.setdefault(check.person_id, []).append(check)
    if not by_uscc and not by_person:
        return []
    # an honour restricts nobody: not a change a checking system must act on
    entries = lists.restricting_entries_of(session, usccs=sorted(by_uscc), person_ids=sorted(by_person))
    found: list[ChangeOut] = []
    for entry in entries:
        subject_checks = (
            by_uscc.get(entry.subject_uscc or "", [])
            if entry.subject_uscc
            else by_person.get(entry.subject_person_id or 0, [])
        )
        events = [
            ("listed", entry.published_on),
            ("exited", entry.exit_date),
            ("revoked", entry.revoked_on),
        ]
        for event, on in events:
            if on is None:
                continue
            before = [c for c in subject_checks if c.at.astimezone(clock.BEIJING).date() <= on]
            if not before:
                continue
            last = before[-1]
            found.append(
                ChangeOut(
                    event=event,
                    on=on,
                    entry_id=entry.id,
                    list_type=entry.list_code,
                    decision_doc_no=entry.decision_doc_no,
                    exit_kind=entry.exit_kind if event == "exited" else None,
                    subject=last.subject_display,
                    check_id=last.id,
                    checked_at=last.at,
                )
            )
    return sorted(found, key=lambda c: (c.on, c.entry_id, c.event))
