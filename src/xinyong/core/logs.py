"""Logs an operator can search: one JSON object a line, each carrying the request id of the request it belongs to.

The request id comes from the caller's ``X-Request-ID`` header (nginx sets one; a client may send its own) when it
is a short token, else a fresh one is made; it is answered in ``X-Request-ID`` and stamped on every log line written
while the request runs (including lines from the thread pool: the context variable travels with the call).
``XINYONG_LOG_FORMAT=json`` switches the process's logs to JSON (``xinyong serve`` and the deploy units do it).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import uuid
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = contextvars.ContextVar[str | None]("xinyong_request_id", default=None)
_VALID_ID = re.compile(r"[A-Za-z0-9._:@-]{1,128}")


def request_id() -> str | None:
    """The id of the request being served, or None outside a request (the tick, the CLI)."""
    return _REQUEST_ID.get()


def set_request_id(value: str | None) -> contextvars.Token[str | None]:
    return _REQUEST_ID.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _REQUEST_ID.reset(token)


def accept_request_id(sent: str | None) -> str:
    """The caller's id when it is a plain token of at most 128 characters, else a new one (a header full of
    control characters or a megabyte of text never reaches the logs)."""
    if sent and _VALID_ID.fullmatch(sent):
        return sent
    return uuid.uuid4().hex


# Attributes every LogRecord has; anything else on a record was given through ``extra=`` and is logged as a field.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}
_NOT_FIELDS = _STANDARD | {"color_message", "request_id"}  # Uvicorn's coloured copy; the id has its own key


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the ``extra`` fields,
    and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id()
        if rid and rid != "-":
            entry["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _NOT_FIELDS and key not in entry and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def log_config(fmt: str, level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the server (given to Uvicorn as its ``log_config``): JSON or plain text
    to standard error for the platform's and Uvicorn's loggers. Uvicorn's own access log is off in JSON mode: the
    platform writes one access line per request itself (logger ``xinyong.access``) with the route and request id."""
    formatter: dict[str, Any] = (
        {"()": "xinyong.core.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    handler = {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "xinyong.core.logs.RequestIdFilter"}},
        "formatters": {"main": formatter},
        "handlers": {"main": handler},
        "root": {"handlers": ["main"], "level": level},
        "loggers": {
            "uvicorn": {"level": level},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"level": "WARNING" if fmt == "json" else level},
        },
    }


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record (``-`` outside a request) so a text format can name it too."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id() or "-"
        return True
