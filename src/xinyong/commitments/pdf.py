"""Commitment letters as PDF with an embedded Chinese font (fpdf2 over Debian's fonts-noto-cjk, subset on
embedding): the published template of an item, and a signed letter with its number and SM3 hash on every page.

The signed letter's PDF is a rendering; what is binding is the stored text, whose SM3 hash the PDF prints.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyong.core.errors import Conflict

FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),  # Noto Serif CJK SC
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),  # Noto Sans CJK SC
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


def font() -> tuple[str, int]:
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    raise Conflict("no Chinese font is installed for PDF: use the print view (缺少中文字体，请使用打印版)")


def _document(title: str, footer: str, created: dt.datetime) -> Any:
    from fpdf import FPDF  # imported here: only PDF answers need it

    class Letter(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", size=7)
            self.cell(0, 5, f"{footer}  第 {self.page_no()} 页", align="C")

    path, index = font()
    pdf = Letter(format="A4")
    pdf.set_creation_date(created)
    pdf.set_title(title)
    pdf.set_creator("xinyong")
    pdf.set_producer("xinyong")
    pdf.add_font("cjk", fname=path, collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    return pdf


def _write(pdf: Any, text: str, size: float = 11, height: float = 7, align: str = "L") -> None:
    pdf.set_font("cjk", size=size)
    pdf.multi_cell(pdf.epw, height, text, new_x="LMARGIN", new_y="NEXT", align=align, wrapmode="CHAR")


def template_pdf(sections: list[tuple[str, str]], title: str, meta: str, published: dt.datetime) -> bytes:
    """A template version: its title, a line on the item, each part under its heading, blank signature lines."""
    pdf = _document(title, meta, published)
    _write(pdf, title, 18, 11, "C")
    _write(pdf, meta, 9, 6, "C")
    pdf.ln(3)
    for heading, body in sections:
        _write(pdf, heading, 12, 8)
        _write(pdf, body)
        pdf.ln(1)
    pdf.ln(8)
    for line in (
        "承诺主体（盖章）：",
        "统一社会信用代码：",
        "法定代表人（负责人）签字：",
        "日期：      年    月    日",
    ):
        _write(pdf, line, 11, 9, "R")
    return bytes(pdf.output())


def letter_pdf(text: str, number: str, sm3: str, signed_at: dt.datetime) -> bytes:
    """A signed letter: its exact text, with the number and SM3 hash in every page's footer."""
    pdf = _document(f"信用承诺书 {number}", f"承诺书编号 {number} · SM3 {sm3}", signed_at)
    first, _, rest = text.partition("\n")
    _write(pdf, first, 17, 10, "C")
    _write(pdf, rest)
    return bytes(pdf.output())
