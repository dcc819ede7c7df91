"""Tables of the entity master (市场主体库) and related persons."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from xinyong.core.db import Base, UTCDateTime


class Entity(Base):
    """One market entity or organisation, keyed by its USCC (统一社会信用代码)."""

    __tablename__ = "entities"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # search keys derived from the name (entities.rules.pinyin_keys): full pinyin and initials
    name_pinyin: Mapped[str] = mapped_column(String(400), default="")
    name_initials: Mapped[str] = mapped_column(String(400), default="")
    # former names (曾用名) joined by "｜", so one indexed column answers "find it by an old name"
    former_names: Mapped[str] = mapped_column(String(1000), default="")
    authority: Mapped[str] = mapped_column(String(1))  # 登记管理部门代码 (pos 1)
    org_type: Mapped[str] = mapped_column(String(1))  # 机构类别代码 (pos 2)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(8))  # GB/T 4754 e.g. C1810
    industry_name: Mapped[str | None] = mapped_column(String(100))
    legal_form: Mapped[str | None] = mapped_column(String(64))  # 有限责任公司、有限合伙企业、个体工商户…
    registered_address: Mapped[str | None] = mapped_column(String(300))
    registered_capital: Mapped[str | None] = mapped_column(String(32))  # as registered, e.g. "500万元人民币"
    established_on: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))
    # Created from a department's record before the registry knew it (out-of-town firms); not yet confirmed.
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class EntityName(Base):
    """Names an entity has carried (曾用名), with the period each was used."""

    __tablename__ = "entity_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)


class EntityAlias(Base):
    """An old code (工商注册号, 组织机构代码, 税务登记号…) that resolves to exactly one USCC."""

    __tablename__ = "entity_aliases"
    __table_args__ = (UniqueConstraint("alias_type", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alias_type: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), index=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)


class Person(Base):
    """A natural person. The ID number is only stored SM4-encrypted, with an HMAC-SM3 blind index for lookup."""

    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("id_type", "id_blind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_type: Mapped[str] = mapped_column(String(32))
    id_number_enc: Mapped[str] = mapped_column(String(200))
    id_blind: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PersonRoleLink(Base):
    """A typed, time-bounded link between a person and an entity, with who asserted it."""

    __tablename__ = "person_roles"
    __table_args__ = (Index("ix_person_roles_person", "person_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(ForeignKey("entities.uscc"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # exclusive; None = still holds
    asserted_by: Mapped[str] = mapped_column(String(16))
    source_department: Mapped[str | None] = mapped_column(ForeignKey("departments.code"))
    share_percent: Mapped[str | None] = mapped_column(String(16))  # for 股东, as declared
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RegradeQueue(Base):
    """Entities whose credit grade must be recomputed (重新评价), queued by the areas that change what the grade
    counts (records, lists) in their own transaction; the evaluation area drains it (``xinyong tick``,
    ``xinyong regrade --pending``). It lives this low because records and lists cannot import evaluation."""

    __tablename__ = "regrade_queue"
    __table_args__ = (Index("ix_regrade_queue_uscc", "uscc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18))
    cause: Mapped[str] = mapped_column(String(200))
    queued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
