"""Excel of public-welfare jobs: the township pay sheet out, the cadre roster in.

The pay sheet (工资发放表) is laid out as the office prints it: a title row, the region, month
and unit (元), a frozen header, one row per holder (ID numbers masked unless the user may see
them whole), a signature column (领取人签字) and a totals row; one sheet per township.

The roster (村干部名单) loads whole or not at all (`import_cadres`): every problem is named by
file, row, column and what is wrong, in Chinese, and can be downloaded as Excel.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

import xlsxwriter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from python_calamine import CalamineWorkbook

from fangfan.engine import idnumber
from fangfan.engine.fieldwork.jobs import month_label
from fangfan.engine.formatting import date_text
from fangfan.engine.masking import mask_id
from fangfan.web.accounts.access import can, code_in_region
from fangfan.web.accounts.audit import record_creation
from fangfan.web.accounts.models import User
from fangfan.web.jobs import reports
from fangfan.web.jobs.models import Payment, VillageCadre
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Member

MONEY = '#,##0.00" 元"'
PAY_COLUMNS = (
    ("序号", 6),
    ("行政村", 12),
    ("姓名", 10),
    ("身份证号", 22),
    ("岗位", 18),
    ("考核等次", 9),
    ("缺勤天数", 9),
    ("应发", 12),
    ("扣发", 12),
    ("实发", 12),
    ("领取人签字", 14),
)


def write_pay_sheet(handle: BinaryIO, region: Region, month: Any, *, unmask: bool = False) -> None:
    """One sheet per township of the region (a village's, its own township's)."""
    workbook = xlsxwriter.Workbook(handle, {"strings_to_formulas": False})
    styles = {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center"}),
        "header": workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "text_wrap": True}),
        "cell": workbook.add_format({"border": 1}),
        "money": workbook.add_format({"border": 1, "num_format": MONEY}),
        "total": workbook.add_format({"bold": True, "border": 1}),
        "total_money": workbook.add_format({"bold": True, "border": 1, "num_format": MONEY}),
    }
    townships = [(row.code, row.name) for row in reports.pay_by_township(region, month)]
    paid = reports.month_payments(region, month).values_list("village_code", flat=True)
    villages = reports.region_names(set(paid.distinct()))
    named = [name for _, name in townships]
    for code, name in townships or [(region.code[:9], region.name)]:
        rows = reports.month_payments(region, month).filter(township_code=code)
        # Townships of two counties share names (城关镇): such a sheet carries its code too.
        sheet = name if named.count(name) < 2 else f"{name[:20]}{code}"
        _pay_sheet(workbook, styles, region, name, sheet, month, rows, villages, unmask)
    workbook.close()


def _pay_sheet(
    workbook: Any,
    styles: dict[str, Any],
    region: Region,
    township: str,
    sheet_name: str,
    month: Any,
    rows: Iterable[Payment],
    villages: dict[str, str],
    unmask: bool,
) -> None:
    sheet = workbook.add_worksheet(sheet_name[:31])
    last = len(PAY_COLUMNS) - 1
    sheet.merge_range(0, 0, 0, last, f"{township}{month_label(month)}公益性岗位工资发放表", styles["title"])
    sheet.write_string(
        1,
        0,
        f"区划：{region.name}　月份：{month_label(month)}　单位：元　制表：{date_text(timezone.localdate())}",
    )
    for index, (header, width) in enumerate(PAY_COLUMNS):
        sheet.set_column(index, index, width)
        sheet.write_string(2, index, header, styles["header"])
    sheet.freeze_panes(3, 0)
    row_number, sums = 3, [Decimal(0), Decimal(0), Decimal(0)]  # to the fen, summed exactly
    for serial, payment in enumerate(rows, start=1):
        selection = payment.selection
        id_text = selection.id_number if unmask else mask_id(selection.id_number)
        texts = (
            str(serial),
            villages.get(payment.village_code, payment.village_code),
            selection.name,
            id_text,
            selection.post.title,
            payment.grade,
            str(payment.absent_days),
        )
        for index, text in enumerate(texts):
            sheet.write_string(row_number, index, text, styles["cell"])
        for offset, amount in enumerate((payment.gross, payment.deduction, payment.net)):
            sheet.write_number(row_number, 7 + offset, float(amount), styles["money"])
            sums[offset] += amount
        sheet.write_blank(row_number, 10, None, styles["cell"])
        row_number += 1
    sheet.write_string(row_number, 0, "合计", styles["total"])
    sheet.write_string(row_number, 2, f"{row_number - 3}人", styles["total"])
    for offset, total in enumerate(sums):
        sheet.write_number(row_number, 7 + offset, float(total), styles["total_money"])
    sheet.write_string(row_number + 2, 0, "制表人：　　　　　　审核人：　　　　　　乡镇负责人：")


# --- the cadre roster -------------------------------------------------------------------

ROSTER_COLUMNS = {"村代码": "village_code", "姓名": "name", "身份证号": "id_number", "职务": "position"}
ALIASES = {"行政区划代码": "村代码", "村级代码": "村代码", "证件号码": "身份证号", "公民身份号码": "身份证号"}
MAX_ROWS = 5_000


@dataclass(frozen=True)
class RosterProblem:
    file: str
    row: int
    column: str
    problem: str


@dataclass(frozen=True)
class RosterOutcome:
    loaded: int
    villages: int
    problems: list[RosterProblem]


def read_roster(name: str, content: bytes) -> tuple[list[dict[str, Any]], list[RosterProblem]]:
    """The roster's rows (with their row numbers) and every problem found in them."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        table = book.get_sheet_by_index(0).to_python()
    except Exception:
        return [], [RosterProblem(name, 0, "", "无法读取该文件，请上传 Excel 文件（.xlsx 或 .xls）")]
    if not table:
        return [], [RosterProblem(name, 1, "", "文件中没有数据")]
    header = [ALIASES.get(str(cell).strip(), str(cell).strip()) for cell in table[0]]
    missing = [column for column in ROSTER_COLUMNS if column not in header]
    if missing:
        return [], [RosterProblem(name, 1, column, "缺少这一列") for column in missing]
    rows, problems = [], []
    for number, cells in enumerate(table[1 : MAX_ROWS + 2], start=2):
        values = {
            ROSTER_COLUMNS[h]: _text(cells[i])
            for i, h in enumerate(header)
            if h in ROSTER_COLUMNS and i < len(cells)
        }
        if not any(values.values()):
            continue
        if number > MAX_ROWS + 1:
            problems.append(RosterProblem(name, number, "", f"名单超过{MAX_ROWS}行，请按乡镇分开导入"))
            break
        rows.append({"row": number, **values})
    return rows, problems


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() if value is not None else ""


