"""A `FormSpec` written as an XLSForm: the survey, choices and settings sheets ODK reads.

The columns are XLSForm's own (https://xlsform.org): type, name, label, hint, required,
constraint, constraint_message, relevant, calculation, default, appearance,
choice_filter. The household is chosen from the village's preload CSV with
`select_one_from_file`; its other columns are read with `instance('…')/root/item[…]`
(see `preload.py` for the columns). Labels are Chinese only, so there is no language
suffix (a form in one language needs none).
"""

from __future__ import annotations

from typing import BinaryIO

import xlsxwriter

from fangfan.engine.odk.form import FormSpec, Group, Question

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "constraint",
    "constraint_message",
    "relevant",
    "calculation",
    "default",
    "appearance",
    "choice_filter",
    "parameters",
)
DEFAULT_CONSTRAINT_MESSAGE = "超出允许范围，请核对"


def survey_rows(spec: FormSpec) -> list[dict[str, str]]:
    """The survey sheet's rows: each group opened and closed around its questions."""
    rows: list[dict[str, str]] = []
    for group in spec.groups:
        rows.append(_group_row(group))
        rows.extend(_question_row(question) for question in group.questions)
        rows.append({"type": "end_group", "name": group.name})
    return rows


def _group_row(group: Group) -> dict[str, str]:
    return {"type": "begin_group", "name": group.name, "label": group.label, "relevant": group.relevant}


def _question_row(question: Question) -> dict[str, str]:
    constraint = question.constraint
    return {
        "type": question.xlsform_type,
        "name": question.name,
        "label": question.label,
        "hint": question.hint,
        "required": "yes" if question.required else "",
        "constraint": constraint,
        "constraint_message": (question.constraint_message or DEFAULT_CONSTRAINT_MESSAGE)
        if constraint
        else "",
        "relevant": question.relevant,
        "calculation": question.calculation,
        "default": question.default,
        "appearance": question.appearance,
        "choice_filter": question.choice_filter,
        "parameters": question.parameters,
    }


def choice_rows(spec: FormSpec) -> list[dict[str, str]]:
    return [
        {"list_name": list_name, "name": choice.name, "label": choice.label}
        for list_name, choices in spec.choices.items()
        for choice in choices
    ]


def settings_row(spec: FormSpec) -> dict[str, str]:
    return {
        "form_title": spec.title,
        "form_id": spec.form_id,
        "version": spec.version,
        "instance_name": "concat(${head_name}, '户 ', ${visited_on})",
        "default_language": "Chinese (zh)",
    }


def write_xlsform(spec: FormSpec, out: BinaryIO) -> None:
    """Write the XLSForm of `spec` to `out` (an .xlsx opened for writing)."""
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    _sheet(
        book, "survey", SURVEY_COLUMNS, survey_rows(spec), header, wide=("label", "constraint", "calculation")
    )
    _sheet(book, "choices", ("list_name", "name", "label"), choice_rows(spec), header, wide=("label",))
    settings = settings_row(spec)
    _sheet(book, "settings", tuple(settings), [settings], header, wide=("form_title", "instance_name"))
    book.close()


def _sheet(
    book: xlsxwriter.Workbook,
    name: str,
    columns: tuple[str, ...],
    rows: list[dict[str, str]],
    header: xlsxwriter.workbook.Format,
    wide: tuple[str, ...] = (),
) -> None:
    sheet = book.add_worksheet(name)
    for column, title in enumerate(columns):
        sheet.write_string(0, column, title, header)
        sheet.set_column(column, column, 40 if title in wide else 16)
    for row_number, row in enumerate(rows, start=1):
        for column, title in enumerate(columns):
            value = row.get(title, "")
            if value:
                sheet.write_string(row_number, column, value)
    sheet.freeze_panes(1, 0)
