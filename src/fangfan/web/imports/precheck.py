"""Checking one uploaded file on its own, before it may join the office's input set.

The engine's own reader and validator look at the file as the full import will: which
tables its sheets hold, and every problem by sheet, row and column. A file is refused,
and the office's current data left as it was, when

- no sheet in it is a table the engine knows, or it cannot be read at all;
- a sheet that looks like a table lacks required columns (its rows would all be lost);
- it is not what the uploader said it was, or holds a table the uploader may not send;
- not one row of a table in it could be imported;
- the file could not be looked at safely (`fangfan.engine.ingest.guard`: it unpacks to too
  much, declares more rows than it holds, holds more rows than a feed may).

Rows whose village, household or person belongs outside the uploader's region are left
out and listed (`rows.outside_rows`); they never reach the office's input set. Each table
is profiled (rows, valid and registry-known ID shares, places covered) for the comparison
with the file it would replace.

Problems that only cost single rows (a bad ID, an unknown village) do not refuse the
file: those rows are left out or flagged, exactly as `fangfan import` does, and listed.
Plain Python: no Django here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from fangfan.engine.ingest import validate
from fangfan.engine.ingest.assemble import assemble
from fangfan.engine.ingest.guard import ReadLimits
from fangfan.engine.ingest.headers import load_synonyms
from fangfan.engine.problems import Problem
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.schema import ALL_TABLES, HOUSEHOLDS, TABLES
from fangfan.web.imports.rows import Profile, Registry, file_profile, outside_rows, row_places

# Problems that take a whole sheet or file out: the file is refused when it has them.
SHEET_LOST = {Problem.FILE_UNREADABLE.value, Problem.COLUMN_MISSING.value}
ORDER = [table.name for table in ALL_TABLES]  # households first: members and income need it


@dataclass
class Precheck:
    """What one file holds, its problems (the engine's columns) and why it is refused (empty if not)."""

    tables: list[str]
    problems: pl.DataFrame
    refusals: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    # The rows left out as outside the uploader's region: (sheet, row) of the file.
    outside: list[tuple[str, int]] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)


def precheck_file(
    folder: Path,
    *,
    declared: str,
    may_upload: Callable[[str], bool],
    region_prefix: str = "",
    registry: Registry | None = None,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
) -> Precheck:
    """Read and validate the one file in `folder` as the table `declared`.

    `may_upload(table)` says whether the uploader may send that table; members and
    income rows are checked against the file's own households, else the `registry`'s
    (the current snapshot's), so an unknown household is found before the file is used.
    Rows placed outside `region_prefix` (the uploader's region code prefix) are left out.
    """
    progress = progress or SilentProgress()
    assembled = assemble(folder, load_synonyms(), progress, limits)
    tables = [name for name in ORDER if name in assembled.frames]
    parts = [assembled.file_problems]
    refusals = _file_refusals(assembled.file_problems, tables, assembled.unrecognised)
    refusals += _permission_refusals(tables, declared, may_upload)
    households = _households(registry)
    places_registry = registry or Registry.empty()
    check = Precheck(tables, assembled.file_problems, refusals)
    for name in tables:
        table = TABLES[name]
        raw, headers = assembled.frames[name], assembled.headers[name]
        outcome = validate.validate_table(
            table, raw, headers, households if name in ("members", "income") else None
        )
        if table is HOUSEHOLDS:
            households = validate.Households(outcome.data.get_column("household_id"), outcome.excluded_ids)
            places_registry = places_registry.with_households(outcome.data)
        places = row_places(table, outcome.data, places_registry)
        outside = outside_rows(table, outcome.data, places, region_prefix, headers)
        check.profiles[name] = file_profile(table, raw.height, outcome.data, places, places_registry)
        check.outside += [(str(sheet), int(row)) for sheet, row in outside.select("sheet", "row").iter_rows()]
        check.rows[name] = outcome.data.height - outside.height
        parts += [outcome.problems, outside]
        if outcome.data.height == 0:
            refusals.append(f"「{table.title}」共 {raw.height:,} 行，没有一行可以导入（每一行的问题见下表）")
        elif check.rows[name] == 0:
            refusals.append(f"「{table.title}」共 {raw.height:,} 行，没有一行属于您的区划（每一行见下表）")
    check.problems = pl.concat(parts, how="vertical_relaxed")
    return check


def _file_refusals(
    file_problems: pl.DataFrame, tables: list[str], unrecognised: list[dict[str, str]]
) -> list[str]:
    lost = file_problems.filter(pl.col("code").is_in(SHEET_LOST))
    reasons = [_where(row) + str(row["message"]) for row in lost.iter_rows(named=True)]
    if not tables and not reasons:
        # Why each sheet was passed over (empty, a header alone, headers unknown), then the advice.
        reasons = [_where(dict(item)) + item["reason"] for item in unrecognised]
        reasons.append("文件中没有任何工作表能识别为已知的表格，请确认上传的是系统导出的原始表格")
    return reasons


def _permission_refusals(tables: list[str], declared: str, may_upload: Callable[[str], bool]) -> list[str]:
    if not tables:
        return []
    found = "、".join(f"「{TABLES[name].title}」" for name in tables)
    reasons = []
    if declared not in tables:
        reasons.append(f"所选的数据类别是「{TABLES[declared].title}」，但文件中识别出的是{found}")
    forbidden = [name for name in tables if not may_upload(name)]
    if forbidden:
        names = "、".join(f"「{TABLES[name].title}」" for name in forbidden)
        reasons.append(f"文件中含有{names}，您的账号不能上传这类数据")
    return reasons


def _households(registry: Registry | None) -> validate.Households | None:
    if registry is None or registry.households.height == 0:
        return None
    return validate.Households(registry.households.get_column("household_id"), pl.Series([], dtype=pl.String))


def _where(row: dict[str, object]) -> str:
    sheet = row.get("sheet")
    return f"工作表「{sheet}」：" if sheet else ""
