"""A sample as a file to carry into the field, and the filled-in file read back.

`write_sample` writes the drawn households (Chinese headers, 是/否, the design columns the
estimate needs) followed by empty result columns; `read_results` reads such a file back
(CSV or Excel, Chinese or English headers), checking every cell, and either returns the
units with typed results or raises `ResultsError` whose message names the file, row,
column and problem of each bad cell. The result headers are the web visit list's, so a
visit list filled in on paper imports either way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from fangfan.engine.ingest import values
from fangfan.engine.ingest.read import UnreadableFile, read_sheets

SAMPLE_HEADERS = {
    "county_code": "县区代码",
    "township_code": "乡镇代码",
    "village_code": "行政村代码",
    "village_name": "行政村",
    "household_id": "户编号",
    "household_type": "户类型",
    "stratum": "抽样层",
    "registered": "建档立卡户",
    "exited": "已脱贫",
    "members": "人数",
    "targeted": "重点抽取",
    "village_prob": "村入样概率",
    "household_prob": "村内入样概率",
    "inclusion_prob": "入样概率",
    "weight": "权数",
}
RESULT_HEADERS = {
    "visited_on": "走访日期",
    "visitor": "走访人",
    "food": "吃",
    "clothing": "穿",
    "housing": "住房安全",
    "medical": "基本医疗",
    "education": "义务教育",
    "water": "饮水安全",
    "income_per_person": "核算人均纯收入(元)",
    "wrongly_exited": "是否错退",
    "wrongly_exited_reason": "错退原因",
    "should_register": "是否应纳未纳",
    "should_register_reason": "漏评原因",
    "approves": "是否认可",
    "aware_count": "知晓的政策数",
    "policy_count": "享受的政策数",
}
BOOLEAN_COLUMNS = ("registered", "exited", "targeted", "wrongly_exited", "should_register", "approves")
INTEGER_COLUMNS = ("members", "aware_count", "policy_count")
DECIMAL_COLUMNS = ("village_prob", "household_prob", "inclusion_prob", "weight", "income_per_person")
REQUIRED = (
    "county_code",
    "village_code",
    "household_id",
    "stratum",
    "registered",
    "exited",
    "members",
    "weight",
)
FOUND_WORDS = ("有保障", "无保障")
PROBLEMS_SHOWN = 20


class ResultsError(ValueError):
    """A results file that cannot be used; `problems` lists every bad cell in Chinese."""

    def __init__(self, file: str, problems: list[str]):
        self.problems = problems
        shown = "\n".join(problems[:PROBLEMS_SHOWN])
        more = f"\n……另有 {len(problems) - PROBLEMS_SHOWN} 处" if len(problems) > PROBLEMS_SHOWN else ""
        super().__init__(f"{file} 有 {len(problems)} 处问题，未导入：\n{shown}{more}")


def sample_sheet(sample: pl.DataFrame) -> pl.DataFrame:
    """The sample as written: Chinese headers, 是/否, empty result columns."""
    frame = sample.select([c for c in SAMPLE_HEADERS if c in sample.columns])
    frame = frame.with_columns(
        pl.when(pl.col(c)).then(pl.lit("是")).otherwise(pl.lit("否")).alias(c)
        for c in BOOLEAN_COLUMNS
        if c in frame.columns
    )
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in RESULT_HEADERS)
    return frame.rename({**SAMPLE_HEADERS, **RESULT_HEADERS}, strict=False)


def write_sample(sample: pl.DataFrame, path: Path, about: dict[str, object] | None = None) -> Path:
    """Write the sample to `path` (.csv: UTF-8 with BOM for Excel; .xlsx: one sheet 样本户)."""
    sheet = sample_sheet(sample)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    if path.suffix.lower() == ".csv":
        sheet.write_csv(temporary, include_bom=True)
    else:
        sheet.write_excel(temporary, worksheet="样本户", autofit=True, freeze_panes=(1, 0))
    temporary.replace(path)  # never a half-written file under the real name
    if about is not None:
        path.with_name(f"{path.stem}.json").write_text(
            json.dumps(about, ensure_ascii=False, indent=2), "utf-8"
        )
    return path


def read_results(path: Path) -> pl.DataFrame:
    """The units of a filled-in sample file with typed results (see the module's docstring)."""
    try:
        sheets = list(read_sheets(Path(path), Path(path).name))
    except (UnreadableFile, OSError) as error:
        raise ResultsError(Path(path).name, [f"无法读取：{error}"]) from None
    for sheet in sheets:
        frame = _with_headers(sheet.cells)
        if frame is not None:
            return _typed(frame, Path(path).name)
    raise ResultsError(
        Path(path).name,
        ["找不到表头行（应有“户编号”“权数”等列，请用 fangfan assess sample 写出的样本表填写）"],
    )


def _with_headers(cells: pl.DataFrame) -> pl.DataFrame | None:
    names = {header: name for name, header in {**SAMPLE_HEADERS, **RESULT_HEADERS}.items()}
    names.update({name: name for name in [*SAMPLE_HEADERS, *RESULT_HEADERS]})
    data_columns = [c for c in cells.columns if c != "row"]
    for index, row in enumerate(cells.head(20).select(data_columns).iter_rows()):
        texts = ["" if value is None else str(value).strip() for value in row]
        if "户编号" in texts or "household_id" in texts:
            mapping = {
                column: names[text] for column, text in zip(data_columns, texts, strict=True) if text in names
            }
            body = cells.slice(index + 1).select("row", *mapping).rename(mapping)
            return body.filter(
                pl.col("household_id").is_not_null() & (pl.col("household_id").str.strip_chars() != "")
            )
    return None


def _typed(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    missing = [SAMPLE_HEADERS[c] for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ResultsError(
            file, [f"缺少列：{'、'.join(missing)}（请用 fangfan assess sample 写出的样本表填写）"]
        )
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in RESULT_HEADERS if c not in frame.columns
    ).with_columns(values.clean(pl.col(c)).alias(c) for c in frame.columns if c != "row")
    parsers = {
        **{c: values.parse_boolean for c in BOOLEAN_COLUMNS},
        **{c: values.parse_integer for c in INTEGER_COLUMNS},
        **{c: values.parse_decimal for c in DECIMAL_COLUMNS},
    }
    typed = frame.with_columns(parsers[c](pl.col(c)).alias(c) for c in parsers if c in frame.columns)
    problems = _cell_problems(frame, typed, file, parsers) + _logic_problems(typed, file)
    if problems:
        raise ResultsError(file, problems)
    return typed.drop("row")


def _cell_problems(
    raw: pl.DataFrame, typed: pl.DataFrame, file: str, parsers: Mapping[str, object]
) -> list[str]:
    problems: list[str] = []
    expected = {
        **{c: "应填“是”或“否”" for c in BOOLEAN_COLUMNS},
        **{c: "应填整数" for c in INTEGER_COLUMNS},
        **{c: "应填数字" for c in DECIMAL_COLUMNS},
    }
    headers = {**SAMPLE_HEADERS, **RESULT_HEADERS}
    for column in parsers:
        if column not in raw.columns:
            continue
        bad = raw.with_columns(_typed=typed[column]).filter(
            pl.col(column).is_not_null() & pl.col("_typed").is_null()
        )
        for row, value in bad.select("row", column).iter_rows():
            problems.append(f"{file} 第 {row} 行“{headers[column]}”列：“{value}”{expected[column]}")
    for column in ("food", "clothing", "housing", "medical", "education", "water"):
        bad = raw.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(FOUND_WORDS))
        for row, value in bad.select("row", column).iter_rows():
            problems.append(f"{file} 第 {row} 行“{headers[column]}”列：“{value}”应填“有保障”或“无保障”")
    for column in REQUIRED:
        for (row,) in raw.filter(pl.col(column).is_null()).select("row").iter_rows():
            problems.append(f"{file} 第 {row} 行“{headers[column]}”列：不能为空（抽样时写好的列请不要改动）")
    return problems


def _logic_problems(typed: pl.DataFrame, file: str) -> list[str]:
    checks = (
        (
            pl.col("wrongly_exited").is_not_null() & ~pl.col("exited").fill_null(False),
            "是否错退",
            "该户未脱贫，不应填写",
        ),
        (
            pl.col("should_register").is_not_null() & pl.col("registered").fill_null(False),
            "是否应纳未纳",
            "该户已建档立卡，不应填写",
        ),
        (pl.col("aware_count") > pl.col("policy_count"), "知晓的政策数", "不能多于享受的政策数"),
        ((pl.col("aware_count") < 0) | (pl.col("policy_count") < 0), "知晓的政策数", "不能为负数"),
        (pl.col("weight") < 1, "权数", "不能小于 1（抽样时写好的列请不要改动）"),
        (pl.col("household_id").is_duplicated(), "户编号", "重复出现"),
    )
    problems = []
    for condition, header, message in checks:
        for (row,) in typed.filter(condition.fill_null(False)).select("row").iter_rows():
            problems.append(f"{file} 第 {row} 行“{header}”列：{message}")
    return problems
