"""How an enterprise user proves who they are when signing in at the portal: one interface, one provider in use.

The portal's sign-in pages (``/login``) talk only to :func:`provider`. Today that is :class:`LocalPassword`: the
account's login name (its USCC, or the username of an account the office created) and password, checked by
:func:`xinyong.core.auth.service.authenticate` (argon2, lockout after repeated failures, audit). The province's
统一身份认证 (a redirect to its login page and a ticket back, in the CAS/OAuth 2.0 manner) replaces it by implementing
the same two methods — ``redirect_to`` answers the province's URL instead of ``None`` (the portal then sends the
browser there instead of showing its form), and ``authenticate`` receives the callback's parameters, checks the
ticket with the province and returns the local account of the enterprise it vouches for — and by calling
:func:`use` at start-up. Whatever the provider, the portal starts the same platform session afterwards, so
everything behind the sign-in (``/my/*``, rights, audit) stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.core.actor import Role
from xinyong.core.auth import service as auth
from xinyong.core.auth.models import User
from xinyong.core.errors import Forbidden, Unauthorized
from xinyong.core.ids import is_valid_uscc
from xinyong.enterprise.service import login_name

LOCKED_MARK = "账号已临时锁定"  # the phrase core.auth.service uses for a locked account


class IdentityProvider(Protocol):
    """A way of signing an enterprise user in."""

    key: str  # stable name, recorded nowhere secret: "local", later e.g. "jiangxi-tysfrz"
    label: str  # shown on the login page

    def redirect_to(self, return_path: str) -> str | None:
        """The external sign-in page to send the browser to, or None to show the portal's own form."""
        ...

    def authenticate(self, session: Session, credentials: Mapping[str, str]) -> User:
        """The enterprise account the credentials prove, or :class:`Unauthorized` (message in Chinese). Only
        active accounts of the enterprise role are returned; staff are sent to the console's sign-in."""
        ...


class LocalPassword:
    """Login name (USCC or username) and password, against the platform's own accounts."""

    key = "local"
    label = "账号密码登录"

    def redirect_to(self, return_path: str) -> str | None:
        return None

    def authenticate(self, session: Session, credentials: Mapping[str, str]) -> User:
        login = credentials.get("login", "").strip()[:64]
        password = credentials.get("password", "")
        if not login or not password:
            raise Unauthorized("请输入账号和密码")
        username = login_name(login.upper()) if is_valid_uscc(login.upper()) else login
        if is_valid_uscc(login.upper()):
            # an enterprise's account is named after its USCC; an office-made account may carry another name
            named = session.execute(select(User.id).where(User.username == username)).first()
            if named is None:
                other = session.execute(
                    select(User.username)
                    .where(User.entity_uscc == login.upper(), User.role == Role.ENTITY, User.active.is_(True))
                    .order_by(User.id)
                    .limit(1)
                ).scalar_one_or_none()
                username = other or username
        try:
            user = auth.authenticate(session, username, password)
        except Unauthorized as refused:
            if LOCKED_MARK in refused.message:
                raise Unauthorized("连续输错次数过多，账号已临时锁定，请稍后再试") from None
            raise Unauthorized("账号或密码错误") from None
        if user.role != Role.ENTITY:
            raise Forbidden("工作人员请从“工作人员登录”入口登录管理后台")
        return user


_provider: IdentityProvider = LocalPassword()


def provider() -> IdentityProvider:
    return _provider


def use(new: IdentityProvider) -> None:
    """Replace the sign-in method (e.g. by the province's 统一身份认证) for the whole process."""
    global _provider
    _provider = new
