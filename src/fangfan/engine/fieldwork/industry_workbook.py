"""Reading an industry income list (产业收入清单) from Excel: Django-free.

One sheet, a header row within the first ten rows (a title row above it is fine), one row
per crop or kind of livestock::

    户编号 | 户主身份证号 | 户主姓名 | 类别 | 作物或畜禽 | 面积（亩） | 数量 | 收入（元） | 年度 | 说明

A household is named by 户编号 or 户主身份证号 (either), and 户主姓名 always (checked
against the registry by the web). Every cell that cannot be read is a `CellProblem`
naming the file, sheet, row and column; the caller loads nothing while there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fangfan.engine.masking import mask_text

HEADERS: dict[str, tuple[str, ...]] = {
    "household_id": ("户编号",),
    "id_number": ("户主身份证号", "身份证号", "户主证件号码"),
    "head_name": ("户主姓名", "姓名", "户主"),
    "kind": ("类别", "产业类别"),
    "name": ("作物或畜禽", "作物或畜禽种类", "品种", "作物", "畜禽种类"),
    "mu": ("面积（亩）", "面积(亩)", "面积", "亩数"),
    "head": ("数量（头、只、箱）", "数量", "头数", "存栏数量"),
    "income": ("收入（元）", "收入(元)", "收入"),
    "year": ("年度",),
    "note": ("说明", "备注"),
}
KIND_WORDS = {"种植": "planting", "养殖": "livestock"}
ID_AS_NUMBER = "身份证号被Excel存成了数字，后几位已丢失；请把该列设为“文本”格式后重新输入18位号码"
# The most one row may say (what the ledger's columns hold): a mistyped 1e13 is a problem of its
# cell, never a row the database cannot keep.
LIMITS: dict[str, Decimal] = {
    "mu": Decimal("9999999.99"),
    "head": Decimal(10_000_000),
    "income": Decimal("9999999999.99"),
}
TEMPLATE_HEADERS = (
    "户编号",
    "户主身份证号",
    "户主姓名",
    "类别",
    "作物或畜禽",
    "面积（亩）",
    "数量（头、只、箱）",
    "收入（元）",
    "年度",
    "说明",
)


@dataclass(frozen=True)
class CellProblem:
    """One reason a list cannot be loaded, as an office reads it."""

    file: str
    sheet: str
    row: int  # the row number Excel shows (0: the whole file)
    column: str
    value: str
    message: str


@dataclass(frozen=True)
class ListRow:
    """One readable row: the household's keys and the planting or livestock it records."""

    row: int
    household_id: str
    id_number: str
    head_name: str
    kind: str
    name: str
    mu: Decimal | None
    head: int
    income: Decimal
    year: int
    note: str


@dataclass(frozen=True)
class IndustryList:
    file: str
    sheet: str
    rows: list[ListRow]
    problems: list[CellProblem]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def too_large(field: str) -> str:
    """Why a planting's 面积, a herd's 数量 or a row's 收入 is refused as too large, in Chinese."""
    return f"{HEADERS[field][0]}过大：一行不能超过{LIMITS[field]:,f}，请核对"


def _header_row(grid: list[list[Any]]) -> tuple[int, dict[str, int]] | None:
    for index, cells in enumerate(grid[:10]):
        texts = [_text(cell).replace(" ", "") for cell in cells]
        found = {
            field: texts.index(alias)
            for field, aliases in HEADERS.items()
            for alias in aliases
            if alias in texts
        }
        if "kind" in found and ("household_id" in found or "id_number" in found):
            return index, found
    return None


def _number(text: str, whole: bool) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or (whole and value != value.to_integral_value()):
        return None
    return value


