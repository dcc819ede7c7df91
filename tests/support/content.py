"""Builders for the portal's content tests: the two roles, an item's input, a small file of each kind."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from xinyong.content.schemas import ItemIn
from xinyong.core.actor import Actor, Role

EDITOR = Actor(Role.CONTENT_EDITOR, id="user:bianji", name="内容编辑")
REVIEWER = Actor(Role.CONTENT_REVIEWER, id="user:shenhe", name="内容审核")
OFFICE = Actor(Role.CREDIT_OFFICE, id="user:xyb", name="信用办")

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def news(title: str = "我市召开社会信用体系建设推进会", **fields: Any) -> ItemIn:
    values: dict[str, Any] = {
        "kind": "news",
        "title": title,
        "category": "工作动态",
        "summary": "会议部署了下一阶段信用监管重点工作。",
        "body": "<p>会议要求各部门落实<strong>信用承诺</strong>制度，推进守信激励。</p>",
    }
    return ItemIn.model_validate({**values, **fields})


def policy(**fields: Any) -> ItemIn:
    values: dict[str, Any] = {
        "kind": "policy",
        "title": "国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见",
        "category": "国家",
        "doc_number": "国办发〔2019〕35号",
        "issuer": "国务院办公厅",
        "issued_on": "2019-07-09",
        "body": "<p>摘要：以加强信用监管为着力点。</p>",
    }
    return ItemIn.model_validate({**values, **fields})
