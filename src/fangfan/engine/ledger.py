"""Excel ledgers (问题台账) for the counties: a workbook per county, a sheet per township.

Each row is one finding on one household (or one of its members), ready to print:
Chinese headers, frozen header row, fixed column widths, landscape A4 fitted to the
page width, the header repeated on every printed page. The first sheet counts
findings by category and by village. Every text cell is written as a string, so
a value beginning with = + - or @ can never become a formula.

With `comparisons` (`reconcile.comparison_rows`, prepared like the findings), each
township with any also gets a sheet `<乡镇>数据比对`: the registry's values and the
department's side by side, which department, and how its row was matched.

`write_warning_lists` writes the department warnings (部门筛查预警) the same way: a
workbook per county, a sheet per township, with blank columns for the cadre's check.
`write_monitoring_lists` does the same for the new relapse-monitoring candidates
(防返贫监测候选清单, rows from `monitoring.candidates.candidate_rows`).

These workbooks are printed and handed down to townships and villages, so by default
ID numbers are masked (first 6 and last 4 characters) and every text cell goes through
`masking.mask_text` (whole ID and mobile numbers, birth dates after 出生日期 kept to the
year). `full_id=True` keeps whole numbers, for the office that corrects the national
system; such a file's name says 含完整身份证号. Either way the summary sheet and the
header of every printed page say which (`privacy_note`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from fangfan.engine import regions
from fangfan.engine.formatting import evidence_text
from fangfan.engine.masking import mask_id, mask_text

CATEGORY_NAMES = {
    "FOOD_CLOTHING": "吃穿",
    "EDUCATION": "义务教育",
    "MEDICAL": "基本医疗",
    "HOUSING": "住房安全",
    "WATER": "饮水安全",
    "INCOME": "收入",
    "ASSISTANCE": "帮扶措施",
    "EMPLOYMENT": "就业",
    "SOCIAL_SECURITY": "社会保障",
    "IDENTITY": "身份信息",
    "CONSISTENCY": "数据一致性",
    "PROPERTY": "财产信息",
    "MONITORING": "监测预警",
    "EVIDENCE": "佐证资料",
}
SEVERITY_NAMES = {"high": "高", "medium": "中", "low": "低"}

# (header, source column, width)
LEDGER_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "_number", 6),
    ("行政村", "village_name", 12),
    ("户编号", "household_id", 20),
    ("户主姓名", "head_name", 9),
    ("户类型", "household_type", 9),
    ("成员姓名", "person_name", 9),
    ("身份证号", "id_number", 20),
    ("类别", "category_name", 10),
    ("否决项", "veto_text", 7),
    ("严重程度", "severity_text", 8),
    ("规则编号", "rule_code", 10),
    ("问题", "message", 40),
    ("依据数据", "evidence_text", 40),
    ("整改责任人", "_blank", 10),
    ("整改时限", "_blank", 10),
    ("整改情况", "_blank", 16),
)


COMPARISON_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "_number", 6),
    ("行政村", "village_name", 12),
    ("户编号", "household_id", 20),
    ("户主姓名", "head_name", 9),
    ("成员姓名", "person_name", 9),
    ("身份证号", "id_number", 20),
    ("规则编号", "rule_code", 9),
    ("比对项目", "rule_name", 20),
    ("系统登记", "registry_values", 30),
    ("部门数据", "department_values", 30),
    ("数据来源", "departments", 9),
    ("部门记录匹配情况", "link_note", 30),
    ("问题", "message", 36),
    ("核实结果", "_blank", 14),
    ("以哪方为准", "_blank", 10),
)

WARNING_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "_number", 6),
    ("行政村", "village_name", 12),
    ("户编号", "household_id", 20),
    ("户主姓名", "head_name", 9),
    ("户类型", "household_type", 9),
    ("成员姓名", "person_name", 9),
    ("身份证号", "id_number", 20),
    ("预警类型", "rule_name", 20),
    ("预警部门", "departments", 9),
    ("部门数据", "department_values", 30),
    ("系统登记", "registry_values", 30),
    ("预警内容", "message", 36),
    ("核实情况", "_blank", 16),
    ("是否纳入监测", "_blank", 9),
    ("核实人", "_blank", 9),
    ("核实日期", "_blank", 10),
)
MONITORING_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "_number", 6),
    ("行政村", "village_name", 12),
    ("户编号", "household_id", 20),
    ("户主姓名", "head_name", 9),
    ("户类型", "household_type", 9),
    ("监测状态", "monitoring_status", 9),
    ("人均纯收入(元)", "income_text", 9),
    ("监测标准(元)", "threshold_text", 8),
    ("有劳动能力", "labour_text", 6),
    ("低保特困", "safety_net_text", 8),
    ("风险信号", "signals", 20),
    ("信号说明", "messages", 44),
    ("风险类型", "risk_types", 12),
    ("建议监测类别", "suggested_category", 12),
    ("严重程度", "severity_text", 6),
    ("入户核实情况", "_blank", 16),
    ("是否纳入监测", "_blank", 8),
    ("核实人", "_blank", 8),
    ("核实日期", "_blank", 10),
)
MONITORING_CATEGORIES = ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")
COMPARISON_SHEET_SUFFIX = "数据比对"
MASKED_NOTE = "本表身份证号已脱敏（只显示前6位和后4位），手机号已脱敏，出生日期只显示年份。"
FULL_ID_NOTE = "本表含完整身份证号，仅供纠正全国系统数据使用，不得下发、张贴或外传。"
FULL_ID_SUFFIX = "（含完整身份证号）"


@dataclass(frozen=True)
class LedgerFile:
    county_code: str
    county_name: str
    path: Path
    rows: int


def unformula(value: Any) -> str:
    """Text for a cell; never a formula, whatever it begins with."""
    return "" if value is None else str(value)


def privacy_note(full_id: bool) -> str:
    """What a workbook says about the ID numbers in it."""
    return FULL_ID_NOTE if full_id else MASKED_NOTE


def cell_text(source: str, value: Any, full_id: bool) -> str:
    """A ledger cell's text: ID numbers masked and free text cleaned unless `full_id`.

    >>> cell_text("id_number", "621226198003051234", False)
    '621226********1234'
    """
    text = unformula(value)
    if full_id or not text:
        return text
    return mask_id(text) if source == "id_number" else mask_text(text)


# Points per line of 10-point text. 宋体 needs 13.5, but where it is missing (LibreOffice
# on a server, WPS) the CJK font put in its place sets lines about 15 points apart.
LINE_HEIGHT = 15.0
ROW_PADDING = 3.0


def text_width(text: str) -> int:
    """Width of `text` in column units: a Chinese character takes two, a Latin one one."""
    return sum(1 if ord(character) < 0x2E80 else 2 for character in text)


def row_height(texts: Sequence[str], widths: Sequence[int]) -> float:
    """Points a row needs so that every cell's wrapped text shows whole.

    >>> row_height(["短", "一" * 30], [10, 20])
    63.0
    """
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        usable = max(width - 1, 1)
        needed = sum(max(1, -(-text_width(part) // usable)) for part in text.split("\n")) if text else 1
        lines = max(lines, needed)
    return lines * LINE_HEIGHT + ROW_PADDING


def _file_name(county_name: str, kind: str, full_id: bool) -> str:
    return f"{county_name}{kind}{FULL_ID_SUFFIX if full_id else ''}.xlsx"


def prepare_ledger_rows(
    findings: pl.DataFrame,
    households: pl.DataFrame,
    members: pl.DataFrame,
    villages: pl.DataFrame,
    *,
    evidence: bool = True,
) -> pl.DataFrame:
    """Findings joined with the names a cadre needs, veto items first.

    `evidence_text` (the evidence in words, worked out in Python once per distinct
    evidence: most of this function's time) only with `evidence`: the comparison sheets
    and the warning lists do not show it.
    """
    heads = households.select("household_id", "head_name", "household_type")
    # Only the households with findings: a few percent of the city's 2.4 million people.
    named = members.filter(pl.col("household_id").is_in(findings["household_id"].unique().implode()))
    names = named.select("household_id", "id_number", pl.col("name").alias("person_name")).unique(
        ["household_id", "id_number"], keep="first"
    )
    village_names = villages.select("village_code", "village_name").unique("village_code", keep="first")
    return (
        findings.join(heads, on="household_id", how="left")
        .join(names, on=["household_id", "id_number"], how="left")
        .join(village_names, on="village_code", how="left")
        .with_columns(
            township_code=pl.col("village_code").str.slice(0, 9),
            county_code=pl.col("village_code").str.slice(0, 6),
            category_name=pl.col("category").replace_strict(CATEGORY_NAMES, default=pl.col("category")),
            veto_text=pl.when(pl.col("veto")).then(pl.lit("是")).otherwise(pl.lit("否")),
            severity_text=pl.col("severity").replace_strict(SEVERITY_NAMES, default=pl.col("severity")),
            severity_order=pl.col("severity").replace_strict({"high": 0, "medium": 1, "low": 2}, default=3),
            **({"evidence_text": _evidence_texts(findings["evidence"])} if evidence else {}),
        )
        .sort(
            [
                "county_code",
                "township_code",
                "village_code",
                "household_id",
                "veto",
                "severity_order",
                "rule_code",
            ],
            descending=[False, False, False, False, True, False, False],
            nulls_last=True,
        )
    )


def _evidence_texts(evidence: pl.Series) -> pl.Series:
    """`evidence_text` of each finding, worked out once per distinct evidence."""
    distinct = evidence.drop_nulls().unique()
    texts = distinct.map_elements(lambda value: evidence_text(value, "\n"), return_dtype=pl.String)
    words = evidence.replace_strict(distinct, texts, default=None, return_dtype=pl.String)
    return words.fill_null(evidence_text(None, "\n"))


def write_ledgers(
    rows: pl.DataFrame, out_dir: Path, comparisons: pl.DataFrame | None = None, *, full_id: bool = False
) -> list[LedgerFile]:
    """One workbook per county present in `rows` (the output of `prepare_ledger_rows`);
    with `comparisons` (prepared the same way), a comparison sheet per township.
    ID numbers are masked unless `full_id`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    compared = {code: part for code, _, part in _by_county(comparisons)} if comparisons is not None else {}

    def write(county_code: str, name: str, county_rows: pl.DataFrame) -> LedgerFile:
        path = out_dir / _file_name(name, "问题台账", full_id)
        county_comparisons = None
        if comparisons is not None:
            county_comparisons = compared.get(county_code, comparisons.clear())
        _write_county_workbook(path, name, county_rows, county_comparisons, full_id)
        return LedgerFile(county_code, name, path, county_rows.height)

    return _per_county(rows, write)


def write_warning_lists(rows: pl.DataFrame, out_dir: Path, *, full_id: bool = False) -> list[LedgerFile]:
    """部门筛查预警清单: one workbook per county in `rows` (warnings prepared like
    findings), a summary by village and warning type, then a sheet per township.
    ID numbers are masked unless `full_id`."""
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(county_code: str, name: str, county_rows: pl.DataFrame) -> LedgerFile:
        path = out_dir / _file_name(name, "部门筛查预警清单", full_id)
        workbook = _workbook(path)
        formats = _formats(workbook)
        _write_warning_summary(workbook, formats, name, county_rows, full_id)
        for sheet_name, township_rows in _by_township(_with_row_xml(county_rows, WARNING_COLUMNS, full_id)):
            title = f"{name}{sheet_name}部门筛查预警清单"
            _write_township_sheet(
                workbook, formats, sheet_name, title, township_rows, WARNING_COLUMNS, full_id
            )
        workbook.close()
        return LedgerFile(county_code, name, path, county_rows.height)

    return _per_county(rows, write)


def write_monitoring_lists(rows: pl.DataFrame, out_dir: Path, *, full_id: bool = False) -> list[LedgerFile]:
    """防返贫监测候选清单: one workbook per county in `rows` (candidate households),
    a count by village and suggested category, then a sheet per township.
    Numbers in the text are masked unless `full_id`."""
    out_dir.mkdir(parents=True, exist_ok=True)

    def write(county_code: str, name: str, county_rows: pl.DataFrame) -> LedgerFile:
        path = out_dir / _file_name(name, "防返贫监测候选清单", full_id)
        workbook = _workbook(path)
        formats = _formats(workbook)
        _write_monitoring_summary(workbook, formats, name, county_rows, full_id)
        sheets = _by_township(_with_row_xml(county_rows, MONITORING_COLUMNS, full_id))
        for sheet_name, township_rows in sheets:
            title = f"{name}{sheet_name}防返贫监测候选清单"
            _write_township_sheet(
                workbook, formats, sheet_name, title, township_rows, MONITORING_COLUMNS, full_id
            )
        workbook.close()
        return LedgerFile(county_code, name, path, county_rows.height)

    return _per_county(rows, write)


COUNTY_WRITERS = 2  # workbooks written at once: one waits on its files while another computes


def _per_county(
    rows: pl.DataFrame, write: Callable[[str, str, pl.DataFrame], LedgerFile]
) -> list[LedgerFile]:
    """`write` for each county of `rows`, two workbooks at a time, in the counties' order."""
    counties = _by_county(rows)
    with ThreadPoolExecutor(max_workers=COUNTY_WRITERS) as pool:
        return list(pool.map(lambda county: write(*county), counties))


def _by_county(rows: pl.DataFrame) -> list[tuple[str, str, pl.DataFrame]]:
    # One partition of frames already sorted by place (not a filter per county or township).
    county_names = {code: county.name for code, county in regions.counties().items()}
    return [
        (str(code), county_names.get(str(code), str(code)), part)
        for (code,), part in rows.partition_by(["county_code"], maintain_order=True, as_dict=True).items()
    ]


def _by_township(rows: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    township_names = regions.townships()
    parts = []
    for (code,), township_rows in rows.partition_by(
        ["township_code"], maintain_order=True, as_dict=True
    ).items():
        township = township_names.get(str(code))
        parts.append(((township.name if township else str(code)), township_rows))
    return parts


def _workbook(path: Path) -> xlsxwriter.Workbook:
    # constant_memory: each sheet's rows go to disk as they are written, in order, so a
    # county's workbook is never held whole in memory (strings are written inline).
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
    return xlsxwriter.Workbook(str(path), {**options, "tmpdir": scratch_dir()})


# xlsxwriter writes each sheet's rows, then each part of the package, to a temporary file
# that lives for a moment before it is zipped and deleted. On a busy disk, deleting them
# cost seconds for a city's ledgers (county CSV, ledgers alone on a shared machine: 5.3 s
# wall against 2.6 s on tmpfs), so they go to tmpfs when it has room for the largest
# county's sheets (a container's /dev/shm may be only 64 MB), else to the usual place.
SCRATCH = Path("/dev/shm")
SCRATCH_FREE_BYTES = 2 * 1024**3


def scratch_dir() -> str | None:
    """Where workbooks' temporary files go: tmpfs with room enough, else None (the default)."""
    try:
        usage = os.statvfs(SCRATCH)
    except OSError:
        return None
    roomy = usage.f_bavail * usage.f_frsize >= SCRATCH_FREE_BYTES
    return str(SCRATCH) if roomy and os.access(SCRATCH, os.W_OK) else None


def _write_county_workbook(
    path: Path,
    county_name: str,
    rows: pl.DataFrame,
    comparisons: pl.DataFrame | None = None,
    full_id: bool = False,
) -> None:
    workbook = _workbook(path)
    formats = _formats(workbook)
    _write_summary_sheet(workbook, formats, county_name, rows, full_id)
    compared = {}
    if comparisons is not None:
        compared = dict(_by_township(_with_row_xml(comparisons, COMPARISON_COLUMNS, full_id)))
    for name, township_rows in _by_township(_with_row_xml(rows, LEDGER_COLUMNS, full_id)):
        title = f"{county_name}{name}问题台账"
        _write_township_sheet(workbook, formats, name[:31], title, township_rows, LEDGER_COLUMNS, full_id)
        if name in compared:
            sheet_name = f"{name[: 31 - len(COMPARISON_SHEET_SUFFIX)]}{COMPARISON_SHEET_SUFFIX}"
            title = f"{county_name}{name}部门数据比对台账"
            _write_township_sheet(
                workbook, formats, sheet_name, title, compared[name], COMPARISON_COLUMNS, full_id
            )
    workbook.close()


def _formats(workbook: xlsxwriter.Workbook) -> dict[str, Any]:
    border = {"border": 1, "valign": "top", "font_name": "宋体", "font_size": 10}
    return {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "黑体"}),
        "header": workbook.add_format({**border, "bold": True, "bg_color": "#DDEBF7", "text_wrap": True}),
        "cell": workbook.add_format({**border, "text_wrap": True}),
        "veto": workbook.add_format({**border, "text_wrap": True, "font_color": "#C00000", "bold": True}),
        "number": workbook.add_format({**border, "num_format": "#,##0"}),
        "note": workbook.add_format({"italic": True, "font_color": "#C00000", "font_name": "宋体"}),
    }