class _Row:
    """Reads one row's cells, noting a problem for each cell it cannot read."""

    def __init__(self, source: IndustryList, number: int, cells: list[Any], columns: dict[str, int]) -> None:
        self.source, self.number, self.cells, self.columns = source, number, cells, columns

    def text(self, field: str) -> str:
        index = self.columns.get(field)
        return _text(self.cells[index]) if index is not None and index < len(self.cells) else ""

    def mangled_id(self, field: str) -> bool:
        """An 18-digit number Excel kept as a number: its last digits are lost (15 digits are kept)."""
        index = self.columns.get(field)
        value = self.cells[index] if index is not None and index < len(self.cells) else None
        return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 1e15

    def problem(self, field: str, message: str) -> None:
        header = HEADERS[field][0]
        shown = mask_text(self.text(field))[:40]
        self.source.problems.append(
            CellProblem(self.source.file, self.source.sheet, self.number, header, shown, message)
        )

    def amount(self, field: str, *, required: bool, whole: bool = False) -> Decimal | None:
        text = self.text(field)
        if not text:
            if required:
                self.problem(field, f"请填写{HEADERS[field][0]}")
            return None
        value = _number(text, whole)
        if value is None:
            kind = "非负整数" if whole else "非负数字"
            self.problem(field, f"{HEADERS[field][0]}应为{kind}")
        elif field in LIMITS and value > LIMITS[field]:
            self.problem(field, too_large(field))
            return None
        return value


def _read_row(source: IndustryList, cells: _Row, default_year: int | None) -> ListRow | None:
    before = len(source.problems)
    household_id, id_number, head_name = (
        cells.text("household_id"),
        cells.text("id_number"),
        cells.text("head_name"),
    )
    if not household_id and not id_number:
        cells.problem("household_id", "请填写户编号或户主身份证号")
    elif id_number and not household_id and cells.mangled_id("id_number"):
        cells.problem("id_number", ID_AS_NUMBER)
    if not head_name:
        cells.problem("head_name", "请填写户主姓名，用于核对")
    kind = KIND_WORDS.get(cells.text("kind"))
    if kind is None:
        cells.problem("kind", "类别应为“种植”或“养殖”")
    name = cells.text("name")
    if not name:
        cells.problem("name", "请填写作物或畜禽种类")
    elif len(name) > 20:
        cells.problem("name", "作物或畜禽种类不能超过20个字")
    mu = cells.amount("mu", required=False) if kind == "planting" else None
    head = cells.amount("head", required=kind == "livestock", whole=True) if kind == "livestock" else None
    income = cells.amount("income", required=True)
    year_text = cells.text("year")
    year = default_year
    if year_text:
        parsed = _number(year_text, whole=True)
        year = int(parsed) if parsed is not None and 2000 <= parsed <= 2100 else None
        if year is None:
            cells.problem("year", "年度应为四位年份，如2026")
    elif year is None:
        cells.problem("year", "请填写年度")
    if len(source.problems) > before or kind is None or income is None or year is None:
        return None
    return ListRow(
        cells.number,
        household_id,
        id_number,
        head_name,
        kind,
        name,
        mu,
        int(head or 0),
        income,
        year,
        cells.text("note")[:200],
    )


def read_list(grid: list[list[Any]], file: str, sheet: str, *, default_year: int | None) -> IndustryList:
    """The rows and problems of one sheet's cells (`grid`, rows of values as calamine gives them)."""
    source = IndustryList(file, sheet, [], [])
    header = _header_row(grid)
    if header is None:
        message = "没有找到表头：应有“类别”列，以及“户编号”或“户主身份证号”列（前10行内）"
        source.problems.append(CellProblem(file, sheet, 0, "", "", message))
        return source
    start, columns = header
    for offset, cells in enumerate(grid[start + 1 :], start=start + 2):
        if not any(_text(cell) for cell in cells):
            continue
        row = _read_row(source, _Row(source, offset, list(cells), columns), default_year)
        if row is not None:
            source.rows.append(row)
    if not source.rows and not source.problems:
        source.problems.append(CellProblem(file, sheet, 0, "", "", "表中没有数据行"))
    return source


def read_workbook(path: Path, file: str, *, default_year: int | None) -> IndustryList:
    """Read the first sheet of the workbook at `path` (shown as `file` in problems)."""
    from python_calamine import CalamineWorkbook  # lazily: only an import needs the reader

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.sheet_names[0]
        grid = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own kinds for every broken file
        message = f"无法读取该文件（应为Excel工作簿 .xlsx/.xls）：{type(error).__name__}"
        return IndustryList(file, "", [], [CellProblem(file, "", 0, "", "", message)])
    return read_list(grid, file, sheet, default_year=default_year)
