"""A local HTTP server playing the provincial platform (http.server in a thread on 127.0.0.1, port 0): a
changes-since feed served page by page from a cursor map, failures and hostile answers on demand, and a push
endpoint that fails a given number of times before it accepts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session


@dataclass
class Platform:
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)  # since ("" first) -> page body
    fail_once: set[str] = field(default_factory=set)  # cursors answered 500 the next time they are asked
    raw: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # cursor -> (status, content type, body)
    delay: float = 0.0
    push_failures: int = 0
    pushes: list[tuple[str, dict[str, Any], int]] = field(default_factory=list)  # (key, body, status answered)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    @property
    def feed_url(self) -> str:
        return self.url + "/feed"

    @property
    def push_url(self) -> str:
        return self.url + "/push"


def _handler(platform: Platform) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            since = parse_qs(parts.query).get("since", [""])[0]
            platform.requests.append(since)
            if platform.delay:
                time.sleep(platform.delay)
            if since in platform.fail_once:
                platform.fail_once.discard(since)
                self._send(500, "application/json", b'{"error": "busy"}')
                return
            if since in platform.raw:
                self._send(*platform.raw[since])
                return
            page = platform.pages.get(since)
            if page is None:
                self._send(404, "application/json", b'{"error": "no such cursor"}')
                return
            self._send(200, "application/json; charset=utf-8", json.dumps(page, ensure_ascii=False).encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            key = self.headers.get("Idempotency-Key") or ""
            if platform.push_failures > 0:
                platform.push_failures -= 1
                platform.pushes.append((key, body, 503))
                self._send(503, "application/json", b'{"error": "unavailable"}')
                return
            platform.pushes.append((key, body, 200))
            answer = json.dumps({"ack": f"JX-{len(platform.pushes)}"}).encode()
            self._send(200, "application/json", answer)

    return Handler


@contextmanager
def running_platform() -> Iterator[Platform]:
    platform = Platform()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platform))
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def savepoint_units(session: Session) -> Any:
    """A unit-of-work factory over the test's rolled-back session: each unit is a savepoint (committed when the
    block ends, rolled back when it raises), as each page's transaction is on a real database."""

    @contextmanager
    def units() -> Iterator[Session]:
        with session.begin_nested():
            yield session

    return units


def item(upstream_id: str, uscc: str | None, name: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ID": upstream_id,
        "MDLX": "court_dishonest",
        "ZT": "有效",
        "XDR_MC": name,
        "LRYY": "有履行能力而拒不履行生效法律文书确定义务",
        "LRYJ": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "WSH": f"（2024）赣0482执{upstream_id}号",
        "JDRQ": "2024-06-01",
        "YXQZ": "2024-06-01",
        "YXQZI": "2026-12-31",
        "RDJG": "江西省九江市中级人民法院",
    }
    if uscc is not None:
        data["XDR_SHXYM"] = uscc
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
