"""A credit report as PDF: an embedded, subset CJK font, a QR code to the verification page, the content's sections.

Rendering is deterministic for one issued row (fixed dates and document id), so the SHA-256 of the PDF stored at
issue time holds for every later download. Two layouts exist:

- the current one (reports issued from 2026-12-08): the CJK font is parsed once per process (its character map
  and widths; only the font file's tables are read again for each document, because fontTools subsets them in
  place), its bounding boxes are not recomputed for the subset (the whole font's are kept: valid, and computing
  them drew every glyph's outline), and lines are broken here in one pass over the text's widths, then set with
  ``cell``. fpdf's ``multi_cell`` summed the line so far again for every character, and its font parsing and
  subsetting were most of a report's time (docs/benchmarks.md, "Credit reports");
- the first one (fpdf's ``add_font`` per document and ``multi_cell``), kept so that a report issued before the
  change still downloads byte-identical: :func:`render_pdf` falls back to it when the current layout does not
  give the stored hash.
"""

from __future__ import annotations

import copy
import functools
import io
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno

from xinyong.core.config import get_settings
from xinyong.core.display import beijing, department_name
from xinyong.core.errors import XinyongError
from xinyong.reports.models import IssuedReport
from xinyong.reports.rules import SECTIONS, file_hash

FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC (Debian fonts-noto-cjk)
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
]
FAMILY = "cjk"
# Tables fpdf's subset does not need: what a report embeds of a CFF-based CJK font is its 'CFF ' table alone, with
# widths and the character map in the PDF's own objects; the layout and vertical tables were read and subset anyway.
UNUSED_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "VORG", "vhea", "vmtx", "DSIG", "meta", "cmap", "OS/2")
BREAKING_SPACES = frozenset(" \t\u200b\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")
_font_lock = threading.Lock()


class ReportUnavailable(XinyongError):
    status = 503
    code = "report_unavailable"


def font_path() -> tuple[str, int]:
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise ReportUnavailable("no CJK font installed: run ./dev.sh start once, or install fonts-noto-cjk (缺少中文字体)")


def verify_url(row: IssuedReport) -> str:
    base = get_settings().base_url.rstrip("/")
    return f"{base}/verify?{urlencode({'report_no': row.number, 'code': row.code})}"


@functools.cache
def _pdf_class() -> type[Any]:
    """fpdf2 (and the font tools under it) is imported on the first PDF, not with the module: most processes never
    render one."""
    from fpdf import FPDF

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FAMILY, size=8)
            self.cell(0, 6, f"第 {self.page_no()} 页", align="C")

    return _Pdf


@functools.cache
def _font_template(path: str, index: int) -> Any:
    """The CJK font as fpdf parsed it (character map, widths, descriptor), once per process; never output itself."""
    with _font_lock:
        scratch = _pdf_class()(format="A4")
        scratch.add_font(FAMILY, fname=path, collection_font_number=index)
        return scratch.fonts[FAMILY]


def _attach_font(pdf: Any, path: str, index: int) -> None:
    """Give ``pdf`` the process's parsed CJK font: a copy of the template with the parts a document changes made new
    (fontTools subsets the font's tables in place, the descriptor gets the embedded file, the subset map grows)."""
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    from fpdf.fonts import SubsetMap

    template = _font_template(path, index)
    font = copy.copy(template)
    font.ttfont = TTFont(template.ttffile, recalcTimestamp=False, recalcBBoxes=False, fontNumber=index, lazy=True)
    for tag in UNUSED_TABLES:  # never read: fontTools would still decompile and subset them
        if tag in font.ttfont:
            del font.ttfont[tag]
    font.desc = copy.copy(template.desc)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.i = len(pdf.fonts) + 1
    font.subset = SubsetMap(font)
    pdf.fonts[FAMILY] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _release(pdf: Any) -> None:
    """fpdf memoises its subset maps' lookups at class level (functools.cache on methods), which would keep every
    document's font, with its parsed tables, alive for the life of the process; forget them once output."""
    from fpdf.fonts import SubsetMap

    SubsetMap.pick.cache_clear()
    SubsetMap.get_glyph.cache_clear()
    font = pdf.fonts.get(FAMILY)
    if font is not None:
        font.ttfont = None


