"""The console and portal pages of 双随机、一公开: a department works through forms from mapping to results; the public
reads the draw, its chart and its bundle; refusals come back as messages, never 500s."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.console.forms import notice_code
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.inspections import rules

OP = builders.operator("SCJGJ")
OFFICE = Actor(role=Role.CREDIT_OFFICE, id="office-1", name="信用办")


def _form(client: TestClient, path: str, data: dict[str, object]) -> str:
    answer = client.post(path, data={"csrf_token": "x", **data}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def test_department_works_through_the_console(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    for i in range(15):
        builders.entity(db, name=f"共青城页面测试企业{i}号有限公司")
    staff = as_actor(OP)
    first = staff.get("/console/inspections")
    assert first.status_code == 200 and "尚未设置" in first.text and "<svg" in first.text
    fields: dict[str, object] = {}
    for index, name in enumerate(rules.CLASSES):
        fields[f"ratio_{index}"] = "20" if name == rules.UNGRADED else rules.DEFAULT_CLASSES[name]["ratio"]
        fields[f"frequency_{index}"] = rules.DEFAULT_CLASSES[name]["frequency"]
    assert "done=" in _form(staff, "/console/inspections/mapping", {**fields, "note": "首次设置"})
    bad = _form(staff, "/console/inspections/mapping", {**fields, "ratio_0": "120"})
    assert "error=" in bad
    page = staff.get("/console/inspections?stratum=未评价&page=1")
    assert "第 1 版" in page.text and "class-entities" in page.text
    assert "done=" in _form(
        staff,
        "/console/inspections/items",
        {"code": "SC-9", "name": "广告发布行为检查", "basis": "《广告法》", "subject": "企业"},
    )
    for i in range(3):
        assert "done=" in _form(staff, "/console/inspections/inspectors", {"name": f"检查员{i}", "badge_no": f"PG-{i}"})
    assert "error=" in _form(
        staff, "/console/inspections/inspectors", {"name": "某人", "badge_no": "PG-9", "conflicts": "NOT-A-CODE"}
    )
    items = staff.get("/console/inspections/tasks").text
    item_id = re.search(r'name="item_ids" value="(\d+)"', items).group(1)  # type: ignore[union-attr]
    end = (clock.today() + dt.timedelta(days=30)).isoformat()
    where = _form(staff, "/console/inspections/tasks", {"name": "广告抽查", "item_ids": item_id, "inspection_end": end})
    task_id = int(re.search(r"/tasks/(\d+)", where).group(1))  # type: ignore[union-attr]
    assert "done=" in _form(staff, f"/console/inspections/tasks/{task_id}/draw", {"public_value": "3D 2025150 471"})
    assert "error=" in _form(staff, f"/console/inspections/tasks/{task_id}/draw", {"public_value": "3D 2025150 471"})
    detail = staff.get(f"/console/inspections/tasks/{task_id}")
    assert detail.status_code == 200 and "第 1 轮" in detail.text and "<svg" in detail.text
    assignment_id = re.search(r"/console/inspections/assignments/(\d+)/result", detail.text).group(1)  # type: ignore[union-attr]
    done = _form(
        staff,
        f"/console/inspections/assignments/{assignment_id}/result",
        {"result": "未发现问题", "result_date": clock.today().isoformat(), "task_id": task_id},
    )
    assert "done=" in done
    assert "error=" in _form(
        staff,
        f"/console/inspections/assignments/{assignment_id}/result",
        {"result": "随便", "result_date": clock.today().isoformat(), "task_id": task_id},
    )
    assert "done=" in _form(
        staff,
        "/console/inspections/cases",
        {"title": "A类企业无事不扰", "summary": "信用好的少查", "body": "某企业信用等级 A 级……"},
    )
    # the public side
    public = as_actor(Actor.public())
    index = public.get("/inspections")
    assert index.status_code == 200 and "广告抽查" in index.text and "<svg" in index.text
    draw_id = re.search(r"/inspections/draws/(\d+)\"", index.text).group(1)  # type: ignore[union-attr]
    shown = public.get(f"/inspections/draws/{draw_id}")
    assert shown.status_code == 200 and "3D 2025150 471" in shown.text and "未发现问题" in shown.text
    bundle = public.get(f"/inspections/draws/{draw_id}/bundle.json")
    assert bundle.status_code == 200 and rules.verify(bundle.json()).match
    _draw_filters(public, f"/inspections/draws/{draw_id}")
    _index_filters(public, draw_id)
    cases = public.get("/inspections/cases")
    assert "A类企业无事不扰" in cases.text
    case_id = re.search(r"/inspections/cases/(\d+)", cases.text).group(1)  # type: ignore[union-attr]
    assert public.get(f"/inspections/cases/{case_id}").status_code == 200
    assert public.get("/inspections/draws/999999").status_code == 404
    assert public.get("/inspections/cases/abc").status_code == 422


def _rows(page: str) -> list[str]:
    table = page.split('id="selected-table"', 1)[1].split("</table>", 1)[0] if 'id="selected-table"' in page else ""
    return re.findall(r"<tr><td>(\w{18})</td>", table)


def _draw_filters(public: TestClient, path: str) -> None:
    """The drawn entities filtered by name or code, 类别 and result; each filter narrows to the right rows."""
    everyone = _rows(public.get(path).text)
    assert len(everyone) >= 2
    done = _rows(public.get(path, params={"result": "done"}).text)
    pending = _rows(public.get(path, params={"result": "pending"}).text)
    assert len(done) == 1 and sorted(done + pending) == sorted(everyone)
    by_code = public.get(path, params={"q": done[0].lower()})  # a code as typed: any case
    assert _rows(by_code.text) == done and "符合条件 1 户" in by_code.text
    nobody = public.get(path, params={"q": "没有这个名字的企业"})
    assert nobody.status_code == 200 and _rows(nobody.text) == [] and "暂无符合条件的抽查对象" in nobody.text
    strata = set(re.findall(r'<option value="([^"]+)"', public.get(path).text)) - {"done", "pending"}
    assert strata
    counted = sum(len(_rows(public.get(path, params={"stratum": s}).text)) for s in strata)
    assert counted == len(everyone)
    for params in ({"result": "all"}, {"stratum": "不存在的类别"}, {"q": "a\x01b"}, {"q": "长" * 101}, {"page": 99}):
        refused = public.get(path, params=params)
        assert refused.status_code == 422, params


def _index_filters(public: TestClient, draw_id: str) -> None:
    """The published rounds filtered by task name, department and draw dates; hostile values refused in Chinese."""
    link = f'/inspections/draws/{draw_id}"'
    today = clock.today().isoformat()
    for params in ({"q": "广告"}, {"department": "scjgj"}, {"date_from": today, "date_to": today}):
        found = public.get("/inspections", params=params)
        assert found.status_code == 200 and link in found.text, params
    for params in ({"q": "没有这个任务"}, {"department": "SWJ"}, {"date_from": "2099-01-01"}):
        empty = public.get("/inspections", params=params)
        assert empty.status_code == 200 and link not in empty.text and "暂无符合条件的抽取结果" in empty.text, params
    for params in ({"department": "NOPE"}, {"date_from": "2026-13-40"}, {"q": "a\x02"}, {"page": 9}, {"q": "长" * 101}):
        assert public.get("/inspections", params=params).status_code == 422, params


def test_office_picks_a_department_and_the_public_cannot_write(
    as_actor: Callable[[Actor], TestClient], db: Session
) -> None:
    office = as_actor(OFFICE)
    assert "请选择部门" in office.get("/console/inspections").text
    assert office.get("/console/inspections?department=SCJGJ").status_code == 200
    assert office.get("/console/inspections?department=NOPE").status_code == 404
    public = as_actor(Actor.public())
    assert public.post("/console/inspections/items", data={"code": "x"}).status_code == 401
    auditor = as_actor(Actor(role=Role.AUDITOR, id="a"))
    assert auditor.post("/console/inspections/items", data={"code": "x"}).status_code == 403
    assert auditor.get("/console/inspections/tasks").status_code == 200


def test_every_inspections_page_reads_the_shared_query(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    office = as_actor(OFFICE)
    for path in ("", "/items", "/inspectors", "/tasks", "/cases"):
        url = f"/console/inspections{path}"
        codes = {"done": notice_code("done", "已保存检查事项"), "error": notice_code("error", "比例不能超过100%")}
        shown = office.get(url, params={"department": "SCJGJ", **codes})
        assert shown.status_code == 200 and "已保存检查事项" in shown.text and "比例不能超过100%" in shown.text, url
        crafted = office.get(url, params={"department": "SCJGJ", "done": "已保存检查事项", "error": "请立即转账"})
        assert crafted.status_code == 200 and "已保存检查事项" not in crafted.text and "请立即转账" not in crafted.text
        assert office.get(url, params={"department": "NOPE"}).status_code == 404, url
        assert office.get(url, params={"departmnet": "SCJGJ"}).status_code == 422, "a misspelt filter is refused"
        assert office.get(url, params={"error": "x" * 2001}).status_code == 422, "oversized message"
