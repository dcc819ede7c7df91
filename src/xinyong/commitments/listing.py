"""The commitments area's two questions to the lists area (严重失信主体名单 and the listing procedure):
is an entity on the serious list now, and propose an entity into a list's procedure after a breach.

A breach never lists anyone directly: it only opens a proposal, which then follows the lists area's procedure
(prior notice, statement window, a reviewed two-person decision).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from xinyong.core.actor import Actor
from xinyong.core.errors import Conflict

WIRED = False  # set when the lists service is wired in (see the module docstring)


def serious_list_entries(session: Session, uscc: str, on: dt.date) -> list[str]:
    """Current serious-list entries of the entity, described for a refusal. Not wired yet: no lists area."""
    return []


def propose(
    session: Session, actor: Actor, *, list_type: str, uscc: str, name: str, facts: str, basis: str, source: str
) -> str:
    """Open a proposal into ``list_type``'s listing procedure; returns its reference."""
    raise Conflict(
        f"list proposals ({list_type}) are not available yet: the lists area is not installed (名单功能未上线)"
    )
