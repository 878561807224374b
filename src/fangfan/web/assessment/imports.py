"""Results filled in on the visit lists (or any sheet with their headers) → results, or a report.

    outcome = import_results(user, round, upload)
    outcome.loaded      # how many results were kept (0 when refused)
    outcome.problems    # every problem: file, sheet, row, column, value, message (Chinese)

The file is read as text (`fangfan.engine.ingest.read`); the header row is the first with
户编号 in it, and columns are known by the visit list's headers (`results.RESULT_FIELDS`).
A row whose result columns are all empty is a household not visited yet and is skipped.
Every other row is checked like the form (`results.result_problems`).

**All or nothing**: any problem in any row and nothing is kept; otherwise every row's
result is kept through `actions.record_result` (audited) in one transaction.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import polars as pl
from django.core.files.base import File
from django.db import transaction

from fangfan.engine.ingest import values
from fangfan.engine.ingest.guard import MB, ReadLimits
from fangfan.engine.ingest.read import Sheet, UnreadableFile, read_sheets
from fangfan.engine.masking import mask_text
from fangfan.web.accounts.models import User
from fangfan.web.assessment.actions import drawn_on, record_result
from fangfan.web.assessment.models import Round, Unit
from fangfan.web.assessment.results import (
    COUNT,
    DATE,
    HEADERS,
    MONEY,
    RESULT_FIELDS,
    TEXT,
    YES_NO,
    ResultInput,
    result_problems,
)
from fangfan.web.assessment.rounds import units_for_user

KEY_HEADER = "户编号"
# The visit list's title names its round (`views.visit_list_title`): a list of another round is refused whole.
ROUND_MARK = re.compile(r"轮次编号(\d+)")
# A round's results are a few thousand rows: the limits keep a hostile file from costing more.
LIMITS = ReadLimits(max_unpacked_bytes=200 * MB, max_compression_ratio=25, max_rows=100_000)
HEADER_SCAN_ROWS = 20
VALUE_SHOWN = 40


@dataclass
class ImportOutcome:
    file: str
    loaded: int = 0
    skipped: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    def add(self, sheet: str, row: int | None, column: str, value: Any, message: str) -> None:
        shown = mask_text("" if value is None else str(value))[:VALUE_SHOWN]
        self.problems.append(
            {
                "file": self.file,
                "sheet": sheet,
                "row": row,
                "column": column,
                "value": shown,
                "message": message,
            }
        )


def import_results(user: User, round: Round, upload: File[bytes]) -> ImportOutcome:
    """Read the upload and keep its results, all or none (see the module's docstring)."""
    name = mask_text(PurePath(upload.name or "走访结果.xlsx").name)
    outcome = ImportOutcome(name)
    with tempfile.TemporaryDirectory(prefix="fangfan-assessment-") as scratch:
        path = Path(scratch) / f"upload{PurePath(upload.name or '').suffix.lower()}"
        with path.open("wb") as copy:
            for chunk in upload.chunks():
                copy.write(chunk)
        try:
            sheets = read_sheets(path, name, LIMITS)
            rows = [row for sheet in sheets for row in _sheet_rows(sheet, outcome, round.pk)]
        except UnreadableFile as refused:
            outcome.add("", None, "", "", str(refused))
            return outcome
    if not rows and not outcome.problems:
        outcome.add("", None, KEY_HEADER, "", "文件中没有找到表头含“户编号”的工作表，或没有填写任何走访结果")
    results = _checked(user, round, rows, outcome)
    if outcome.problems:
        return outcome
    with transaction.atomic():
        for unit, data in results:
            record_result(user, unit, data)
    outcome.loaded = len(results)
    return outcome


@dataclass(frozen=True)
class Row:
    sheet: str
    row: int
    household_id: str
    texts: dict[str, str | None]  # field name → the cell's text
    parsed: dict[str, Any]  # field name → its value (None: blank or unreadable)


def _sheet_rows(sheet: Sheet, outcome: ImportOutcome, round_id: int) -> list[Row]:
    header = _header(sheet)
    if header is None:
        return []
    index, columns = header
    other = _other_round(sheet, index, round_id)
    if other is not None:
        message = f"这是第{other}号轮次的入户调查表，不是本轮次（第{round_id}号）的，请上传本轮次下载的表"
        outcome.add(sheet.sheet, 1, "标题", "", message)
        return []
    missing = [field.header for field in RESULT_FIELDS if field.name not in columns]
    if missing:
        outcome.add(
            sheet.sheet, index + 1, "、".join(missing), "", "表头缺少这些列，请使用本轮次下载的入户调查表"
        )
        return []
    body = sheet.cells.slice(index + 1)
    kinds = {spec.name: spec.kind for spec in RESULT_FIELDS}
    texts = body.select(
        pl.col("row"),
        *(_cell(pl.col(column), kinds.get(name, TEXT)).alias(name) for name, column in columns.items()),
    )
    parsed = texts.select(pl.col("row"), *(_parse(field.name, field.kind) for field in RESULT_FIELDS))
    rows = []
    for text_row, value_row in zip(texts.iter_rows(named=True), parsed.iter_rows(named=True), strict=True):
        if not text_row["household_id"]:
            continue
        results = {field.name: text_row[field.name] for field in RESULT_FIELDS}
        if not any(results.values()):
            outcome.skipped += 1
            continue
        row = Row(sheet.sheet, text_row["row"], text_row["household_id"], results, value_row)
        rows.append(row)
    return rows


def _other_round(sheet: Sheet, header_index: int, round_id: int) -> int | None:
    """The round a visit list's title names, when it is not `round_id` (None: ours, or no title)."""
    for cells in sheet.head_rows(header_index):
        for cell in cells:
            found = ROUND_MARK.search(cell)
            if found and int(found.group(1)) != round_id:
                return int(found.group(1))
    return None


def _cell(cell: pl.Expr, kind: str) -> pl.Expr:
    """A cell's text: what people wrote kept as written (trimmed), codes and numbers cleaned."""
    if kind == TEXT:
        text = cell.str.strip_chars()
        return pl.when(text == "").then(None).otherwise(text)
    return values.clean(cell)


def _header(sheet: Sheet) -> tuple[int, dict[str, str]] | None:
    """The header row's index and field name → cell column (c0, c1…), or None."""
    wanted = {field.header: field.name for field in RESULT_FIELDS} | {KEY_HEADER: "household_id"}
    for index, cells in enumerate(sheet.head_rows(HEADER_SCAN_ROWS)):
        texts = [cell.strip() for cell in cells]
        if KEY_HEADER in texts:
            return index, {wanted[text]: f"c{column}" for column, text in enumerate(texts) if text in wanted}
    return None


def _parse(name: str, kind: str) -> pl.Expr:
    text = pl.col(name)
    if kind == DATE:
        return values.parse_date(text).alias(name)
    if kind == YES_NO:
        return values.parse_boolean(text).alias(name)
    if kind == MONEY:
        return values.parse_decimal(text).alias(name)
    if kind == COUNT:
        return values.parse_integer(text).alias(name)
    return text.fill_null("").alias(name)


MESSAGES = {
    DATE: "不是日期（应写成 2026-11-03 或 2026年11月3日）",
    YES_NO: "应填“是”或“否”",
    MONEY: "不是数字",
    COUNT: "不是整数",
}


def _checked(
    user: User, round: Round, rows: list[Row], outcome: ImportOutcome
) -> list[tuple[Unit, ResultInput]]:
    units = {unit.household_id: unit for unit in units_for_user(user, round).select_related("round")}
    seen: dict[str, int] = {}
    checked = []
    for row in rows:
        unit = units.get(row.household_id)
        if unit is None:
            outcome.add(
                row.sheet, row.row, KEY_HEADER, row.household_id, "该户不在本轮样本中，或不在您的辖区"
            )
            continue
        if row.household_id in seen:
            outcome.add(
                row.sheet, row.row, KEY_HEADER, row.household_id, f"与第{seen[row.household_id]}行重复"
            )
            continue
        seen[row.household_id] = row.row
        unreadable = [
            (spec, row.texts[spec.name])
            for spec in RESULT_FIELDS
            if spec.kind in MESSAGES and row.texts[spec.name] and row.parsed[spec.name] is None
        ]
        for spec, text in unreadable:
            outcome.add(row.sheet, row.row, spec.header, text, f"“{text}”{MESSAGES[spec.kind]}")
        if unreadable:
            continue
        data = ResultInput(**{field.name: row.parsed[field.name] for field in RESULT_FIELDS})
        for name, message in result_problems(unit, data, drawn_on(round)):
            outcome.add(row.sheet, row.row, HEADERS[name], row.texts.get(name), message)
        checked.append((unit, data))
    return checked
