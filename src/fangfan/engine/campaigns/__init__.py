"""Campaign definitions (专项行动): one TOML file per campaign, beside this module.

A campaign is a time-boxed drive: a target list drawn from the published registry and a
checklist each target household is visited with. Everything that differs between one
campaign and the next (温暖越冬, 百日行动 查漏补缺 …) is in its file, so the next one is a
new file, not new code::

    code = "warm_winter"
    title = "温暖越冬"
    [period]
    start = 2026-11-01
    visit_by = 2026-12-31

    [[target]]                       # a household is drawn when any target rule holds
    code = "no_bedding"
    reason = "没有御寒被褥"
    table = "households"             # households, members, or a department feed
    where = [{ field = "winter_bedding", is = "否" }]

    [[item]]                         # the checklist, in the order it is asked
    code = "bedding"
    name = "被褥是否够用"
    kind = "yes_no"
    problem_when = ["否"]
    category = "FOOD_CLOTHING"       # what a problem it opens is about

A condition names a column of the table as CONTRACT.md names it (the engine's schema,
`fangfan.engine.schema`; the registry also knows `people`, its living members, and a
member's `age` at the campaign's start) and one test: `is`, `in`, `at_least`,
`at_most`, or `this_year = true` (a date in the year the campaign starts). A rule on
members or a department feed may add `household = [...]`, conditions on the household
the row belongs to. The loader refuses a file it cannot read with a Chinese message
naming the file and the key (`CampaignError`).

>>> campaign("warm_winter").title
'温暖越冬'
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fangfan.engine.ledger import CATEGORY_NAMES
from fangfan.engine.schema import DEPARTMENT_FEEDS, HOUSEHOLDS, MEMBERS, Field, Kind, Table

PACKAGE = "fangfan.engine.campaigns"

TESTS = ("is", "in", "at_least", "at_most", "this_year")
ANSWER_KINDS = {"yes_no": "是/否", "choice": "选项", "number": "数字", "text": "文字"}
YES_NO = ("是", "否")
# Columns the published registry adds to the contract's tables.
EXTRA_FIELDS: dict[str, tuple[Field, ...]] = {
    "households": (Field("people", "在册人数", Kind.INTEGER),),
    "members": (Field("age", "年龄", Kind.INTEGER),),
}
# Department feeds about a household or a person (the village water feed has no household).
FEEDS = {feed.name: feed for feed in DEPARTMENT_FEEDS if feed.level in ("household", "person")}
TABLES: dict[str, Table] = {"households": HOUSEHOLDS, "members": MEMBERS, **FEEDS}


class CampaignError(ValueError):
    """A campaign file that cannot be used; the message (Chinese) names the file and the key."""


@dataclass(frozen=True)
class Condition:
    """One test on one column: `field` `test` `value` (`is "否"`, `at_least 60`, `this_year`)."""

    field: str
    test: str
    value: Any

    def describe(self, table: str) -> str:
        """The condition as a person reads it: “有御寒被褥 为 否”."""
        header = field_of(table, self.field).header
        if self.test == "this_year":
            return f"{header}在当年"
        words = {"is": "为", "in": "为", "at_least": "不小于", "at_most": "不大于"}
        value = "、".join(map(str, self.value)) if isinstance(self.value, tuple) else self.value
        return f"{header}{words[self.test]}{value}"


@dataclass(frozen=True)
class TargetRule:
    """Why a household is drawn: the reason shown, the table and its conditions (all must hold)."""

    code: str
    reason: str
    table: str
    where: tuple[Condition, ...]
    household: tuple[Condition, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistItem:
    """One question of the visit: its answer kind, the options of a choice, and the answers
    that mean a problem was found."""

    code: str
    name: str
    kind: str
    options: tuple[str, ...] = ()
    problem_when: tuple[str, ...] = ()
    required: bool = True
    hint: str = ""
    category: str = ""  # a finding category (engine.ledger.CATEGORY_NAMES): a problem it opens is one

    @property
    def choices(self) -> tuple[str, ...]:
        return YES_NO if self.kind == "yes_no" else self.options


@dataclass(frozen=True)
class Campaign:
    code: str
    title: str
    description: str
    start: dt.date
    visit_by: dt.date
    targets: tuple[TargetRule, ...]
    items: tuple[ChecklistItem, ...]
    source_file: str = ""

    @property
    def year(self) -> int:
        """The year `this_year` conditions mean: the year the campaign starts."""
        return self.start.year

    def rule(self, code: str) -> TargetRule:
        for rule in self.targets:
            if rule.code == code:
                return rule
        raise KeyError(code)


# Field kinds that are personal data (masked wherever shown): never a reason's evidence.
PERSONAL_KINDS = frozenset({"id_number", "phone"})


def field_of(table: str, name: str) -> Field:
    """The column `name` of `table`, including the registry's own (`people`, `age`)."""
    candidates: tuple[Field, ...] = (*TABLES[table].fields, *EXTRA_FIELDS.get(table, ()))
    for candidate in candidates:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


