"""create_app(): the one FastAPI application serving the API, the portal and the console."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import text

from xinyong import __version__
from xinyong.agencies.routes import router as agencies_router
from xinyong.campaigns.routes import router as campaigns_router
from xinyong.commitments.routes import router as commitments_router
from xinyong.complaints.routes import router as complaints_router
from xinyong.console.routes import router as console_router
from xinyong.content.routes import router as content_router
from xinyong.contradictions.routes import router as contradictions_router
from xinyong.core import clock_store
from xinyong.core.auth.access import PUBLIC, require
from xinyong.core.config import Settings, get_settings
from xinyong.core.db import Database, get_database
from xinyong.core.departments import list_departments
from xinyong.core.http import DbSession, OptionsAnswer, ReadYourWrites, SecurityHeaders, install_error_handlers
from xinyong.core.metrics import RequestObserver
from xinyong.core.openapi import install_openapi
from xinyong.core.ratelimit import Limiter, RateLimits, make_limiter
from xinyong.core.uploads import BodyLimitMiddleware
from xinyong.core.web import api_docs, static_files
from xinyong.enterprise.routes import router as enterprise_router
from xinyong.entities.routes import router as entities_router
from xinyong.evaluation.routes import router as evaluation_router
from xinyong.exchange.routes import router as exchange_router
from xinyong.inspections.routes import router as inspections_router
from xinyong.lists.routes import router as lists_router
from xinyong.misuse.routes import router as misuse_router
from xinyong.objections.routes import router as objections_router
from xinyong.ops import install_metrics
from xinyong.ops import router as ops_router
from xinyong.portal.furniture import install_error_pages
from xinyong.portal.routes import router as portal_router
from xinyong.privacy.routes import router as privacy_router
from xinyong.punishment.routes import router as punishment_router
from xinyong.records.routes import router as records_router
from xinyong.records.timeliness_routes import router as timeliness_router
from xinyong.remedies.routes import router as remedies_router
from xinyong.repair.routes import router as repair_router
from xinyong.reports.routes import router as reports_router
from xinyong.risk.routes import router as risk_router
from xinyong.schema import seed_catalogues
from xinyong.scorecards.routes import router as scorecards_router
from xinyong.selfreport.routes import router as selfreport_router
from xinyong.ticker import BackgroundTicker


class DepartmentOut(BaseModel):
    code: str
    short_name: str
    full_name: str
    uscc: str


def create_app(
    database: Database | None = None,
    *,
    limiter: Limiter | None = None,
    rate_limit_per_minute: int | None = None,
    rate_limits: RateLimits | None = None,
) -> FastAPI:
    """The application; ``database`` pins it to one database (tests, embedding), else settings decide. The rate
    limits come from settings unless given (``rate_limits``, or just the ``limiter`` and ``rate_limit_per_minute``)."""
    settings = get_settings()
    settings.check_production()
    if settings.clock:  # a training or test copy's clock (refused in production)
        clock_store.configure(settings, database or get_database())

    app = FastAPI(
        title=f"xinyong 公共信用信息平台 · {settings.platform_name}",
        version=__version__,
        description="API of the public credit information platform: entities, credit records, lists, checks.",
        lifespan=_lifespan(database, settings),
        docs_url=None,  # served below from the vendored Swagger UI / ReDoc (no CDN)
        redoc_url=None,
    )
    app.state.database = database
    app.state.ticker = None
    # Asked by core.http.current_actor once the caller is verified (never keyed on an unverified cookie or key).
    app.state.rate_limits = rate_limits or RateLimits(
        limiter or make_limiter(settings.redis_url),
        settings.rate_limit_per_minute if rate_limit_per_minute is None else rate_limit_per_minute,
        login_per_account=settings.login_limit_per_account,
        login_per_address=settings.login_limit_per_address,
        exports_per_hour=settings.anon_export_per_hour,
        staff_exports_per_hour=settings.staff_export_per_hour,
    )
    _install_middleware(app, settings)
    install_openapi(app)
    install_error_handlers(app)
    install_error_pages(app)  # a browser at a missing portal page, or a bug, gets the portal's Chinese page

    _install_platform_routes(app)

    # The embedded check is the API's hottest route (called before every procurement or fund decision): its router
    # goes first, which is safe because no other router's paths overlap /api/v1/checks or /api/v1/punishment.
    app.include_router(punishment_router)
    # Static files next: every page view fetches them, and a mount matches by prefix in a few microseconds, where
    # reaching it after every router cost ≈ 1.1 ms of route matching per file.
    app.mount("/static", static_files(), name="static")
    app.include_router(entities_router)
    app.include_router(records_router)
    app.include_router(timeliness_router)
    app.include_router(objections_router)
    app.include_router(reports_router)
    app.include_router(risk_router)
    app.include_router(contradictions_router)
    app.include_router(misuse_router)
    app.include_router(complaints_router)
    app.include_router(repair_router)
    app.include_router(lists_router)
    app.include_router(evaluation_router)
    app.include_router(campaigns_router)
    app.include_router(exchange_router)
    app.include_router(remedies_router)
    app.include_router(commitments_router)
    app.include_router(selfreport_router)
    app.include_router(inspections_router)
    app.include_router(enterprise_router)
    app.include_router(privacy_router)
    app.include_router(agencies_router)
    app.include_router(content_router)
    app.include_router(scorecards_router)
    app.include_router(portal_router)
    app.include_router(console_router)

    return app


def _lifespan(database: Database | None, settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Start the background tick when ``XINYONG_BACKGROUND_TICK_SECONDS`` > 0; stop it cleanly on shutdown."""
        ticker = None
        seed_catalogues(database or get_database())  # no lazy seeding on a request's read path
        if settings.background_tick_seconds > 0:
            ticker = BackgroundTicker(database or get_database(), settings.background_tick_seconds)
            ticker.start()
        app.state.ticker = ticker
        try:
            yield
        finally:
            if ticker is not None:
                ticker.stop()

    return lifespan


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """The middleware, innermost first: OPTIONS answers, body limits, read-your-writes, security headers, observer."""
    app.add_middleware(OptionsAnswer, routes=lambda: app.router.routes)
    # A body past its limit is refused before any route reads it; only the security headers wrap it.
    app.add_middleware(BodyLimitMiddleware, upload_bytes=settings.upload_max_bytes, body_bytes=settings.max_body_bytes)
    app.add_middleware(ReadYourWrites, seconds=lambda: get_settings().read_your_writes_seconds)
    app.add_middleware(SecurityHeaders)  # every answer carries the headers
    app.add_middleware(RequestObserver)  # outermost: request id, latency by route, access log (core.metrics)


