"""The demo city's record kinds: registrations, licences, penalties, inspections, 经营异常, judicial, serious
dishonesty, honours, contracts, commitments, complaints and evaluations, each drawn from the sector tables in
:mod:`xinyong.demo.names` and written through :meth:`xinyong.demo.draws.Draws._emit`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any, ClassVar

from xinyong.core.periods import add_months, end_of_period
from xinyong.demo import names as n
from xinyong.demo.draws import LONG_TERM, WINDOW_END, WINDOW_START, Draws, Entity, Person
from xinyong.records import service as record_service
from xinyong.records.publicity import publication_window
from xinyong.records.rules import Disclosure, Kind, Severity, Status


class RecordKinds(Draws):
    """A record of each kind for an entity (or a natural person), on a day."""

    def _registration(self, entity: Entity, day: dt.date, kind_of: str, item: str | None) -> None:
        department = entity.sector.registrar
        content = {
            "XDR_MC": entity.name_on(day),
            "XDR_SHXYM": entity.uscc,
            "DJLX": kind_of,
            "DJJG": self.departments[department][0],
            "DJRQ": day.isoformat(),
        }
        if item:
            content["BGSX"] = item
        title = f"{kind_of}（{item}）" if item else kind_of
        self._emit(
            Kind.REGISTRATION,
            department,
            self._doc(department, Kind.REGISTRATION, day.year),
            title,
            day,
            content,
            entity=entity,
            correction="title",
        )

    def _random_registration(self, entity: Entity, day: dt.date) -> None:
        self._registration(entity, day, "变更登记", self.rng.choice(n.CHANGE_ITEMS))

    def _licence(self, entity: Entity, key: str, day: dt.date) -> None:
        rng = self.rng
        licence = n.LICENCES[key]
        department = licence.department
        doc_no = self._doc(department, Kind.LICENSE, day.year, 4)
        until = LONG_TERM
        if licence.years:
            until = (add_months(day, 12 * licence.years) - dt.timedelta(days=1)).isoformat()
        content = self._entity_subject(entity, day, representative=True) | {
            "XKWS": f"准予{licence.certificate}行政许可决定书" if licence.category != "登记" else "准予登记通知书",
            "WSH": doc_no, "XKLB": licence.category, "XKZS": licence.certificate,
            "XKBH": self._licence_number(licence, entity, day), "NR": licence.content, "JDRQ": day.isoformat(),
            "YXQZ": day.isoformat(), "YXQZI": until, "XKJG": self.departments[department][0],
            "XKJGDM": self.departments[department][1], "ZT": "有效",
            "LYDW": self.departments[department][0], "LYDWDM": self.departments[department][1],
        }  # fmt: skip
        status = Status.VALID
        if until != LONG_TERM and until < WINDOW_END.isoformat():
            content["ZT"] = "无效"
        elif rng.random() < 0.01:
            status = Status.REVOKED
        self._emit(
            Kind.LICENSE,
            department,
            doc_no,
            f"{licence.certificate}（{licence.content[:30]}）",
            day,
            content,
            entity=entity,
            status=status,
            correction="validity" if until != LONG_TERM else "date",
        )

    def _random_licence(self, entity: Entity, day: dt.date) -> None:
        keys = [key for key in entity.variant.licences if key not in ("establish", "social_reg")]
        self._licence(entity, self.rng.choice(keys), day)

    def _licence_number(self, licence: n.Licence, entity: Entity, day: dt.date) -> str:
        form, region, year = licence.number, entity.region.code, day.year
        if form == "uscc":
            return entity.uscc
        seq = self._serial("licence:" + form)
        numbers = {
            "JY": f"JY{2 if entity.sector.org_type == '2' else 1}{region}{seq:06d}{seq % 10}",
            "SC": f"SC101{region}{seq:04d}{seq % 7}",
            "WS": f"共卫公字〔{year}〕第{seq:04d}号",
            "SG": f"{region}{day:%Y%m%d}{seq % 100:02d}01",
            "ZZ": f"D3360{seq:05d}",
            "GH": f"建字第{region}{year}{seq:05d}号",
            "RL": f"赣人服证字〔{year}〕第{seq:05d}号",
            "LW": f"赣劳派{region}{year}{seq:04d}",
            "YS": f"赣交运管许可九字{region}{seq:06d}号",
            "PW": f"{entity.uscc}{1 + seq % 3:03d}V",
            "YC": f"{region}{seq:06d}",
            "XF": f"共消安检字〔{year}〕第{seq:04d}号",
            "YL": f"PDY{seq:05d}{region}11D2152",
            "BX": f"教民1{region}7{seq:07d}号",
            "NY": f"农药经许（赣）{region}{seq:05d}",
            "DF": f"（{region}）动防合字第{seq:06d}号",
            "WW": f"赣网文〔{year}〕{seq:04d}-{seq % 1000:03d}号",
            "YP": f"赣DA{region[2:]}{seq:04d}",
        }
        return numbers.get(form, f"{n.DOC_PREFIX[licence.department]}许〔{year}〕{seq}号")

    def _penalty_content(self, key: str, day: dt.date, severity: str) -> tuple[dict[str, Any], str]:
        rng = self.rng
        penalty = n.PENALTIES[key]
        measures = rng.choice(penalty.measures)
        if severity == Severity.MINOR and ("警告",) in penalty.measures:
            measures = ("警告",)
        parts: list[str] = []
        content: dict[str, Any] = {}
        if "警告" in measures:
            parts.append("警告")
        if "罚款" in measures:
            low, high = penalty.fine
            if severity == Severity.SERIOUS:
                low = (low + high) / 2
            fine = round(rng.uniform(low, high), 4 if high < 1 else 2)
            content["NR_FK"] = f"{fine:g}"
            parts.append(f"罚款人民币{round(fine * 10000)}元")
        if "没收违法所得、没收非法财物" in measures:
            taken = round(rng.uniform(0.01, 0.5), 4)
            content["NR_WFFF"] = f"{taken:g}"
            parts.append(f"没收违法所得人民币{round(taken * 10000)}元")
        window = publication_window(day, Severity(severity))
        content |= {
            "WFXW": penalty.act, "SY": penalty.facts.format(n=rng.randint(2, 60), v=rng.randint(300, 90000)),
            "YJ": penalty.basis, "CFLB": list(measures), "NR": "；".join(parts), "JDRQ": day.isoformat(),
            "YXQ": window.max_end.isoformat(), "GSJZQ": window.max_end.isoformat(),
        }  # fmt: skip
        draw = rng.random()
        if draw < 0.006:
            status = Status.REVOKED
        elif draw < 0.05 and severity != Severity.MINOR and window.may_end_early_on(WINDOW_END):
            status = Status.REPAIRED
        elif window.expired_on(WINDOW_END):
            status = Status.EXPIRED
        else:
            status = Status.VALID
        return content, status

    def _penalty_severity(self, key: str) -> str:
        rng = self.rng
        if key == "tax_invoice":
            return Severity.SERIOUS if rng.random() < 0.7 else Severity.GENERAL
        if n.PENALTIES[key].fine[1] <= 0.5:
            return Severity.MINOR if rng.random() < 0.6 else Severity.GENERAL
        return n.PENALTY_SEVERITY.pick(rng)

    def _penalty(self, entity: Entity, day: dt.date, key: str | None = None) -> None:
        key = key or self.rng.choice(entity.variant.penalties)
        department = n.PENALTIES[key].department
        severity = self._penalty_severity(key)
        content, status = self._penalty_content(key, day, severity)
        self._penalty_record(key, department, day, severity, status, content, entity=entity)

    def _penalty_record(
        self,
        key: str,
        department: str,
        day: dt.date,
        severity: str,
        status: str,
        content: dict[str, Any],
        *,
        entity: Entity | None = None,
        person: Person | None = None,
        act: str | None = None,
    ) -> None:
        doc_no = self._doc(department, Kind.PENALTY, day.year)
        name = entity.name_on(day) if entity else person.name if person else ""
        full, uscc = self.departments[department]
        if person is not None:
            subject = {"XDR_MC": person.name, "XDR_LB": "自然人", "XDR_ZJLX": "身份证", "XDR_ZJHM": person.number}
        else:
            assert entity is not None
            subject = self._entity_subject(entity, day, representative=True)
        content = subject | content | {"WSH": doc_no, "CFJG": full, "CFJGDM": uscc, "SJLY": full, "SJLYDM": uscc}
        if person is not None:
            content = self._personal_facts(content, doc_no, person)
            # the ID number is kept masked, SM4-encrypted and blind-indexed, never in clear (free-text numbers too)
            content = record_service.protect_ids(content, None)
        disclosure = Disclosure.PUBLIC
        if severity == Severity.MINOR and self.rng.random() < 0.5:
            disclosure = Disclosure.RESTRICTED
        self._emit(
            Kind.PENALTY,
            department,
            doc_no,
            f"{name}{act or n.PENALTIES[key].act}案",
            day,
            content,
            entity=entity,
            person=person,
            severity=severity,
            status=status,
            disclosure=disclosure,
            correction="amount" if "NR_FK" in content else "date",
        )

    def _personal_facts(self, content: dict[str, Any], doc_no: str, person: Person) -> dict[str, Any]:
        """One natural-person penalty in eight gets the personal details departments write into 违法事实 (the
        person's name, a phone, a home address, sometimes a witness), drawn from its own random stream so the rest
        of the dataset is unchanged: the desensitiser and the review queue have real work on a fresh start."""
        rng = random.Random(f"{self.seed}:facts:{doc_no}")
        if rng.random() >= 0.125:
            return content
        phone = "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))
        road = rng.choice(("青年大道", "湖滨路", "富华大道", "茶山路", "南湖路"))
        home = f"共青城市{rng.choice(('茶山街道', '甘露镇', '江益镇'))}{road}{rng.randint(1, 300)}号"
        facts = f"经查，当事人{person.name}（联系电话{phone[:3]} {phone[3:7]} {phone[7:]}，住{home}）"
        if rng.random() < 0.3:
            facts += f"，证人{n.person_name(rng, rng.random() < 0.5)}，{rng.choice('男女')}，在场"
        return content | {"SY": facts + "。" + str(content.get("SY") or "")}

    def _random_penalty(self, entity: Entity, day: dt.date) -> None:
        self._penalty(entity, day)

    def _revocation(self, entity: Entity) -> None:
        day = entity.end
        basis = n.REVOCATION_BASIS_OLD if day < dt.date(2024, 7, 1) else n.REVOCATION_BASIS_NEW
        window = publication_window(day, Severity.GENERAL)
        content = {
            "WFXW": n.REVOCATION_ACT, "SY": f"经查，当事人{n.REVOCATION_ACT}，经公告送达听证告知书后未提出陈述、申辩。",
            "YJ": basis, "CFLB": ["暂扣许可证件、降低资质等级、吊销许可证件"], "NR": "吊销营业执照",
            "JDRQ": day.isoformat(), "YXQ": window.max_end.isoformat(), "GSJZQ": window.max_end.isoformat(),
        }  # fmt: skip
        status = Status.EXPIRED if window.expired_on(WINDOW_END) else Status.VALID
        self._penalty_record(
            "revocation", "SCJGJ", day, Severity.GENERAL, status, content, entity=entity, act="吊销营业执照"
        )

    def _person_penalty(self) -> None:
        rng = self.rng
        if self.person_pool and rng.random() < 0.25:
            person = rng.choice(self.person_pool)
        else:
            person = self._new_person(WINDOW_END - dt.timedelta(days=rng.randint(0, 2500)), rng.random() < 0.8)
            if len(self.person_pool) < 2000:
                self.person_pool.append(person)
        key = rng.choice(n.PERSON_PENALTIES)
        day = self._date(WINDOW_START, WINDOW_END)
        severity = Severity.MINOR if rng.random() < 0.4 else Severity.GENERAL
        content, status = self._penalty_content(key, day, severity)
        self._penalty_record(key, n.PENALTIES[key].department, day, severity, status, content, person=person)

    def _inspection(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        department = rng.choice(entity.sector.inspections)
        item = rng.choice(n.INSPECTION_ITEMS[department])
        result, severity = n.INSPECTION_RESULTS.pick(rng)
        full, uscc = self.departments[department]
        content = self._entity_subject(entity, day) | {
            "JCSX": item, "JCFS": "双随机、一公开", "JCJG": result, "JCRQ": day.isoformat(), "JCJGMC": full,
            "JCJGDM": uscc,
        }  # fmt: skip
        self._emit(
            Kind.INSPECTION,
            department,
            self._doc(department, Kind.INSPECTION, day.year),
            f"{item}：{result}",
            day,
            content,
            entity=entity,
            severity=severity,
            disclosure=Disclosure.PUBLIC,
            correction="date",
        )

    def _abnormal(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        kind_of = entity.sector.authority + entity.sector.org_type
        key = kind_of if kind_of in n.ABNORMAL_REASONS else entity.sector.authority
        if key == "91" and rng.random() < 0.15:
            key = "91b"
        title, reason = n.ABNORMAL_REASONS[key]
        department = "MZJ" if entity.sector.authority == "5" else "SCJGJ"
        content = self._entity_subject(entity, day) | {
            "LRYY": reason,
            "LRRQ": day.isoformat(),
            "ZCJG": self.departments[department][0],
        }
        status = Status.VALID
        if (WINDOW_END - day).days > 120 and rng.random() < 0.6:
            status = Status.REPAIRED
            content |= {
                "YCRQ": self._date(day + dt.timedelta(days=30), WINDOW_END).isoformat(),
                "YCYY": "已补报年度报告并公示" if key != "91b" else "已依法变更登记住所",
            }
        self._emit(
            Kind.ABNORMAL_OPERATION,
            department,
            self._doc(department, Kind.ABNORMAL_OPERATION, day.year),
            title,
            day,
            content,
            entity=entity,
            severity=Severity.GENERAL if key == "91b" else Severity.MINOR,
            status=status,
            correction="date",
        )

    def _judicial(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        case = f"（{day.year}）赣0482执{self._serial(f'court{day.year}')}号"
        dishonest = rng.random() < 0.3
        content = self._entity_subject(entity, day) | {
            "AH": case, "ZXFY": self.departments["FY"][0], "LASJ": day.isoformat(),
            "ZXBD": f"{round(rng.uniform(0.5, 300), 2):g}", "LXQK": rng.choice(("全部未履行", "部分未履行")),
        }  # fmt: skip
        status = Status.VALID
        if dishonest:
            content["SXXW"] = rng.choice(n.JUDICIAL_DISHONEST_ACTS)
        if (WINDOW_END - day).days > 180 and rng.random() < 0.35:
            status = Status.REPAIRED
            content["LXQK"] = "全部已履行"
        self._emit(
            Kind.JUDICIAL,
            "FY",
            case,
            "失信被执行人" if dishonest else "被执行人",
            day,
            content,
            entity=entity,
            severity=Severity.SERIOUS if dishonest else None,
            status=status,
            disclosure=Disclosure.PUBLIC,
        )

    def _serious(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        department, list_name, basis, reason = rng.choice(n.SERIOUS_LISTS)
        until = end_of_period(day, years=3)
        full, uscc = self.departments[department]
        content = self._entity_subject(entity, day, representative=True) | {
            "LRYY": reason, "LRYJ": basis, "LRRQ": day.isoformat(), "YXQZ": day.isoformat(),
            "YXQZI": until.isoformat(), "RDJG": full, "RDJGDM": uscc,
        }  # fmt: skip
        status = Status.VALID
        if until < WINDOW_END:
            status = Status.EXPIRED
        elif end_of_period(day, years=1) < WINDOW_END and rng.random() < 0.12:
            status = Status.REPAIRED
        self._emit(
            Kind.SERIOUS_DISHONESTY,
            department,
            self._doc(department, Kind.SERIOUS_DISHONESTY, day.year),
            f"列入{list_name}",
            day,
            content,
            entity=entity,
            severity=Severity.SERIOUS,
            status=status,
            disclosure=Disclosure.PUBLIC,
            correction="date",
        )

    def _honour(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        options = [h for h in n.HONOURS if not h[2] or entity.sector.key in h[2]]
        department, honour, _ = rng.choice(options)
        content = self._entity_subject(entity, day) | {
            "RYMC": honour, "SYJG": self.departments[department][0], "SYRQ": day.isoformat(),
            "YXQ": end_of_period(day, years=2).isoformat(),
        }  # fmt: skip
        self._emit(
            Kind.HONOUR,
            department,
            self._doc(department, Kind.HONOUR, day.year),
            honour,
            day,
            content,
            entity=entity,
            correction="title",
        )

    def _contract(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        options = n.CONTRACTS if entity.sector.key in ("construction", "realty") else n.CONTRACTS[:1]
        department, what = rng.choice(options)
        result, severity = n.CONTRACT_RESULTS.pick(rng)
        content = self._entity_subject(entity, day) | {
            "HTMC": f"{what}（{day.year}年度）", "HTJE": f"{round(rng.uniform(5, 900), 2):g}", "LYQK": result,
            "PJRQ": day.isoformat(),
        }  # fmt: skip
        self._emit(
            Kind.CONTRACT,
            department,
            self._doc(department, Kind.CONTRACT, day.year),
            f"{what}：{result}",
            day,
            content,
            entity=entity,
            severity=severity,
            correction="date",
        )

    def _commitment(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        department, item, type_ = rng.choice(n.COMMITMENTS)
        result, severity = n.COMMITMENT_RESULTS.pick(rng)
        content = self._entity_subject(entity, day) | {
            "CNLX": type_,
            "CNSX": item,
            "CNRQ": day.isoformat(),
            "LYZT": result,
        }
        self._emit(
            Kind.COMMITMENT,
            department,
            self._doc(department, Kind.COMMITMENT, day.year),
            f"{item}（{type_}）",
            day,
            content,
            entity=entity,
            severity=severity,
            correction="date",
        )

    def _complaint(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        department, channel, summary = rng.choice(n.COMPLAINTS)
        number = channel[:5] if channel[:5].isdigit() else n.DOC_PREFIX[department] + "诉"
        doc_no = f"{number}-{day.year}-{self._serial(f'{number}{day.year}'):07d}"
        content = self._entity_subject(entity, day) | {
            "TSQD": channel,
            "TSNR": summary,
            "SLRQ": day.isoformat(),
            "CLJG": rng.choice(n.COMPLAINT_OUTCOMES),
        }
        disclosure = Disclosure.CONDITIONAL if rng.random() < 0.8 else Disclosure.RESTRICTED
        self._emit(
            Kind.COMPLAINT,
            department,
            doc_no,
            f"{channel}：{summary}",
            day,
            content,
            entity=entity,
            disclosure=disclosure,
        )

    def _evaluation(self, entity: Entity, day: dt.date) -> None:
        rng = self.rng
        options = [e for e in n.EVALUATIONS if not e[3] or entity.sector.key in e[3]]
        department, name, grades, _ = rng.choice(options)
        year = day.year
        day = max(min(dt.date(year, 4, rng.randint(1, 28)), entity.end), entity.established)
        grade = grades.pick(rng)
        content = self._entity_subject(entity, day) | {
            "PJLX": name,
            "PJND": str(year - 1),
            "PJJG": grade,
            "PJJGMC": self.departments[department][0],
        }
        good = grade in n.GOOD_GRADES
        self._emit(
            Kind.EVALUATION,
            department,
            self._doc(department, Kind.EVALUATION, year),
            f"{year - 1}年度{name}：{grade}",
            day,
            content,
            entity=entity,
            disclosure=Disclosure.PUBLIC if good else Disclosure.CONDITIONAL,
        )

    _makers: ClassVar[dict[str, Callable[[RecordKinds, Entity, dt.date], None]]] = {
        Kind.LICENSE: _random_licence, Kind.PENALTY: _random_penalty, Kind.REGISTRATION: _random_registration,
        Kind.INSPECTION: _inspection, Kind.ABNORMAL_OPERATION: _abnormal, Kind.JUDICIAL: _judicial,
        Kind.SERIOUS_DISHONESTY: _serious, Kind.HONOUR: _honour, Kind.CONTRACT: _contract,
        Kind.COMMITMENT: _commitment, Kind.COMPLAINT: _complaint, Kind.EVALUATION: _evaluation,
    }  # fmt: skip