class _Reader:
    """Reads one file's mapping, saying where (file and key) anything is wrong."""

    def __init__(self, source_file: str) -> None:
        self.source = source_file

    def fail(self, where: str, problem: str) -> CampaignError:
        return CampaignError(f"专项行动文件 {self.source}：{where} {problem}")

    def text(self, entry: Mapping[str, Any], key: str, where: str = "", required: bool = True) -> str:
        place = f"{where}.{key}" if where else key
        value = entry.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(place, "缺少或不是文字" if value is None else f"应为文字，实际为 {value!r}")
        return value.strip()

    def table_list(self, entry: Mapping[str, Any], key: str, where: str = "") -> list[Mapping[str, Any]]:
        place = f"{where}.{key}" if where else key
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.fail(place, "应写成若干条 { … } 的列表")
        return value

    def date(self, entry: Mapping[str, Any], key: str, where: str) -> dt.date:
        value = entry.get(key)
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise self.fail(f"{where}.{key}", f"应为日期（如 2026-11-01），实际为 {value!r}")
        return value


def parse_campaign(text: str, source_file: str = "") -> Campaign:
    """One campaign from its file's text; CampaignError naming the key for anything wrong."""
    reader = _Reader(source_file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CampaignError(f"专项行动文件 {source_file} 不是有效的 TOML：{error}") from None
    unknown = sorted(set(data) - {"code", "title", "description", "period", "target", "item"})
    if unknown:
        raise reader.fail(
            "、".join(unknown), "不是专项行动文件认识的项（code title description period target item）"
        )
    period = data.get("period")
    if not isinstance(period, dict):
        raise reader.fail("period", "缺少：请写 [period] start = 开始日期 visit_by = 走访截止日期")
    start, visit_by = reader.date(period, "start", "period"), reader.date(period, "visit_by", "period")
    if visit_by < start:
        raise reader.fail("period.visit_by", "早于 period.start")
    code = reader.text(data, "code")
    if not code.isidentifier() or not code.isascii():
        raise reader.fail("code", f"应为英文字母、数字和下划线组成的编号，实际为 {code!r}")
    targets = tuple(
        _target(reader, entry, index) for index, entry in enumerate(reader.table_list(data, "target"), 1)
    )
    items = tuple(
        _item(reader, entry, index) for index, entry in enumerate(reader.table_list(data, "item"), 1)
    )
    if not targets:
        raise reader.fail("target", "缺少：至少要有一条 [[target]] 对象规则")
    if not items:
        raise reader.fail("item", "缺少：至少要有一项 [[item]] 走访核查内容")
    _unique(reader, "target", [rule.code for rule in targets])
    _unique(reader, "item", [item.code for item in items])
    return Campaign(
        code=code,
        title=reader.text(data, "title"),
        description=reader.text(data, "description", required=False),
        start=start,
        visit_by=visit_by,
        targets=targets,
        items=items,
        source_file=source_file,
    )


def _unique(reader: _Reader, key: str, codes: Sequence[str]) -> None:
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise reader.fail(f"{key}.code", f"重复：{'、'.join(repeated)}")


def _target(reader: _Reader, entry: Mapping[str, Any], index: int) -> TargetRule:
    where = f"target[{index}]"
    _known_keys(reader, entry, where, {"code", "reason", "table", "where", "household", "evidence"})
    table = reader.text(entry, "table", where)
    if table not in TABLES:
        raise reader.fail(f"{where}.table", f"为 {table!r}，只能是：{' '.join(TABLES)}")
    conditions = _conditions(reader, entry, "where", where, table)
    if not conditions:
        raise reader.fail(f"{where}.where", "缺少：至少要有一个条件")
    household = _conditions(reader, entry, "household", where, "households")
    if household and table == "households":
        raise reader.fail(f"{where}.household", "只用于成员或部门数据的规则；户信息的条件请写在 where 里")
    evidence = entry.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(name, str) for name in evidence):
        raise reader.fail(f"{where}.evidence", "应写成字段名的列表")
    for name in evidence:
        field = _field(reader, table, name, f"{where}.evidence")
        # The reasons are shown whole on the target list and in its Excel, to every role.
        if field.kind in PERSONAL_KINDS or name == "birth_date":
            raise reader.fail(
                f"{where}.evidence",
                f"不能列出“{field.header}”：证件号码、电话和出生日期是个人信息，"
                "不写进列入理由（年龄可写 age）",
            )
    return TargetRule(
        code=reader.text(entry, "code", where),
        reason=reader.text(entry, "reason", where),
        table=table,
        where=conditions,
        household=household,
        evidence=tuple(evidence),
    )


def _known_keys(reader: _Reader, entry: Mapping[str, Any], where: str, known: set[str]) -> None:
    unknown = sorted(set(entry) - known)
    if unknown:
        raise reader.fail(f"{where}.{unknown[0]}", f"不认识，只能写：{' '.join(sorted(known))}")


