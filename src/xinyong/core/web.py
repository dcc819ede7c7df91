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
from xinyong.core import display
from xinyong.core.config import get_settings

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
HTMX = "vendor/htmx-2.0.11.min.js"
ECHARTS = "vendor/echarts-6.1.0.min.js"
SWAGGER_UI = "vendor/swagger-ui-5.36.0/swagger-ui-bundle.js"  # npm swagger-ui-dist 5.36.0 (Apache-2.0)
SWAGGER_UI_CSS = "vendor/swagger-ui-5.36.0/swagger-ui.css"
SWAGGER_UI_ICON = "vendor/swagger-ui-5.36.0/favicon-32x32.png"
REDOC = "vendor/redoc-2.5.1/redoc.standalone.js"  # npm redoc 2.5.1 (MIT)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    env = Environment(
        loader=ChoiceLoader(
            [PackageLoader("xinyong.portal", "templates"), PackageLoader("xinyong.console", "templates")]
        ),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=display.finalize,
    )
    env.globals.update(htmx=HTMX, echarts=ECHARTS, version=__version__, beijing=display.beijing)
    env.filters.update(
        bj=display.beijing,
        bjdate=display.beijing_date,
        zh=display.chinese,
        refusal=display.refusal_text,
        dept=display.department_name,
        role=display.role_name,
        actor=display.actor_html,
        cause=display.grade_cause,
    )
    return Jinja2Templates(env=env)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


def site_furniture() -> dict[str, str]:
    """The portal footer's identifiers from settings (empty ones are omitted by the footer)."""
    settings = get_settings()
    police_digits = "".join(c for c in settings.site_police_record if c.isdigit())
    return {
        "code": settings.site_code.strip(),
        "icp": settings.site_icp.strip(),
        "police": settings.site_police_record.strip(),
        "police_digits": police_digits,
        "conac_url": settings.site_conac_url,
    }


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: the platform name and the session's CSRF token."""
    settings = get_settings()
    data: dict[str, Any] = {
        "platform_name": settings.platform_name,
        "site": site_furniture(),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "actor": getattr(request.state, "actor", None),
    }
    data.update(context or {})
    return templates().TemplateResponse(request, name, data, status_code=status_code)


def api_docs(request: Request, viewer: str, title: str, openapi_url: str) -> HTMLResponse:
    """The API reference (``/docs`` Swagger UI, ``/redoc`` ReDoc) from the vendored bundles, started by a static
    script: nothing is fetched from a CDN, so the docs render without internet access."""
    context = {
        "viewer": viewer,
        "title": title,
        "openapi_url": openapi_url,
        "bundle": REDOC if viewer == "redoc" else SWAGGER_UI,
        "swagger_css": SWAGGER_UI_CSS,
        "swagger_icon": SWAGGER_UI_ICON,
    }
    return templates().TemplateResponse(request, "portal/api/docs.html", context)