def _install_platform_routes(app: FastAPI) -> None:
    """The platform's own routes (liveness, readiness, metrics, API documentation, the member departments).

    Registered before the areas' routers: routes match in order, and a liveness probe (or the benchmarks' trivial
    baseline) should not pay for scanning every router's routes first."""

    # Registered before the areas' routers: routes match in order, and a liveness probe (or the benchmarks' trivial
    # baseline) should not pay for scanning every router's routes first.
    @app.get("/healthz", tags=["ops"], dependencies=[Depends(require(PUBLIC))], summary="Liveness and database check")
    def healthz(session: DbSession) -> dict[str, str]:
        session.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    app.include_router(ops_router)  # /readyz
    install_metrics(app)  # /metrics: network or token, not a role (xinyong.ops)

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(require(PUBLIC))])
    def swagger_docs(request: Request) -> HTMLResponse:
        return api_docs(request, "swagger", app.title, app.openapi_url or "/openapi.json")

    @app.get("/redoc", include_in_schema=False, dependencies=[Depends(require(PUBLIC))])
    def redoc_docs(request: Request) -> HTMLResponse:
        return api_docs(request, "redoc", app.title, app.openapi_url or "/openapi.json")

    @app.get(
        "/api/v1/departments",
        dependencies=[Depends(require(PUBLIC))],
        tags=["departments 成员单位"],
        response_model=list[DepartmentOut],
        summary="The member departments",
    )
    def departments(session: DbSession) -> list[DepartmentOut]:
        return [
            DepartmentOut(code=d.code, short_name=d.short_name, full_name=d.full_name, uscc=d.uscc)
            for d in list_departments(session)
        ]
