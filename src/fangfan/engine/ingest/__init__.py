"""`import_directory`: registry and department exports into a dated, immutable snapshot.

    result = import_directory(Path("exports/2024-06"), as_of=date(2024, 6, 30))
    result.snapshot.read("members")      # typed columns, _flags, id_number_valid
    result.problems                      # one row per problem, Chinese message
    result.report_path                   # 导入问题报告-<snapshot_id>.xlsx
    result.as_of                         # the date and where it came from (`asof`)

Steps: read every sheet as text (`read`), recognise its table from the header row
(`headers`), drop layout rows, validate each table (`validate`), settle the as-of date
(`asof`: given, else the export's own date, else the newest date in the data), commit
the snapshot (`SnapshotStore.stage`, atomic) and then the Excel report (`report`, atomic).

A city's text is gigabytes, and so are its typed tables: a city's workbooks' text is kept
on disk beside the snapshots (`assemble`'s spill folder), and each table is taken from what
was read, validated, written into the staged snapshot and let go before the next.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.engine import config
from fangfan.engine.ingest import headers as header_rows
from fangfan.engine.ingest import report, validate
from fangfan.engine.ingest.asof import AsOf, find_as_of
from fangfan.engine.ingest.assemble import Assembled, assemble
from fangfan.engine.problems import Problem
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.schema import ALL_TABLES, DEPARTMENT_FEEDS, HOUSEHOLDS, INCOME, MEMBERS, Kind, Table
from fangfan.engine.snapshot import Snapshot, SnapshotStore, Staging

__all__ = ["AsOf", "ImportResult", "NothingToImport", "import_directory", "reports_dir"]


class NothingToImport(RuntimeError):
    """Nothing usable was found (no registry households); the message is Chinese."""


@dataclass
class ImportResult:
    """What an import produced; `problems` has the error report's rows."""

    snapshot: Snapshot
    created: bool
    problems: pl.DataFrame
    report_path: Path
    sources: list[dict[str, Any]] = field(default_factory=list)
    unrecognised: list[dict[str, Any]] = field(default_factory=list)
    absent_tables: list[str] = field(default_factory=list)
    layout_rows: list[dict[str, Any]] = field(default_factory=list)
    as_of: AsOf | None = None

    def problem_counts(self) -> dict[str, int]:
        counts = self.problems.group_by("code").len().sort("len", descending=True)
        return dict(zip(counts["code"].to_list(), counts["len"].to_list(), strict=True))


def reports_dir() -> Path:
    """FANGFAN_HOME/reports: where error reports are written."""
    return config.home() / "reports"


def import_directory(
    input_dir: Path,
    *,
    store: SnapshotStore | None = None,
    as_of: dt.date | None = None,
    synonyms: Path | None = None,
    progress: Progress | None = None,
    as_of_source: str | None = None,
) -> ImportResult:
    """Import every table file under `input_dir` into a new snapshot.

    Without `as_of` the date comes from the data (`asof.find_as_of`); `as_of_source`
    names a given date's origin ("命令行 --as-of"; default "指定日期"). The manifest
    keeps the date's source as `as_of_source`.

    Raises NothingToImport when no registry household can be imported; every
    other problem is data and ends up in `problems` and the Excel report.
    """
    store = store or SnapshotStore()
    progress = progress or SilentProgress()
    store.clean_debris()
    report.clean_debris(reports_dir())
    synonym_map = header_rows.load_synonyms(synonyms)
    store.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".tmp-", dir=store.root) as spill, store.stage() as staging:
        assembled = assemble(Path(input_dir), synonym_map, progress, spill=Path(spill))
        absent = [t.name for t in ALL_TABLES if not assembled.has(t.name)]
        kept, problems, rejected = _validate_all(assembled, progress, staging)
        households = kept.get(HOUSEHOLDS.name)
        if households is None or households.height == 0:
            raise NothingToImport(_nothing_message(Path(input_dir), assembled))
        # The sieve reads every person and every household's income: a registry without them
        # would fail later, inside linking or screening, with nothing the office can act on.
        missing = [table.title for table in (MEMBERS, INCOME) if table.name not in kept]
        if missing:
            raise NothingToImport(
                "国扶办系统导出缺少"
                + "、".join(f"“{title}”" for title in missing)
                + "表（与“户信息”一起是必需的），未生成快照。请把这些表与户信息一并导入。"
            )
        staging.add("villages", validate.learn_villages(households))
        staging.add("problems", problems)
        staging.add("rejected", rejected)
        settled = find_as_of(as_of, assembled.titles, kept, given_source=as_of_source)
        as_of = settled.date
        manifest = {**_manifest(assembled, absent, problems), "as_of_source": settled.source}
        progress.start("写入快照", total=1)
        snapshot, created = staging.commit(manifest, as_of)
        progress.finish("写入快照")
    report_path = reports_dir() / f"导入问题报告-{snapshot.id}.xlsx"
    progress.start("生成问题报告", total=1)
    report.write_report(report_path, problems, assembled, as_of=as_of, snapshot_id=snapshot.id)
    progress.finish("生成问题报告")
    return ImportResult(
        snapshot=snapshot,
        created=created,
        problems=problems,
        report_path=report_path,
        sources=assembled.sources,
        unrecognised=assembled.unrecognised,
        absent_tables=absent,
        layout_rows=assembled.layout_rows,
        as_of=settled,
    )


