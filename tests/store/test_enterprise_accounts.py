"""Enterprise accounts on both databases: a registration must name a registered enterprise exactly; the contact
person is stored encrypted with masked forms; the account opens only when the credit office approves it or a
one-time code (hashed at rest, expiring, void after five wrong tries, single use) activates it; the enterprise then
signs in with its USCC through the one sign-in interface, which refuses staff and says nothing about who exists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support import builders
from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from xinyong.enterprise import identity
from xinyong.enterprise import service as enterprise
from xinyong.enterprise.models import EnterpriseApplication
from xinyong.enterprise.rules import ApplicationStatus
from xinyong.enterprise.schemas import Registration

OFFICE = Actor(role=Role.CREDIT_OFFICE, id="user:office")
PASSWORD = "Qiye-Mima-2026!"
NAME = "共青城晨光羽绒服饰有限公司"


def _firm(db: Session, name: str = NAME) -> str:
    builders.departments(db)
    return builders.entity(db, name=name).uscc


def _register(db: Session, target: str, **changes: str) -> EnterpriseApplication:
    fields = {"uscc": target, "entity_name": NAME, "contact_name": "王建国", "mobile": "138 0013 8000"}
    fields |= {"password": PASSWORD} | changes
    return enterprise.register(db, Registration(**fields))


def _sign_in(db: Session, login: str, password: str = PASSWORD) -> User:
    return identity.provider().authenticate(db, {"login": login, "password": password})


def test_a_registration_names_a_registered_enterprise_exactly(db: Session) -> None:
    uscc = _firm(db)
    for changes, field in (
        ({"uscc": uscc[:-1] + ("0" if uscc[-1] != "0" else "1")}, "uscc"),
        ({"uscc": builders.new_uscc()}, "uscc"),  # valid, but not in the register
        ({"entity_name": "共青城晨光羽绒服饰公司"}, "entity_name"),
        ({"contact_name": "王"}, "contact_name"),
        ({"mobile": "0792-1234567"}, "mobile"),
        ({"password": "short"}, "password"),
        ({"password": "alllowercaseletters"}, "password"),
    ):
        with pytest.raises(InvalidInput) as refused:
            _register(db, uscc, **changes)
        assert refused.value.field == field
        assert all(not ("a" <= ch.lower() <= "z") for ch in refused.value.message), "Chinese only on screen"
    assert db.scalars(select(EnterpriseApplication)).all() == []


def test_personal_data_is_encrypted_and_masked_and_nothing_opens_yet(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc.lower())
    assert row.status == ApplicationStatus.PENDING and row.uscc == uscc and row.number.startswith("QY")
    assert "王建国" not in row.contact_name_enc and "13800138000" not in row.mobile_enc
    assert (row.contact_name_masked, row.mobile_masked) == ("王**", "138****8000")
    assert PASSWORD not in row.password_hash
    with pytest.raises(Unauthorized):
        _sign_in(db, uscc)  # not active before a decision
    contact = enterprise.contact_of(db, OFFICE, row.id)
    assert (contact.name, contact.mobile) == ("王建国", "13800138000")
    actions = [e.action for e in db.scalars(select(audit.AuditEvent)).all()]
    assert "enterprise:application:submitted" in actions and "enterprise:application:contact_read" in actions


def test_office_approval_opens_the_account_and_closes_the_others(db: Session) -> None:
    uscc = _firm(db)
    first = _register(db, uscc)
    second = _register(db, uscc, contact_name="李四")
    enterprise.approve(db, OFFICE, first.id)
    assert first.status == ApplicationStatus.APPROVED and second.status == ApplicationStatus.CLOSED
    user = _sign_in(db, uscc.lower())
    assert user.role == Role.ENTITY and user.entity_uscc == uscc and user.display_name == NAME
    assert auth.actor_for_user(user).entity_uscc == uscc
    with pytest.raises(Conflict):
        enterprise.approve(db, OFFICE, second.id)
    with pytest.raises(Conflict):
        _register(db, uscc)  # one account per enterprise


def test_only_the_office_decides(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc)
    for actor in (Actor(role=Role.ENTITY, id="user:x", entity_uscc=uscc), builders.operator(), Actor.public()):
        with pytest.raises(Forbidden):
            enterprise.approve(db, actor, row.id)
        with pytest.raises(Forbidden):
            enterprise.issue_code(db, actor, row.id)
        with pytest.raises(Forbidden):
            enterprise.list_applications(db, actor)


def test_rejection_needs_a_reason_and_is_final(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc)
    with pytest.raises(InvalidInput):
        enterprise.reject(db, OFFICE, row.id, " ")
    enterprise.reject(db, OFFICE, row.id, "联系人无法证明代表企业")
    assert row.status == ApplicationStatus.REJECTED
    with pytest.raises(Conflict):
        enterprise.approve(db, OFFICE, row.id)
    with pytest.raises(Unauthorized):
        _sign_in(db, uscc)


def test_a_one_time_code_activates_once_and_only_its_hash_is_kept(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc)
    _, code = enterprise.issue_code(db, OFFICE, row.id)
    db.flush()
    assert row.code_hash and code not in row.code_hash and code.replace("-", "") not in row.code_hash
    with pytest.raises(InvalidInput):
        enterprise.activate(db, builders.new_uscc(), code)  # another enterprise's code is no code
    enterprise.activate(db, uscc.lower(), code.lower().replace("-", " "))
    assert row.status == ApplicationStatus.ACTIVATED and row.code_hash is None
    assert _sign_in(db, uscc).entity_uscc == uscc
    with pytest.raises(InvalidInput):
        enterprise.activate(db, uscc, code)


def test_five_wrong_codes_void_the_code(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc)
    _, code = enterprise.issue_code(db, OFFICE, row.id)
    wrong = ("ABCD-" if not code.startswith("ABCD") else "WXYZ-") + code[5:]
    for _ in range(5):
        with pytest.raises(InvalidInput):
            enterprise.activate(db, uscc, wrong)
    assert row.code_hash is None and row.code_failures == 5
    with pytest.raises(InvalidInput):
        enterprise.activate(db, uscc, code)  # the right one, too late
    _, fresh = enterprise.issue_code(db, OFFICE, row.id)
    enterprise.activate(db, uscc, fresh)
    assert row.status == ApplicationStatus.ACTIVATED


def test_an_expired_code_does_not_activate(db: Session) -> None:
    uscc = _firm(db)
    row = _register(db, uscc)
    clock.freeze(dt.datetime(2026, 12, 1, 2, tzinfo=dt.UTC))
    try:
        _, code = enterprise.issue_code(db, OFFICE, row.id)
        clock.freeze(dt.datetime(2026, 12, 8, 3, tzinfo=dt.UTC))
        with pytest.raises(InvalidInput):
            enterprise.activate(db, uscc, code)
    finally:
        clock.freeze(None)
    assert row.status == ApplicationStatus.PENDING


def test_sign_in_refuses_staff_and_wrong_passwords_alike(db: Session) -> None:
    uscc = _firm(db)
    enterprise.approve(db, OFFICE, _register(db, uscc).id)
    auth.create_user(
        db, OFFICE, username="scj-staff", display_name="经办人", role=Role.DEPT_OPERATOR, password=PASSWORD,
        department="SCJGJ",
    )  # fmt: skip
    with pytest.raises(Forbidden) as staff:
        _sign_in(db, "scj-staff")
    assert "工作人员" in staff.value.message
    with pytest.raises(Unauthorized) as wrong:
        _sign_in(db, uscc, "Wrong-Password-1")
    with pytest.raises(Unauthorized) as unknown:
        _sign_in(db, builders.new_uscc(), PASSWORD)
    assert wrong.value.message == unknown.value.message == "账号或密码错误"
