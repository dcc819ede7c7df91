"""Use cases of credit repair (req §3.11): eligibility of every dishonest record and list entry, the online
application with materials, acceptance, the two-person decision, the repair itself, and the sweep that escalates
overdue applications.

"谁认定、谁修复": an application goes to the department that made the record (or listed the entity); its staff
accept or refuse it within ``XINYONG_REPAIR_ACCEPT_DAYS`` working days and decide within
``XINYONG_REPAIR_DECIDE_DAYS`` working days of acceptance. On approval, in the caller's one transaction, the record
gets a new version 已修复 (it stops being published and shared) or the list entry exits early (its record 已修复,
the check API stops returning its measures), and :func:`after_repair` recomputes the grade and tells the business
systems that checked the subject. Repair is free.
Services flush, never commit.

The service is the area's surface; its parts live in sections of their own: :mod:`~xinyong.repair.eligibility` (the
facts of every dishonest record and entry, and what may be repaired), :mod:`~xinyong.repair.applying` (the
application with its materials), :mod:`~xinyong.repair.reading` (applications, their history and views) and
:mod:`~xinyong.repair.decisions` (the department's steps, the repair itself, the sweep).
"""

from __future__ import annotations

from xinyong.repair.applying import apply
from xinyong.repair.decisions import accept, after_repair, awaiting_decision, propose, review, sweep_repairs
from xinyong.repair.eligibility import (
    AREA,
    NOT_REPAIRABLE_BASIS,
    NOT_REPAIRABLE_FLAG,
    NOT_REPAIRABLE_KINDS,
    READER,
    Upload,
    eligibility,
)
from xinyong.repair.oversight import deadline_items as deadline_items
from xinyong.repair.reading import get_application, history_of, list_applications, material_file, to_view

__all__ = [
    "AREA",
    "NOT_REPAIRABLE_BASIS",
    "NOT_REPAIRABLE_FLAG",
    "NOT_REPAIRABLE_KINDS",
    "READER",
    "Upload",
    "accept",
    "after_repair",
    "apply",
    "awaiting_decision",
    "deadline_items",
    "eligibility",
    "get_application",
    "history_of",
    "list_applications",
    "material_file",
    "propose",
    "review",
    "sweep_repairs",
    "to_view",
]
