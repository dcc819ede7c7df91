"""Server-rendered pages: one Jinja2 environment over the portal's and the console's templates, and the shared
static files (vendored HTMX and ECharts: nothing is fetched from a CDN at run time)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from xinyong import __version__
from xinyong.core.config import get_settings

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
HTMX = "vendor/htmx-2.0.11.min.js"
ECHARTS = "vendor/echarts-6.1.0.min.js"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader("xinyong.portal", "templates"), PackageLoader("xinyong.console", "templates")]
        ),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(htmx=HTMX, echarts=ECHARTS, version=__version__)
    return Jinja2Templates(env=env)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: the platform name and the session's CSRF token."""
    data: dict[str, Any] = {
        "platform_name": get_settings().platform_name,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "actor": getattr(request.state, "actor", None),
    }
    data.update(context or {})
    return templates().TemplateResponse(request, name, data, status_code=status_code)
