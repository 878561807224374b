"""Batches too large for a request: asked for on the web, printed by the background worker.

`request_batch` records a 排队中 batch and queues `tasks.print_batch_task`; the worker's
`print_batch` prints the region's cards (the households the requester may read, as the
immediate download) to a `.part` file that becomes the batch's PDF only once whole, so a
batch that fails leaves no file behind. The page reads `done` of `total` as it goes.

A finished PDF is kept `FANGFAN_CARDS_KEEP_HOURS`; `expire_batches` (run whenever a batch
is asked for or printed) removes older files and any file a worker killed half-way left.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from fangfan.engine.cards.catalogue import CatalogueError
from fangfan.engine.cards.pdf import FontMissing, write_cards
from fangfan.web.accounts.access import scope, within_region
from fangfan.web.accounts.models import User
from fangfan.web.cards.batch import cards_for
from fangfan.web.cards.models import CardBatch
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

logger = logging.getLogger("fangfan.cards")
FOLDER = "cards"
# The page's progress is saved every this many cards (one UPDATE each).
STEP = 50
FAILED = "生成明白卡时出现系统错误，没有留下文件，请重新生成或联系系统管理员"
INTERRUPTED = "生成中断（后台服务重启），没有留下文件，请重新生成"


class _Refused(Exception):
    """The batch cannot be printed any more (its region or its requester's account is gone)."""


def region_households(region: Region, user: User) -> QuerySet[Household]:
    """The region's households the user may read, in print order (village, household)."""
    inside = Household.objects.filter(within_region("village_code", region))
    return scope(inside, user).order_by("village_code", "household_id")


def prints_immediately(region: Region, households: int) -> bool:
    """A village small enough to print while the request waits; anything else goes to the worker."""
    return region.level == Region.Level.VILLAGE and households <= settings.FANGFAN_CARDS_INLINE_HOUSEHOLDS


@transaction.atomic
def request_batch(user: User, region: Region, year: int | None) -> CardBatch:
    """生成明白卡: a batch of the region's cards, queued for the worker (the user's own
    unfinished batch of the same region and year is returned instead of a second one)."""
    expire_batches()
    waiting = CardBatch.objects.filter(
        requested_by=user,
        region_code=region.code,
        year=year,
        status__in=(CardBatch.Status.QUEUED, CardBatch.Status.RUNNING),
    ).first()
    if waiting is not None:
        return waiting
    batch = CardBatch.objects.create(
        requested_by=user,
        region_code=region.code,
        title=region.name[:100],
        year=year,
        total=region_households(region, user).count(),
    )
    transaction.on_commit(lambda: _enqueue(batch))
    return batch


def _enqueue(batch: CardBatch) -> None:
    from fangfan.web.cards.tasks import print_batch_task

    print_batch_task.enqueue(batch.pk)


class _Counter:
    """The engine's progress hooks, saving `done` on the batch every `STEP` cards."""

    def __init__(self, batch: CardBatch) -> None:
        self.batch, self.done = batch, 0

    def start(self, task: str, total: int | None = None) -> None:
        pass

    def advance(self, task: str, amount: int = 1) -> None:
        self.done += amount
        if self.done % STEP == 0:
            CardBatch.objects.filter(pk=self.batch.pk).update(done=self.done)

    def finish(self, task: str) -> None:
        pass


def print_batch(batch_id: int) -> None:
    """Print a 排队中 batch (a no-op if it is gone or taken); a failure leaves no file."""
    expire_batches()
    taken = CardBatch.objects.filter(pk=batch_id, status=CardBatch.Status.QUEUED).update(
        status=CardBatch.Status.RUNNING
    )
    if not taken:
        return
    batch = CardBatch.objects.select_related("requested_by").get(pk=batch_id)
    final = Path(FOLDER) / f"{batch.pk}-{secrets.token_hex(8)}.pdf"
    part = media_path(final).with_suffix(".part")
    try:
        _print(batch, part)
        os.replace(part, media_path(final))
    except (FontMissing, CatalogueError, _Refused) as error:  # the server's installation: said as it is
        _fail(batch, part, str(error))
        return
    except Exception:
        logger.exception("printing card batch %s failed", batch_id)
        _fail(batch, part, FAILED)
        raise
    batch.status, batch.file, batch.finished_at = CardBatch.Status.READY, str(final), timezone.now()
    batch.save(update_fields=["status", "file", "finished_at", "done", "total", "year"])
    logger.info(
        "明白卡后台生成：%s 生成 %s %s年度 %d 张",
        batch.requested_by.username,
        batch.title,
        batch.year,
        batch.done,
    )


def _print(batch: CardBatch, part: Path) -> None:
    user = batch.requested_by
    region = Region.objects.filter(code=batch.region_code).first()
    if region is None or not user.is_active:
        raise _Refused("该地区或申请人账号已不存在，未生成明白卡")
    households = list(region_households(region, user))
    cards, catalogue = cards_for(households, batch.year)
    batch.total, batch.year = len(cards), catalogue.year
    CardBatch.objects.filter(pk=batch.pk).update(total=batch.total)
    part.parent.mkdir(parents=True, exist_ok=True)
    with part.open("wb") as handle:
        batch.done = write_cards(cards, handle, catalogue, len(cards), _Counter(batch))


def _fail(batch: CardBatch, part: Path, message: str) -> None:
    part.unlink(missing_ok=True)
    batch.status, batch.message, batch.finished_at = CardBatch.Status.FAILED, message[:300], timezone.now()
    batch.save(update_fields=["status", "message", "finished_at"])


def media_path(relative: Path | str) -> Path:
    """Where a batch's file lies (its `file` is relative to MEDIA_ROOT)."""
    return Path(settings.MEDIA_ROOT) / relative


def expire_batches(now: dt.datetime | None = None) -> int:
    """Remove the PDFs finished more than `FANGFAN_CARDS_KEEP_HOURS` ago (the batch stays,
    已过期删除), and fail batches a stopped worker left unfinished as long; the number removed."""
    cutoff = (now or timezone.now()) - dt.timedelta(hours=settings.FANGFAN_CARDS_KEEP_HOURS)
    old = CardBatch.objects.filter(status=CardBatch.Status.READY, finished_at__lt=cutoff)
    for batch in old:
        media_path(batch.file).unlink(missing_ok=True)
    removed = old.update(status=CardBatch.Status.EXPIRED, file="")
    stuck = CardBatch.objects.filter(
        status__in=(CardBatch.Status.QUEUED, CardBatch.Status.RUNNING), requested_at__lt=cutoff
    )
    for batch in stuck:
        for left in media_path(FOLDER).glob(f"{batch.pk}-*.part"):
            left.unlink(missing_ok=True)
    stuck.update(status=CardBatch.Status.FAILED, message=INTERRUPTED, finished_at=timezone.now())
    return removed
