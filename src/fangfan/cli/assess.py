"""`fangfan assess sample|estimate|size`: assessment readiness (考核评估模拟, issue 16).

`sample` draws a plan's sample from a snapshot and writes it to carry into the field;
`estimate` reads the filled-in file back and gives each measure with its 95 % interval and
verdict; `size` is the sample-size calculator. docs/assessment.md gives the formulas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from fangfan.engine.snapshot import Snapshot, SnapshotStore

PLAN_HELP = (
    "抽样方案：national（国家第三方评估）、provincial（省际交叉考核）、"
    "self_check（县级自查，靶向）、simple，或方案 TOML 文件"
)


@click.group("assess")
def assess_group() -> None:
    """考核评估模拟：像评估组一样抽样，估计错退率、漏评率、认可度和知晓率及其 95% 置信区间。"""


@assess_group.command("sample")
@click.option("--plan", "plan_name", default="national", show_default=True, help=PLAN_HELP)
@click.option("--seed", type=int, required=True, help="随机种子（同一快照、方案和种子抽出完全相同的样本）")
@click.option(
    "--snapshot",
    "snapshot_id",
    default="newest",
    show_default=True,
    help="快照编号或快照文件夹，newest 为最新快照",
)
@click.option("--county", "counties", multiple=True, help="只抽这些县区（县区代码，可多次给出；默认全部）")
@click.option(
    "--flags",
    default="latest",
    show_default=True,
    help=(
        "靶向方案重点抽取的户：latest 为该快照最近一次筛查的问题户、预警户和监测信号户，"
        "none 为不用，或一次筛查的编号"
    ),
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="样本表写到哪里（.xlsx 或 .csv）",
)
def sample_command(
    plan_name: str, seed: int, snapshot_id: str, counties: tuple[str, ...], flags: str, out: Path
) -> None:
    """按抽样方案从快照中抽取样本户，写出带入样概率和空白结果列的样本表。"""
    from fangfan.engine.assessment.files import write_sample
    from fangfan.engine.assessment.plan import PlanError, load_plan
    from fangfan.engine.assessment.population import population
    from fangfan.engine.assessment.sample import draw_sample
    from fangfan.engine.progress import RichProgress
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore

    console = Console(soft_wrap=True)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise click.ClickException(f"样本表只能写成 .xlsx 或 .csv：{out}")
    try:
        plan = load_plan(plan_name)
        store = SnapshotStore()
        snapshot = _snapshot(store, snapshot_id)
        with RichProgress() as progress:
            progress.start("抽样", total=3)
            frame = population(snapshot.path)
            progress.advance("抽样")
            flagged = _flags(snapshot.id, flags, console) if plan.targeted_share > 0 else None
            sample = draw_sample(frame, plan, seed, flagged=flagged, counties=counties or None)
            progress.advance("抽样")
            about = {"plan": plan.name, "seed": seed, "snapshot_id": snapshot.id, "counties": list(counties)}
            write_sample(sample, out, about)
            progress.finish("抽样")
    except (PlanError, SnapshotError) as error:
        raise click.ClickException(str(error)) from None
    if sample.is_empty():
        raise click.ClickException("没有抽到任何户：请检查 --county 给出的县区代码")
    console.print(
        f"{plan.label}：快照 {snapshot.id}，种子 {seed}；抽取 {sample['county_code'].n_unique()} 个县区、"
        f"{sample['village_code'].n_unique():,} 个村、{sample.height:,} 户"
        f"（建档立卡户 {sample['registered'].sum():,} 户，重点抽取 {sample['targeted'].sum():,} 户）。"
    )
    console.print(f"样本表：{out}")


def _snapshot(store: SnapshotStore, given: str) -> Snapshot:
    """The newest snapshot, one by id, or one given as its folder (a copy elsewhere)."""
    from fangfan.engine.snapshot import MANIFEST, Snapshot

    if given == "newest":
        return store.latest()
    folder = Path(given)
    if (folder / MANIFEST).is_file():
        return Snapshot(folder, json.loads((folder / MANIFEST).read_text("utf-8")))
    return store.get(given)


def _flags(snapshot_id: str, flags: str, console: Console) -> set[str] | None:
    from fangfan.engine.assessment.sample import flagged_households
    from fangfan.engine.screen import runs_dir

    if flags == "none":
        return None
    run = _run_for(snapshot_id) if flags == "latest" else runs_dir() / flags
    if run is None or not run.exists():
        if flags != "latest":
            raise click.ClickException(f"没有筛查结果 {flags}")
        console.print("[yellow]该快照还没有筛查结果，靶向方案按无重点户抽样（先运行 fangfan screen）[/]")
        return None
    return flagged_households(run)


def _run_for(snapshot_id: str) -> Path | None:
    from fangfan.engine.screen import runs_dir

    folder = runs_dir()
    if not folder.exists():
        return None
    matching = []
    for run in folder.iterdir():
        summary = run / "summary.json"
        if summary.exists() and json.loads(summary.read_text("utf-8")).get("snapshot_id") == snapshot_id:
            matching.append(run)
    return max(matching, key=lambda path: path.name, default=None)


@assess_group.command("estimate")
@click.argument("results", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--plan", "plan_name", default="national", show_default=True, help=PLAN_HELP + "（须与抽样时相同）"
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="估计结果另存为 .xlsx 或 .csv")
def estimate_command(results: Path, plan_name: str, out: Path | None) -> None:
    """读入填好结果的样本表，按设计权数估计各县区和全市的四项指标、95% 置信区间和是否达标。"""
    from fangfan.engine.assessment.estimate import estimate
    from fangfan.engine.assessment.files import ResultsError, read_results
    from fangfan.engine.assessment.plan import PlanError, load_plan

    console = Console(soft_wrap=True)
    try:
        plan = load_plan(plan_name)
        units = read_results(results)
    except (PlanError, ResultsError) as error:
        raise click.ClickException(str(error)) from None
    table = estimate(units, plan)
    console.print(_estimate_table(table, plan.label))
    if out is not None:
        _write_estimates(table, out)
        console.print(f"估计结果：{out}")


def _estimate_table(table: object, title: str) -> Table:
    import polars as pl

    from fangfan.engine.regions import counties

    assert isinstance(table, pl.DataFrame)
    names = {code: region.name for code, region in counties().items()}
    shown = Table(title=f"{title}：估计结果（95% 置信区间）")
    for header in ("范围", "指标", "估计值", "95% 置信区间", "标准", "结论", "样本单位", "未加权比例"):
        shown.add_column(
            header, justify="right" if header in ("估计值", "样本单位", "未加权比例") else "left"
        )
    colours = {"达标": "green", "不达标": "red", "不确定": "yellow"}
    for row in table.iter_rows(named=True):
        scope = "全市" if row["scope"] == "city" else names.get(row["county_code"], row["county_code"])
        interval = "—" if row["lower"] is None else f"{row['lower']:.1%} – {row['upper']:.1%}"
        shown.add_row(
            scope,
            row["measure"],
            "—" if row["estimate"] is None else f"{row['estimate']:.1%}",
            interval,
            f"{row['bar_kind']} {row['bar']:.0%}",
            f"[{colours[row['verdict']]}]{row['verdict']}[/]",
            f"{row['n_units']:,}",
            "—" if row["unweighted"] is None else f"{row['unweighted']:.1%}",
        )
    return shown


ESTIMATE_HEADERS = {
    "scope": "范围",
    "county_code": "县区代码",
    "measure": "指标",
    "estimate": "估计值",
    "lower": "95%置信区间下限",
    "upper": "95%置信区间上限",
    "n_units": "样本单位数",
    "n_positive": "判定为是的单位数",
    "unweighted": "未加权比例",
    "effective_n": "有效样本量",
    "standard_error": "标准误",
    "bar": "标准",
    "bar_kind": "标准方向",
    "verdict": "结论",
    "method": "估计方法",
}


def _write_estimates(table: object, out: Path) -> None:
    import polars as pl

    assert isinstance(table, pl.DataFrame)
    frame = table.with_columns(pl.col("scope").replace({"city": "全市", "county": "县区"})).rename(
        ESTIMATE_HEADERS
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        frame.write_csv(out, include_bom=True)
    else:
        frame.write_excel(out, worksheet="估计结果", autofit=True)


@assess_group.command("size")
@click.option("--p", "p", type=float, default=0.02, show_default=True, help="预计的比例（如错退率 0.02）")
@click.option(
    "--margin", type=float, default=0.01, show_default=True, help="可接受的误差范围（95% 置信区间半宽）"
)
@click.option(
    "--population", type=click.IntRange(min=1), default=None, help="总体单位数（给出时做有限总体校正）"
)
@click.option(
    "--deff",
    type=click.FloatRange(min=1.0),
    default=1.0,
    show_default=True,
    help="设计效应（整群抽样通常 1.5–2）",
)
@click.option(
    "--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True, help="置信水平"
)
@click.option(
    "--n",
    "sizes",
    type=click.IntRange(min=1),
    multiple=True,
    help="看看这个样本量能达到的误差范围（可多次给出）",
)
def size_command(
    p: float, margin: float, population: int | None, deff: float, confidence: float, sizes: tuple[int, ...]
) -> None:
    """样本量计算（Cochran 公式，含有限总体校正和设计效应），并给出指定样本量的误差范围。"""
    from fangfan.engine.assessment.size import cochran_size, margin_of_error

    console = Console(soft_wrap=True)
    try:
        needed = cochran_size(p, margin, population, confidence, deff)
        shown = sizes or (needed, 500, 1000, 2000)
        margins = [(n, margin_of_error(n, p, population, confidence, deff)) for n in shown]
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    where = f"，总体 {population:,}" if population else ""
    console.print(
        f"预计比例 {p:.1%}、误差范围 ±{margin:.2%}、置信水平 {confidence:.0%}、设计效应 {deff:g}{where}："
        f"至少需要 {needed:,} 个样本单位。"
    )
    table = Table(title="样本量与误差范围")
    table.add_column("样本量", justify="right")
    table.add_column("误差范围（±）", justify="right")
    for n, value in margins:
        table.add_row(f"{n:,}", f"{value:.2%}")
    console.print(table)
