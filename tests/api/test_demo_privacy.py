"""The demo city as a fresh start shows it: crawled as the public, no natural person's name, ID number, phone, bank
number or street address appears on any record page, its JSON or the publicity exports, and the rows whose text the
desensitiser was unsure of are held for review (and not public). Bounded: one demo of 300 entities, the pages of at
most 120 natural-person records."""

from __future__ import annotations

import io
import re
import unicodedata

from fastapi.testclient import TestClient
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from tests.support.apps import app_for
from xinyong.core.crypto import get_cipher
from xinyong.core.db import Database
from xinyong.demo import load_demo
from xinyong.entities.models import Person
from xinyong.entities.service import ID_CONTEXT
from xinyong.records import privacy
from xinyong.records.models import CreditRecordVersion
from xinyong.records.rules import SubjectType

MAX_RECORDS = 120
STREET = re.compile(r"[\u4e00-\u9fff]{1,8}(?:路|大道|街|巷)\d+号")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _compact(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\-\u200b-\u200f\u2060\ufeff]", "", text)


def test_the_demo_portal_shows_no_personal_data(committing_db: Database) -> None:
    load_demo(committing_db, entities=300, seed=4242)
    secrets: dict[int, list[str]] = {}
    with committing_db.unit_of_work() as session:
        persons = {p.id: p for p in session.execute(select(Person)).scalars()}
        versions = list(
            session.execute(
                select(CreditRecordVersion).where(
                    CreditRecordVersion.valid_to.is_(None), CreditRecordVersion.subject_type == SubjectType.PERSON
                )
            ).scalars()
        )
        held = {v.record_id for v in versions if v.privacy_hold}
        for version in versions:
            person = persons[version.subject_person_id or 0]
            number = get_cipher().decrypt(person.id_number_enc, context=ID_CONTEXT)
            original = privacy.original_content(version.content)
            text = " ".join(str(v) for v in original.values())
            found = [person.name, number] + [m.replace(" ", "") for m in MOBILE.findall(_compact(text))]
            found += STREET.findall(_compact(text))
            secrets[version.record_id] = found
    assert held, "the demo has rows held for the desensitisation review"
    client = TestClient(app_for(committing_db))
    exports = ""
    for suffix in (".csv", ".json"):
        exports += client.get(f"/publicity/penalties{suffix}?page_size=10000").content.decode("utf-8-sig")
    sheet = client.get("/publicity/penalties.xlsx").content
    rows = CalamineWorkbook.from_filelike(io.BytesIO(sheet)).get_sheet_by_index(0).to_python()
    exports += "\n".join("\t".join(str(c) for c in r) for r in rows)
    exports = _compact(exports)
    checked = 0
    for record_id, found in sorted(secrets.items()):
        page = client.get(f"/record/{record_id}")
        api = client.get(f"/api/v1/records/{record_id}")
        if record_id in held:
            assert page.status_code == 404 and api.status_code == 404, f"held record {record_id} is public"
        if page.status_code != 200 or checked >= MAX_RECORDS:
            continue
        checked += 1
        shown = _compact(page.text + api.text)
        leaks = [s for s in found if s and (_compact(s) in shown or _compact(s) in exports)]
        assert leaks == [], f"/record/{record_id} or an export shows {leaks}"
    assert checked > 0, "the crawl reached no published natural-person record"
