"""API shapes of entities and persons (separate from the tables)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class EntityIn(BaseModel):
    """What a registry feed or the demo loader gives about an entity."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    industry_code: str | None = Field(default=None, max_length=8)
    industry_name: str | None = Field(default=None, max_length=100)
    legal_form: str | None = Field(default=None, max_length=64)
    registered_address: str | None = Field(default=None, max_length=300)
    registered_capital: str | None = Field(default=None, max_length=32)
    established_on: dt.date | None = None
    status: str = "存续"


class PersonRoleOut(BaseModel):
    role: str
    name: str
    id_masked: str | None = None
    valid_from: dt.date | None
    valid_to: dt.date | None
    asserted_by: str


class EntitySummary(BaseModel):
    uscc: str
    name: str
    type_name: str
    region_code: str
    status: str


class EntityOut(BaseModel):
    uscc: str
    name: str
    authority_name: str
    type_name: str
    region_code: str
    industry_code: str | None
    industry_name: str | None
    legal_form: str | None
    registered_address: str | None
    registered_capital: str | None
    established_on: dt.date | None
    status: str
    provisional: bool
    former_names: list[str]
    aliases: dict[str, str]
    persons: list[PersonRoleOut]
