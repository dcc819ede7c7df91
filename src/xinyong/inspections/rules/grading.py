"""Graded supervision (分级分类监管, req §3.6): the classes (credit grade, key supervision, 未评价) and a department's
mapping checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xinyong.inspections.rules.draw import DrawError, parse_ratio, ratio_text

GRADES = ("A", "B", "C", "D")

WATCH = "重点关注"  # on a 重点关注对象名单 (or the serious list) in force: key supervision, overrides the grade

UNGRADED = "未评价"  # no public credit grade yet

CLASSES = (*GRADES, WATCH, UNGRADED)

CLASS_LABELS = {
    "A": "A 优（信用好）",
    "B": "B 良",
    "C": "C 中（一般）",
    "D": "D 差（失信）",
    WATCH: "重点关注对象",
    UNGRADED: "未评价",
}

MAX_FREQUENCY = 52  # inspections a year; more is a typing error


# The default a department starts from: good credit less, routine normal, dishonest and key supervision more.
DEFAULT_CLASSES: dict[str, dict[str, Any]] = {
    "A": {"ratio": "3", "frequency": 1},
    "B": {"ratio": "5", "frequency": 1},
    "C": {"ratio": "10", "frequency": 2},
    "D": {"ratio": "30", "frequency": 4},
    WATCH: {"ratio": "50", "frequency": 4},
    UNGRADED: {"ratio": "10", "frequency": 2},
}


def check_classes(classes: object) -> dict[str, dict[str, Any]]:
    """A mapping for every class: ratio (percent, 0–100, two decimals) and frequency (whole inspections a year)."""
    if not isinstance(classes, Mapping):
        raise DrawError("the mapping lists each class with a ratio and a frequency (请设置各类别)", field="classes")
    unknown = sorted(set(classes) - set(CLASSES))
    if unknown:
        raise DrawError(f"unknown class {str(unknown[0])[:32]!r}; classes are {' '.join(CLASSES)}", field="classes")
    missing = [c for c in CLASSES if c not in classes]
    if missing:
        raise DrawError(f"the mapping has no entry for class {missing[0]} (缺少类别 {missing[0]})", field="classes")
    out: dict[str, dict[str, Any]] = {}
    for name in CLASSES:
        entry = classes[name]
        if not isinstance(entry, Mapping):
            raise DrawError(f"classes.{name} needs ratio and frequency", field=f"classes.{name}")
        ratio = parse_ratio(entry.get("ratio"), f"classes.{name}.ratio")
        frequency = entry.get("frequency")
        if isinstance(frequency, bool) or not isinstance(frequency, int) or not 0 <= frequency <= MAX_FREQUENCY:
            raise DrawError(
                f"classes.{name}.frequency must be a whole number of inspections a year, 0–{MAX_FREQUENCY} "
                "(抽查频次须为每年 0–52 次)",
                field=f"classes.{name}.frequency",
            )
        out[name] = {"ratio": ratio_text(ratio), "frequency": frequency}
    return out


def class_of(grade: str | None, key_supervision: bool) -> str:
    """An entity's supervision class: a key-supervision list wins over the grade; no grade is 未评价."""
    if key_supervision:
        return WATCH
    return grade if grade in GRADES else UNGRADED
