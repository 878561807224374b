"""`fangfan status`: the data on hand and the recent jobs, killed ones marked failed."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table


@click.command("status")
@click.option("--limit", default=20, show_default=True, help="列出最近多少次运行和发布")
def status_command(limit: int) -> None:
    """查看当前数据快照、最新筛查批次，以及最近的运行和发布记录（被中断的标为失败并说明原因）。"""
    from fangfan.engine import journal
    from fangfan.engine.rules.compare import previous_run_dir
    from fangfan.engine.screen import runs_dir
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore

    console = Console(soft_wrap=True)
    interrupted = journal.sweep()
    try:
        latest = SnapshotStore().latest()
        console.print(f"当前数据快照：{latest.id}（统计日 {latest.as_of:%Y-%m-%d}）")
    except SnapshotError:
        console.print("当前数据快照：无（还没有导入过数据）")
    newest = previous_run_dir(runs_dir(), exclude="")
    console.print(f"最新筛查批次：{newest.name if newest else '无'}")
    if interrupted:
        console.print(f"[yellow]发现 {len(interrupted)} 个被中断的任务，已标为失败。[/]")
    table = Table(title="最近的运行和发布", show_lines=False)
    for column in ("开始时间", "任务", "状态", "步骤", "结果或原因"):
        table.add_column(column)
    entries = list(journal.recent(limit))
    for job in entries:
        data = job.data
        if job.status == journal.DONE:
            outcome = " ".join(
                part
                for part in (
                    f"筛查批次 {data['run_id']}" if data.get("run_id") else "",
                    f"问题 {data['findings']:,} 条" if data.get("findings") is not None else "",
                )
                if part
            )
        else:
            outcome = job.reason
        style = {"失败": "red", "运行中": "yellow"}.get(job.status, "")
        status = f"[{style}]{job.status}[/]" if style else job.status
        started = journal.local_time(str(data.get("started_at", "")))
        table.add_row(started, str(data.get("title", "")), status, job.step, outcome)
    if entries:
        console.print(table)
    else:
        console.print("还没有运行或发布记录。")
