"""Enterprise accounts: register, decide (the credit office approves or rejects), issue a one-time activation code,
activate with it. Services flush only; every step is audited; messages are Chinese (portal and console show them).

How control of the USCC is proven: the applicant names the enterprise exactly as registered and leaves a contact
person and mobile; the account stays inactive until the credit office either approves the application after
checking it (a call to the enterprise, its licence and a letter of authority at the service hall: the office's
procedure, outside the platform), or hands the enterprise a one-time activation code through an official channel
(the code is shown once in the console, only its SM3 hash is kept, it expires after ``CODE_LIFETIME`` and dies
after ``MAX_CODE_FAILURES`` wrong tries). Activation creates (or re-enables) the enterprise's one account, whose
login name is its USCC in lower case, with the password chosen at registration (argon2, never stored in clear).
"""

from __future__ import annotations

import datetime as dt
import hmac

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinyong.core import audit, clock
from xinyong.core.actor import Actor, Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.crypto import get_cipher, sm3_hex
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.ids import validate_uscc
from xinyong.core.masking import mask_person_name, mask_phone
from xinyong.enterprise.models import EnterpriseApplication
from xinyong.enterprise.rules import (
    MAX_CODE_FAILURES,
    MAX_OPEN_APPLICATIONS,
    ApplicationStatus,
    new_code,
    normalise_code,
    normalise_mobile,
)
from xinyong.enterprise.schemas import ApplicationOut, Contact, Registration
from xinyong.entities import lookup
from xinyong.entities.rules import EntityStatus

CODE_LIFETIME = dt.timedelta(days=7)  # a security lifetime of a one-time code, not a legal period
NAME_CONTEXT = "enterprise_applications.contact_name"
MOBILE_CONTEXT = "enterprise_applications.mobile"


def login_name(uscc: str) -> str:
    """The username of an enterprise's account: its USCC in lower case."""
    return uscc.lower()


def _require_office(actor: Actor) -> None:
    if actor.role not in (Role.CREDIT_OFFICE, Role.SYSTEM):
        raise Forbidden("仅信用办可审核企业账号")


def _active_account(session: Session, uscc: str) -> User | None:
    return session.execute(
        select(User).where(User.entity_uscc == uscc, User.role == Role.ENTITY, User.active.is_(True)).limit(1)
    ).scalar_one_or_none()


def register(session: Session, data: Registration) -> EnterpriseApplication:
    """An application for an enterprise account, inactive until the office decides or a code activates it."""
    try:
        uscc = validate_uscc(data.uscc.strip().upper(), field="uscc").code
    except InvalidInput:
        raise InvalidInput("统一社会信用代码不正确，请核对营业执照上的 18 位代码", field="uscc") from None
    entity = lookup.find_entity(session, uscc)
    if entity is None or entity.provisional:
        raise InvalidInput("本市市场主体登记中没有该统一社会信用代码，请核对后重新填写", field="uscc")
    if entity.status != EntityStatus.ACTIVE:
        raise InvalidInput(f"该主体登记状态为“{entity.status}”，不能注册企业账号", field="uscc")
    name = " ".join(data.entity_name.split())
    if name != entity.name:
        raise InvalidInput("企业名称须与营业执照登记的名称完全一致", field="entity_name")
    contact = " ".join(data.contact_name.split())
    if not 2 <= len(contact) <= 50:
        raise InvalidInput("请填写联系人姓名（2–50 个字）", field="contact_name")
    mobile = normalise_mobile(data.mobile)
    if mobile is None:
        raise InvalidInput("请填写 11 位手机号码", field="mobile")
    try:
        auth.check_password_strength(data.password)
    except InvalidInput:
        raise InvalidInput(
            f"密码须 {auth.MIN_PASSWORD}–{auth.MAX_PASSWORD} 位，至少包含大写字母、小写字母、数字、符号中的三类",
            field="password",
        ) from None
    if _active_account(session, uscc) is not None:
        raise Conflict("该企业已开通账号，请直接登录；忘记密码的请联系信用办", field="uscc")
    open_count = session.scalar(
        select(func.count())
        .select_from(EnterpriseApplication)
        .where(EnterpriseApplication.uscc == uscc, EnterpriseApplication.status == ApplicationStatus.PENDING)
    )
    if (open_count or 0) >= MAX_OPEN_APPLICATIONS:
        raise Conflict("该企业已有多份待审核的申请，请等待信用办审核或与信用办联系", field="uscc")
    cipher = get_cipher()
    now = clock.now()
    row = EnterpriseApplication(
        number="",
        uscc=uscc,
        entity_name=entity.name,
        contact_name_enc=cipher.encrypt(contact, context=NAME_CONTEXT),
        contact_name_masked=mask_person_name(contact),
        mobile_enc=cipher.encrypt(mobile, context=MOBILE_CONTEXT),
        mobile_masked=mask_phone(mobile),
        password_hash=auth.password_hash(data.password),
        status=ApplicationStatus.PENDING,
        submitted_at=now,
        code_failures=0,
    )
    session.add(row)
    session.flush()
    row.number = f"QY{clock.today():%Y%m%d}{row.id:05d}"
    session.flush()
    audit.record(
        session,
        Actor.public(),
        "enterprise:application:submitted",
        "enterprise_application",
        row.number,
        {"uscc": uscc, "contact": row.contact_name_masked, "mobile": row.mobile_masked},
    )
    return row


