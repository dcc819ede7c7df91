"""The subject of a row (req §1, §3.3): 相对人类别 and the identifiers that must agree with it.

- 法人及非法人组织: a valid USCC, not a 个体工商户 code (92...);
- 个体工商户: a 92 USCC, or (no code) the operator's ID type and number: the subject is then that person, named
  by 法定代表人 (经营者) when given;
- 自然人: ID type and number (``XDR_ZJLX`` / ``XDR_ZJHM``), no USCC.

The 1.0 layout has no 相对人类别: it is inferred from the identifiers present and noted in the provenance.
"""

from __future__ import annotations

from typing import Final, NotRequired, TypedDict

from xinyong.core.ids import IdType
from xinyong.records.ingest import values as v
from xinyong.records.ingest.checks import RowCheck
from xinyong.records.rules import SubjectType

PERSON_NAME_LIMIT: Final = 100


class Subject(TypedDict):
    type: str  # SubjectType
    name: str
    uscc: NotRequired[str]
    id_type: NotRequired[str]  # IdType value
    id_number: NotRequired[str]  # clear: the records service encrypts it


def _infer_subject_type(r: RowCheck) -> str | None:
    """1.0 rows have no 相对人类别: a USCC says 法人 (or 个体工商户 for 92 codes), an ID number 自然人."""
    code = v.nfkc(r.get("XDR_SHXYM")).upper()
    if code:
        found = v.SELF_EMPLOYED if code.startswith("92") else v.LEGAL
    elif r.get("XDR_ZJHM"):
        found = v.PERSON
    elif any(r.get(name) for name in ("XDR_ZZJG", "XDR_GSZC", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ")):
        found = v.LEGAL
    else:
        r.error("XDR_SHXYM", "须填写统一社会信用代码或居民身份证号 (a USCC or an ID number is required)")
        return None
    r.notes.setdefault("inferred", {})["XDR_LB"] = found
    return found


def check_subject(r: RowCheck, old: bool) -> Subject | None:
    name = r.get("XDR_MC")
    if "XDR_LB" in r.fields:
        subject_type = r.parsed("XDR_LB", v.parse_subject_type)
    elif old:
        subject_type = _infer_subject_type(r)
    else:
        subject_type = None  # reported as a required field
    if subject_type is not None:
        r.content["XDR_LB"] = subject_type
    uscc = r.uscc("XDR_SHXYM")
    own_id = r.person_id("XDR_ZJLX", "XDR_ZJHM")
    representative_id = r.person_id("FR_ZJLX", "FR_ZJHM")
    subject = _consistent_subject(r, subject_type, uscc, own_id, representative_id) if subject_type else None
    return subject if name else None


def _consistent_subject(
    r: RowCheck,
    subject_type: str,
    uscc: str | None,
    own_id: tuple[IdType, str] | None,
    representative_id: tuple[IdType, str] | None,
) -> Subject | None:
    name = r.get("XDR_MC")
    has_code = "XDR_SHXYM" in r.present
    if subject_type == v.LEGAL:
        if not has_code:
            r.error("XDR_SHXYM", "法人及非法人组织必须填写统一社会信用代码 (required for 法人及非法人组织)")
        elif uscc and uscc.startswith("92"):
            r.error(
                "XDR_LB",
                "统一社会信用代码以 92 开头，属于个体工商户，相对人类别应为个体工商户 (92 codes are 个体工商户)",
            )
        return Subject(type=SubjectType.ENTITY.value, name=name, uscc=uscc) if uscc else None
    if subject_type == v.SELF_EMPLOYED:
        if uscc:
            if not uscc.startswith("92"):
                r.error("XDR_LB", "个体工商户的统一社会信用代码应以 92 开头 (a 个体工商户 code starts with 92)")
                return None
            return Subject(type=SubjectType.ENTITY.value, name=name, uscc=uscc)
        person = own_id or representative_id
        if person is None:
            if not has_code:
                r.error(
                    "XDR_SHXYM",
                    "个体工商户须填写以 92 开头的统一社会信用代码，或经营者的证件类型和证件号码 "
                    "(a 92 USCC or the operator's ID is required)",
                )
            return None
        holder = name if own_id else r.get("FRDB") or name
        return _person(r, holder, person)
    # 自然人
    if has_code:
        r.error(
            "XDR_SHXYM",
            f"自然人不填统一社会信用代码，身份证号请填在证件号码（{r.layout.code('XDR_ZJHM')}） (persons have no USCC)",
        )
    for field_name in ("XDR_ZJLX", "XDR_ZJHM"):
        if field_name not in r.present:
            r.error(field_name, "相对人为自然人时必填 (required for a natural person)")
    return _person(r, name, own_id) if own_id and not has_code else None


def _person(r: RowCheck, name: str, person: tuple[IdType, str]) -> Subject | None:
    if len(name) > PERSON_NAME_LIMIT:
        r.error("XDR_MC", f"自然人姓名不能超过 {PERSON_NAME_LIMIT} 个字符 (a person's name is too long)")
        return None
    return Subject(type=SubjectType.PERSON.value, name=name, id_type=person[0].value, id_number=person[1])
