"""Shapes of the desensitisation rules API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from xinyong.privacy.rules import Category


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category = Field(
        description="name_marker 姓名提示词, address_marker 住址提示词, keep_word 保留词, "
        "surname 姓氏, pattern 屏蔽模式（正则表达式）"
    )
    value: str = Field(min_length=1, max_length=200)
    label: str = Field(default="", max_length=100)


class RuleOut(BaseModel):
    id: int
    category: str
    value: str
    label: str
    created_by: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


class RuleSetOut(BaseModel):
    version: int = Field(description="the largest rule id: 0 while only the built-in rules apply")
    rules: list[RuleOut]