def _write_township_sheet(
    workbook: xlsxwriter.Workbook,
    formats: dict[str, Any],
    sheet_name: str,
    title: str,
    rows: pl.DataFrame,
    columns: tuple[tuple[str, str, int], ...] = LEDGER_COLUMNS,
    full_id: bool = False,
) -> None:
    sheet = workbook.add_worksheet(sheet_name[:31])
    sheet.merge_range(0, 0, 0, len(columns) - 1, title, formats["title"])
    for column, (header, _, width) in enumerate(columns):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, width)
    sheet.set_row(1, row_height([header for header, _, _ in columns], [w for _, _, w in columns]))
    _write_rows(sheet, formats, rows, len(columns) - 1)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(rows.height + 1, 1), len(columns) - 1)
    _print_setup(sheet, header_rows=(1, 1), full_id=full_id)


# --- the rows of a township sheet ----------------------------------------------------
#
# A county's sheets hold hundreds of thousands of cells at city scale; through
# xlsxwriter's write_string, cell by cell, they cost half a minute. So the texts, masking,
# heights and the rows' XML are worked out with Polars, once per county for all its
# sheets (`_with_row_xml`), and each sheet's rows go to its constant-memory row file in
# one piece: byte for byte what write_string and set_row would have written there
# (tests/engine/test_ledger.py compares the two).

