"""An office's roster of village work teams (驻村工作队花名册), read from Excel and checked.

Offices keep one row per member: 县区 乡镇 行政村 (or 行政区划代码), 派出单位, 层级,
姓名, 身份证号, 职务, 联系电话, 任期开始, 任期结束. `read_roster` returns the rows it
could read and every problem by file, sheet, row and column, in Chinese; the web decides
(all or nothing) and places the villages in its regions.

An ID number Excel has turned into a number (6.21226E+17, or its last digits lost as
621226199001011200) is refused by name: the office must set the column to text and type
the numbers again; the lost digits cannot be guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from fangfan.engine import idnumber
from fangfan.engine.ingest.guard import ReadLimits, check_file

# Column → the headers offices use for it (first match wins).
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县区", "县（区）", "县(区)", "县"),
    "township": ("乡镇", "乡（镇）", "乡(镇)", "乡镇（街道）", "乡"),
    "village": ("行政村", "村", "驻村村名"),
    "village_code": ("行政区划代码", "村代码", "区划代码"),
    "unit": ("派出单位", "选派单位"),
    "unit_level": ("层级", "派出单位层级", "选派层级"),
    "name": ("姓名",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码"),
    "duty": ("职务", "驻村职务"),
    "phone": ("联系电话", "电话", "手机", "手机号码"),
    "term_start": ("任期开始", "任期起", "驻村开始时间", "任职开始"),
    "term_end": ("任期结束", "任期止", "驻村结束时间", "任职结束"),
}
LABELS = {key: names[0] for key, names in HEADERS.items()}
REQUIRED = ("unit", "unit_level", "name", "id_number", "duty", "term_start")
UNIT_LEVELS = {"省": "province", "市": "city", "县": "county", "乡": "township"}
DUTIES = {
    "第一书记": "first_secretary",
    "队长": "leader",
    "第一书记兼队长": "first_secretary_leader",
    "队员": "member",
}
MAX_ROWS = 20_000
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?$")
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    row: int  # Excel's row number; 0 for the file as a whole
    column: str
    message: str


@dataclass(frozen=True)
class RosterRow:
    sheet: str
    row: int
    county: str
    township: str
    village: str
    village_code: str
    unit: str
    unit_level: str  # UNIT_LEVELS' values
    name: str
    id_number: str
    duty: str  # DUTIES' values
    phone: str
    term_start: dt.date
    term_end: dt.date | None


@dataclass
class Roster:
    file: str
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, sheet: str, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, sheet, row, column, message))


def read_roster(path: Path, name: str) -> Roster:
    """Every member row of every sheet with a 姓名 and a 身份证号 header; problems by cell."""
    roster = Roster(name)
    guard = check_file(path, name, ReadLimits.from_environment())
    if guard:
        roster.refuse("", 0, "", guard)
        return roster
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [(sheet, workbook.get_sheet_by_name(sheet).to_python()) for sheet in workbook.sheet_names]
    except Exception:  # calamine's own errors name its internals: the clerk gets one sentence
        roster.refuse("", 0, "", f"无法打开工作簿“{name}”：文件已损坏、加密或并非 Excel 文件")
        return roster
    for sheet, cells in sheets:
        _read_sheet(roster, sheet, cells[:MAX_ROWS])
    if not roster.rows and not roster.problems:
        roster.refuse("", 0, "", "没有找到花名册：需要一行表头，含“姓名”“身份证号”等列")
    _refuse_repeats(roster)
    return roster


def _header_row(cells: Sequence[Sequence[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, row in enumerate(cells[:10]):
        texts = [str(value).strip().replace(" ", "") for value in row]
        found = {
            key: texts.index(header)
            for key, headers in HEADERS.items()
            for header in reversed(headers)
            if header in texts
        }
        if "name" in found and "id_number" in found:
            return index, found
    return None


def _read_sheet(roster: Roster, sheet: str, cells: Sequence[Sequence[Any]]) -> None:
    header = _header_row(cells)
    if header is None:
        return
    index, columns = header
    missing = [LABELS[key] for key in REQUIRED if key not in columns]
    if "village_code" not in columns and not {"county", "township", "village"} <= columns.keys():
        missing.append("县区、乡镇、行政村（或行政区划代码）")
    if missing:
        roster.refuse(sheet, index + 1, "", f"缺少列：{'、'.join(missing)}")
        return
    for offset, row in enumerate(cells[index + 1 :], start=index + 2):
        values = {key: row[column] if column < len(row) else "" for key, column in columns.items()}
        if all(_text(value) == "" for value in values.values()):
            continue
        read = _read_row(roster, sheet, offset, values)
        if read is not None:
            roster.rows.append(read)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_row(roster: Roster, sheet: str, row: int, values: dict[str, Any]) -> RosterRow | None:
    before = len(roster.problems)

    def refuse(key: str, message: str) -> None:
        roster.refuse(sheet, row, LABELS[key], message)

    for key in REQUIRED:
        if _text(values.get(key)) == "":
            refuse(key, "不能为空")
    code = _text(values.get("village_code"))
    if code and not (code.isdigit() and len(code) == 12):
        refuse("village_code", f"“{code}”不是12位行政区划代码")
    if not code and not all(_text(values.get(key)) for key in ("county", "township", "village")):
        refuse("village", "请填写县区、乡镇、行政村，或12位行政区划代码")
    id_number = _id_number(values.get("id_number"), refuse)
    level = _text(values.get("unit_level")).removesuffix("级")
    if level and level not in UNIT_LEVELS:
        refuse("unit_level", f"“{level}”应为 省、市、县、乡 之一")
    duty = _text(values.get("duty"))
    if duty and duty not in DUTIES:
        refuse("duty", f"“{duty}”应为 {'、'.join(DUTIES)} 之一")
    phone = _text(values.get("phone")).replace(" ", "")
    if phone and not _PHONE.match(phone):
        refuse("phone", f"“{phone}”不是手机号或带区号的固定电话")
    start = _date(values.get("term_start"), "term_start", refuse)
    end = _date(values.get("term_end"), "term_end", refuse)
    if start and end and end < start:
        refuse("term_end", "任期结束早于任期开始")
    if len(roster.problems) > before or start is None:
        return None
    return RosterRow(
        sheet=sheet,
        row=row,
        county=_text(values.get("county")),
        township=_text(values.get("township")),
        village=_text(values.get("village")),
        village_code=code,
        unit=_text(values.get("unit"))[:100],
        unit_level=UNIT_LEVELS[level],
        name=_text(values.get("name"))[:32],
        id_number=id_number,
        duty=DUTIES[duty],
        phone=phone,
        term_start=start,
        term_end=end,
    )


def _id_number(value: Any, refuse: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        refuse(
            "id_number",
            "身份证号被Excel存成了数字，后几位已丢失；请把该列设为“文本”格式后重新输入18位号码",
        )
        return ""
    number = idnumber.normalise(value)
    if not number:
        return ""
    problem = idnumber.validate(number)
    if problem is idnumber.IdProblem.PRECISION_LOST:
        refuse("id_number", "身份证号被Excel存成了科学计数法，后几位已丢失；请设为文本格式后重新输入")
    elif len(number) != 18 or problem is not idnumber.IdProblem.OK:
        refuse("id_number", f"“{number}”不是有效的18位身份证号（位数、出生日期或校验码不对）")
    return number


def _date(value: Any, key: str, refuse: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not text:
        return None
    match = _DATE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        refuse(key, f"“{text}”不是日期，请写成 2024-03-01")
        return None


def _refuse_repeats(roster: Roster) -> None:
    seen: dict[str, RosterRow] = {}
    for row in roster.rows:
        first = seen.setdefault(row.id_number, row)
        if first is not row:
            roster.refuse(
                row.sheet, row.row, LABELS["id_number"], f"与第{first.row}行是同一人（身份证号重复）"
            )
