"""The demo city's entities, a chunk at a time: their codes (old codes as aliases before 三证合一), names, former
names, representatives, shareholders and controllers, and their records drawn by kind
(:mod:`xinyong.demo.record_kinds`).
"""

from __future__ import annotations

import datetime as dt

from xinyong.core.ids import USCC_ALPHABET, make_uscc, org_code_check_char
from xinyong.demo import loader
from xinyong.demo import names as n
from xinyong.demo.draws import PERSON_RECORD_RATE, USCC_SINCE, WINDOW_END, WINDOW_START, Entity, Person
from xinyong.demo.record_kinds import RecordKinds
from xinyong.entities.rules import AliasType, AssertedBy, EntityStatus, PersonRole


class Dataset(RecordKinds):
    """Draws the whole city from one ``random.Random(seed)``, a chunk of entities at a time, as table rows."""

    def generate(self, start: int, stop: int) -> dict[str, list[loader.Row]]:
        self.rows = {name: [] for name in loader.COLUMNS}
        for _ in range(start, stop):
            entity = self._entity()
            self._records(entity)
            if self.rng.random() < PERSON_RECORD_RATE:
                self._person_penalty()
        for name, rows in self.rows.items():
            self.counts[name] += len(rows)
        return self.rows

    # -- entities ---------------------------------------------------------------------------------------------------

    def _entity(self) -> Entity:
        rng = self.rng
        sector = n.SECTOR_CHOICE.pick(rng)
        variant_index = rng.randrange(len(sector.variants))
        variant = sector.variants[variant_index]
        region = n.REGIONS[sector.regions.pick(rng)]
        low, high = sector.founded
        year = min(high, low + int((high - low + 1) * rng.random() ** 0.55))
        established = self._date(dt.date(year, 1, 1), min(dt.date(year, 12, 31), WINDOW_END - dt.timedelta(days=45)))
        status, end = EntityStatus.ACTIVE, WINDOW_END
        first_possible = max(established, WINDOW_START) + dt.timedelta(days=60)
        if first_possible < WINDOW_END - dt.timedelta(days=20):
            draw = rng.random()
            if draw < sector.cancelled:
                status, end = EntityStatus.CANCELLED, self._date(first_possible, WINDOW_END - dt.timedelta(days=10))
            elif draw < sector.cancelled + sector.revoked:
                status, end = EntityStatus.REVOKED, self._date(first_possible, WINDOW_END - dt.timedelta(days=10))
        old = established < USCC_SINCE
        if old:
            org8 = f"{50_000_000 + self.old_codes(self.old_count):08d}"
            self.old_count += 1
        else:
            value, chars = self.new_codes(self.new_count), []
            for _ in range(5):
                value, digit = divmod(value, 31)
                chars.append(USCC_ALPHABET[digit])
            org8 = "MA3" + "".join(chars)
            self.new_count += 1
        uscc = make_uscc(sector.authority, sector.org_type, region.code, org8)
        town = rng.choice(region.areas)
        name = self._unique(lambda size: n.company_name(rng, rng.choice(variant.patterns), region, town, size))
        former = None
        if sector.authority == "9" and sector.org_type == "1" and rng.random() < 0.06:
            renamed = self._date(established + dt.timedelta(days=180), end - dt.timedelta(days=30))
            if established + dt.timedelta(days=180) < renamed:
                other = rng.choice(sector.variants)
                former = (
                    self._unique(lambda size: n.company_name(rng, rng.choice(other.patterns), region, town, size)),
                    renamed,
                )
                self.rows["entity_names"].append((self._id("entity_names"), uscc, former[0], established, renamed))
        entity = Entity(uscc, name, sector, variant_index, region, established, end, status, former)
        capital = None
        if sector.capital is not None:
            amount = rng.randint(*sector.capital)
            amount = round(amount, -len(str(amount)) + 2) if amount >= 100 else amount
            capital = f"{amount}万元人民币"
        self.rows["entities"].append((
            uscc, name, "", "", sector.authority, sector.org_type, region.code, variant.industry,
            n.INDUSTRIES[variant.industry], rng.choice(sector.legal_forms), n.address(rng, sector, region, town),
            capital, established, status, False, self.now, self.now, former[0] if former else "",
        ))  # fmt: skip
        if old:
            self._aliases(entity, org8)
        self._persons(entity)
        return entity

    def _aliases(self, entity: Entity, org8: str) -> None:
        kind = entity.sector.authority + entity.sector.org_type
        if entity.sector.authority == "9":
            body = entity.region.code + f"{self.reg_numbers(self.old_count):08d}"
            self.rows["entity_aliases"].append(
                (self._id("entity_aliases"), AliasType.REGISTRATION_NO.value, body + _gs15_check(body), entity.uscc)
            )
        if kind != "92":
            code = org8 + org_code_check_char(org8)
            self.rows["entity_aliases"].append(
                (self._id("entity_aliases"), AliasType.ORGANISATION_CODE.value, code, entity.uscc)
            )

    def _persons(self, entity: Entity) -> None:
        rng = self.rng
        rep = self._representative(entity, entity.established)
        entity.reps.append((entity.established, rep))
        changed = None
        if rng.random() < 0.04 and entity.established + dt.timedelta(days=400) < entity.end:
            changed = self._date(entity.established + dt.timedelta(days=365), entity.end - dt.timedelta(days=30))
            successor = self._representative(entity, changed)
            if successor.id != rep.id:
                entity.reps.append((changed, successor))
            else:
                changed = None
        for index, (since, person) in enumerate(entity.reps):
            until = entity.reps[index + 1][0] if index + 1 < len(entity.reps) else None
            self._link(entity, person, PersonRole.LEGAL_REPRESENTATIVE, since, until)
        if entity.sector.authority + entity.sector.org_type == "91" and rng.random() < entity.sector.shareholders:
            split = rng.choice(n.SHAREHOLDER_SPLITS)
            holders: list[Person] = [rep] if rng.random() < 0.6 else []
            while len(holders) < len(split):
                candidate = (
                    self._new_person(entity.established)
                    if rng.random() < 0.9 or not self.rep_pool
                    else rng.choice(self.rep_pool)
                )
                if all(candidate.id != h.id for h in holders):
                    holders.append(candidate)
            for holder, percent in zip(holders, split, strict=True):
                self._link(entity, holder, PersonRole.SHAREHOLDER, entity.established, None, share=f"{percent}%")
            if rng.random() < 0.35:
                verified = rng.random() < 0.3
                self._link(
                    entity,
                    holders[0],
                    PersonRole.ACTUAL_CONTROLLER,
                    entity.established,
                    None,
                    AssertedBy.VERIFIED if verified else AssertedBy.SELF_DECLARED,
                    entity.sector.registrar if verified else None,
                )
        if changed is not None and changed >= WINDOW_START:
            self._registration(entity, changed, "变更登记", "法定代表人")

    # -- records ----------------------------------------------------------------------------------------------------

    def _records(self, entity: Entity) -> None:
        rng = self.rng
        low = max(WINDOW_START, entity.established)
        forced = 0
        if entity.established >= WINDOW_START:
            self._registration(entity, entity.established, "设立登记", None)
            forced += 1
            for key in ("establish", "social_reg"):
                if key in entity.variant.licences:
                    self._licence(entity, key, entity.established)
                    forced += 1
        if entity.former and entity.former[1] >= WINDOW_START:
            self._registration(entity, entity.former[1], "变更登记", "名称")
            forced += 1
        if entity.status == EntityStatus.CANCELLED:
            self._registration(entity, entity.end, "注销登记", None)
            forced += 1
        elif entity.status == EntityStatus.REVOKED:
            self._revocation(entity)
            forced += 1
        count = rng.randint(*entity.sector.records) - forced
        choice = self.kind_choice[entity.sector.key, entity.variant_index]
        for _ in range(max(0, count)):
            kind = choice.pick(rng)
            day = self._date(low, entity.end)
            make = self._makers[kind]
            make(self, entity, day)


def _gs15_check(body: str) -> str:
    """Check digit of a 15-digit 工商注册号 (GB/T 17710, ISO 7064 MOD 11,10) for its first 14 digits."""
    product = 10
    for digit in body:
        total = (product + int(digit)) % 10 or 10
        product = total * 2 % 11
    return str((11 - product) % 10)