FIRST_DATA_ROW = 2  # after the title and the header
WIDE_CHARACTER = r"[^\x{0}-\x{2E7F}]"  # two column units wide (text_width)
# Text xlsxwriter writes differently from plain escaping (control characters, its own
# _xHHHH_ escapes, leading or trailing space, over-long text): done by xlsxwriter itself.
UNUSUAL_TEXT = (
    r"[\x{0}-\x{8}\x{B}-\x{1F}\x{FFFE}\x{FFFF}]|_x[0-9a-fA-F]{4}_|^[\s\x{1C}-\x{1F}]|[\s\x{1C}-\x{1F}]$"
)
LONGEST_PLAIN_TEXT = 16_000
# A cell's format is numbered by the workbook when a sheet first uses it, so the rows'
# XML carries a mark (a control character, which no escaped text keeps) until then.
STYLE_MARKS = {"number": "\x01n", "cell": "\x01c", "veto": "\x01v"}


def _with_row_xml(
    rows: pl.DataFrame, columns: tuple[tuple[str, str, int], ...], full_id: bool
) -> pl.DataFrame:
    """`rows` with `_xml`, each row's `<row>` element in its township's sheet, and `_veto`."""
    veto = pl.col("veto").fill_null(False) if "veto" in rows.columns else pl.repeat(False, pl.len())
    texts = sheet_texts(rows, columns, full_id).with_columns(
        *rows.select(pl.col("township_code").alias("_township"), veto.alias("_veto")).get_columns()
    )
    return rows.with_columns(_rows_xml(texts, columns), texts["_veto"])


