"""The commitments area's two questions to the lists area (严重失信主体名单 and the listing procedure):
is an entity on the serious list now, and propose an entity into a list's procedure after a breach.

A breach never lists anyone directly: it only opens a proposal (拟列入), which then follows the lists area's
procedure (prior notice, statement window, a reviewed two-person decision, publication).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from xinyong.core.actor import Actor
from xinyong.lists import service as lists
from xinyong.lists.rules import ListCategory

PROPOSER = Actor.system("commitments")


def serious_list_entries(session: Session, uscc: str, on: dt.date) -> list[str]:
    """Serious-list entries binding the entity on ``on``, described for a refusal."""
    return [
        f"{entry.list_name}（{entry.decision_doc_no or '—'}，{entry.department}）"
        for entry in lists.current_entries(session, uscc=uscc, on=on)
        if entry.category == ListCategory.SERIOUS
    ]


def propose(
    session: Session,
    *,
    list_type: str,
    uscc: str,
    facts: str,
    basis: str,
    department: str,
    conduct_date: dt.date,
    record_ids: Sequence[int] = (),
) -> str:
    """Open a proposal into ``list_type``'s listing procedure for the department; returns its reference."""
    entry = lists.propose_entry(
        session,
        PROPOSER,
        list_type=list_type,
        facts=facts,
        basis=basis,
        subject_uscc=uscc,
        department=department,
        conduct_date=conduct_date,
        linked_record_ids=tuple(record_ids),
    )
    return f"list-entry:{entry.id}"