def _validate_all(
    assembled: Assembled, progress: Progress, staging: Staging
) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame]:
    """Validate each table and add it to `staging`, one at a time.

    Returns what the rest of the import still needs of each table (`_kept`: its dates, and
    the households' villages), the problems and the rejected rows.
    """
    kept: dict[str, pl.DataFrame] = {}
    problems = [assembled.file_problems]
    rejected: list[pl.DataFrame] = []
    household_ids: validate.Households | None = None
    order = [HOUSEHOLDS, MEMBERS, INCOME, *DEPARTMENT_FEEDS]
    needs_households = any(assembled.has(t) for t in (MEMBERS.name, INCOME.name))
    progress.start("校验数据", total=len(order))
    for table in order:
        progress.advance("校验数据")
        if not assembled.has(table.name):
            continue
        # Each table's text is let go once it is validated, and its data once it is written.
        raw, raw_headers = assembled.take(table.name), assembled.headers[table.name]
        checked = table.name in (MEMBERS.name, INCOME.name)
        outcome = validate.validate_table(table, raw, raw_headers, household_ids if checked else None)
        del raw
        if table is HOUSEHOLDS:
            household_ids = _households(outcome)
        staging.add(table.name, outcome.data)
        kept[table.name] = _kept(table, outcome.data)
        problems.append(outcome.problems)
        rejected.append(outcome.rejected)
        del outcome
    progress.finish("校验数据")
    if household_ids is None and needs_households:
        household_ids = validate.Households(pl.Series([], dtype=pl.String), pl.Series([], dtype=pl.String))
    all_problems = pl.concat(problems, how="vertical_relaxed") if problems else validate.empty_problems()
    all_rejected = (
        pl.concat(rejected, how="vertical_relaxed")
        if rejected
        else pl.DataFrame(schema=validate.rejected_schema())
    )
    return kept, all_problems, all_rejected


def _kept(table: Table, data: pl.DataFrame) -> pl.DataFrame:
    """What is needed of a written table: its dates (`find_as_of`), the households' villages."""
    names = [f.name for f in table.fields if f.kind == Kind.DATE]
    if table is HOUSEHOLDS:
        names += ["village_code", "village_name"]
    return data.select(name for name in names if name in data.columns)


def _households(outcome: validate.TableOutcome) -> validate.Households:
    accepted = outcome.data.get_column("household_id").drop_nulls()
    excluded = outcome.excluded_ids.filter(~outcome.excluded_ids.is_in(accepted.implode()))
    return validate.Households(accepted, excluded)


def _manifest(assembled: Assembled, absent: list[str], problems: pl.DataFrame) -> dict[str, Any]:
    counts = problems.group_by("code").len().sort("code")
    return {
        "sources": assembled.sources,
        "unrecognised": assembled.unrecognised,
        "absent_tables": absent,
        "problem_counts": dict(zip(counts["code"].to_list(), counts["len"].to_list(), strict=True)),
        "excluded_rows": int(
            problems.filter(pl.col("action") == "excluded").select("file", "sheet", "row").n_unique()
        ),
    }


def _nothing_message(input_dir: Path, assembled: Assembled) -> str:
    if not assembled.sources and not assembled.unrecognised:
        return f"目录 {input_dir} 中没有找到任何表格文件（.xlsx / .xls / .csv），未生成快照。"
    # A file refused unread (its encoding, a bomb, a password) first: it may be the 户信息 itself.
    missing = [u for u in assembled.unrecognised if u.get("code") == Problem.FILE_UNREADABLE.value] + [
        u for u in assembled.unrecognised if u.get("code") == Problem.COLUMN_MISSING.value
    ]
    detail = "；".join(
        f"{u['file']}{' ' + u['sheet'] if u['sheet'] else ''}：{u['reason']}" for u in missing[:3]
    )
    return "没有可导入的户信息（国扶办系统导出的“户信息”表不存在或全部行都有问题），未生成快照。" + (
        f" {detail}" if detail else ""
    )