def _write_rows(sheet: Any, formats: dict[str, Any], rows: pl.DataFrame, last_column: int) -> None:
    """Rows 3.. of a township sheet (`rows` from `_with_row_xml`)."""
    if rows.is_empty():
        return
    sheet._write_single_row(FIRST_DATA_ROW)  # the header row goes to the row file first
    xml = "".join(rows["_xml"].to_list())
    used = ["number", *("veto" if veto else "cell" for veto in rows["_veto"].unique(maintain_order=True))]
    for name in used:
        xml = xml.replace(STYLE_MARKS[name], str(formats[name]._get_xf_index()))
    sheet.fh.write(xml)
    last_row = FIRST_DATA_ROW + rows.height - 1
    sheet._check_dimensions(last_row, last_column)
    sheet.previous_row = last_row


def sheet_texts(rows: pl.DataFrame, columns: tuple[tuple[str, str, int], ...], full_id: bool) -> pl.DataFrame:
    """Every cell's text (`cell_text`: masked unless `full_id`) as columns `_c<i>`, and
    `_height`, the row's height (`row_height`), worked out for all rows at once."""
    frame = rows.select(
        _source_text(rows, source).alias(f"_c{index}")
        for index, (_, source, _) in enumerate(columns)
        if source != "_number"
    )
    if not full_id:
        frame = frame.with_columns(
            _masked(frame[f"_c{index}"], source).alias(f"_c{index}")
            for index, (_, source, _) in enumerate(columns)
            if source not in ("_number", "_blank")
        )
    lines = [
        _lines(pl.col(f"_c{index}"), width)
        for index, (_, source, width) in enumerate(columns)
        if source != "_number"
    ]
    return frame.with_columns(
        (pl.max_horizontal(pl.lit(1), *lines) * LINE_HEIGHT + ROW_PADDING).alias("_height")
    )


