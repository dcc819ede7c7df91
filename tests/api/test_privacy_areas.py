"""Issue 15 beyond the records: the free text of the other areas' public outputs goes through the same desensitiser
(``privacy.service.shown``/``public``) — list entries (API), signed commitment letters (portal page, PDF, exports,
API), 双随机 results and typical cases (portal pages and API), complaints as the entity complained about reads them
— and the search, on both databases. A 个体工商户's operator and a natural person's name, ID numbers, phones and
street addresses never show; a firm's legal representative and business names do; the entity itself and staff read
what was stored."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.support import builders
from tests.support.commitment_builders import entity_actor
from tests.support.commitment_builders import item as commitment_item
from tests.support.lists import listed, party
from xinyong.commitments import service as commitments
from xinyong.commitments.schemas import SignIn
from xinyong.complaints import service as complaints
from xinyong.complaints.models import Complaint
from xinyong.core import clock
from xinyong.core.actor import Actor, Role
from xinyong.inspections import rules as inspection_rules
from xinyong.inspections import service as inspections
from xinyong.inspections.schemas import CaseIn, InspectorIn, ItemIn, MappingIn, ResultIn, TaskIn
from xinyong.privacy import service as privacy

OPERATOR = "刘大明"
PERSONAL = "经营者刘大明（身份证号360482199003071234，联系电话139 1234 1234），住共青城市茶山街道湖滨路16号"
SECRETS = [OPERATOR, "360482199003071234", "13912341234", "湖滨路16号"]
NUMBERS = SECRETS[1:3]
INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")


def _leaks(text: str, secrets: list[str] = SECRETS) -> list[str]:
    plain = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    compact = re.sub(r"[\s\-\\\"]", "", plain)
    return [s for s in secrets if s in plain or s in compact]


def _public_reads(client: TestClient, urls: list[str]) -> str:
    seen = []
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:300])
        body = answer.content.decode("utf-8-sig", errors="replace")
        assert _leaks(body) == [], f"{url} shows {_leaks(body)}"
        seen.append(body)
    return "\n".join(seen)


def test_list_entries_free_text_is_desensitised(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    shop = builders.entity(db, name="共青城市茶山老刘烟酒店", uscc=builders.new_uscc("92"))
    firm = builders.entity(db, name="共青城瑞雪羽绒服饰有限公司")
    shop_entry = listed(db, shop.uscc, facts=f"{PERSONAL}，拒不履行行政处罚决定，情节严重")
    firm_entry = listed(db, firm.uscc, facts="法定代表人王五（身份证号360482199003071234，手机13912341234）拒不整改")
    watched = listed(
        db,
        shop.uscc,
        list_type="watch",
        facts=f"{PERSONAL}，多次拒不整改",
        doc_no="共市监关〔2024〕7号",
        key_field="食品药品",
    )
    public = as_actor(Actor.public())
    shown = _public_reads(
        public,
        [
            "/api/v1/list-entries?page_size=50",
            f"/api/v1/list-entries/{shop_entry.id}",
            f"/api/v1/list-entries/{firm_entry.id}",
            f"/api/v1/list-entries/{watched.id}",
            "/lists?kind=watch",
            "/lists.json?kind=watch",
            "/lists.csv?kind=watch",
            "/lists?kind=serious_dishonesty",
            "/lists.json?kind=serious_dishonesty",
            "/search?q=老刘",
            "/search.json?q=老刘",
        ],
    )
    assert _leaks(shown) == [], _leaks(shown)
    assert "拒不履行行政处罚决定" in shown and "共青城市茶山老刘烟酒店" in shown
    assert "多次拒不整改" in shown  # the 重点关注 list page shows the entry's (desensitised) reason
    assert "刘**" in shown and "共青城市茶山街道***" in shown
    assert "王五" in shown  # a firm's legal representative, as the national standard shows
    own = as_actor(party(shop.uscc)).get(f"/api/v1/list-entries/{shop_entry.id}")
    assert own.status_code == 200 and "13912341234" in re.sub(r"\s", "", own.json()["facts"])  # the party reads it


def _commitment_setup(db: Session) -> tuple[int, int, str]:
    builders.departments(db)
    shop = builders.entity(db, name="共青城市茶山老张副食店", uscc=builders.new_uscc("92"))
    firm = builders.entity(db, name="共青城瑞丰食品有限公司")
    offered = commitment_item(db)
    made = []
    for uscc, signer in ((shop.uscc, OPERATOR), (firm.uscc, "王五")):
        outcome = commitments.sign_commitment(
            db,
            entity_actor(uscc),
            SignIn(
                item_id=offered.id,
                signer=signer,
                accept=True,
                missing_materials=[f"经营者身份证（360482199003071234）复印件，联系电话13912341234，{signer}"],
            ),
        )
        assert outcome.commitment is not None, outcome.reasons
        made.append(outcome.commitment.id)
    return made[0], made[1], shop.uscc


def test_commitment_letters_are_desensitised(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    shop_letter, firm_letter, shop_uscc = _commitment_setup(db)
    public = as_actor(Actor.public())
    shown = _public_reads(
        public,
        [
            f"/commitments/letters/{shop_letter}", f"/commitments/letters/{firm_letter}", "/commitments/public",
            "/commitments/public.json", "/commitments/public.csv", f"/api/v1/commitments/{shop_letter}",
            f"/api/v1/commitments/{firm_letter}", "/api/v1/commitments?page_size=50",
        ],
    )  # fmt: skip
    assert _leaks(shown) == [], _leaks(shown)
    assert "签署人：刘**" in shown and "王五" in shown and "共青城市茶山老张副食店" in shown
    assert public.get(f"/commitments/letters/{shop_letter}.pdf").status_code == 200
    own = as_actor(entity_actor(shop_uscc)).get(f"/api/v1/commitments/{shop_letter}")
    assert own.status_code == 200 and own.json()["signer"] == OPERATOR and "13912341234" in own.json()["letter_text"]


def test_inspection_results_and_cases_are_desensitised(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    clock.freeze(dt.datetime(2025, 6, 10, 2, 0, tzinfo=dt.UTC))
    builders.departments(db)
    op = builders.operator("SCJGJ")
    shop = builders.entity(db, name="共青城市茶山老刘烟酒店", uscc=builders.new_uscc("92"))
    classes = {**inspection_rules.DEFAULT_CLASSES, inspection_rules.UNGRADED: {"ratio": "100", "frequency": 2}}
    inspections.save_mapping(db, op, MappingIn.model_validate({"classes": classes}))
    checked = inspections.create_item(
        db, op, ItemIn(code="SC-P1", name="经营主体登记事项检查", basis="《市场主体登记管理条例》", subject="企业")
    )
    for i in range(3):
        inspections.create_inspector(db, op, InspectorIn(name=f"检查员{i}", badge_no=f"36048299{i:02d}"))
    task = inspections.create_task(
        db,
        op,
        TaskIn.model_validate(
            {"name": "2025年个体户登记事项抽查", "item_ids": [checked.id], "inspection_end": dt.date(2025, 6, 30)}
        ),
    )
    draw = inspections.make_draw(db, op, task.id, "20250610")
    drawn = [a for a in inspections.assignments_of_draw(db, draw.id) if a.uscc == shop.uscc]
    assert drawn, "the 个体工商户 is drawn (every unrated entity at 100 %)"
    inspections.record_result(
        db,
        op,
        drawn[0].id,
        ResultIn(result=inspection_rules.Result.ORDERED, result_date=dt.date(2025, 6, 10), note=PERSONAL),
    )
    case = inspections.create_case(
        db,
        op,
        CaseIn(
            title="刘大明无照经营被查处",
            summary=PERSONAL,
            body=f"当事人刘大明{PERSONAL}。依据《无证无照经营查处办法》第十三条。",
        ),
    )
    public = as_actor(Actor.public())
    shown = _public_reads(
        public,
        [
            f"/api/v1/public/inspections/draws/{draw.id}", f"/inspections/draws/{draw.id}", "/inspections/cases",
            f"/inspections/cases/{case.id}", "/api/v1/public/inspections/cases",
        ],
    )  # fmt: skip
    assert _leaks(shown) == [], _leaks(shown)
    assert "《无证无照经营查处办法》第十三条" in shown and "共青城市茶山老刘烟酒店" in shown


def test_complaints_are_desensitised_for_the_entity(as_actor: Callable[[Actor], TestClient], db: Session) -> None:
    builders.departments(db)
    firm = builders.entity(db, name="共青城瑞雪羽绒服饰有限公司")
    row = Complaint(
        channel="12345",
        ticket_no="GD-P-1",
        received_on=dt.date(2026, 11, 2),
        subject_name=firm.name,
        given_uscc=firm.uscc,
        subject_uscc=firm.uscc,
        content="羽绒服含绒量不足，投诉人联系电话13912341234，身份证360482199003071234",  # stored before the scrub
        result="已责令整改",
        closed_on=None,
        satisfaction=None,
        finding="属实",
        department="SCJGJ",
        status="已受理",
        record_id=None,
        source="test",
        created_by="test",
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    db.add(row)
    db.flush()
    entity = as_actor(Actor(role=Role.ENTITY, id="user:firm", entity_uscc=firm.uscc))
    shown = _public_reads(entity, ["/api/v1/my/complaints", "/my"])
    assert _leaks(shown, NUMBERS) == [] and "羽绒服含绒量不足" in shown
    staff = complaints.to_view(db, row)
    assert "13912341234" in staff.content  # the department reads what it stored


def test_the_gate_is_the_audience() -> None:
    """One function decides: the public reads the desensitised text, the entity itself and staff the stored one."""
    about = privacy.about("92360482MA00000001", "共青城市茶山老刘烟酒店", [OPERATOR])
    text = f"{OPERATOR}在共青城市茶山老刘烟酒店销售假冒卷烟，电话13912341234"
    public = privacy.shown(Actor.public(), "92360482MA00000001", about, text)
    assert public == "刘**在共青城市茶山老刘烟酒店销售假冒卷烟，电话139****1234"
    own = Actor(role=Role.ENTITY, id="u", entity_uscc="92360482MA00000001")
    assert privacy.shown(own, "92360482MA00000001", about, text) == text
    assert privacy.shown(builders.operator("SCJGJ"), "92360482MA00000001", about, text) == text
    assert privacy.shown(Actor.public(), None, privacy.about(None, OPERATOR), [text, None]) == [
        "刘**在共青城市茶山老刘烟酒店销售假冒卷烟，电话139****1234",
        None,
    ]
