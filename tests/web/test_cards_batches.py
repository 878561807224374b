"""Batches of policy cards too large for a request, printed by the background worker.

The cast (礼县 城关镇, `make_regions`): 上坪村 has two households, 孙桂兰 (on 低保, her helper
刘海燕) and 张德顺; 石桥村 one, 石桥户. 北关村 (武都区) has 北关户, outside every 礼县 account.
城关镇's office asks for the township's cards (three households, a "township of 3,000"): the
worker prints them while the page shows the progress, and the office downloads one PDF.
The task runs here synchronously (`print_batch_task.call`), as the assessment tests do.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cast import BEIGUAN, SHANGPING, SHIQIAO
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.cards import background
from fangfan.web.cards.models import CardBatch
from fangfan.web.cards.tasks import print_batch_task
from fangfan.web.registry.models import Household
from fangfan.web.workqueue.testing import current_run, make_household

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed"),
]
Role = User.Role
CHENGGUAN = "621226100"


@pytest.fixture
def cast(settings: Any, tmp_path: Path) -> dict[str, Household]:
    settings.MEDIA_ROOT = tmp_path / "media"
    make_regions()
    run = current_run()
    run.policy_year = 2026
    run.save()
    place = {"county_name": "礼县", "township_name": "城关镇", "village_name": "上坪村"}
    return {
        "sun": make_household(SHANGPING, 1, head_name="孙桂兰", helper_name="刘海燕", **place),
        "zhang": make_household(SHANGPING, 2, head_name="张德顺", **place),
        "shiqiao": make_household(SHIQIAO, 1, head_name="石桥户"),
        "beiguan": make_household(BEIGUAN, 1, head_name="北关户"),
    }


def _client(role: str, region: str, username: str = "") -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(role, region, username=username))
    return client


def _ask(client: Client, code: str, captured: Any) -> Any:
    """The office opens the region's cards and presses 生成明白卡 (its CSRF token with it)."""
    page = client.get(reverse("cards:region", args=[code])).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token and reverse("cards:batch_new", args=[code]) in page
    with captured(execute=True):
        return client.post(
            reverse("cards:batch_new", args=[code]), {"csrfmiddlewaretoken": token.group(1)}, follow=True
        )


def _pdf_text(response: Any, tmp_path: Path) -> str:
    path = tmp_path / "batch.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages
    return f"PAGES={pages.group(1)}\n" + re.sub(r"\s+", "", text)


