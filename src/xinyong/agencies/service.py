"""Use cases of credit-service agencies (信用服务机构): registration and status by the credit office, their API keys,
the entity's grants (授权), the audited agency API (public data always, the full report only under a grant in force),
and change notices that make a repair or withdrawal reach every copy an agency holds.

- **Keys**: an agency's API clients are the platform's API clients with the role ``credit_agency`` (so they reach
  only the agency API and what the public reads); suspending the agency suspends its clients, and a suspended or
  revoked key is refused at authentication.
- **Grants** are procedures on the workflow mechanism (``agency_grant_steps``), given and withdrawn by the entity
  signed in as itself; "in force" is decided on every call from the status and the last day, so expiry and
  withdrawal take effect at once.
- **Every call** of an agency about a subject is a row of ``agency_queries`` (agency, client, grant, purpose,
  subject, scope, report number), which the entity reads on its page; an agency reads only its own.
- **Change notices**: :func:`sweep_agency_notices` (``xinyong tick``, before the outbox) reads the record and list
  step logs (``credit_record_steps``: repair, revoke, correct, expire; ``list_entry_steps``: expire, exit_early,
  revoke) with an anti-join on ``agency_change_sources`` (a step committed late with a smaller id is still found),
  and makes one notice per subscribing agency (unique per agency and step), queued in the outbox to the agency's
  webhook (signed with its own secret, retried) and always readable through the API. An agency acknowledges each
  notice; one unacknowledged after ``XINYONG_AGENCY_ACK_WORKDAYS`` working days (the office's calendar) is overdue.

The service is the area's surface; its parts live in sections of their own: :mod:`~xinyong.agencies.registry` (agencies,
keys, who is calling), :mod:`~xinyong.agencies.grants` (the entity's grants), :mod:`~xinyong.agencies.access` (the
agency API and its query log) and :mod:`~xinyong.agencies.notices` (subscriptions and change notices).
"""

from __future__ import annotations

from xinyong.agencies.access import issue_report, queries_of_agency, queries_of_subject, read_subject, report_of_agency
from xinyong.agencies.grants import (
    give_grant,
    grant_in_force,
    grants_of_agency,
    grants_of_subject,
    is_in_force,
    read_grant,
    withdraw_grant,
)
from xinyong.agencies.notices import (
    AgencyTally,
    Holder,
    NoticeSweep,
    acknowledge,
    holders_of,
    notices_for_office,
    notices_of_agency,
    notify,
    state_of,
    subscribe,
    subscriptions_of,
    sweep_agency_notices,
    tallies,
)
from xinyong.agencies.registry import (
    NOTICE_TOPIC,
    OFFICE_PARTIES,
    agency_of,
    agency_steps,
    change_status,
    check_caller,
    clients_of,
    get_agency,
    issue_key,
    list_agencies,
    public_register,
    read_agency,
    register_agency,
    revoke_key,
    set_webhook,
)

__all__ = [
    "NOTICE_TOPIC",
    "OFFICE_PARTIES",
    "AgencyTally",
    "Holder",
    "NoticeSweep",
    "acknowledge",
    "agency_of",
    "agency_steps",
    "change_status",
    "check_caller",
    "clients_of",
    "get_agency",
    "give_grant",
    "grant_in_force",
    "grants_of_agency",
    "grants_of_subject",
    "holders_of",
    "is_in_force",
    "issue_key",
    "issue_report",
    "list_agencies",
    "notices_for_office",
    "notices_of_agency",
    "notify",
    "public_register",
    "queries_of_agency",
    "queries_of_subject",
    "read_agency",
    "read_grant",
    "read_subject",
    "register_agency",
    "report_of_agency",
    "revoke_key",
    "set_webhook",
    "state_of",
    "subscribe",
    "subscriptions_of",
    "sweep_agency_notices",
    "tallies",
    "withdraw_grant",
]
