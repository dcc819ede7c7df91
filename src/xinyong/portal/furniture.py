"""The furniture a government site must have: the site map (网站地图) and the portal's own 404 and 500 pages.

A browser asking for a portal address that matches no route, or hitting a bug, gets a Chinese page in the portal's
style instead of the API's JSON. API clients (no ``text/html`` in Accept), ``.json`` URLs and the API, console,
static, ops and API-docs paths keep the application's own answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from xinyong.core.web import render
from xinyong.portal.web import portal_router, wants_page

log = logging.getLogger(__name__)

router = portal_router()

# (section, [(address, name, what it is)]) — every address answers 200 to an anonymous visitor (tests check it)
SECTIONS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "信用信息查询",
        (
            ("/", "首页", "信用动态入口、双公示统计与最新公示"),
            ("/search", "信用查询", "按企业名称、统一社会信用代码或拼音首字母查询信用主体"),
            ("/report", "下载信用报告", "申请并下载带验证码的信用报告"),
            ("/verify", "报告核验", "核验信用报告的真伪"),
        ),
    ),
    (
        "信用公示",
        (
            ("/publicity/licenses", "行政许可公示", "行政许可决定的“双公示”"),
            ("/publicity/penalties", "行政处罚公示", "行政处罚决定的“双公示”"),
            ("/lists", "信用名单", "严重失信主体名单、重点关注名单等"),
            ("/lists?kind=honour", "守信激励名单", "诚信典型、纳税信用A级纳税人、守合同重信用企业等红名单"),
            ("/commitments", "信用承诺", "市场主体作出的信用承诺及履约情况"),
            ("/inspections", "双随机抽查", "“双随机、一公开”抽查计划与结果"),
            ("/inspections/cases", "典型案例", "分级分类监管与双随机抽查的典型案例"),
            ("/campaigns", "专项治理", "失信问题专项治理行动"),
            ("/evaluation/model", "信用评价模型", "公共信用综合评价的指标与分级"),
        ),
    ),
    (
        "政策与服务",
        (
            ("/news", "信用动态", "本市信用工作动态、部门动态和信用知识"),
            ("/policies", "政策法规", "国家、省、市社会信用体系建设的政策文件"),
            ("/cases", "典型案例", "失信惩戒、守信激励、信用修复等典型案例"),
            ("/notices", "通知公告", "信用办和各部门的通知公告"),
            ("/guides", "办事指南", "信用修复、异议申诉、信用承诺、投诉举报办事指南"),
            ("/agencies", "信用服务机构名录", "在本市备案的信用服务机构"),
            ("/audit/anchors", "审计链锚点公示", "平台操作审计链的定期锚点"),
        ),
    ),
    (
        "企业用户",
        (
            ("/login", "登录", "企业用户与工作人员登录"),
            ("/register", "注册", "企业用户注册"),
        ),
    ),
)

# Paths that are not the portal's: they keep the application's own error answers.
NOT_PORTAL = ("/api/", "/console", "/static/", "/docs", "/redoc", "/openapi", "/healthz", "/readyz", "/metrics")

TITLES_500 = "系统繁忙"
MESSAGE_500 = "服务器处理您的请求时出错，错误已记录，工作人员会尽快处理。请稍后再试。"


@router.get("/sitemap")
def sitemap(request: Request) -> Response:
    return render(request, "portal/sitemap.html", {"active": "sitemap", "sections": SECTIONS})


def is_portal_page(request: Request) -> bool:
    """A person's browser at a portal address (not the API, console, static files, ops or API docs)."""
    path = request.url.path
    return not path.startswith(NOT_PORTAL) and wants_page(request)


Handler = Callable[[Request, Exception], Awaitable[Response] | Response]


def install_error_pages(app: FastAPI) -> None:
    """Put the portal's 404 and 500 pages in front of the application's handlers (installed before this)."""
    http_fallback = app.exception_handlers[StarletteHTTPException]
    bug_fallback = app.exception_handlers[Exception]

    async def _answer(fallback: Handler, request: Request, exc: Exception) -> Response:
        answer = fallback(request, exc)
        return await answer if isinstance(answer, Awaitable) else answer

    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and is_portal_page(request):
            context = {
                "status": 404,
                "title": "页面未找到",
                "message": "您访问的页面不存在或已被移除。",
                "hint": "请检查网址是否正确，或通过网站地图、信用查询找到所需内容。",
            }
            return render(request, "portal/error.html", context, status_code=404)
        return await _answer(http_fallback, request, exc)

    async def bug(request: Request, exc: Exception) -> Response:
        if not is_portal_page(request):
            return await _answer(bug_fallback, request, exc)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        context = {"status": 500, "title": TITLES_500, "message": MESSAGE_500, "hint": None}
        try:
            return render(request, "portal/error.html", context, status_code=500)
        except Exception:  # the page itself failed: the plain answer, never a second traceback to the visitor
            log.exception("the portal's 500 page failed to render")
            return await _answer(bug_fallback, request, exc)

    app.add_exception_handler(StarletteHTTPException, not_found)
    app.add_exception_handler(Exception, bug)