def check_roster(name: str, rows: list[dict[str, Any]], user: User) -> list[RosterProblem]:
    """Each row's problems: a village outside the user's region, a bad ID number, a blank cell."""
    assert user.region is not None
    known = set(Region.objects.filter(level=Region.Level.VILLAGE).values_list("code", flat=True))
    problems = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        number = row["row"]
        code = row.get("village_code", "")
        if not code_in_region(code, user.region) or code not in known:
            problems.append(
                RosterProblem(name, number, "村代码", f"“{code}”不是您辖区内的行政村代码（12位）")
            )
        for column, field in (("姓名", "name"), ("职务", "position")):
            if not row.get(field):
                problems.append(RosterProblem(name, number, column, "不能为空"))
        id_number = idnumber.normalise(row.get("id_number", ""))
        row["id_number"] = id_number
        if idnumber.validate(id_number) != idnumber.IdProblem.OK:
            problems.append(
                RosterProblem(name, number, "身份证号", f"“{mask_id(id_number)}”不是有效的身份证号")
            )
        elif (code, id_number) in seen:
            problems.append(RosterProblem(name, number, "身份证号", f"与第{seen[(code, id_number)]}行重复"))
        seen.setdefault((code, id_number), number)
    return problems


def import_cadres(user: User, name: str, content: bytes) -> RosterOutcome:
    """Load the roster whole (replacing the rosters of the villages it names), or nothing."""
    rows, problems = read_roster(name, content)
    if not problems:
        problems = check_roster(name, rows, user)
    if problems or not rows:
        return RosterOutcome(0, 0, problems or [RosterProblem(name, 2, "", "名单中没有人员")])
    villages = {row["village_code"] for row in rows}
    return RosterOutcome(_load(user, rows, villages), len(villages), [])


@transaction.atomic
def _load(user: User, rows: list[dict[str, Any]], villages: set[str]) -> int:
    for old in VillageCadre.objects.filter(village_code__in=villages):
        old.soft_delete(user)
    households = dict(
        Member.objects.filter(
            village_code__in=villages, id_number__in={row["id_number"] for row in rows}
        ).values_list("id_number", "household_id")
    )
    for row in rows:
        cadre = VillageCadre(
            village_code=row["village_code"],
            name=row["name"][:32],
            id_number=row["id_number"],
            position=row["position"][:32],
            household_id=households.get(row["id_number"]),
            imported_by=user,
        )
        if not can(user, "jobs_post", cadre):
            raise PermissionDenied("您的角色无权导入村干部名单")
        cadre.save()
        record_creation(user, cadre)
    return len(rows)


def write_problems(handle: BinaryIO, problems: list[RosterProblem]) -> None:
    workbook = xlsxwriter.Workbook(handle, {"strings_to_formulas": False})
    sheet = workbook.add_worksheet("导入问题")
    bold = workbook.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1})
    for index, (header, width) in enumerate((("文件", 24), ("行号", 8), ("列", 12), ("问题", 50))):
        sheet.set_column(index, index, width)
        sheet.write_string(0, index, header, bold)
    sheet.freeze_panes(1, 0)
    for number, problem in enumerate(problems, start=1):
        sheet.write_string(number, 0, problem.file)
        sheet.write_number(number, 1, problem.row)
        sheet.write_string(number, 2, problem.column)
        sheet.write_string(number, 3, problem.problem)
    workbook.close()


def problems_workbook(problems: list[RosterProblem]) -> bytes:
    handle = io.BytesIO()
    write_problems(handle, problems)
    return handle.getvalue()
