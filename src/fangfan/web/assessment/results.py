"""A visit's result: its fields (one list for the form, the visit list, the import and the
report), and the checks every path runs before a result is kept (`result_problems`).

The English names are the engine's (`fangfan.engine.assessment.estimate`); the Chinese
headers are the visit list's, so a filled-in visit list imports as it is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from fangfan.engine.assessment.files import RESULT_HEADERS
from fangfan.web.assessment.models import GUARANTEES, Found, Unit
from fangfan.web.bounds import MONEY_MAX, today

TEXT, DATE, FOUND, YES_NO, MONEY, COUNT = "text", "date", "found", "yes_no", "money", "count"


@dataclass(frozen=True)
class ResultField:
    name: str
    header: str
    kind: str
    width: int = 10


# (name, kind, column width); each header is the engine's (`files.RESULT_HEADERS`), so a visit
# list filled in on paper reads back here and in `fangfan assess estimate` alike.
_FIELDS = (
    ("visited_on", DATE, 12),
    ("visitor", TEXT, 10),
    *((name, FOUND, 8) for name, _ in GUARANTEES),
    ("income_per_person", MONEY, 12),
    ("wrongly_exited", YES_NO, 8),
    ("wrongly_exited_reason", TEXT, 16),
    ("should_register", YES_NO, 8),
    ("should_register_reason", TEXT, 16),
    ("approves", YES_NO, 8),
    ("aware_count", COUNT, 8),
    ("policy_count", COUNT, 8),
)
RESULT_FIELDS = tuple(ResultField(name, RESULT_HEADERS[name], kind, width) for name, kind, width in _FIELDS)
HEADERS = {field.name: field.header for field in RESULT_FIELDS}
YES, NO = "是", "否"
# No household receives more policies than this; a count above is a slip of the pen.
POLICY_COUNT_MAX = 50
REASON_MAX = 500


@dataclass(frozen=True)
class ResultInput:
    """What a visit found, as the form or an imported row gives it (None: left blank)."""

    visited_on: dt.date | None
    visitor: str
    food: str
    clothing: str
    housing: str
    medical: str
    education: str
    water: str
    income_per_person: float | None
    wrongly_exited: bool | None
    wrongly_exited_reason: str
    should_register: bool | None
    should_register_reason: str
    approves: bool | None
    aware_count: int | None
    policy_count: int | None

    def values(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def result_problems(unit: Unit, data: ResultInput, drawn_on: dt.date) -> list[tuple[str, str]]:
    """Every reason the result cannot be kept, as (field name, Chinese message); none: it can."""
    found: list[tuple[str, str]] = []
    found += _visit_problems(data, drawn_on)
    found += _question_problems(unit, data)
    found += _count_problems(data)
    return found


def _visit_problems(data: ResultInput, drawn_on: dt.date) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if data.visited_on is None:
        found.append(("visited_on", "请填写走访日期"))
    elif not drawn_on <= data.visited_on <= today():
        found.append(("visited_on", f"走访日期应在抽样日 {drawn_on:%Y-%m-%d} 至今天之间"))
    if not data.visitor.strip():
        found.append(("visitor", "请填写走访人"))
    for name, header in GUARANTEES:
        if getattr(data, name) not in Found.values:
            found.append((name, f"{header}应填“有保障”或“无保障”"))
    income = data.income_per_person
    if income is None:
        found.append(("income_per_person", "请填写核算的人均纯收入"))
    elif not 0 <= income <= float(MONEY_MAX):
        found.append(("income_per_person", f"人均纯收入应在 0 至 {int(MONEY_MAX):,} 元之间"))
    return found


def _question_problems(unit: Unit, data: ResultInput) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    found += _judgement(
        data.wrongly_exited,
        data.wrongly_exited_reason,
        asked=unit.exited,
        name="wrongly_exited",
        whom="已脱贫户",
    )
    found += _judgement(
        data.should_register,
        data.should_register_reason,
        asked=not unit.registered,
        name="should_register",
        whom="一般农户",
    )
    if data.approves is None:
        found.append(("approves", "请填写是否认可（是/否）"))
    return found


def _judgement(
    value: bool | None, reason: str, *, asked: bool, name: str, whom: str
) -> list[tuple[str, str]]:
    header, reason_header = HEADERS[name], HEADERS[f"{name}_reason"]
    if not asked:
        if value is not None or reason.strip():
            return [(name, f"该户不是{whom}，“{header}”和“{reason_header}”应空着")]
        return []
    if value is None:
        return [(name, f"{whom}须填写“{header}”（是/否）")]
    if value and not reason.strip():
        return [(f"{name}_reason", f"判为“是”的，请写明{reason_header}")]
    if len(reason) > REASON_MAX:
        return [(f"{name}_reason", f"{reason_header}不能超过{REASON_MAX}个字")]
    return []


def _count_problems(data: ResultInput) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name in ("policy_count", "aware_count"):
        value = getattr(data, name)
        if value is None:
            found.append((name, f"请填写{HEADERS[name]}"))
        elif not 0 <= value <= POLICY_COUNT_MAX:
            found.append((name, f"{HEADERS[name]}应在 0 至 {POLICY_COUNT_MAX} 之间"))
    if (
        data.aware_count is not None
        and data.policy_count is not None
        and data.aware_count > data.policy_count
    ):
        found.append(("aware_count", "知晓的政策数不能多于享受的政策数"))
    return found
