"""An export of visit submissions read back into answers, cell by cell checked against the form.

Two shapes arrive (docs/odk.md has examples):

- ODK Central's CSV (`…/submissions.csv`): `SubmissionDate` first, a question under its
  groups joined by "-" (`income-wage_income`), `meta-instanceID`, `KEY`, `SubmitterName`;
- KoboToolbox's XLSX ("XML values and headers"): a question under its groups joined by
  "/" (`income/wage_income`), `_uuid`, `_submission_time`, `_submitted_by`; a
  select_multiple also as one 0/1 column per choice (`awareness/policies_known/dibao`),
  which is ignored because the answer's own column holds the same.

A header may also be a question's bare name or its label (an export "with labels").
Each answered question of the `FormSpec` is looked for; the household, the visit date,
the submission's instance id and the income amounts must be there, or the file is
refused as a whole; another question's column missing (an export of an earlier version
of the form) leaves that answer blank (`SubmissionFileError`, naming the file and the missing column).
Everything else is checked per row: a cell that cannot be read, is out of the
question's bounds or is not one of its choices becomes a `RowProblem` naming the row,
the column as written in the file and the value. The same instance id twice in the
file marks the later row `duplicate_of` the first.

Cells are read as text through the import's own reader (`ingest.read.read_sheets`:
size and row limits, UTF-8 or GB18030 CSV) and parsed with its Polars expressions
(`ingest.values`), so a date or an amount reads here as in every other import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine.ingest import values
from fangfan.engine.ingest.read import Sheet, UnreadableFile, read_sheets
from fangfan.engine.odk.form import FormSpec, Group, Kind, Question

# The submission's id, the one an edit keeps first: Central's KEY and Kobo's meta/rootUuid
# name the submission as first sent; an edit changes meta/instanceID (and Kobo's _uuid).
INSTANCE_HEADERS = ("KEY", "meta/rootUuid", "meta-instanceID", "meta/instanceID", "instanceID", "_uuid")
SUBMITTED_HEADERS = ("SubmissionDate", "_submission_time")
SUBMITTER_HEADERS = ("SubmitterName", "_submitted_by")
# Without these a row is no visit; the file is refused when one is missing.
NEEDED = ("household_id", "visited_on")
NUMBER_KINDS = (Kind.MONEY, Kind.INTEGER)
CENT = Decimal("0.01")


class SubmissionFileError(ValueError):
    """A file that is not an export of this form (the message is Chinese and names the file)."""


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class Submission:
    """One row: its answers by question name, and what was wrong with it."""

    row: int
    instance_id: str
    submitted_at: str
    submitter: str
    answers: dict[str, Any]
    problems: list[RowProblem] = field(default_factory=list)
    duplicate_of: int | None = None  # the earlier row of the file with the same instance id


@dataclass
class SubmissionFile:
    name: str
    source: str  # "ODK Central" or "KoboToolbox" (or "导出文件" when neither is recognisable)
    rows: list[Submission]
    headers: dict[str, str] = field(default_factory=dict)  # question name -> its column as written

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


def read_submissions(path: Path, name: str, spec: FormSpec) -> SubmissionFile:
    """The export at `path` (`name`: how messages call it), row by row, checked against `spec`."""
    try:
        sheet = next(iter(read_sheets(path, name)), None)
    except UnreadableFile as error:
        message = str(error)  # some of the reader's messages do not name the file: this one does
        raise SubmissionFileError(message if name in message else f"《{name}》：{message}") from None
    if sheet is None or sheet.cells.height == 0:
        raise SubmissionFileError(f"《{name}》是空的：没有表头，也没有提交记录")
    cells = sheet.cells.select(pl.exclude("row"))
    header = [_text(cell) for cell in cells.row(0)]
    columns = _columns(header, spec, name)
    frame = _frame(sheet, header)
    source = _source(header)
    rows = list(_rows(frame, columns, spec))
    _mark_duplicates(rows)
    return SubmissionFile(name, source, rows, columns.answers)


@dataclass(frozen=True)
class _Columns:
    instance: str
    submitted: str
    submitter: str
    answers: dict[str, str]  # question name -> header as written


def _columns(header: list[str], spec: FormSpec, name: str) -> _Columns:
    present = set(header)
    instance = next((column for column in INSTANCE_HEADERS if column in present), "")
    if not instance:
        raise SubmissionFileError(
            f"《{name}》没有提交编号列（ODK Central 为 meta-instanceID 或 KEY，KoboToolbox 为 _uuid）："
            "请上传 ODK Central 或 KoboToolbox 导出的原始表格"
        )
    answers = {}
    for group, question in spec.answered():
        found = next((c for c in _candidates(group, question) if c in present), "")
        if found:
            answers[question.name] = found
    needed = [*NEEDED, *(q.name for _, q in spec.answered() if q.kind == Kind.MONEY and q.required)]
    missing = [spec.question(n) for n in needed if n not in answers]
    if missing:
        labels = "、".join(f"{q.label}（{q.name}）" for q in missing)
        raise SubmissionFileError(
            f"《{name}》缺少列：{labels}。这不是本系统走访表单的导出，"
            "或导出时改了列名（KoboToolbox 请选“XML 值和表头”）"
        )
    return _Columns(
        instance,
        next((c for c in SUBMITTED_HEADERS if c in present), ""),
        next((c for c in SUBMITTER_HEADERS if c in present), ""),
        answers,
    )


def _candidates(group: Group, question: Question) -> tuple[str, ...]:
    return (
        f"{group.name}-{question.name}",
        f"{group.name}/{question.name}",
        question.name,
        question.label,
    )


def _source(header: list[str]) -> str:
    if "SubmissionDate" in header or "KEY" in header:
        return "ODK Central"
    if "_uuid" in header or "_submission_time" in header:
        return "KoboToolbox"
    return "导出文件"


def _frame(sheet: Sheet, header: list[str]) -> pl.DataFrame:
    """The rows below the header, one cleaned text column per header (the first of a repeated one)."""
    body = sheet.cells.slice(1)
    names = [column for column in body.columns if column != "row"]
    chosen: dict[str, str] = {}
    for column, title in zip(names, header, strict=False):
        if title and title not in chosen:
            chosen[title] = column
    return body.select(
        pl.col("row"), *(values.clean(pl.col(column)).alias(title) for title, column in chosen.items())
    )


def _rows(frame: pl.DataFrame, columns: _Columns, spec: FormSpec) -> Iterator[Submission]:
    parsed = frame.select(
        pl.col("row"),
        *(
            _parse(question, columns.answers[question.name]).alias(question.name)
            for _, question in spec.answered()
            if question.name in columns.answers
        ),
    )
    for text, typed in zip(frame.iter_rows(named=True), parsed.iter_rows(named=True), strict=True):
        if all(value in (None, "") for key, value in text.items() if key != "row"):
            continue  # a blank line
        yield _submission(text, typed, columns, spec)


def _parse(question: Question, header: str) -> pl.Expr:
    text = pl.col(header)
    if question.kind == Kind.MONEY:
        return values.parse_decimal(text)
    if question.kind == Kind.INTEGER:
        return values.parse_integer(text)
    if question.kind == Kind.DATE:
        return values.parse_date(text)
    return text


def _submission(text: dict[str, Any], typed: dict[str, Any], columns: _Columns, spec: FormSpec) -> Submission:
    row = int(text["row"])
    instance = (text.get(columns.instance) or "").removeprefix("uuid:")
    submission = Submission(
        row=row,
        instance_id=instance,
        submitted_at=text.get(columns.submitted) or "" if columns.submitted else "",
        submitter=text.get(columns.submitter) or "" if columns.submitter else "",
        answers={},
    )
    if not instance:
        submission.problems.append(
            RowProblem(row, columns.instance, "", "缺少提交编号，无法判断是否重复导入")
        )
    for group, question in spec.answered():
        header = columns.answers.get(question.name)
        if header is None:  # not in this export (an earlier version of the form): not answered
            submission.answers[question.name] = None
            continue
        raw = text.get(header)
        value, problem = _answer(
            question, raw, typed.get(question.name), spec, _asked_always(group, question)
        )
        submission.answers[question.name] = value
        if problem:
            submission.problems.append(RowProblem(row, header, raw or "", problem))
    return submission


def _asked_always(group: Group, question: Question) -> bool:
    return question.required and not question.relevant and not group.relevant


def _answer(
    question: Question, raw: str | None, typed: Any, spec: FormSpec, required: bool
) -> tuple[Any, str]:
    """The answer's value and, when it is wrong, why (in Chinese); blank answers are None."""
    if raw in (None, ""):
        return (None, f"“{question.label}”未填写") if required else (None, "")
    assert raw is not None
    if question.kind in NUMBER_KINDS or question.kind == Kind.DATE:
        return _typed(question, raw, typed)
    if question.kind in (Kind.YES_NO, Kind.SELECT_ONE, Kind.SELECT_FROM_FILE):
        if question.kind == Kind.SELECT_FROM_FILE:
            return raw, ""
        return _chosen(question, raw, spec)
    if question.kind == Kind.SELECT_MULTIPLE:
        picked = [_choice_name(question, item, spec) for item in raw.split()]
        unknown = [item for item, name in zip(raw.split(), picked, strict=True) if name is None]
        if unknown:
            return None, f"“{question.label}”中的“{'、'.join(unknown)}”不是可选的值"
        return [name for name in picked if name], ""
    return raw, ""