def _field(reader: _Reader, table: str, name: str, where: str) -> Field:
    try:
        return field_of(table, name)
    except KeyError:
        known = " ".join(f.name for f in (*TABLES[table].fields, *EXTRA_FIELDS.get(table, ())))
        raise reader.fail(where, f"的字段 {name!r} 不在{TABLES[table].title}中（可用：{known}）") from None


def _conditions(
    reader: _Reader, entry: Mapping[str, Any], key: str, where: str, table: str
) -> tuple[Condition, ...]:
    return tuple(
        _condition(reader, condition, f"{where}.{key}[{number}]", table)
        for number, condition in enumerate(reader.table_list(entry, key, where), 1)
    )


def _condition(reader: _Reader, entry: Mapping[str, Any], where: str, table: str) -> Condition:
    field = _field(reader, table, reader.text(entry, "field", where), f"{where}.field")
    tests = [test for test in entry if test != "field"]
    if len(tests) != 1 or tests[0] not in TESTS:
        raise reader.fail(where, f"应有且只有一个判断：{' '.join(TESTS)}，实际为 {' '.join(tests) or '无'}")
    test = tests[0]
    place = f"{where}.{test}"
    value = entry[test]
    if test == "this_year":
        if value is not True or field.kind is not Kind.DATE:
            raise reader.fail(
                place, f"只能对日期字段写 this_year = true（{field.name} 是{field.kind.value}）"
            )
        return Condition(field.name, test, True)
    if test in ("at_least", "at_most"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise reader.fail(place, f"应为数字，实际为 {value!r}")
        if field.kind not in (Kind.INTEGER, Kind.MONEY, Kind.DECIMAL):
            raise reader.fail(place, f"只能用于数字字段（{field.name} 不是）")
        return Condition(field.name, test, value)
    values = value if test == "in" else [value]
    if test == "in" and (not isinstance(value, list) or not value):
        raise reader.fail(place, "应写成取值的列表")
    for one in values:
        if field.choices and one not in field.choices:
            raise reader.fail(
                place, f"的取值 {one!r} 不在 {field.name} 的可选值中：{' '.join(field.choices)}"
            )
    return Condition(field.name, test, tuple(values) if test == "in" else value)


def _item(reader: _Reader, entry: Mapping[str, Any], index: int) -> ChecklistItem:
    where = f"item[{index}]"
    _known_keys(
        reader,
        entry,
        where,
        {"code", "name", "kind", "options", "problem_when", "required", "hint", "category"},
    )
    kind = reader.text(entry, "kind", where)
    if kind not in ANSWER_KINDS:
        raise reader.fail(f"{where}.kind", f"为 {kind!r}，只能是：{' '.join(ANSWER_KINDS)}")
    options = _texts(reader, entry, "options", where)
    if (kind == "choice") != bool(options):
        raise reader.fail(f"{where}.options", '选项题（kind = "choice"）必须写 options，其他题不写')
    item = ChecklistItem(
        code=reader.text(entry, "code", where),
        name=reader.text(entry, "name", where),
        kind=kind,
        options=options,
        problem_when=_texts(reader, entry, "problem_when", where),
        required=_flag(reader, entry, "required", where),
        hint=reader.text(entry, "hint", where, required=False),
        category=reader.text(entry, "category", where, required=False),
    )
    if item.category and item.category not in CATEGORY_NAMES:
        raise reader.fail(f"{where}.category", f"为 {item.category!r}，只能是：{' '.join(CATEGORY_NAMES)}")
    outside = [answer for answer in item.problem_when if item.choices and answer not in item.choices]
    if outside or (item.problem_when and not item.choices):
        raise reader.fail(
            f"{where}.problem_when", f"只能从该题的选项中选：{' '.join(item.choices) or '（该题无选项）'}"
        )
    return item


def _texts(reader: _Reader, entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(one, str) and one.strip() for one in value):
        raise reader.fail(f"{where}.{key}", "应写成文字的列表")
    return tuple(one.strip() for one in value)


def _flag(reader: _Reader, entry: Mapping[str, Any], key: str, where: str) -> bool:
    value = entry.get(key, True)
    if not isinstance(value, bool):
        raise reader.fail(f"{where}.{key}", f"只能写 true 或 false，实际为 {value!r}")
    return value


@cache
def builtin_campaigns() -> tuple[Campaign, ...]:
    """Every campaign file shipped beside this module, by start date (newest first)."""
    files = sorted(
        (entry for entry in resources.files(PACKAGE).iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    campaigns = [parse_campaign(entry.read_text("utf-8"), entry.name) for entry in files]
    codes = [one.code for one in campaigns]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise CampaignError(f"专项行动编号重复：{'、'.join(repeated)}")
    return tuple(sorted(campaigns, key=lambda one: (one.start, one.code), reverse=True))


def campaign(code: str) -> Campaign:
    """The shipped campaign with this code; KeyError when there is none."""
    for candidate in builtin_campaigns():
        if candidate.code == code:
            return candidate
    raise KeyError(code)
