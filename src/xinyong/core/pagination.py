"""Pagination shared by every list: one validated request shape and one response envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from xinyong.core.errors import InvalidInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    page_size: int = 20

    @classmethod
    def checked(cls, page: int, page_size: int, *, max_size: int = 100) -> PageRequest:
        if page < 1:
            raise InvalidInput("page must be ≥ 1 (页码从 1 开始)", field="page")
        if page > 1_000_000:
            raise InvalidInput("page is too large (页码过大)", field="page")
        if not 1 <= page_size <= max_size:
            raise InvalidInput(f"page_size must be between 1 and {max_size} (每页条数)", field="page_size")
        return cls(page, page_size)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int
    total_capped: bool = False  # the count stopped at a cap: there are at least ``total`` matches

    @property
    def pages(self) -> int:
        return (self.total + self.page_size - 1) // self.page_size if self.total else 0