def list_applications(
    session: Session, actor: Actor, status: ApplicationStatus | None = ApplicationStatus.PENDING, limit: int = 200
) -> list[EnterpriseApplication]:
    _require_office(actor)
    query = select(EnterpriseApplication).order_by(EnterpriseApplication.id.desc()).limit(limit)
    if status is not None:
        query = query.where(EnterpriseApplication.status == status)
    return list(session.execute(query).scalars())


def count_pending(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(EnterpriseApplication)
            .where(EnterpriseApplication.status == ApplicationStatus.PENDING)
        )
        or 0
    )


def get_application(session: Session, application_id: int) -> EnterpriseApplication:
    row = session.get(EnterpriseApplication, application_id)
    if row is None:
        raise NotFound("未找到该企业账号申请", field="application_id")
    return row


def _pending(session: Session, application_id: int) -> EnterpriseApplication:
    row = get_application(session, application_id)
    if row.status != ApplicationStatus.PENDING:
        raise Conflict(f"该申请已{row.status.removeprefix('已')}，不能再处理", field="application_id")
    return row


def contact_of(session: Session, actor: Actor, application_id: int) -> Contact:
    """The contact person in clear, for the office to call back; the reading is audited."""
    _require_office(actor)
    row = get_application(session, application_id)
    cipher = get_cipher()
    contact = Contact(
        name=cipher.decrypt(row.contact_name_enc, context=NAME_CONTEXT),
        mobile=cipher.decrypt(row.mobile_enc, context=MOBILE_CONTEXT),
    )
    audit.record(session, actor, "enterprise:application:contact_read", "enterprise_application", row.number)
    return contact


def _open_account(session: Session, row: EnterpriseApplication, actor: Actor, status: ApplicationStatus) -> User:
    """Create (or re-enable) the enterprise's account with the application's password; close its other open
    applications."""
    if _active_account(session, row.uscc) is not None:
        raise Conflict("该企业已有启用的账号", field="application_id")
    entity = lookup.find_entity(session, row.uscc)
    display = entity.name if entity is not None else row.entity_name
    now = clock.now()
    user = session.execute(select(User).where(User.username == login_name(row.uscc))).scalar_one_or_none()
    if user is None:
        user = User(
            username=login_name(row.uscc),
            display_name=display[:100],
            role=Role.ENTITY,
            department_code=None,
            entity_uscc=row.uscc,
            password_hash=row.password_hash,
            active=True,
            failed_logins=0,
            created_at=now,
            created_by=actor.id,
        )
        session.add(user)
    else:
        if user.role != Role.ENTITY or user.entity_uscc != row.uscc:
            raise Conflict("登录名已被其他账号占用，请联系信用办", field="application_id")
        user.password_hash = row.password_hash
        user.display_name = display[:100]
        user.active = True
        user.failed_logins = 0
        user.locked_until = None
    session.flush()
    row.status = status
    row.decided_at = now
    row.decided_by = actor.id
    row.user_id = user.id
    row.code_hash = None
    others = session.execute(
        select(EnterpriseApplication).where(
            EnterpriseApplication.uscc == row.uscc,
            EnterpriseApplication.status == ApplicationStatus.PENDING,
            EnterpriseApplication.id != row.id,
        )
    ).scalars()
    for other in others:
        other.status = ApplicationStatus.CLOSED
        other.decided_at = now
        other.decided_by = actor.id
        other.reason = f"该企业的账号已由申请 {row.number} 开通"
        other.code_hash = None
    session.flush()
    audit.record(session, actor, "auth:user:created", "user", user.username, {"role": Role.ENTITY, "entity": row.uscc})
    return user


