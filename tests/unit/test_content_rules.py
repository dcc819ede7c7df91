"""The content's pure rules: the sanitiser against known XSS payloads, file sniffing, links and the review table."""

from __future__ import annotations

import re

import pytest

from tests.support.content import DOC, EDITOR, JPEG, OFFICE, PDF, PNG, REVIEWER, docx
from xinyong.content import rules
from xinyong.content.rules import TABLE, Status, Step
from xinyong.core.errors import Forbidden, InvalidInput
from xinyong.core.transitions import Parties

# from the OWASP XSS filter evasion cheat sheet and the HTML5 security cheat sheet
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    '<a onmouseover="alert(document.cookie)">xxs link</a>',
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;"
    "&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="JAVASCRIPT:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<details open ontoggle=alert(1)>",
    '<video><source onerror="alert(1)"></video>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<style>@import 'http://xss.rocks/xss.css';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<p title="</p><script>alert(1)</script>">x</p>',
    '<a href="//evil.example/phish">x</a>',
    '<img src="https://evil.example/track.gif">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<table background="javascript:alert(1)"><td onclick=alert(1)>x</td></table>',
    '<button formaction="javascript:alert(1)">x</button>',
]
DANGER = re.compile(
    r"<\s*(script|iframe|object|embed|form|svg|style|meta|base|link|input|button)|\son\w+\s*=|javascript:|vbscript:|data:|style=|//evil",
    re.I,
)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitiser_strips_known_xss_payloads(payload: str) -> None:
    cleaned = rules.sanitise(payload)
    assert DANGER.search(cleaned) is None, cleaned
    assert rules.sanitise(cleaned) == cleaned  # sanitising again (on render) changes nothing


def test_the_sanitiser_keeps_ordinary_formatting() -> None:
    html = (
        '<h2>一、总体要求</h2><p><strong>加强</strong>信用监管，<a href="https://www.creditchina.gov.cn/">信用中国</a>'
        '</p><ul><li>事前</li></ul><table><tr><td colspan="2">表</td></tr></table><img src="/content/files/3" alt="图">'
    )
    cleaned = rules.sanitise(html)
    for kept in (
        "<h2>",
        "<strong>",
        'href="https://www.creditchina.gov.cn/"',
        "<li>",
        'colspan="2"',
        'src="/content/files/3"',
    ):
        assert kept in cleaned
    assert 'rel="noopener noreferrer"' in cleaned


def test_plain_text_separates_blocks() -> None:
    assert rules.plain_text("<p>信用&amp;监管</p><p>修复</p>") == "信用&监管 修复"


def test_files_are_known_by_their_bytes() -> None:
    assert [rules.sniff(b) for b in (PDF, DOC, docx(), PNG, JPEG, b"MZ\x90", b"PK\x03\x04junk")] == [
        "pdf", "doc", "docx", "png", "jpeg", None, None,
    ]  # fmt: skip


@pytest.mark.parametrize("name", ["", ".pdf", "a/b.pdf", "a\\b.pdf", "x\x00.pdf", "..pdf", "a" * 200 + ".pdf"])
def test_hostile_file_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        rules.check_filename(name)


@pytest.mark.parametrize("text", ["record:", "records:1", "entry:-1", "record:1; DROP TABLE", "<script>"])
def test_malformed_links_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        rules.parse_links(text)


def test_links_are_parsed_once_each() -> None:
    assert rules.parse_links("record:12，entry:3 record:12") == [rules.Link("record", 12), rules.Link("entry", 3)]


def test_the_review_table_gives_publishing_to_reviewers_only() -> None:
    nobody = Parties(department=None)
    assert TABLE.allowed_for(Status.IN_REVIEW, EDITOR, nobody) == []
    assert set(TABLE.allowed_for(Status.IN_REVIEW, REVIEWER, nobody)) == {Step.RETURN, Step.PUBLISH, Step.WITHDRAW}
    assert Step.PUBLISH in TABLE.allowed_for(Status.IN_REVIEW, OFFICE, nobody)
    with pytest.raises(Forbidden):
        TABLE.check(Step.PUBLISH, Status.IN_REVIEW, EDITOR, nobody, outcome=Status.PUBLISHED)
