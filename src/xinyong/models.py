"""Import every area's tables so that ``Base.metadata`` is complete (Alembic, schema creation, tests)."""

from xinyong.core import audit as _audit  # noqa: F401
from xinyong.core import calendar as _calendar  # noqa: F401
from xinyong.core.db import Base

__all__ = ["Base"]