def test_the_township_asks_for_its_cards_watches_the_progress_and_downloads_one_pdf(
    cast: dict[str, Household], tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    township = _client(Role.TOWNSHIP, CHENGGUAN)
    region_page = township.get(reverse("registry:region", args=[CHENGGUAN])).content.decode()
    assert reverse("cards:batch_new", args=[CHENGGUAN]) in region_page and 'method="post"' in region_page

    waiting = _ask(township, CHENGGUAN, django_capture_on_commit_callbacks)
    batch = CardBatch.objects.get()
    page = waiting.content.decode()
    assert batch.status == CardBatch.Status.QUEUED and batch.total == 3
    assert DBTaskResult.objects.filter(args_kwargs__args=[batch.pk]).count() == 1
    assert "已交后台生成城关镇的明白卡（3 户）" in page and "排队中" in page
    assert f'hx-get="{reverse("cards:batch_status", args=[batch.pk])}"' in page
    assert township.get(reverse("cards:batch_download", args=[batch.pk])).status_code == 404

    print_batch_task.call(batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.year) == (CardBatch.Status.READY, 3, 2026)
    status = township.get(reverse("cards:batch_status", args=[batch.pk]))
    assert status["HX-Refresh"] == "true" and "已生成 3 张明白卡" in status.content.decode()
    ready = township.get(reverse("cards:batch", args=[batch.pk])).content.decode()
    assert "hx-get" not in ready and reverse("cards:batch_download", args=[batch.pk]) in ready
    download = township.get(reverse("cards:batch_download", args=[batch.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert "%E5%9F%8E%E5%85%B3%E9%95%87-2026" in download["Content-Disposition"]  # 城关镇-2026
    text = _pdf_text(download, tmp_path)
    assert "PAGES=3" in text and "孙桂兰" in text and "石桥户" in text and "北关户" not in text
    assert [path.suffix for path in (tmp_path / "media" / "cards").iterdir()] == [".pdf"]


def test_asking_again_while_the_batch_waits_queues_nothing_more(
    cast: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    township = _client(Role.TOWNSHIP, CHENGGUAN)
    _ask(township, CHENGGUAN, django_capture_on_commit_callbacks)
    _ask(township, CHENGGUAN, django_capture_on_commit_callbacks)
    assert CardBatch.objects.count() == 1 and DBTaskResult.objects.count() == 1


def test_a_small_village_prints_at_once_and_a_large_one_goes_to_the_worker(
    cast: dict[str, Household], settings: Any
) -> None:
    village = _client(Role.VILLAGE, SHANGPING)
    settings.FANGFAN_CARDS_INLINE_HOUSEHOLDS = 2
    at_once = village.get(reverse("cards:region", args=[SHANGPING]))
    assert at_once["Content-Type"] == "application/pdf"
    settings.FANGFAN_CARDS_INLINE_HOUSEHOLDS = 1
    offered = village.get(reverse("cards:region", args=[SHANGPING]))
    page = offered.content.decode()
    assert offered["Content-Type"].startswith("text/html") and "上坪村共 2 户" in page
    assert reverse("cards:batch_new", args=[SHANGPING]) in page and not CardBatch.objects.exists()


def test_a_batch_is_not_found_outside_its_region_and_asked_for_only_by_post_with_csrf(
    cast: dict[str, Household], django_capture_on_commit_callbacks: Any
) -> None:
    _ask(_client(Role.TOWNSHIP, CHENGGUAN), CHENGGUAN, django_capture_on_commit_callbacks)
    batch = CardBatch.objects.get()
    print_batch_task.call(batch.pk)
    pages = ("cards:batch", "cards:batch_status", "cards:batch_download")
    county = _client(Role.COUNTY, "621226")
    assert [county.get(reverse(name, args=[batch.pk])).status_code for name in pages] == [200] * 3
    for outsider in (
        _client(Role.VILLAGE, SHANGPING),  # a village of the township: not the township's batch
        _client(Role.COUNTY, "621202", username="wudu"),
    ):
        assert [outsider.get(reverse(name, args=[batch.pk])).status_code for name in pages] == [404] * 3
    wudu = _client(Role.TOWNSHIP, "621202001", username="wudu-township")
    assert wudu.post(reverse("cards:batch_new", args=[CHENGGUAN])).status_code == 403  # no CSRF token
    lenient = Client()
    lenient.force_login(User.objects.get(username="wudu-township"))
    assert lenient.post(reverse("cards:batch_new", args=[CHENGGUAN])).status_code == 404
    township = _client(Role.TOWNSHIP, CHENGGUAN, username="chengguan-2")
    assert township.get(reverse("cards:batch_new", args=[CHENGGUAN])).status_code == 405
    assert township.post(reverse("cards:batch_new", args=[CHENGGUAN])).status_code == 403
    assert _client(Role.DEPARTMENT, "621226").get(reverse("cards:batch", args=[batch.pk])).status_code == 403
    assert CardBatch.objects.count() == 1


def test_a_batch_that_breaks_off_leaves_no_file_and_says_so_in_chinese(
    cast: dict[str, Household], tmp_path: Path, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    township = _client(Role.TOWNSHIP, CHENGGUAN)
    _ask(township, CHENGGUAN, django_capture_on_commit_callbacks)
    batch = CardBatch.objects.get()

    def half_written(cards: Any, out: Any, *args: Any) -> int:
        out.write(b"%PDF-1.4 half a township")
        raise OSError("disk full")

    monkeypatch.setattr(background, "write_cards", half_written)
    with pytest.raises(OSError):
        print_batch_task.call(batch.pk)
    batch.refresh_from_db()
    assert batch.status == CardBatch.Status.FAILED and batch.file == ""
    assert list((tmp_path / "media" / "cards").iterdir()) == []
    page = township.get(reverse("cards:batch", args=[batch.pk])).content.decode()
    assert "生成明白卡时出现系统错误，没有留下文件" in page and "disk full" not in page
    assert township.get(reverse("cards:batch_download", args=[batch.pk])).status_code == 404


def test_a_finished_pdf_is_removed_once_its_keeping_time_is_over(
    cast: dict[str, Household], tmp_path: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    township = _client(Role.TOWNSHIP, CHENGGUAN)
    _ask(township, CHENGGUAN, django_capture_on_commit_callbacks)
    batch = CardBatch.objects.get()
    print_batch_task.call(batch.pk)
    settings.FANGFAN_CARDS_KEEP_HOURS = 72
    assert background.expire_batches(timezone.now() + dt.timedelta(hours=71)) == 0
    assert township.get(reverse("cards:batch_download", args=[batch.pk])).status_code == 200

    assert background.expire_batches(timezone.now() + dt.timedelta(hours=73)) == 1
    batch.refresh_from_db()
    assert batch.status == CardBatch.Status.EXPIRED and list((tmp_path / "media" / "cards").iterdir()) == []
    assert township.get(reverse("cards:batch_download", args=[batch.pk])).status_code == 404
    assert "已超过保留时间被删除" in township.get(reverse("cards:batch", args=[batch.pk])).content.decode()
