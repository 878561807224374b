"""A problem from an inspection's feedback list to 销号, in a real browser.

礼县's office (the county) imports the 2020 省际交叉考核 feedback list from the ledger's
导入反馈清单 link. Its first copy has a row without 责任人 and a row placed in 北京: the
page lists both, with the rows to fix, and nothing is loaded. The fixed copy loads its
three problems as one batch. 城关镇's office reports the fix of 石桥村's problem on a
phone, with a photo; the county re-checks it on site, accepts it and closes it out
(销号). Each page is photographed; no page may break the Content Security Policy or ask
for a missing file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.rectification.models import Problem
from fangfan.web.rectification.testing import PNG

Shoot = Callable[[Any, str], Path]
HEADER = ["序号", "问题描述", "涉及县区", "涉及乡镇", "涉及村", "整改措施", "责任单位", "责任人", "整改时限"]


@pytest.fixture
def offices(transactional_db: None) -> dict[str, User]:
    make_regions()
    return {
        "county": make_user("county", "621226", username="lixian-office", last_name="王", first_name="建国"),
        "township": make_user(
            "township", "621226100", username="chengguan-office", last_name="李", first_name="强"
        ),
    }


def feedback_list(path: Path, *, fixed: bool) -> Path:
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    rows = [
        [
            "1",
            "石桥村仍有农户饮用露天水窖水",
            "礼县",
            "城关镇",
            "石桥村",
            "接通自来水入户",
            "城关镇人民政府",
            "李强",
            due,
        ],
        [
            "2",
            "部分脱贫户收入核算不准",
            "礼县",
            "",
            "",
            "逐户重新核算",
            "礼县乡村振兴局",
            "张明" if fixed else "",
            due,
        ],
        [
            "3",
            "帮扶干部走访记录雷同",
            "礼县" if fixed else "北京",
            "城关",
            "",
            "重新走访",
            "城关镇人民政府",
            "赵六",
            "立行立改",
        ],
    ]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("反馈问题")
    sheet.merge_range(0, 0, 0, len(HEADER) - 1, "2020年省际交叉考核反馈问题整改清单")
    sheet.write_row(1, 0, HEADER)
    for index, row in enumerate(rows, start=2):
        sheet.write_row(index, 0, row)
    workbook.close()
    return path


def _import(page: Any, path: Path) -> None:
    page.goto("/rectification/")
    page.locator("#import-feedback-link").click()
    form = page.locator("#import-form")
    form.locator("input[name=file]").set_input_files(str(path))
    form.locator("select[name=source]").select_option("cross_province")
    form.locator("select[name=category]").select_option("POLICY")
    form.locator("button[type=submit]").click()


def test_a_problem_goes_from_the_feedback_list_to_closed_out(
    page: Any,
    phone: Any,
    signed_in: Callable[..., Any],
    offices: dict[str, User],
    shoot: Shoot,
    tmp_path: Path,
    watch_csp: Any,
) -> None:
    watched = watch_csp(page, phone)

    signed_in(page, offices["county"])
    _import(page, feedback_list(tmp_path / "省际考核反馈问题.xlsx", fixed=False))
    report = page.locator("#import-report")
    report.wait_for()
    text = report.inner_text()
    assert "未导入：有 2 处错误" in text
    assert "责任人未填写" in text and "“北京”不是陇南市已知的县区或乡镇名称" in text
    assert not Problem.objects.exists()
    shoot(page, "rectification-import-refused")

    _import(page, feedback_list(tmp_path / "省际考核反馈问题（修改后）.xlsx", fixed=True))
    page.wait_for_selector(".message.success")
    assert "已导入反馈清单：3 个整改问题" in page.locator(".messages").inner_text()
    assert Problem.objects.count() == 3
    shoot(page, "rectification-import-loaded")
    assert watched.violations() == []  # the import page and the ledger

    cistern = Problem.objects.get(serial="1")
    signed_in(phone, offices["township"])
    phone.goto(f"/rectification/{cistern.pk}/")
    photo = tmp_path / "水管入户.png"
    photo.write_bytes(PNG)
    fix = phone.locator("form.mon-action-submit_fix")
    fix.locator("textarea[name=note]").fill("已接通自来水入户，水窖封存")
    fix.locator("input[name=fixed_on]").fill(timezone.localdate().isoformat())
    fix.locator("input[name=proof]").set_input_files(str(photo))
    shoot(phone, "rectification-fix-form-phone")
    fix.locator("button[type=submit]").click()
    phone.wait_for_selector("#problem-status:has-text('已整改待验收')")
    assert phone.locator("form.mon-action-accept").count() == 0  # the fixer's unit may not accept
    shoot(phone, "rectification-fixed-phone")

    page.goto(f"/rectification/{cistern.pk}/")
    accept = page.locator("form.mon-action-accept")
    accept.locator("input[name=rechecked_on]").fill(timezone.localdate().isoformat())
    accept.locator("input[name=rechecked_by]").fill("县乡村振兴局 刘敏、王涛")
    accept.locator("textarea[name=result]").fill("入户查看，自来水已通，水窖已封")
    accept.locator("button[type=submit]").click()
    page.wait_for_selector("#problem-status:has-text('已验收待销号')")
    page.locator("form.mon-action-close button[type=submit]").click()
    page.wait_for_selector("#problem-status:has-text('已销号')")
    events = page.locator("#problem-events").inner_text()
    for step in ("反馈清单导入", "提交整改", "验收", "销号"):
        assert step in events
    shoot(page, "rectification-closed")
    cistern.refresh_from_db()
    assert cistern.status == "closed"

    # Every step form has field ids of its own (id_<verb>_note): with one id shared by
    # several forms, htmx's settle left a blocked inline style on it.
    assert watched.violations() == []
    assert watched.missing == []
