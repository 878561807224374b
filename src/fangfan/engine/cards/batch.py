"""A batch of cards for a village, township or county from a snapshot: `fangfan cards`.

>>> # batch = write_region_cards(SnapshotStore().latest(), links, "621226100", Path("城关镇.pdf"),
>>> #                            signer=CardSigner(secret_key, "https://fangfan.example"))
>>> # batch.cards
>>> # 2961
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

from fangfan.engine.cards.card import cards_from_frames
from fangfan.engine.cards.catalogue import applicable_catalogue
from fangfan.engine.cards.inputs import region_households, snapshot_inputs
from fangfan.engine.cards.pdf import write_cards
from fangfan.engine.cards.received import received_policies
from fangfan.engine.cards.signing import CardSigner
from fangfan.engine.progress import Progress, SilentProgress
from fangfan.engine.screen import policy_year_for
from fangfan.engine.snapshot import Snapshot

REGION_LENGTHS = {12: "行政村", 9: "乡镇", 6: "县区"}
TASK_READ = "读取农户与部门数据"


class CardsError(ValueError):
    """A batch that cannot be made (the message is Chinese, for people)."""


@dataclass(frozen=True)
class CardBatch:
    path: Path
    cards: int
    year: int
    region_code: str
    region_name: str
    policies_with_amount: int


def region_name(households: pl.DataFrame, region_code: str) -> str:
    """ "礼县城关镇" for a township's households (the names the registry gives them)."""
    columns = {12: 3, 9: 2, 6: 1}[len(region_code)]
    names = ("county_name", "township_name", "village_name")[:columns]
    first = households.select(names).row(0)
    return "".join(str(part or "") for part in first) or region_code


def write_region_cards(
    snapshot: Snapshot,
    links: pl.DataFrame | pl.LazyFrame | None,
    region_code: str,
    out: Path,
    *,
    year: int | None = None,
    issued_on: dt.date | None = None,
    signer: CardSigner | None = None,
    progress: Progress | None = None,
) -> CardBatch:
    """Write the cards of every household of the region to `out` (one PDF, a page each).

    The year defaults to the snapshot's policy year; a year without its own catalogue
    borrows the nearest earlier one. The file appears whole or not at all.
    """
    progress = progress or SilentProgress()
    if len(region_code) not in REGION_LENGTHS or not region_code.isdigit():
        raise CardsError(f"地区代码“{region_code}”不对：行政村 12 位、乡镇 9 位、县区 6 位数字")
    catalogue = applicable_catalogue(policy_year_for(snapshot) if year is None else year)
    progress.start(TASK_READ, None)
    households = region_households(snapshot, region_code)
    if not households.height:
        raise CardsError(f"快照 {snapshot.id} 中没有{REGION_LENGTHS[len(region_code)]} {region_code} 的农户")
    received = received_policies(snapshot_inputs(snapshot, links, households), catalogue)
    members = (
        snapshot.scan("members")
        .join(households.lazy().select("household_id"), on="household_id", how="semi")
        .select("household_id", "name", "relation", "member_status")
        .collect()
    )
    cards = cards_from_frames(households, members, received, catalogue, issued_on or dt.date.today(), signer)
    progress.finish(TASK_READ)
    _write_whole(out, lambda handle: write_cards(cards, handle, catalogue, len(cards), progress))
    return CardBatch(
        path=out,
        cards=len(cards),
        year=catalogue.year,
        region_code=region_code,
        region_name=region_name(households, region_code),
        policies_with_amount=int(received["amount"].is_not_null().sum()),
    )


def _write_whole(out: Path, write: Callable[[IO[bytes]], object]) -> None:
    """`write(handle)` into a file beside `out`, renamed into place when it succeeded."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, scratch = tempfile.mkstemp(prefix=".cards-", suffix=".pdf", dir=out.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        os.replace(scratch, out)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
