"""Import every area's tables so that ``Base.metadata`` is complete (Alembic, schema creation, tests)."""

from xinyong.agencies import models as _agencies  # noqa: F401
from xinyong.campaigns import models as _campaigns  # noqa: F401
from xinyong.commitments import models as _commitments  # noqa: F401
from xinyong.complaints import models as _complaints  # noqa: F401
from xinyong.content import models as _content  # noqa: F401
from xinyong.contradictions import models as _contradictions  # noqa: F401
from xinyong.core import audit as _audit  # noqa: F401
from xinyong.core import audit_anchors as _audit_anchors  # noqa: F401
from xinyong.core import calendar as _calendar  # noqa: F401
from xinyong.core import clock_store as _clock_store  # noqa: F401
from xinyong.core import departments as _departments  # noqa: F401
from xinyong.core import opstate as _opstate  # noqa: F401
from xinyong.core import outbox as _outbox  # noqa: F401
from xinyong.core.auth import models as _auth  # noqa: F401
from xinyong.core.db import Base
from xinyong.enterprise import models as _enterprise  # noqa: F401
from xinyong.entities import models as _entities  # noqa: F401
from xinyong.evaluation import models as _evaluation  # noqa: F401
from xinyong.exchange import models as _exchange  # noqa: F401
from xinyong.inspections import models as _inspections  # noqa: F401
from xinyong.lists import models as _lists  # noqa: F401
from xinyong.misuse import models as _misuse  # noqa: F401
from xinyong.objections import models as _objections  # noqa: F401
from xinyong.privacy import models as _privacy  # noqa: F401
from xinyong.punishment import models as _punishment  # noqa: F401
from xinyong.records import models as _records  # noqa: F401
from xinyong.remedies import models as _remedies  # noqa: F401
from xinyong.repair import models as _repair  # noqa: F401
from xinyong.reports import models as _reports  # noqa: F401
from xinyong.risk import models as _risk  # noqa: F401
from xinyong.scorecards import models as _scorecards  # noqa: F401
from xinyong.selfreport import models as _selfreport  # noqa: F401

__all__ = ["Base"]