def _source_text(rows: pl.DataFrame, source: str) -> pl.Expr:
    if source == "_blank" or source not in rows.columns:
        return pl.repeat(pl.lit(""), rows.height)
    if rows.schema[source] == pl.String:
        return pl.col(source).fill_null("")
    return pl.col(source).map_elements(unformula, return_dtype=pl.String, skip_nulls=False)


# What any of `masking.mask_text`'s patterns needs: 15 digits in a row (an ID), the start of
# a mobile number, or the label 出生日期. Text without it comes out of mask_text unchanged.
MASKABLE_TEXT = r"\d{15}|1[3-9]\d[- ]?\d{4}|出生日期"


def _masked(texts: pl.Series, source: str) -> pl.Series:
    """`cell_text`'s masking, once per distinct text that can change (`MASKABLE_TEXT`)."""
    if source == "id_number":
        changing = texts.filter(texts != "").unique()
        masked = changing.map_elements(mask_id, return_dtype=pl.String)
    else:
        changing = texts.filter(texts.str.contains(MASKABLE_TEXT)).unique()
        masked = changing.map_elements(mask_text, return_dtype=pl.String)
    if changing.is_empty():
        return texts
    return texts.replace(changing, masked)


def _lines(text: pl.Expr, width: int) -> pl.Expr:
    """Lines a cell of `width` needs for `text` (`row_height`, per cell)."""
    usable = max(width - 1, 1)
    part = pl.element()
    part_width = part.str.len_chars().cast(pl.Int64) + part.str.count_matches(WIDE_CHARACTER).cast(pl.Int64)
    per_part = ((part_width + (usable - 1)) // usable).clip(lower_bound=1)
    needed = text.str.split("\n").list.eval(per_part).list.sum()
    return pl.when(text == "").then(pl.lit(1, dtype=pl.Int64)).otherwise(needed)


def _rows_xml(texts: pl.DataFrame, columns: tuple[tuple[str, str, int], ...]) -> pl.Series:
    """Each row's `<row>` element, as xlsxwriter writes a row in constant-memory mode."""
    index = pl.int_range(pl.len(), dtype=pl.Int64).over("_township")
    number = (index + 1).cast(pl.String)
    row = (index + FIRST_DATA_ROW + 1).cast(pl.String)
    style = pl.when(pl.col("_veto")).then(pl.lit(STYLE_MARKS["veto"])).otherwise(pl.lit(STYLE_MARKS["cell"]))
    parts = [pl.lit('<row r="'), row, pl.lit('" ht="'), pl.col("_ht"), pl.lit('" customHeight="1">')]
    for column, (_, source, _) in enumerate(columns):
        reference = [pl.lit(f'<c r="{xl_col_to_name(column)}'), row, pl.lit('" s="')]
        if source == "_number":
            parts += [*reference, pl.lit(f'{STYLE_MARKS["number"]}"><v>'), number, pl.lit("</v></c>")]
        else:
            text = pl.col(f"_t{column}")
            parts += [*reference, style, pl.lit('" t="inlineStr"><is>'), text, pl.lit("</is></c>")]
    parts.append(pl.lit("</row>"))
    prepared = texts.with_columns(
        _row_height_attribute(texts["_height"]).alias("_ht"),
        *(
            _inline_text(texts[f"_c{column}"]).alias(f"_t{column}")
            for column, (_, source, _) in enumerate(columns)
            if source != "_number"
        ),
    )
    return prepared.select(pl.concat_str(parts).alias("_xml")).to_series()


def _row_height_attribute(heights: pl.Series) -> pl.Series:
    # set_row takes points, keeps whole pixels and writes them back as points.
    distinct = heights.unique()
    written = [f"{int(height * 4.0 / 3.0 + 0.5) * 0.75:.16g}" for height in distinct.to_list()]
    return heights.replace_strict(distinct, pl.Series(written, dtype=pl.String))


def _inline_text(texts: pl.Series) -> pl.Series:
    """The `<t>` element of each text, escaped as xlsxwriter escapes inline strings."""
    plain = (
        pl.lit("<t>")
        + pl.col("t")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        + pl.lit("</t>")
    )
    frame = texts.to_frame("t")
    unusual = (pl.col("t").str.len_chars() > LONGEST_PLAIN_TEXT) | pl.col("t").str.contains(UNUSUAL_TEXT)
    odd = frame.filter(unusual)["t"].unique()
    result = frame.select(plain.alias("t"))["t"]
    if odd.is_empty():
        return result
    done = odd.map_elements(_inline_text_by_xlsxwriter, return_dtype=pl.String)
    return texts.replace_strict(odd, done, default=result)


def _inline_text_by_xlsxwriter(text: str) -> str:
    if _utf16_len(text) > 32767:
        text = _utf16_truncate(text, 32767)
    text = XMLwriter._escape_control_characters(text)
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<t{preserve}>{escaped}</t>"


def _write_summary_sheet(
    workbook: xlsxwriter.Workbook,
    formats: dict[str, Any],
    county_name: str,
    rows: pl.DataFrame,
    full_id: bool,
) -> None:
    sheet = workbook.add_worksheet("汇总")
    categories = [c for c in CATEGORY_NAMES if c in set(rows["category"].to_list())]
    headers = [
        "乡镇",
        "行政村",
        "问题户数",
        "问题条数",
        "其中否决项",
        *(CATEGORY_NAMES[c] for c in categories),
    ]
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{county_name}问题汇总（按类别、按村）", formats["title"])
    for column, header in enumerate(headers):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, 12 if column < 2 else 9)
    by_village = _counts_by_village(rows, categories)
    township_names = regions.townships()
    for index, row in enumerate(by_village.iter_rows(named=True)):
        township = township_names.get(row["township_code"])
        values: Sequence[Any] = [
            township.name if township else row["township_code"],
            row["village_name"] or row["village_code"],
            row["households"],
            row["findings"],
            row["veto_findings"],
            *(row[c] for c in categories),
        ]
        for column, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(index + 2, column, value, formats["number"])
            else:
                sheet.write_string(index + 2, column, unformula(value), formats["cell"])
    total_row = by_village.height + 2
    sheet.write_string(total_row, 0, "合计", formats["header"])
    sheet.write_string(total_row, 1, "", formats["header"])
    totals = [by_village[c].sum() for c in ("households", "findings", "veto_findings", *categories)]
    for offset, value in enumerate(totals):
        sheet.write_number(total_row, 2 + offset, int(value), formats["number"])
    sheet.write_string(total_row + 2, 0, privacy_note(full_id), formats["note"])
    sheet.freeze_panes(2, 2)
    _print_setup(sheet, header_rows=(1, 1), full_id=full_id)


