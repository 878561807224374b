"""What an office sees when fangfan says no, in a real browser, on a desk and on a phone.

- The upload form refuses an empty file before it is sent anywhere: the reason above the
  form, the form still there.
- The worker refuses a zip bomb (issue 20's hostile corpus) and a file of the wrong feed:
  the upload's page says 失败 and why, in Chinese, and the long reason wraps inside the
  page instead of running off a phone's screen.
- A database that stays busy gets the 503 page: "系统正在更新数据，请稍后再试" in the site's
  frame, its links, and a Retry-After header.

Each page is shot to var/screenshots/refusal-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from django.contrib.auth.decorators import login_not_required
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import URLPattern, URLResolver, include, path

from fangfan.web import errors
from hostile.corpus import wrong_feed, zip_bomb

Shoot = Callable[[Any, str], Path]
# Wider than its viewport by more than this, a page makes its reader scroll sideways.
SLACK_PX = 1


@login_not_required
def _locked(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database is locked")


class BUSY_SITE:  # a URL configuration: the site's own URLs and one that finds the database busy
    urlpatterns: ClassVar[list[URLPattern | URLResolver]] = [
        path("busy/", _locked),
        path("", include("fangfan.web.urls")),
    ]
    handler500 = staticmethod(errors.server_error)


@pytest.fixture
def busy_site() -> Iterator[None]:
    with override_settings(ROOT_URLCONF=BUSY_SITE):
        yield


def _fits(page: Any) -> None:
    """Nothing on the page runs past the right edge of the window."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= SLACK_PX, f"{page.url}: {overflow}px wider than the window"


def _send(page: Any, file: Path) -> None:
    page.goto("/imports/new/")
    page.set_input_files("#id_file", str(file))
    page.click("text=上传并开始处理")


def test_an_empty_file_is_refused_by_the_form_with_the_reason_above_it(
    page: Any, phone: Any, signed_in: Callable[..., Any], published: Any, shoot: Shoot, tmp_path: Path
) -> None:
    empty = tmp_path / "学籍信息.csv"
    empty.write_bytes(b"")
    for screen, name in ((page, "desk"), (phone, "phone")):
        signed_in(screen, published.users["department"])
        _send(screen, empty)
        alert = screen.locator(".form-errors[role=alert]")
        assert "上传的文件是空的" in alert.inner_text()
        assert screen.locator("#upload-form").is_visible()
        assert screen.url.endswith("/imports/new/")
        _fits(screen)
        shoot(screen, f"refusal-empty-file-{name}")


@pytest.mark.parametrize(
    ("make", "reason"),
    [(zip_bomb, "压缩比异常"), (wrong_feed, "所选的数据类别是「学籍信息」，但文件中识别出的是「残疾人证」")],
    ids=["zip_bomb", "wrong_feed"],
)
def test_a_file_the_worker_refuses_is_failed_with_its_chinese_reason_on_desk_and_phone(
    page: Any,
    phone: Any,
    signed_in: Callable[..., Any],
    published: Any,
    run_worker: Callable[[], Any],
    shoot: Shoot,
    tmp_path: Path,
    make: Callable[[Path], Path],
    reason: str,
) -> None:
    file = make(tmp_path)
    signed_in(page, published.users["department"])
    _send(page, file)
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    worker = run_worker()
    page.locator('#upload-status [data-status="failed"]').wait_for(timeout=120_000)
    worker.join(timeout=60)

    outcome = page.locator("#upload-result .outcome")
    assert reason in outcome.inner_text()
    assert "当前使用的数据没有改变" in outcome.inner_text()
    assert page.locator("#upload-status .status").inner_text() == "失败"
    assert not re.search(r"[A-Za-z]{3,}Error|Traceback|/tmp/|calamine", page.content())
    # The change log names what the file held as the office does, not by the engine's names.
    assert not re.search(r"\b(disability|school_roll)\b", page.locator("main").inner_text())
    _fits(page)
    shoot(page, f"refusal-{make.__name__}-desk")

    signed_in(phone, published.users["department"])
    phone.goto(page.url)
    box = phone.locator("#upload-result .outcome").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    _fits(phone)
    # A problem's text keeps a readable width; the table scrolls sideways instead.
    for cell in phone.locator("table.problems tbody td:nth-child(6)").all():
        width = cell.bounding_box()
        assert width is not None and width["width"] >= 14 * 14, width
    shoot(phone, f"refusal-{make.__name__}-phone")


def test_a_busy_database_gets_the_chinese_503_page_in_the_sites_frame(
    page: Any, phone: Any, busy_site: None, shoot: Shoot
) -> None:
    for screen, name in ((page, "desk"), (phone, "phone")):
        response = screen.goto("/busy/")
        assert response is not None and response.status == 503
        assert response.headers["retry-after"] == str(errors.RETRY_AFTER_SECONDS)
        assert screen.title().startswith("系统正在更新数据")
        assert screen.locator("#error-title").inner_text() == "系统正在更新数据，请稍后再试"
        assert screen.locator(".error-code").inner_text() == "503"
        assert "没有保存任何内容" in screen.locator(".error-page").inner_text()
        assert screen.locator(".error-links a").all_inner_texts() == ["刷新页面", "返回首页"]
        assert screen.locator(".site-header").is_visible()
        # The site's style sheet applies (the page is not bare HTML): the heading is not at the edge.
        heading = screen.locator("#error-title").bounding_box()
        assert heading is not None and heading["x"] > 0
        _fits(screen)
        shoot(screen, f"refusal-503-{name}")
