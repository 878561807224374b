"""`fangfan cards --village CODE | --township CODE`: a batch of policy cards (明白卡) as one PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console

from fangfan.engine.progress import RichProgress


@click.command("cards")
@click.option("--village", "village", metavar="CODE", help="行政村代码（12 位）：打印该村每户的明白卡")
@click.option("--township", "township", metavar="CODE", help="乡镇代码（9 位）：打印该乡镇每户的明白卡")
@click.option("--year", type=int, help="政策年度（默认：快照的政策年度；没有该年度目录时沿用较早年度）")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出的 PDF 文件（默认：FANGFAN_HOME/cards/<地区代码>-<年度>年度明白卡.pdf）",
)
@click.option("--snapshot", "snapshot_id", metavar="ID", help="数据快照（默认：最新快照）")
@click.option(
    "--link/--no-link",
    default=True,
    show_default=True,
    help="用部门数据匹配结果（沿用已有匹配）；--no-link 只按国扶办系统字段列政策",
)
def cards_command(
    village: str | None,
    township: str | None,
    year: int | None,
    out: Path | None,
    snapshot_id: str | None,
    link: bool,
) -> None:
    """打印帮扶政策明白卡：一村或一乡镇每户一页（A4）合成一个 PDF；二维码链接核验页面（FANGFAN_SITE_URL）。"""
    from fangfan.engine import config
    from fangfan.engine.cards.batch import CardsError, write_region_cards
    from fangfan.engine.cards.catalogue import CatalogueError, applicable_catalogue
    from fangfan.engine.cards.pdf import FontMissing
    from fangfan.engine.cards.signing import CardSigner
    from fangfan.engine.link import link_snapshot
    from fangfan.engine.policy import PolicyError
    from fangfan.engine.screen import policy_year_for
    from fangfan.engine.snapshot import SnapshotError, SnapshotStore
    from fangfan.web import settings

    if bool(village) == bool(township):
        raise click.UsageError("请给出 --village 或 --township 之一")
    region_code = (village or township or "").strip()
    console = Console()
    try:
        store = SnapshotStore()
        snapshot = store.get(snapshot_id) if snapshot_id else store.latest()
        year = applicable_catalogue(policy_year_for(snapshot) if year is None else year).year
        path = out or config.home() / "cards" / f"{region_code}-{year}年度明白卡.pdf"
        signer = CardSigner(secret_key=settings.SECRET_KEY, base_url=settings.SITE_URL)
        with RichProgress() as progress:
            links = link_snapshot(snapshot, progress=progress).scan() if link else None
            batch = write_region_cards(
                snapshot,
                links,
                region_code,
                path,
                year=year,
                issued_on=dt.date.today(),
                signer=signer,
                progress=progress,
            )
    except (SnapshotError, CardsError, CatalogueError, PolicyError, FontMissing) as error:
        raise click.ClickException(str(error)) from None
    console.print(
        f"{batch.region_name}（{batch.region_code}）{batch.year}年度明白卡 {batch.cards:,} 张，"
        f"其中有金额的政策 {batch.policies_with_amount:,} 项"
    )
    console.print(f"文件：{batch.path}")
