"""Where a webhook may point: an absolute http(s) URL, and never the platform itself or what only makes sense from
inside its host (loopback, link-local and cloud metadata, unspecified, multicast, reserved addresses). Checked when a
destination is registered (:func:`validate_url`) and again at delivery (:func:`check_destination`, with a lookup).
Used by the outbox (:mod:`xinyong.core.outbox`) and by whoever registers a webhook (API clients, agencies).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from xinyong.core.config import Settings, get_settings
from xinyong.core.errors import InvalidInput

MAX_URL = 500


def validate_url(url: str, *, field: str = "destination") -> str:
    """An absolute http(s) URL with a host, no credentials, no whitespace, at most 500 characters."""
    text = url.strip() if isinstance(url, str) else ""
    if not text or len(text) > MAX_URL:
        raise InvalidInput(f"a webhook URL has 1–{MAX_URL} characters (地址长度不符)", field=field)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidInput("a webhook URL has no spaces or control characters (地址含非法字符)", field=field)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidInput("not a valid URL (地址格式错误)", field=field) from None
    if parts.scheme not in ("http", "https"):
        raise InvalidInput("a webhook URL starts with http:// or https:// (仅支持 http/https)", field=field)
    if not parts.hostname:
        raise InvalidInput("a webhook URL names a host (地址缺少主机名)", field=field)
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("a webhook URL carries no user name or password (地址不得含账号密码)", field=field)
    if port == 0:
        raise InvalidInput("a webhook URL's port is 1–65535 (端口错误)", field=field)
    if parts.fragment:
        raise InvalidInput("a webhook URL has no #fragment (地址不得含#片段)", field=field)
    check_destination(text, resolve=False, field=field)
    return text


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _allowed_networks(settings: Settings) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.outbox_allowed_networks]


def refused_address(address: IPAddress, settings: Settings) -> str | None:
    """Why a webhook must not reach ``address`` (None: it may).

    The platform itself and what only makes sense from inside its host are refused: loopback, link-local (cloud
    metadata services live at 169.254.169.254), unspecified, multicast and reserved addresses. Private ranges stay
    allowed (business systems sit on the government intranet). ``XINYONG_OUTBOX_ALLOWED_NETWORKS`` lists networks
    allowed all the same (e.g. a receiver on the same host)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks(settings)):
        return None
    for flag, label in (
        ("is_loopback", "loopback (本机)"),
        ("is_link_local", "link-local (链路本地/云元数据)"),
        ("is_unspecified", "unspecified"),
        ("is_multicast", "multicast"),
        ("is_reserved", "reserved"),
    ):
        if getattr(address, flag):
            return label
    return None


def check_destination(
    url: str, settings: Settings | None = None, *, resolve: bool = True, field: str = "destination"
) -> None:
    """Refuse a webhook destination whose host is, or resolves to, an address :func:`refused_address` refuses.

    With ``resolve`` the host name is looked up (at delivery: a name may point anywhere); without, only an address
    written in the URL is checked (at registration, when the name may not resolve from the console's network). What
    is checked at delivery is the lookup of that moment; the HTTP client looks up again, so a name re-pointed in
    between (DNS rebinding) is not caught — the office registers destinations, business systems do not."""
    settings = settings or get_settings()
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    elif resolve:
        try:
            found = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError) as error:
            raise InvalidInput(f"the host {host[:100]} does not resolve ({error})", field=field) from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    else:
        return
    for address in addresses:
        why = refused_address(address, settings)
        if why is not None:
            raise InvalidInput(
                f"a webhook may not reach {address} ({why}); the office can allow a network with "
                "XINYONG_OUTBOX_ALLOWED_NETWORKS (禁止回调至本机或内部保留地址)",
                field=field,
            )
