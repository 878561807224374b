"""An upload's problems as an Excel workbook, the columns the page shows."""

from __future__ import annotations

import io
from collections.abc import Iterable

import xlsxwriter

from fangfan.web.imports.models import Upload, UploadProblem

HEADERS = ("文件", "工作表", "行号", "列", "值", "问题", "处理")
WIDTHS = (28, 14, 8, 16, 24, 60, 14)


def problems_workbook(upload: Upload, problems: Iterable[UploadProblem]) -> bytes:
    """One sheet, one row per problem; every cell written as text, so nothing is evaluated."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("文件中的问题")
    bold = workbook.add_format({"bold": True, "bg_color": "#F3F4F6"})
    for column, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write_string(0, column, header, bold)
        sheet.set_column(column, column, width)
    for line, problem in enumerate(problems, start=1):
        values = (
            upload.original_name,
            problem.sheet,
            str(problem.row or ""),
            problem.column,
            problem.value,
            problem.message,
            problem.get_action_display(),
        )
        for column, value in enumerate(values):
            sheet.write_string(line, column, value)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()