def wrap(text: str, widths: dict[int, float], limit: float) -> list[str]:
    """``text`` broken into lines no wider than ``limit`` (in thousandths of the font size), as fpdf's
    ``multi_cell`` broke them: at the last space (any of fpdf's breaking spaces, the ideographic one among them) when
    the line has one after some text, else before the character that does not fit; the space broken at is dropped.
    One pass over the characters (``multi_cell`` summed the line so far again for each one)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        start = i = 0
        width, space, filled = 0.0, -1, False
        while i < len(paragraph):
            char = paragraph[i]
            w = widths[ord(char)]
            if width + w > limit + 1e-7 and i > start:
                if char in BREAKING_SPACES:
                    lines.append(paragraph[start:i])
                    start = i = i + 1
                elif space > start:
                    lines.append(paragraph[start:space])
                    start = i = space + 1
                else:
                    lines.append(paragraph[start:i])
                    start = i
                width, space, filled = 0.0, -1, False
                continue
            if char in BREAKING_SPACES:
                space = i if filled else space
            else:
                filled = True
            width += w
            i += 1
        lines.append(paragraph[start:])
    return lines


def _writer(pdf: Any, legacy: bool) -> Callable[..., None]:
    width = pdf.epw
    if legacy:

        def line(text: str, size: float = 10, height: float = 6) -> None:
            pdf.set_font(FAMILY, size=size)
            pdf.multi_cell(width, height, text, new_x="LMARGIN", new_y="NEXT", align="L")

        return line
    widths = pdf.fonts[FAMILY].cw

    def fast_line(text: str, size: float = 10, height: float = 6) -> None:
        pdf.set_font(FAMILY, size=size)
        limit = (width - 2 * pdf.c_margin) * pdf.k / (size * 0.001)
        for part in wrap(text, widths, limit):
            pdf.cell(width, height, part, new_x="LMARGIN", new_y="NEXT", align="L")

    return fast_line


def render_pdf(row: IssuedReport) -> bytes:
    """The report as PDF, byte-identical to the one issued: in the current layout, or in the first one for a report
    issued before it (its stored hash says which)."""
    data = _render(row, legacy=False)
    if row.pdf_sha256 and file_hash(data) != row.pdf_sha256:
        earlier = _render(row, legacy=True)
        if file_hash(earlier) == row.pdf_sha256:
            return earlier
    return data


def _render(row: IssuedReport, legacy: bool) -> bytes:
    content = row.content
    path, index = font_path()
    pdf = _pdf_class()(format="A4")
    pdf.set_creation_date(row.issued_at)
    pdf.set_title(f"{content['title']} {row.number}")
    pdf.set_subject(content["identity"]["uscc"])
    pdf.set_keywords(f"report_no={row.number} code={row.code}")
    pdf.set_creator("xinyong")
    pdf.set_producer("xinyong")
    if legacy:
        pdf.add_font(FAMILY, fname=path, collection_font_number=index)
    else:
        _attach_font(pdf, path, index)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    try:
        _body(pdf, row, _writer(pdf, legacy))
        pdf.file_id = lambda: f"<{row.content_hash[:32]}><{row.content_hash[32:]}>"
        return bytes(pdf.output())
    finally:
        _release(pdf)


def _body(pdf: Any, row: IssuedReport, line: Callable[..., None]) -> None:
    content = row.content
    qr = io.BytesIO()
    segno.make(verify_url(row), error="m").save(qr, kind="png", scale=3, border=1)
    qr.seek(0)
    pdf.image(qr, x=pdf.w - pdf.r_margin - 30, y=pdf.t_margin, w=30, h=30)
    line(f"{content['platform']}", 11)
    line(f"{content['title']} · {content['audience_label']}", 18, 10)
    line(f"报告编号：{row.number}")
    line(f"验证码：{row.code}")
    line(f"出具时间：{beijing(row.issued_at)}（北京时间）")
    line(f"信息截止时点：{content.get('as_of_text') or content['as_of']}")
    line("扫描右上角二维码或访问本平台 /verify 页面核验报告真伪。", 9)
    issued_for = content.get("issued_for")
    if isinstance(issued_for, dict):
        line(
            f"本报告依主体授权出具给：{issued_for.get('agency_name')}（备案编号 {issued_for.get('filing_no')}）；"
            f"授权编号 {issued_for.get('grant_id')}，用途：{issued_for.get('purpose_label')}，"
            f"授权有效期至 {issued_for.get('valid_until')}。未经主体授权不得转用。",
            9,
        )
    pdf.ln(2)
    _identity(content["identity"], line)
    numerals = "二三四五六七八九十"
    n = 0
    for key, label, _kinds in SECTIONS:
        items = content["sections"].get(key, [])
        line(f"{numerals[n]}、{label}", 13, 8)
        n += 1
        if not items:
            line("暂无")
        for i, item in enumerate(items, 1):
            department = item.get("source_department_name") or department_name(item["source_department"], full=True)
            line(
                f"{i}. 【{item['kind_label']}】{item['title']}　文号：{item['doc_no']}　"
                f"部门：{department}　决定日期：{item['decision_date']}　状态：{item['status']}"
                + (f"　公示截止日期：{item['publicity_end']}" if item.get("publicity_end") else "")
                + ("　（自主填报，未经核实）" if key == "self_reported" else "")
            )
            fields = item.get("fields")
            if fields is None:  # reports issued before fields were labelled
                fields = [[k, str(v)] for k, v in item["summary"].items()]
            if fields:
                line("　　" + "；".join(f"{label}：{value}" for label, value in fields), 9)
    line(f"{numerals[n]}、公共信用综合评价", 13, 8)
    line(str(content["evaluation"]))
    line(f"{numerals[n + 1]}、信用提升建议", 13, 8)
    for i, text in enumerate(content["suggestions"], 1):
        line(f"{i}. {text}")
    pdf.ln(4)
    line("本报告依据本平台截至上述时点归集的公共信用信息生成；报告内容如被改动，核验将显示为非真实报告。", 8)


def _identity(identity: dict[str, Any], line: Callable[..., None]) -> None:
    line("一、主体身份信息", 13, 8)
    line(f"名称：{identity['name']}")
    line(f"统一社会信用代码：{identity['uscc']}")
    for label, key in (("登记状态", "status"), ("组织形式", "legal_form"), ("行业", "industry")):
        if identity.get(key):
            line(f"{label}：{identity[key]}")
    if identity.get("established_on"):
        line(f"成立日期：{identity['established_on']}")
    if identity.get("former_names"):
        line("曾用名：" + "、".join(identity["former_names"]))
    if identity.get("registered_address"):
        line(f"住所：{identity['registered_address']}")
    for person in identity.get("persons", []):
        line(f"{person['role']}：{person['name']}（证件号码 {person['id_masked']}）")
