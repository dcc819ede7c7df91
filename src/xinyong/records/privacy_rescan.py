"""Re-desensitise every stored record version (``xinyong privacy rescan``; the demo loader runs it too).

For each version, in id order: the free text is taken back to its original (decrypting ``<key>_enc``), protected
again with the rules in force (identifiers and contact numbers masked in the stored text, the original SM4-encrypted
and blind-indexed) and written back in place when the stored form differs; current versions of natural persons
(and 个体工商户) are held for review when the desensitiser is unsure and nobody confirmed their text yet. Each chunk is
committed with the run's mark (``privacy_rescans``), so a killed run goes on where it stopped; a finished run is
audited with its counts. The title is protected the same way (the persons' names of a natural person's record and
any number masked, the original encrypted in ``TITLE_enc``), and after the versions the rejected rows of batches
(``batch_rejections.values``: identifiers and contact numbers in any cell masked, the cell encrypted under
``__enc__``), resumed from ``counts["last_rejection_id"]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor
from xinyong.core.db import Database
from xinyong.privacy import service as privacy_rules
from xinyong.privacy.models import PrivacyRescan
from xinyong.privacy.rules import RuleSet
from xinyong.records import privacy
from xinyong.records.models import BatchRejection, CreditRecordVersion
from xinyong.records.rules import PERSONAL_ID_KEYS

CHUNK = 500
Progress = Callable[[int, int], None]


def _stored_form(content: dict[str, Any]) -> dict[str, Any]:
    """The content as it should be stored now: text re-protected, ID companions and confirmed texts kept."""
    kept = {
        k: v
        for k, v in content.items()
        if k.endswith("_pub") or (privacy.is_companion(k) and k.rsplit("_", 1)[0] in PERSONAL_ID_KEYS)
    }  # the title's companions are made again from the original title (rescan_version)
    fresh = privacy.protect_content(privacy.original_content(content), None)
    return {**fresh, **kept}


def _plain(content: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in content.items() if not k.endswith("_enc")}


def rescan_version(version: CreditRecordVersion, rules: RuleSet, counts: Counter[str]) -> bool:
    """Bring one version up to the rules in force; whether anything changed."""
    changed = False
    title = privacy.original_title(version.title, version.content)
    fields = privacy.protect_fields(
        {
            "subject_type": version.subject_type,
            "subject_uscc": version.subject_uscc,
            "subject_name": version.subject_name,
            "title": title,
            "content": _stored_form(version.content),
        }
    )
    stored = fields["content"]
    if _plain(stored) != _plain(version.content) or set(stored) != set(version.content):
        version.content = stored
        counts["content"] += 1
        changed = True
    if fields["title"] != version.title:
        version.title = fields["title"]
        counts["title"] += 1
        changed = True
    if version.valid_to is None and not version.privacy_hold:
        hold = privacy.hold_for(
            version.subject_type, version.subject_uscc, version.subject_name, version.title, version.content, rules
        )
        if hold:
            version.privacy_hold = True
            counts["held"] += 1
            changed = True
    return changed


def rescan_rejection(rejection: BatchRejection, counts: Counter[str]) -> bool:
    """A rejected row's cells with identifiers and contact numbers out of the clear; whether anything changed."""
    stored = privacy.protect_rejected(dict(rejection.values))
    if stored == rejection.values:
        return False
    rejection.values = stored
    counts["rejections"] += 1
    return True


def _open_run(session: Session, actor: Actor, restart: bool, rules: RuleSet) -> PrivacyRescan:
    run = session.execute(
        select(PrivacyRescan).where(PrivacyRescan.finished_at.is_(None)).order_by(PrivacyRescan.id.desc()).limit(1)
    ).scalar_one_or_none()
    if run is not None and not restart:
        return run
    if run is not None:
        run.finished_at = clock.now()  # abandoned for a fresh run
    run = PrivacyRescan(
        started_at=clock.now(),
        finished_at=None,
        last_version_id=0,
        scanned=0,
        changed=0,
        held=0,
        rules_version=rules.version,
        actor_id=actor.id,
        counts={},
    )
    session.add(run)
    session.flush()
    return run


def rescan(
    database: Database, actor: Actor, *, restart: bool = False, chunk: int = CHUNK, progress: Progress | None = None
) -> PrivacyRescan:
    """Run (or resume) a re-desensitisation over every version; returns the finished run with its counts."""
    with database.unit_of_work() as session:
        rules = privacy_rules.ruleset(session)
        run = _open_run(session, actor, restart, rules)
        run_id = run.id
        total = session.execute(select(func.count()).select_from(CreditRecordVersion)).scalar_one()
        total += session.execute(select(func.count()).select_from(BatchRejection)).scalar_one()
    while True:
        with database.unit_of_work() as session:
            run = session.get_one(PrivacyRescan, run_id)
            versions = list(
                session.execute(
                    select(CreditRecordVersion)
                    .where(CreditRecordVersion.id > run.last_version_id)
                    .order_by(CreditRecordVersion.id)
                    .limit(chunk)
                ).scalars()
            )
            counts: Counter[str] = Counter(run.counts)
            for version in versions:
                if rescan_version(version, rules, counts):
                    run.changed += 1
            rejected: list[BatchRejection] = []
            if not versions:  # then the rejected rows' cells, resumed from the last one done
                rejected = list(
                    session.execute(
                        select(BatchRejection)
                        .where(BatchRejection.id > counts["last_rejection_id"])
                        .order_by(BatchRejection.id)
                        .limit(chunk)
                    ).scalars()
                )
                for rejection in rejected:
                    if rescan_rejection(rejection, counts):
                        run.changed += 1
                if rejected:
                    counts["last_rejection_id"] = rejected[-1].id
            run.held = counts["held"]
            run.scanned += len(versions) + len(rejected)
            run.counts = dict(counts)
            if versions:
                run.last_version_id = versions[-1].id
            elif not rejected:
                run.finished_at = clock.now()
                audit.record(
                    session,
                    actor,
                    "privacy:rescan:finished",
                    "privacy_rescan",
                    str(run.id),
                    {"scanned": run.scanned, "changed": run.changed, "held": run.held, "rules": run.rules_version},
                )
            session.flush()
            scanned, finished = run.scanned, run.finished_at is not None
        if progress is not None:
            progress(scanned, total)
        if finished:
            break
    with database.unit_of_work() as session:
        done = session.get_one(PrivacyRescan, run_id)
        session.expunge(done)
        return done
