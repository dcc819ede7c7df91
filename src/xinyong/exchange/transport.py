"""HTTP to the upstream feeds and the provincial platform, with the standard library only: a timeout on every
call, a size cap on every answer, the content type checked, the bearer token read from the environment variable
the source names (never from the database). Errors are :class:`TransportError` with a plain reason."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class TransportError(Exception):
    """A call that did not give a usable answer; ``str(exc)`` says why; ``status`` is the HTTP status if any."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: Any
    millis: int


def token_of(credentials_ref: str | None) -> str | None:
    """The bearer token in the environment variable ``credentials_ref`` names; an unset variable is an error."""
    if not credentials_ref:
        return None
    token = os.environ.get(credentials_ref)
    if not token:
        raise TransportError(f"environment variable {credentials_ref} (credentials) is not set (凭据未配置)")
    return token


def _read(response: Any, max_bytes: int) -> bytes:
    data: bytes = response.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TransportError(f"answer larger than {max_bytes} bytes (返回数据过大)")
    return data


def _json(data: bytes, content_type: str | None) -> Any:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise TransportError(f"content type {kind[:60] or '(none)'} is not application/json (返回类型错误)")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise TransportError(f"answer is not valid JSON: {str(bad)[:120]} (返回的 JSON 无法解析)") from None


def _open(request: urllib.request.Request, timeout: float, max_bytes: int) -> Answer:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https checked by schema)
            data = _read(response, max_bytes)
            body = _json(data, response.headers.get("Content-Type")) if data else None
            return Answer(response.status, body, int((time.monotonic() - started) * 1000))
    except urllib.error.HTTPError as error:
        raise TransportError(f"HTTP {error.code} {str(error.reason)[:100]}", status=error.code) from None
    except urllib.error.URLError as error:
        raise TransportError(f"cannot reach {request.full_url[:120]}: {str(error.reason)[:120]} (无法连接)") from None
    except TimeoutError:
        raise TransportError(f"no answer within {timeout:g} s (超时)") from None
    except OSError as error:
        raise TransportError(f"connection failed: {str(error)[:120]} (连接失败)") from None


def fetch_page(
    url: str, *, cursor: str | None, limit: int, token: str | None, timeout: float, max_bytes: int
) -> Answer:
    """GET one page of a changes-since feed: ``?limit=N`` plus ``&since=CURSOR`` after the first page."""
    if not url.lower().startswith(("http://", "https://")):
        raise TransportError("feed URL must be http(s) (地址格式错误)")
    params = {"limit": str(limit)} | ({"since": cursor} if cursor else {})
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    full = url + joiner + urllib.parse.urlencode(params)
    request = urllib.request.Request(full, method="GET")  # noqa: S310 (scheme checked just above)
    request.add_header("Accept", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    return _open(request, timeout, max_bytes)


def post_json(
    url: str, payload: Any, *, idempotency_key: str, token: str | None, timeout: float, max_bytes: int
) -> Answer:
    """POST one item to the provincial platform with its idempotency key (a re-send carries the same key)."""
    if not url.lower().startswith(("http://", "https://")):
        raise TransportError("push URL must be http(s) (地址格式错误)")
    data = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 (scheme checked just above)
    request.add_header("Content-Type", "application/json; charset=utf-8")
    request.add_header("Accept", "application/json")
    request.add_header("Idempotency-Key", idempotency_key)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    return _open(request, timeout, max_bytes)