def _write_warning_summary(
    workbook: xlsxwriter.Workbook,
    formats: dict[str, Any],
    county_name: str,
    rows: pl.DataFrame,
    full_id: bool,
) -> None:
    sheet = workbook.add_worksheet("汇总")
    kinds = sorted(set(rows["rule_name"].to_list()))
    headers = ["乡镇", "行政村", "预警户数", "预警条数", *kinds]
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{county_name}部门筛查预警汇总", formats["title"])
    for column, header in enumerate(headers):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, 12 if column < 2 else 10)
    by_village = (
        rows.group_by("township_code", "village_code")
        .agg(
            pl.col("village_name").first(),
            pl.col("household_id").n_unique().alias("households"),
            pl.len().alias("warnings"),
            *[(pl.col("rule_name") == kind).sum().alias(f"_k{i}") for i, kind in enumerate(kinds)],
        )
        .sort("township_code", "village_code")
    )
    township_names = regions.townships()
    for index, row in enumerate(by_village.iter_rows(named=True)):
        township = township_names.get(row["township_code"])
        sheet.write_string(index + 2, 0, township.name if township else row["township_code"], formats["cell"])
        sheet.write_string(
            index + 2, 1, unformula(row["village_name"] or row["village_code"]), formats["cell"]
        )
        numbers = [row["households"], row["warnings"], *(row[f"_k{i}"] for i in range(len(kinds)))]
        for offset, value in enumerate(numbers):
            sheet.write_number(index + 2, 2 + offset, int(value), formats["number"])
    sheet.write_string(by_village.height + 3, 0, privacy_note(full_id), formats["note"])
    sheet.freeze_panes(2, 2)
    _print_setup(sheet, header_rows=(1, 1), full_id=full_id)


