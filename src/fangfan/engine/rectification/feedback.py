"""An inspection's feedback list (反馈问题清单) as offices receive it, read into problems.

    feedback = read_feedback(path, "2020年省际交叉考核反馈问题.xlsx", received=dt.date(2021, 1, 5))
    if feedback.loadable:
        ...  # load feedback.rows, all of them, in one transaction
    else:
        write_problems_report(target, feedback)  # every row that cannot be placed, and why

The columns: 序号, 问题描述, 涉及县区/乡镇/村 (one column or several), 整改措施,
责任单位, 责任人, 整改时限, in any order and under the names real lists use
(`FIELDS`), below any title rows, with merged header cells (涉及地区 over 县区、乡镇、
村) and merged county cells down the rows. Blank rows, 合计 rows and notes under the
list (填表人：…) are layout; a heading row such as "一、武都区（3个）" names the county
of the rows under it when they have no county of their own.

**Nothing half-loaded.** Every other import leaves out a row it cannot place and loads
the rest, because a missing row costs one household one month. A feedback list is
different: its rows are the inspection's problems, each must be owned ("一个不漏"),
and a batch loaded without some of them would look complete. So a row the reader
cannot place (no description, a place that is not in the city or is ambiguous, a
deadline it cannot read, the same problem twice) is an error, and a list with any
error loads nothing: `loadable` is false and `problems` names file, sheet, row,
column, value and problem for each. Gaps a county fills in later (no 整改措施,
责任单位, 责任人 or 整改时限 yet) are warnings: the rows load and the report lists them.

A row naming several places (武都区、成县) becomes one problem per place, as an office
hands a shared problem to each county (`part` numbers them).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from fangfan.engine.ingest.headers import header_key
from fangfan.engine.ingest.read import UnreadableFile
from fangfan.engine.masking import mask_text
from fangfan.engine.rectification.cells import SheetRows, sheet_rows
from fangfan.engine.rectification.deadlines import (
    KIND_NONE,
    KIND_ONGOING,
    Deadline,
    DeadlineError,
    read_deadline,
)
from fangfan.engine.rectification.places import Place, PlaceError, Places

HEADER_SCAN_ROWS = 15
# Field → the header names real lists use (compared as `header_key` does).
FIELDS: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "问题序号", "问题编号", "序"),
    "description": (
        "问题描述",
        "问题",
        "存在问题",
        "反馈问题",
        "问题表现",
        "具体问题",
        "问题内容",
        "主要问题",
        "反馈问题描述",
        "问题具体表现",
        "存在的问题",
        "发现问题",
        "问题及表现",
    ),
    "place": (
        "涉及县区/乡镇/村",
        "涉及县区、乡镇、村",
        "涉及县区乡镇村",
        "涉及地区",
        "涉及区域",
        "问题地点",
        "地点",
        "所在地",
        "问题所在地",
        "涉及范围",
        "涉及县区乡镇",
        "涉及县区/乡镇",
        "区域",
    ),
    "county": ("涉及县区", "县区", "县(区)", "涉及县(区)", "所在县区", "县市区", "县", "区县", "涉及县"),
    "township": ("涉及乡镇", "乡镇", "乡(镇)", "乡镇(街道)", "所在乡镇", "乡镇街道"),
    "village": ("涉及村", "村", "行政村", "村(社区)", "所在村", "涉及村组", "村组", "村社"),
    "measures": ("整改措施", "措施", "整改举措", "整改方案", "整改目标及措施", "整改任务", "整改目标和措施"),
    "lead_unit": ("责任单位", "牵头单位", "整改责任单位", "责任部门", "牵头部门", "整改单位", "牵头责任单位"),
    "responsible_person": ("责任人", "整改责任人", "负责人", "牵头领导", "责任领导", "具体责任人"),
    "deadline": ("整改时限", "时限", "完成时限", "整改期限", "整改完成时限", "完成时间", "整改时间"),
    "category": ("问题类别", "问题类型", "类别", "问题分类"),
    "note": ("备注", "说明"),
}
FIELD_TITLES = {
    "number": "序号",
    "description": "问题描述",
    "place": "涉及县区/乡镇/村",
    "county": "涉及县区",
    "township": "涉及乡镇",
    "village": "涉及村",
    "measures": "整改措施",
    "lead_unit": "责任单位",
    "responsible_person": "责任人",
    "deadline": "整改时限",
    "category": "问题类别",
    "note": "备注",
}
PLACE_FIELDS = ("place", "county", "township", "village")
LATER_FIELDS = ("measures", "lead_unit", "responsible_person", "deadline")  # a county may fill these in later
TOTALS = re.compile(r"^[^\d]{0,8}?(合计|总计|小计)[:：]?\s*(共?\d[\d,]*\s*[条个项处]?)?$")
HEADING = re.compile(r"^(?:(?:[一二三四五六七八九十]+|\d+)[、.．])?\s*(.+?)(?:[（(].*[)）])?$")
NUMBERED_HEADING = re.compile(
    r"^[一二三四五六七八九十]+[、.．]"
)  # 二、其他县区: a heading, whatever it names
ATTACHMENT = re.compile(r"^附\s*件\s*[\d一二三四五六七八九十]*[:：]?$")
NOTE = re.compile(r"^(?:填表|制表|审核|联系|注[:：]|说明|备注|领导|负责人|单位)")

ERROR = "error"
WARNING = "warning"
SEVERITY_TEXT = {ERROR: "错误（整个文件未导入）", WARNING: "提示（已导入，待补充）"}
ROW_COLUMNS = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "part": pl.Int64,
    "number": pl.String,
    "description": pl.String,
    "place_text": pl.String,
    "level": pl.String,
    "region_code": pl.String,
    "region_name": pl.String,
    "county_code": pl.String,
    "township_code": pl.String,
    "village_name": pl.String,
    "measures": pl.String,
    "lead_unit": pl.String,
    "responsible_person": pl.String,
    "deadline": pl.Date,
    "deadline_kind": pl.String,
    "deadline_text": pl.String,
    "category": pl.String,
    "note": pl.String,
}
PROBLEM_COLUMNS = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "value": pl.String,
    "code": pl.String,
    "message": pl.String,
    "severity": pl.String,
}


class Code:
    """Stable problem codes (tests and pages match on them)."""

    UNREADABLE = "FILE_UNREADABLE"
    NO_LIST = "NO_FEEDBACK_LIST"
    NO_ROWS = "NO_ROWS"
    DESCRIPTION_MISSING = "DESCRIPTION_MISSING"
    PLACE_MISSING = "PLACE_MISSING"
    PLACE_UNKNOWN = "PLACE_UNKNOWN"
    PLACE_OUTSIDE = "PLACE_OUTSIDE"
    DEADLINE_INVALID = "DEADLINE_INVALID"
    DEADLINE_UNDATED = "DEADLINE_UNDATED"
    CATEGORY_UNKNOWN = "CATEGORY_UNKNOWN"
    DUPLICATE = "DUPLICATE"
    LATER_MISSING = "LATER_MISSING"
    VILLAGE_UNCHECKED = "VILLAGE_UNCHECKED"


@dataclass(frozen=True)
class FeedbackList:
    """What a feedback list holds: the rows to load, every problem, and whether it may load.

    `rows` holds every row that could be placed; load them only when `loadable` (no
    errors), all in one transaction. `title` is the list's title row (a batch name).
    """

    file: str
    title: str
    rows: pl.DataFrame
    problems: pl.DataFrame
    layout_rows: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, why skipped)

    @property
    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == ERROR)

    @property
    def loadable(self) -> bool:
        return self.errors.height == 0 and self.rows.height > 0


@dataclass(frozen=True)
class Header:
    index: int  # the header's last row (data starts below it)
    columns: dict[str, int]  # field → column
    written: dict[str, str]  # field → header as written


def read_feedback(
    path: Path,
    name: str | None = None,
    *,
    received: dt.date,
    places: Places | None = None,
    may_place: Callable[[Place], bool] | None = None,
    complete: bool = False,
    categories: Mapping[str, str] | None = None,
) -> FeedbackList:
    """Read the feedback list at `path` (`name` is how the report calls it).

    `received`: the day the list came (立行立改 is due then). `places`: the regions to
    place rows in (the reference ones by default; pass the known villages too).
    `may_place(place)`: false for a place the loader may not load (outside the
    uploader's region): such a row is an error. `complete`: 整改措施, 责任单位, 责任人
    and a dated 整改时限 are required (errors, not warnings), as a ledger that needs an
    owner for every problem asks. `categories` (名称 or code → code): the 问题类别 a
    cell may name; `rows["category"]` is then the code, and another text an error.
    """
    name = name or path.name
    places = places or Places.reference()
    reader = _Reader(name, places, received, may_place or (lambda place: True), complete, categories)
    try:
        for sheet in sheet_rows(path, name):
            reader.read_sheet(sheet)
    except UnreadableFile as error:
        reader.problem("", 0, "", "", Code.UNREADABLE, str(error))
    return reader.result()


class _Reader:
    def __init__(
        self,
        file: str,
        places: Places,
        received: dt.date,
        may_place: Callable[[Place], bool],
        complete: bool,
        categories: Mapping[str, str] | None,
    ):
        self.file, self.places, self.received, self.may_place = file, places, received, may_place
        self.complete, self.categories = complete, categories
        self.rows: list[dict[str, object]] = []
        self.problems: list[dict[str, object]] = []
        self.layout: list[tuple[str, int, str]] = []
        self.titles: list[str] = []
        self.seen: dict[tuple[str, str], int] = {}
        self.recognised = False
        self.data_rows = 0

    def problem(self, sheet: str, row: int, column: str, value: str, code: str, message: str) -> None:
        warnings = (
            (Code.VILLAGE_UNCHECKED,) if self.complete else (Code.LATER_MISSING, Code.VILLAGE_UNCHECKED)
        )
        severity = WARNING if code in warnings else ERROR
        self.problems.append(
            {
                "file": self.file,
                "sheet": sheet,
                "row": row or None,
                "column": column,
                "value": value,
                "code": code,
                "message": message,
                "severity": severity,
            }
        )

    def result(self) -> FeedbackList:
        if not self.recognised and not any(p["code"] == Code.UNREADABLE for p in self.problems):
            self.problem(
                "",
                0,
                "",
                "",
                Code.NO_LIST,
                "文件中没有能识别为反馈问题清单的工作表（至少要有“问题描述”和涉及县区两列）",
            )
        elif self.recognised and self.data_rows == 0:
            self.problem("", 0, "", "", Code.NO_ROWS, "清单中没有任何问题行")
        rows = (
            pl.DataFrame(self.rows, schema=ROW_COLUMNS, orient="row")
            if self.rows
            else pl.DataFrame(schema=ROW_COLUMNS)
        )
        problems = (
            pl.DataFrame(self.problems, schema=PROBLEM_COLUMNS)
            if self.problems
            else pl.DataFrame(schema=PROBLEM_COLUMNS)
        )
        return FeedbackList(
            self.file,
            self.titles[0] if self.titles else "",
            rows,
            problems.sort("severity", "sheet", "row", maintain_order=True),
            self.layout,
        )

    def read_sheet(self, sheet: SheetRows) -> None:
        header = find_header(sheet.rows)
        if header is None:
            return
        self.recognised = True
        title = _title(sheet.rows[: header.index])
        if title:
            self.titles.append(title)
        heading_place: Place | None = None
        for cells, number in zip(
            sheet.rows[header.index + 1 :], sheet.numbers[header.index + 1 :], strict=True
        ):
            values = {
                key: _text(cells[column]) if column < len(cells) else ""
                for key, column in header.columns.items()
            }
            filled = [text for text in (_text(cell) for cell in cells) if text]
            if not filled:
                continue
            if any(TOTALS.match(text) for text in filled[:2]):
                self.layout.append((sheet.sheet, number, "合计行"))
                continue
            if len(set(filled)) == 1 and (layout := self._layout(filled[0], values)):
                if layout != "说明行":
                    heading_place = self._heading(filled[0])
                self.layout.append((sheet.sheet, number, layout))
                continue
            self.data_rows += 1
            self._row(sheet.sheet, number, values, header, heading_place)

    def _layout(self, text: str, values: dict[str, str]) -> str:
        """Why a row holding one text only is layout: a heading naming a place, a note; "" if data."""
        if NOTE.match(text):
            return "说明行"
        if self._heading(text) is not None or NUMBERED_HEADING.match(text):
            return "分组标题行"
        if values.get("number") == text and not values.get("description"):
            return "说明行"
        return ""

    def _heading(self, text: str) -> Place | None:
        match = HEADING.match(text)
        if match is None:
            return None
        try:
            found = self.places.read(match[1])
        except PlaceError:
            return None
        return found[0] if len(found) == 1 else None

    def _row(
        self, sheet: str, number: int, values: dict[str, str], header: Header, heading: Place | None
    ) -> None:
        """Check one data row, reporting every problem it has at once; keep it if it has no error."""
        where = (sheet, number)
        errors_before = self._error_count()
        description = values.get("description", "")
        if not description:
            self.problem(*where, header.written["description"], "", Code.DESCRIPTION_MISSING, "问题描述为空")
        found = self._places(where, values, header, heading)
        deadline = self._deadline(where, values, header)
        self._later_fields(where, values, header, deadline)
        category = self._category(where, values, header)
        if found is None or deadline is None or self._error_count() > errors_before:
            return
        for part, place in enumerate(found, start=1):
            key = (re.sub(r"\s+", "", description), place.code + place.unchecked_village)
            if key in self.seen:
                self.problem(
                    *where,
                    header.written["description"],
                    mask_text(description)[:40],  # masked before it is cut (a cut ID no mask finds)
                    Code.DUPLICATE,
                    f"与第 {self.seen[key]} 行是同一问题、同一地点（重复）",
                )
                continue
            self.seen[key] = number
            if place.unchecked_village:
                self.problem(
                    *where,
                    _place_column(header),
                    place.unchecked_village,
                    Code.VILLAGE_UNCHECKED,
                    f"村名“{place.unchecked_village}”未能核对（{place.name}没有已知的村名单），已按乡镇导入",
                )
            self.rows.append(
                {
                    "file": self.file,
                    "sheet": sheet,
                    "row": number,
                    "part": part,
                    "number": values.get("number") or None,
                    "description": description,
                    "place_text": " ".join(values[f] for f in PLACE_FIELDS if values.get(f))
                    or (heading.name if heading else ""),
                    "level": place.level,
                    "region_code": place.code,
                    "region_name": place.name,
                    "county_code": place.county_code or None,
                    "township_code": place.township_code or None,
                    "village_name": place.unchecked_village or None,
                    "measures": values.get("measures") or None,
                    "lead_unit": values.get("lead_unit") or None,
                    "responsible_person": values.get("responsible_person") or None,
                    "deadline": deadline.date,
                    "deadline_kind": deadline.kind,
                    "deadline_text": deadline.text or None,
                    "category": category,
                    "note": values.get("note") or None,
                }
            )

    def _error_count(self) -> int:
        return sum(1 for problem in self.problems if problem["severity"] == ERROR)

    def _deadline(self, where: tuple[str, int], values: dict[str, str], header: Header) -> Deadline | None:
        text = values.get("deadline", "")
        column = header.written.get("deadline", "整改时限")
        try:
            deadline = read_deadline(text, received=self.received)
        except DeadlineError as error:
            self.problem(*where, column, text, Code.DEADLINE_INVALID, str(error))
            return None
        if self.complete and deadline.kind == KIND_ONGOING:
            message = "长期坚持的问题请写明阶段性整改时限（如“2021年12月底前，长期坚持”）"
            self.problem(*where, column, text, Code.DEADLINE_UNDATED, message)
        return deadline

    def _later_fields(
        self, where: tuple[str, int], values: dict[str, str], header: Header, deadline: Deadline | None
    ) -> None:
        """整改措施, 责任单位, 责任人, 整改时限 left empty: to fill in later, or (`complete`) now."""
        then = "请补充后重新上传" if self.complete else "导入后请补充"
        for field_name in LATER_FIELDS:
            empty = not values.get(field_name)
            if field_name == "deadline":
                empty = deadline is not None and deadline.kind == KIND_NONE
            if empty:
                column = header.written.get(field_name, f"{FIELD_TITLES[field_name]}（无此列）")
                message = f"{FIELD_TITLES[field_name]}未填写，{then}"
                self.problem(*where, column, "", Code.LATER_MISSING, message)

    def _category(self, where: tuple[str, int], values: dict[str, str], header: Header) -> str | None:
        text = values.get("category", "")
        if not text or self.categories is None:
            return text or None
        code = self.categories.get(text) or self.categories.get(text.upper())
        if code is None:
            known = "、".join(dict.fromkeys(name for name in self.categories if not name.isascii()))
            message = f"问题类别“{text}”不是已知类别（{known}）"
            self.problem(*where, header.written["category"], text, Code.CATEGORY_UNKNOWN, message)
        return code

    def _places(
        self, where: tuple[str, int], values: dict[str, str], header: Header, heading: Place | None
    ) -> list[Place] | None:
        """The row's places from its place columns, each read inside the one before; None on error."""
        given = [f for f in PLACE_FIELDS if values.get(f)]
        if not given and heading is None:
            message = "未填写涉及县区/乡镇/村，无法确定问题所在地"
            self.problem(*where, _place_column(header), "", Code.PLACE_MISSING, message)
            return None
        # Under a heading "一、武都区", a row without a place of its own is the heading's.
        found: list[Place] = [] if given or heading is None else [heading]
        for field_name in given:
            text = values[field_name]
            try:
                found = _read_within(self.places, text, found)
            except PlaceError as error:
                self.problem(*where, header.written[field_name], text, Code.PLACE_UNKNOWN, str(error))
                return None
        outside = [place for place in found if not self.may_place(place)]
        if outside:
            names = "、".join(place.name for place in outside)
            value = " ".join(values[f] for f in given) or names
            self.problem(
                *where, _place_column(header), value, Code.PLACE_OUTSIDE, f"{names}不在您的管辖区域内"
            )
            return None
        return found


def _read_within(places: Places, text: str, outer: list[Place]) -> list[Place]:
    """`text`'s places inside the places already read (the one outer place, or any of several).

    With several outer places, one that holds none of the inner ones stays a place of its
    own: 涉及县区 "武都区、成县" and 涉及乡镇 "汉王镇" are 武都区汉王镇 and 成县.
    """
    if len(outer) <= 1:
        return places.read(text, outer[0] if outer else None)
    inner: list[Place] = []
    for part in places.read(text):
        if not any(part.code.startswith(place.code) for place in outer if place.level != "city"):
            raise PlaceError(f"“{part.name}”不在{'、'.join(place.name for place in outer)}范围内")
        inner.append(part)
    alone = [place for place in outer if not any(part.code.startswith(place.code) for part in inner)]
    return [*inner, *alone]


def find_header(rows: Sequence[Sequence[str]]) -> Header | None:
    """The header among the first rows: one row, or two where a merged cell heads several.

    A header must name the description and at least one place column. Among candidates
    the one matching most fields wins, then the earlier one.
    """
    best: tuple[int, Header] | None = None
    for index in range(min(HEADER_SCAN_ROWS, len(rows))):
        for depth in (1, 2):
            if index + depth > len(rows) or (depth == 2 and not _header_like(rows[index], rows[index + 1])):
                continue
            header = _match(rows[index : index + depth], index + depth - 1)
            if "description" not in header.columns or not any(f in header.columns for f in PLACE_FIELDS):
                continue
            if best is None or len(header.columns) > best[0]:
                best = (len(header.columns), header)
    return best[1] if best else None


KNOWN = {header_key(name): field_name for field_name, names in FIELDS.items() for name in names}


def _match(rows: Sequence[Sequence[str]], last: int) -> Header:
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    width = max(len(row) for row in rows)
    upper = [rows[0][column].strip() if column < len(rows[0]) else "" for column in range(width)]
    for column in range(width):
        cells = [row[column].strip() if column < len(row) else "" for row in rows]
        candidates = [cells[0]]
        if len(cells) == 2 and _heads_below(upper, column, cells[1]):
            # The lower cell names the column under a merged upper one (涉及地区 over 县区).
            candidates = [cells[1], "".join(cells), cells[0]]
        for text in candidates:
            field_name = KNOWN.get(header_key(text)) if text else None
            if field_name is not None and field_name not in columns:
                columns[field_name] = column
                written[field_name] = text
                break
    if "place" in columns and any(f in columns for f in ("county", "township", "village")):
        del columns["place"], written["place"]  # a merged 涉及地区 over its own 县区/乡镇 columns
    return Header(last, columns, written)


def _header_like(upper: Sequence[str], lower: Sequence[str]) -> bool:
    """Whether `lower` can be a header's second row: each of its cells empty, a header name,
    or the upper cell merged down. A data row (1, 问题甲, 康县 …) never is."""
    for column, cell in enumerate(lower):
        text = cell.strip()
        above = upper[column].strip() if column < len(upper) else ""
        if text and text != above and header_key(text) not in KNOWN:
            return False
    return True


def _heads_below(upper: Sequence[str], column: int, lower: str) -> bool:
    """Whether the upper header cell leaves its column's name to the cell below: it is empty,
    merged down over it (the same text), or merged across (its neighbour has the same text).
    A first data row under a one-row header never passes, so it is never read as a header."""
    text = upper[column]
    if not text or text == lower:
        return True
    return (column > 0 and upper[column - 1] == text) or (
        column + 1 < len(upper) and upper[column + 1] == text
    )


def _title(rows: Sequence[Sequence[str]]) -> str:
    """The list's title above its header: the first text that is not a 附件1 label."""
    for row in rows:
        texts = [_text(cell) for cell in row if _text(cell) and not ATTACHMENT.match(_text(cell))]
        if texts:
            return texts[0]
    return ""


def _text(cell: str) -> str:
    return unicodedata.normalize("NFKC", cell).strip()


def _place_column(header: Header) -> str:
    for field_name in PLACE_FIELDS:
        if field_name in header.written:
            return header.written[field_name]
    return "涉及县区"