def _typed(question: Question, raw: str, typed: Any) -> tuple[Any, str]:
    if typed is None:
        what = {Kind.MONEY: "金额", Kind.INTEGER: "整数", Kind.DATE: "日期"}[question.kind]
        return None, f"“{question.label}”应为{what}"
    if question.kind == Kind.DATE:
        assert isinstance(typed, dt.date)
        return typed, ""
    number = Decimal(str(typed)).quantize(CENT) if question.kind == Kind.MONEY else int(typed)
    low, high = question.minimum, question.maximum
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        return None, f"“{question.label}”应在 {_bound(low)} 到 {_bound(high)} 之间"
    return number, ""


def _bound(value: float | None) -> str:
    if value is None:
        return "不限"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def _chosen(question: Question, raw: str, spec: FormSpec) -> tuple[Any, str]:
    name = _choice_name(question, raw, spec)
    if name is None:
        offered = "、".join(choice.label for choice in spec.choices.get(_list(question), ()))
        return None, f"“{question.label}”的值“{raw}”不是可选的值（可选：{offered}）"
    return name, ""


def _choice_name(question: Question, value: str, spec: FormSpec) -> str | None:
    """The choice's name for a value written as its name or its label, else None."""
    for choice in spec.choices.get(_list(question), ()):
        if value in (choice.name, choice.label):
            return choice.name
    return None


def _list(question: Question) -> str:
    return "yes_no" if question.kind == Kind.YES_NO else question.list_name


def _mark_duplicates(rows: list[Submission]) -> None:
    first: dict[str, int] = {}
    for submission in rows:
        if not submission.instance_id:
            continue
        if submission.instance_id in first:
            submission.duplicate_of = first[submission.instance_id]
        else:
            first[submission.instance_id] = submission.row


def _text(cell: object) -> str:
    return "" if cell is None else str(cell).strip()
