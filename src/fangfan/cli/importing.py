"""`fangfan import DIR` and `fangfan snapshots`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table as RichTable

from fangfan.engine.problems import PROBLEM_TEXT, Problem


def _parse_date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期应写成 2024-06-30 这样的格式，收到 {value!r}") from None


@click.command("import")
@click.argument("input_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--as-of",
    callback=_parse_date,
    help="数据截止日期，如 2024-06-30（不给时取自数据：标题“截至…”、文件名或数据中最新的日期）",
)
@click.option(
    "--synonyms",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="本单位补充的表头同义词文件（TOML，也可用环境变量 FANGFAN_HEADER_SYNONYMS）",
)
def import_command(input_dir: Path, as_of: dt.date | None, synonyms: Path | None) -> None:
    """导入目录中的全部表格（国扶办系统导出和行业部门数据），生成带日期的快照和导入问题报告。"""
    from fangfan.engine.ingest import NothingToImport, import_directory
    from fangfan.engine.ingest.asof import GIVEN_ON_COMMAND_LINE
    from fangfan.engine.ingest.headers import SynonymError
    from fangfan.engine.progress import RichProgress

    console = Console()
    try:
        with RichProgress() as progress:
            result = import_directory(
                input_dir,
                as_of=as_of,
                synonyms=synonyms,
                progress=progress,
                as_of_source=GIVEN_ON_COMMAND_LINE,
            )
    except (NothingToImport, SynonymError) as error:
        Console(stderr=True).print(f"[bold red]导入失败：[/]{error}")
        sys.exit(1)
    except Exception as error:  # a full disk: the snapshot being written is removed, the old ones stay
        from fangfan.engine.journal import DISK_FULL, is_disk_full

        if not is_disk_full(error):
            raise
        Console(stderr=True).print(f"[bold red]导入失败：[/]{DISK_FULL}")
        sys.exit(1)
    counts = RichTable(title="导入的表")
    for heading in ("表", "来源（文件/工作表）", "读入行数"):
        counts.add_column(heading)
    for title, places, rows in _by_table(result.sources):
        counts.add_row(title, places, f"{rows:,}")
    console.print(counts)
    _print_problems(console, result.problem_counts())
    for item in result.unrecognised:
        place = item["file"] + (f" / {item['sheet']}" if item["sheet"] else "")
        console.print(f"[yellow]未导入：[/]{place}：{item['reason']}")
    if result.absent_tables:
        from fangfan.engine.schema import TABLES

        names = "、".join(TABLES[name].title for name in result.absent_tables)
        console.print(f"[yellow]本次没有数据的表：[/]{names}")
    state = "新建" if result.created else "内容与已有快照相同，未重复写入"
    console.print(f"快照：[bold]{result.snapshot.id}[/]（{state}）")
    console.print(f"数据截止日期：{result.snapshot.as_of.isoformat()}（{result.snapshot.as_of_source}）")
    console.print(f"导入问题报告：{result.report_path}")


def _by_table(sources: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    """One line per table: its title, where it came from (shortened), total rows."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for source in sources:
        grouped.setdefault(source["title"], []).append(source)
    lines = []
    for title, items in grouped.items():
        places = [item["file"] + (f" / {item['sheet']}" if item["sheet"] else "") for item in items]
        shown = places[0] if len(places) == 1 else f"{places[0]} 等 {len(places)} 处"
        lines.append((title, shown, sum(int(item["rows"]) for item in items)))
    return lines


def _print_problems(console: Console, counts: dict[str, int]) -> None:
    if not counts:
        console.print("[green]没有发现问题。[/]")
        return
    table = RichTable(title="发现的问题")
    for heading in ("问题", "代码", "条数"):
        table.add_column(heading)
    for code, count in counts.items():
        text = PROBLEM_TEXT[Problem(code)] if code in Problem.__members__ else code
        table.add_row(text, code, f"{count:,}")
    console.print(table)


@click.command("snapshots")
def snapshots_command() -> None:
    """列出已有的快照（编号、截止日期、各表行数，标出最新的一个）。"""
    from fangfan.engine.schema import TABLES
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore

    store = SnapshotStore()
    try:
        latest = store.latest().id
    except SnapshotError:
        latest = ""
    listing = RichTable(title=f"快照（{store.root}）")
    for heading in ("快照编号", "截止日期", "各表行数", "最新"):
        listing.add_column(heading)
    found = False
    for snapshot in store:
        found = True
        tables = snapshot.manifest.get("tables", {})
        text = "，".join(f"{TABLES[n].title} {c:,}" for n, c in tables.items() if n in TABLES)
        listing.add_row(
            snapshot.id, snapshot.as_of.isoformat(), text, "LATEST" if snapshot.id == latest else ""
        )
    console = Console()
    if not found:
        console.print("还没有任何快照，请先运行 fangfan import 目录")
        return
    console.print(listing)
