"""Pure rules of credit reports: sections, canonical content, the verification code, verdicts and suggestions."""

from __future__ import annotations

import hashlib
import hmac
import json
from enum import StrEnum
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac


class Audience(StrEnum):
    PUBLIC = "public"  # 公示版（脱敏）
    FULL = "full"  # 主体完整版


AUDIENCE_LABELS = {Audience.PUBLIC: "公示版（已脱敏）", Audience.FULL: "主体完整版"}


class Verdict(StrEnum):
    VALID = "有效"
    SUPERSEDED = "已被更新"
    NOT_GENUINE = "非真实报告"


# Report sections by record kind, in the order they are printed.
SECTIONS: list[tuple[str, str, frozenset[str]]] = [
    ("double_publicity", "双公示信息（行政许可、行政处罚）", frozenset({"license", "penalty"})),
    ("lists", "名单信息（严重失信主体名单、经营异常名录）", frozenset({"serious_dishonesty", "abnormal_operation"})),
    ("commitments", "信用承诺及履行情况", frozenset({"commitment"})),
    ("honours", "诚信荣誉与行政奖励", frozenset({"honour", "reward"})),
    ("judicial", "司法裁判及执行信息", frozenset({"judicial"})),
    ("self_reported", "自主填报信息（由主体自行提供，标注为自报）", frozenset({"voluntary"})),
    (
        "other",
        "其他公共信用信息",
        frozenset(
            {
                "registration",
                "enforcement",
                "confirmation",
                "levy",
                "payment",
                "adjudication",
                "compensation",
                "inspection",
                "qualification",
                "contract",
                "evaluation",
                "interview",
                "education",
                "complaint",
            }
        ),
    ),
]
SECTION_OF_KIND = {kind: key for key, _label, kinds in SECTIONS for kind in kinds}
EVALUATION_PENDING = "暂无（公共信用综合评价尚未开展）"


def canonical(content: dict[str, Any]) -> bytes:
    """The one byte form of a report's content that codes and hashes cover."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def content_hash(content: dict[str, Any]) -> str:
    return hash_of_canonical(canonical(content))


def hash_of_canonical(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def verification_code(key: str, content: dict[str, Any]) -> str:
    """HMAC-SM3 over the canonical content, shortened to 32 hex digits (128 bits) for printing."""
    return code_of_canonical(key, canonical(content))


def code_of_canonical(key: str, data: bytes) -> str:
    mac = crypto_hmac.HMAC(key.encode(), hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()[:32].upper()


def same_code(a: str, b: str) -> bool:
    return hmac.compare_digest(a.strip().upper().encode(), b.strip().upper().encode())


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def report_number(day: str, seq: int) -> str:
    """e.g. GQC-XYBG-20261126-000042 (day as YYYYMMDD)."""
    return f"GQC-XYBG-{day}-{seq:06d}"


def suggestions(counts: dict[str, int], penalties: int, objected: int) -> list[str]:
    """Suggestions to improve credit, from what the report holds (req §3.13)."""
    out: list[str] = []
    if penalties:
        out.append("按期全面履行行政处罚决定；履行完毕并满最短公示期后，可依法申请信用修复。")
    if counts.get("lists"):
        out.append("对列入经营异常名录或严重失信名单的情形，完成整改后按规定申请移出或信用修复。")
    if not counts.get("commitments"):
        out.append("在办理行政审批、参与招投标等事项时主动作出信用承诺并按诺履行。")
    if objected:
        out.append("有异议中的记录，请关注异议处理结果。")
    if not counts.get("honours"):
        out.append("积极参与诚信建设活动，争取诚信荣誉。")
    out.append("如发现信用记录有误，可在平台对具体记录提出异议。")
    return out
