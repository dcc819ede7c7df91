"""Anchors of the audit chain (审计链锚点): the signed head, kept where a database administrator cannot reach.

The keyed links (:mod:`xinyong.core.audit`) stop anyone without the key from rewriting an event and the links after
it. They cannot show the newest events deleted and the head rewound to an earlier, genuine event, nor a chain
replaced wholesale. An anchor can: at least daily (the background tick, every ``XINYONG_AUDIT_ANCHOR_MINUTES``; or
``xinyong audit anchor``) the head — sequence number, hash, time, key version, the switch point to keyed links —
is signed (HMAC-SM3 under the current audit key, domain-separated from the links) and kept in four places:

1. the ``audit_anchors`` table (what the portal publishes: ``/audit/anchors`` and ``/audit/anchors.json``);
2. an append-only file outside the database (``XINYONG_AUDIT_ANCHOR_FILE``, one JSON line per anchor), written
   after the anchor's transaction commits;
3. the outbox, to every active push target of the exchange (the province), topic ``audit.anchor`` — once
   delivered, a copy the city cannot take back, as in a transparency log;
4. the chain itself: an ``audit:chain:anchored`` event right after the anchored head.

:func:`verify_anchors` checks every anchor of the file and the table (signature, the event it names still carries
its hash, the same switch point), the outbox copies and the head witness (the newest committed head, kept outside
the database after every commit: events deleted after the last anchor are found by it), and says which events came
after the last anchor — the ones no anchor covers yet.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from xinyong.core import audit, clock, outbox
from xinyong.core.actor import Actor
from xinyong.core.audit_keys import AuditKeyError, AuditKeyring, get_keyring
from xinyong.core.config import get_settings
from xinyong.core.db import Base, Database, UTCDateTime

TOPIC = "audit.anchor"
ANCHORED = "audit:chain:anchored"
FORMAT = "xinyong-audit-anchor/1"
MAX_FILE_LINE = 4096


class AuditAnchor(Base):
    """One signed head of the chain (审计链锚点)."""

    __tablename__ = "audit_anchors"
    __table_args__ = (UniqueConstraint("seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    key_version: Mapped[int] = mapped_column(Integer)
    keyed_from: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Anchor:
    """A signed head as it travels: in the file, in the outbox, on the portal."""

    seq: int
    hash: str
    at: dt.datetime
    key_version: int
    keyed_from: int
    signature: str

    def body(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "key_version": self.key_version,
            "keyed_from": self.keyed_from,
        }

    def as_json(self) -> dict[str, Any]:
        return {**self.body(), "signature": self.signature}

    @classmethod
    def from_json(cls, data: Any) -> Anchor:
        """Parse one anchor; ``ValueError`` for anything malformed (never trusted: it is checked afterwards)."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not an audit anchor")
        try:
            anchor = cls(
                seq=int(data["seq"]),
                hash=str(data["hash"]),
                at=dt.datetime.fromisoformat(str(data["at"])),
                key_version=int(data["key_version"]),
                keyed_from=int(data["keyed_from"]),
                signature=str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError("an audit anchor lacks a field or has a malformed one") from None
        if anchor.at.tzinfo is None or anchor.seq < 0 or anchor.key_version < 1 or anchor.keyed_from < 1:
            raise ValueError("an audit anchor has an impossible value")
        return anchor

    @classmethod
    def from_row(cls, row: AuditAnchor) -> Anchor:
        return cls(row.seq, row.hash, row.at, row.key_version, row.keyed_from, row.signature)


def _beijing(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(clock.BEIJING)


def _signed_bytes(body: dict[str, Any]) -> bytes:
    return b"xinyong:audit-anchor:" + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(keyring: AuditKeyring, seq: int, hash_: str, at: dt.datetime, keyed_from: int) -> Anchor:
    version = keyring.current_version
    unsigned = Anchor(seq, hash_, at, version, keyed_from, "")
    return Anchor(seq, hash_, at, version, keyed_from, keyring.mac(version, _signed_bytes(unsigned.body())).hex())


def signature_ok(keyring: AuditKeyring, anchor: Anchor) -> bool:
    try:
        expected = keyring.mac(anchor.key_version, _signed_bytes(anchor.body())).hex()
    except AuditKeyError:
        return False
    return hmac.compare_digest(expected, anchor.signature)


# ---------------------------------------------------------------- the file outside the database


def append_to_file(path: Path, anchor: Anchor) -> None:
    """Append one line (O_APPEND, fsync): concurrent writers never interleave, a written anchor survives a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(anchor.as_json(), sort_keys=True, separators=(",", ":")) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class FileAnchors:
    anchors: list[Anchor]
    malformed: list[int]  # line numbers
    exists: bool


def read_file(path: Path) -> FileAnchors:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return FileAnchors([], [], exists=False)
    anchors: list[Anchor] = []
    malformed: list[int] = []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            if len(line) > MAX_FILE_LINE:
                raise ValueError("line too long")
            anchors.append(Anchor.from_json(json.loads(line)))
        except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            malformed.append(number)
    return FileAnchors(anchors, malformed, exists=True)


# ---------------------------------------------------------------- making an anchor


def last_anchor(session: Session) -> AuditAnchor | None:
    return session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq.desc()).limit(1)).first()


def is_due(session: Session, now: dt.datetime | None = None) -> bool:
    """True when the last anchor is ``XINYONG_AUDIT_ANCHOR_MINUTES`` old (an hour by default) or there is none.

    Machine time, not a legal deadline: a plain timedelta is right."""
    found = last_anchor(session)
    if found is None:
        return True
    interval = dt.timedelta(minutes=get_settings().audit_anchor_minutes)
    return (now or clock.now()) - found.at >= interval


Targets = Callable[[Session], Sequence[str]]


def _no_targets(_session: Session) -> Sequence[str]:
    return ()


def anchor(
    database: Database, actor: Actor, *, targets: Targets = _no_targets, only_if_due: bool = False
) -> Anchor | None:
    """Sign the current head, keep it in the table, the outbox (one message per target) and the chain; after the
    commit append it to the anchor file. None when ``only_if_due`` and the last anchor is recent, or the chain is
    empty."""
    with database.unit_of_work() as session:
        audit.ensure_head(session)
        head = session.execute(select(audit.AuditHead).where(audit.AuditHead.id == 1).with_for_update()).scalar_one()
        if only_if_due and not is_due(session):
            return None
        if head.last_seq == 0:
            return None
        previous = last_anchor(session)
        if previous is not None and previous.seq == head.last_seq:
            return None  # nothing new (cannot happen after an anchor event, kept for safety)
        signed = sign(get_keyring(), head.last_seq, head.last_hash, clock.now(), head.keyed_from)
        session.add(
            AuditAnchor(
                seq=signed.seq,
                hash=signed.hash,
                at=signed.at,
                key_version=signed.key_version,
                keyed_from=signed.keyed_from,
                signature=signed.signature,
            )
        )
        session.flush()
        for url in targets(session):
            outbox.enqueue(
                session,
                actor,
                topic=TOPIC,
                destination=url,
                payload=signed.as_json(),
                idempotency_key=f"audit-anchor-{signed.seq}",
            )
        audit.record(session, actor, ANCHORED, "audit_anchor", str(signed.seq), signed.as_json())
    append_to_file(get_settings().audit_anchor_file, signed)
    return signed


# ---------------------------------------------------------------- checking against the anchors


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    problems: list[str] = field(default_factory=list)
    problems_zh: list[str] = field(default_factory=list)  # the same, for the console
    last: Anchor | None = None  # the newest anchor of the file
    head_seq: int = 0
    anchors: int = 0
    outbox_copies: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def after(self) -> tuple[int, int] | None:
        """The range of events recorded after the last anchor (not covered by any anchor yet)."""
        start = (self.last.seq if self.last else 0) + 1
        return (start, self.head_seq) if self.head_seq >= start else None

    def describe(self) -> list[str]:
        lines: list[str] = []
        if self.ok:
            lines.append(
                f"anchors intact: {self.anchors} anchors in the file and the table, "
                f"{self.outbox_copies} outbox copies agree"
            )
        else:
            lines.extend(f"anchor check failed: {problem}" for problem in self.problems)
        if self.last is not None:
            when = _beijing(self.last.at).strftime("%Y-%m-%d %H:%M")
            lines.append(f"last anchor: event {self.last.seq} at {when} Beijing time (key v{self.last.key_version})")
        lines.extend(self.warnings)
        after = self.after
        if after is not None:
            first, last = after
            lines.append(f"events {first}–{last} came after the last anchor ({last - first + 1} not anchored yet)")
        return lines


def _event_hashes(session: Session, seqs: set[int]) -> dict[int, str]:
    table = audit.AuditEvent.__table__
    found: dict[int, str] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for seq, hash_ in session.execute(select(table.c.seq, table.c.hash).where(table.c.seq.in_(chunk))):
            found[int(seq)] = str(hash_)
    return found


def _check_witness(session: Session, head_seq: int, problem: Callable[[str, str], None], warnings: list[str]) -> None:
    """The head witness outside the database (:mod:`xinyong.core.audit`) against the chain: events it saw committed
    must still be there with the hash it saw — this covers the events recorded since the last anchor."""
    path = get_settings().audit_witness_file
    if path is None:
        return
    first = session.execute(select(audit.AuditEvent.hash).where(audit.AuditEvent.seq == 1)).scalar_one_or_none()
    if first is None:
        return  # an empty chain: whether it was emptied is the anchors' question
    heads = audit.read_witness(path)
    if heads is None:
        if path.exists():
            warnings.append(f"the head witness {path} cannot be read")
        return
    seen = heads.get(first)
    if seen is None:
        return  # the witness never saw this chain commit (new, or the witness was off)
    when = seen.at[:16].replace("T", " ")
    if seen.conflict is not None:
        problem(
            f"a commit ending at event {seen.conflict} did not continue the chain the head witness saw up to event "
            f"{seen.seq} at {when} UTC (the head was rewound and the chain carried on)",
            f"截至第 {seen.conflict} 条的提交未接续库外链头见证记录的第 {seen.seq} 条（链头曾被回退后续写）",
        )
    if seen.seq > head_seq:
        problem(
            f"events {head_seq + 1}–{seen.seq} were committed (the head witness outside the database saw event "
            f"{seen.seq} at {when} UTC) but the chain now ends at event {head_seq} (events deleted, head rewound)",
            f"第 {head_seq + 1}–{seen.seq} 条事件曾经提交（库外的链头见证记录了第 {seen.seq} 条），"
            f"但日志现在止于第 {head_seq} 条（事件被删除、链头被回退）",
        )
        return
    hashes = _event_hashes(session, {seen.seq})
    if seen.seq not in hashes:
        problem(
            f"event {seen.seq}, seen committed by the head witness, is missing from the chain",
            f"库外链头见证记录的第 {seen.seq} 条事件在日志中缺失",
        )
    elif not hmac.compare_digest(hashes[seen.seq], seen.hash):
        problem(
            f"event {seen.seq} no longer carries the hash the head witness saw committed (rewritten)",
            f"第 {seen.seq} 条事件的哈希与库外链头见证记录的不符（日志被改写）",
        )


def verify_anchors(session: Session, keyring: AuditKeyring | None = None, path: Path | None = None) -> AnchorCheck:
    """Check the chain in the database against every anchor kept outside it (and the table's and outbox's copies)."""
    keys = keyring or get_keyring()
    path = path or get_settings().audit_anchor_file
    problems: list[str] = []
    problems_zh: list[str] = []
    warnings: list[str] = []

    def problem(english: str, chinese: str) -> None:
        problems.append(english)
        problems_zh.append(chinese)

    head = session.get(audit.AuditHead, 1)
    head_seq = head.last_seq if head is not None else 0
    keyed_from = head.keyed_from if head is not None else 1
    kept = read_file(path)
    for number in kept.malformed:
        problem(f"line {number} of the anchor file {path} is not an anchor", f"锚点文件第 {number} 行不是锚点")
    table = {row.seq: Anchor.from_row(row) for row in session.scalars(select(AuditAnchor).order_by(AuditAnchor.seq))}
    in_file: dict[int, Anchor] = {}
    for item in kept.anchors:
        if not signature_ok(keys, item):
            problem(
                f"the anchor of event {item.seq} in the anchor file has a wrong signature (edited)",
                f"锚点文件中第 {item.seq} 条事件的锚点签名不符（被改动）",
            )
            continue
        in_file[item.seq] = item
    for seq, row in table.items():
        if not signature_ok(keys, row):
            problem(
                f"the anchor of event {seq} in the audit_anchors table has a wrong signature (edited)",
                f"锚点表中第 {seq} 条事件的锚点签名不符（被改动）",
            )
        elif seq in in_file and in_file[seq] != row:
            problem(
                f"the anchor of event {seq} differs between the table and the anchor file",
                f"第 {seq} 条事件的锚点在锚点表与锚点文件中不一致",
            )
        elif seq not in in_file:
            problem(
                f"the anchor of event {seq} is in the audit_anchors table but not in the anchor file",
                f"第 {seq} 条事件的锚点在锚点表中，但锚点文件中没有",
            )
    for seq in in_file:
        if seq not in table:
            problem(
                f"the anchor of event {seq} is in the anchor file but missing from the audit_anchors table",
                f"第 {seq} 条事件的锚点在锚点文件中，但锚点表中缺失（被删除）",
            )
    if not kept.exists and table:
        problem(
            f"the anchor file {path} is missing while the table holds {len(table)} anchors",
            f"锚点文件不存在，而锚点表中有 {len(table)} 个锚点",
        )
    hashes = _event_hashes(session, set(in_file))
    for seq, item in sorted(in_file.items()):
        if seq > head_seq:
            problem(
                f"event {seq} was anchored but the chain now ends at event {head_seq} (events deleted, head rewound)",
                f"第 {seq} 条事件已锚定，但日志现在止于第 {head_seq} 条（事件被删除、链头被回退）",
            )
        elif seq not in hashes:
            problem(f"anchored event {seq} is missing from the chain", f"已锚定的第 {seq} 条事件在日志中缺失")
        elif not hmac.compare_digest(hashes[seq], item.hash):
            problem(
                f"event {seq} no longer carries the hash anchored on {_beijing(item.at):%Y-%m-%d} (rewritten)",
                f"第 {seq} 条事件的哈希与 {_beijing(item.at):%Y-%m-%d} 锚定的不符（日志被改写）",
            )
        if item.keyed_from != keyed_from:
            problem(
                f"the switch to keyed links moved: anchored at event {item.keyed_from}, now {keyed_from}",
                f"启用密钥的起点被移动：锚定时为第 {item.keyed_from} 条，现为第 {keyed_from} 条",
            )
    _check_witness(session, head_seq, problem, warnings)
    copies = 0
    for message in session.scalars(select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == TOPIC)):
        try:
            copy = Anchor.from_json(message.payload)
        except ValueError:
            problem(f"outbox message {message.id} is not an anchor", f"发件箱消息 {message.id} 不是锚点")
            continue
        copies += 1
        if not signature_ok(keys, copy):
            problem(
                f"the outbox copy of the anchor of event {copy.seq} (message {message.id}) has a wrong signature",
                f"发件箱中第 {copy.seq} 条事件的锚点副本（消息 {message.id}）签名不符",
            )
        elif in_file.get(copy.seq) != copy:
            problem(
                f"the outbox copy of the anchor of event {copy.seq} (message {message.id}) is not in the anchor file",
                f"发件箱中第 {copy.seq} 条事件的锚点副本（消息 {message.id}）与锚点文件不符",
            )
    last = max(in_file.values(), key=lambda a: a.seq) if in_file else None
    if last is None:
        warnings.append(
            "no anchor yet: run 'xinyong audit anchor' (the background tick anchors every XINYONG_AUDIT_ANCHOR_MINUTES)"
        )
    elif copies and not any(
        message.payload.get("seq") == last.seq
        for message in session.scalars(select(outbox.OutboxMessage).where(outbox.OutboxMessage.topic == TOPIC))
    ):
        warnings.append(f"the last anchor (event {last.seq}) has no outbox copy")
    return AnchorCheck(
        ok=not problems,
        problems=problems,
        problems_zh=problems_zh,
        last=last,
        head_seq=head_seq,
        anchors=len(in_file),
        outbox_copies=copies,
        warnings=warnings,
    )
