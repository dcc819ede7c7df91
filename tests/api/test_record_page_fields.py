"""Issue 15 item: the record page shows each field once. The national format repeats head facts inside the content
(决定日期 ``JDRQ``, 行政相对人类别 ``XDR_LB``, 文书号 ``WSH``, 许可决定文书名称 ``XKWS``, 数据来源单位 ``SJLY``…);
the page's head shows them, the labelled fields below must not again — for the public and for staff, for a penalty
and a licence, on both databases."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core.actor import Actor, Role
from xinyong.records import service as records

HEAD = {
    "penalty": (
        "行政相对人名称",
        "行政相对人类别",
        "统一社会信用代码",
        "行政处罚决定书文号",
        "决定文书名称",
        "决定日期",
    ),
    "license": ("行政相对人名称", "行政相对人类别", "统一社会信用代码", "文书号", "决定文书名称", "决定日期"),
}
READERS = {
    "public": Actor.public(),
    "office": Actor(role=Role.CREDIT_OFFICE, id="user:office"),
    "source": builders.operator("SCJGJ"),
}


@pytest.mark.parametrize("kind", ["penalty", "license"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_the_record_page_shows_each_field_once(
    as_actor: Callable[[Actor], TestClient], db: Session, kind: str, reader: str
) -> None:
    firm = builders.entity(db)
    day = builders.recent_day().isoformat()
    content = {
        "XDR_MC": firm.name, "XDR_LB": "法人及非法人组织", "XDR_SHXYM": firm.uscc, "WSH": "共市监〔2026〕88号",
        "JDRQ": day, "LYDW": "共青城市市场监督管理局", "SJLY": "共青城市市场监督管理局", "ZT": "有效", "FRDB": "王五",
    }  # fmt: skip
    if kind == "penalty":
        content |= {"WFXW": "虚假宣传", "SY": "发布虚假广告", "CFLB": ["罚款"], "NR_FK": 0.5}
        data = builders.penalty(firm.uscc, "共市监〔2026〕88号", content=content)
    else:
        content |= {"XKWS": "食品经营许可决定书", "XKLB": "普通", "XKZS": "食品经营许可证", "XKBH": "JY13604820001"}
        data = builders.penalty(firm.uscc, "共市监〔2026〕88号", kind="license", severity=None, content=content)
    made, _ = records.upsert_record(db, builders.SYSTEM, data)
    page = as_actor(READERS[reader]).get(f"/record/{made.record_id}")
    assert page.status_code == 200, page.text[:300]
    labels = Counter(re.sub(r"<[^>]+>", "", dt).strip() for dt in re.findall(r"<dt>(.*?)</dt>", page.text))
    repeated = {label: count for label, count in labels.items() if count > 1}
    assert repeated == {}, f"shown more than once: {repeated}"
    for label in HEAD[kind]:
        assert labels[label] == 1, label
    assert labels["数据来源单位"] == 1 and labels["当前状态"] == 1
    assert "决定书文号" not in labels or kind == "penalty"
    assert labels["文书号"] == (1 if kind == "license" else 0)  # WSH is the head's document number, never again