def approve(session: Session, actor: Actor, application_id: int) -> EnterpriseApplication:
    _require_office(actor)
    row = _pending(session, application_id)
    _open_account(session, row, actor, ApplicationStatus.APPROVED)
    audit.record(session, actor, "enterprise:application:approved", "enterprise_application", row.number)
    return row


def reject(session: Session, actor: Actor, application_id: int, reason: str) -> EnterpriseApplication:
    _require_office(actor)
    text = reason.strip()
    if not 2 <= len(text) <= 500:
        raise InvalidInput("请填写驳回理由（2–500 个字）", field="reason")
    row = _pending(session, application_id)
    row.status = ApplicationStatus.REJECTED
    row.reason = text
    row.decided_at = clock.now()
    row.decided_by = actor.id
    row.code_hash = None
    session.flush()
    audit.record(
        session, actor, "enterprise:application:rejected", "enterprise_application", row.number, {"reason": text}
    )
    return row


def issue_code(session: Session, actor: Actor, application_id: int) -> tuple[EnterpriseApplication, str]:
    """A one-time activation code for a pending application, returned once; a new code replaces an earlier one."""
    _require_office(actor)
    row = _pending(session, application_id)
    code = new_code()
    row.code_hash = sm3_hex(code.encode())
    row.code_expires_at = clock.now() + CODE_LIFETIME
    row.code_issued_by = actor.id
    row.code_failures = 0
    session.flush()
    audit.record(
        session,
        actor,
        "enterprise:application:code_issued",
        "enterprise_application",
        row.number,
        {"expires_at": row.code_expires_at.isoformat()},
    )
    return row, code


def activate(session: Session, uscc: str, code: str) -> EnterpriseApplication:
    """Open the account of the pending application whose code this is. A wrong code counts against every live
    code of the enterprise; after ``MAX_CODE_FAILURES`` the code is void and the office must issue another."""
    refused = InvalidInput("统一社会信用代码或激活码不正确，或激活码已失效", field="code")
    clean_uscc = uscc.strip().upper()[:18]
    canonical = normalise_code(code)
    now = clock.now()
    live = list(
        session.execute(
            select(EnterpriseApplication).where(
                EnterpriseApplication.uscc == clean_uscc,
                EnterpriseApplication.status == ApplicationStatus.PENDING,
                EnterpriseApplication.code_hash.is_not(None),
            )
        ).scalars()
    )
    live = [row for row in live if row.code_expires_at is not None and row.code_expires_at > now]
    digest = sm3_hex(canonical.encode()) if canonical else ""
    match = next((row for row in live if hmac.compare_digest(row.code_hash or "", digest)), None)
    if match is None:
        for row in live:
            row.code_failures += 1
            if row.code_failures >= MAX_CODE_FAILURES:
                row.code_hash = None
        session.flush()
        if live:
            audit.record(session, Actor.public(), "enterprise:application:activation_failed", "entity", clean_uscc)
        raise refused
    applicant = Actor(role=Role.SYSTEM, id=f"activation:{match.number}", name="激活码激活")
    _open_account(session, match, applicant, ApplicationStatus.ACTIVATED)
    audit.record(session, applicant, "enterprise:application:activated", "enterprise_application", match.number)
    return match


def to_view(row: EnterpriseApplication) -> ApplicationOut:
    return ApplicationOut(
        id=row.id,
        number=row.number,
        uscc=row.uscc,
        entity_name=row.entity_name,
        contact_name=row.contact_name_masked,
        mobile=row.mobile_masked,
        status=row.status,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        reason=row.reason,
        code_expires_at=row.code_expires_at if row.code_hash else None,
    )