def _write_monitoring_summary(
    workbook: xlsxwriter.Workbook,
    formats: dict[str, Any],
    county_name: str,
    rows: pl.DataFrame,
    full_id: bool,
) -> None:
    sheet = workbook.add_worksheet("汇总")
    headers = ["乡镇", "行政村", "候选户数", *MONITORING_CATEGORIES]
    sheet.merge_range(0, 0, 0, len(headers) - 1, f"{county_name}防返贫监测候选汇总", formats["title"])
    for column, header in enumerate(headers):
        sheet.write_string(1, column, header, formats["header"])
        sheet.set_column(column, column, 12 if column < 2 else 10)
    by_village = (
        rows.group_by("township_code", "village_code")
        .agg(
            pl.col("village_name").first(),
            pl.len().alias("households"),
            *[(pl.col("suggested_category") == c).sum().alias(c) for c in MONITORING_CATEGORIES],
        )
        .sort("township_code", "village_code")
    )
    township_names = regions.townships()
    for index, row in enumerate(by_village.iter_rows(named=True)):
        township = township_names.get(row["township_code"])
        sheet.write_string(index + 2, 0, township.name if township else row["township_code"], formats["cell"])
        sheet.write_string(
            index + 2, 1, unformula(row["village_name"] or row["village_code"]), formats["cell"]
        )
        for offset, value in enumerate([row["households"], *(row[c] for c in MONITORING_CATEGORIES)]):
            sheet.write_number(index + 2, 2 + offset, int(value), formats["number"])
    sheet.write_string(by_village.height + 3, 0, privacy_note(full_id), formats["note"])
    sheet.freeze_panes(2, 2)
    _print_setup(sheet, header_rows=(1, 1), full_id=full_id)


def _counts_by_village(rows: pl.DataFrame, categories: list[str]) -> pl.DataFrame:
    return (
        rows.group_by("township_code", "village_code")
        .agg(
            pl.col("village_name").first(),
            pl.col("household_id").n_unique().alias("households"),
            pl.len().alias("findings"),
            pl.col("veto").sum().alias("veto_findings"),
            *[(pl.col("category") == c).sum().alias(c) for c in categories],
        )
        .sort("township_code", "village_code")
    )


def _print_setup(sheet: Any, header_rows: tuple[int, int], full_id: bool) -> None:
    # Every printed page says whether its ID numbers are whole ("&&" is a literal "&").
    sheet.set_header("&L" + privacy_note(full_id).replace("&", "&&"))
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(*header_rows)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&C第 &P 页，共 &N 页")
