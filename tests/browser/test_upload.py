"""Uploads in a real browser: send a file, watch the background run, read the result.

The city is published (`published`); its school-roll officer (demo-school) sends:
- this month's school roll as a workbook, three pupils fewer: it runs in the background,
  the page shows it queued, running with its step, then finished with a new run;
- a school roll whose ID column came out empty: refused, each row's problem in the table,
  and the city's run stays the current one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl

from fangfan.web.registry.models import Run

Shoot = Callable[[Any, str], Path]


def _roll(published: Any) -> pl.DataFrame:
    return pl.read_csv(published.exports / "学籍信息.csv", infer_schema=False)


def _send(page: Any, path: Path) -> None:
    page.goto("/imports/new/")
    page.set_input_files("#id_file", str(path))
    page.click("text=上传并开始处理")
    page.wait_for_url(re.compile(r"/imports/\d+/$"))


def test_an_uploaded_school_roll_runs_in_the_background_and_becomes_the_current_run(
    page: Any,
    signed_in: Callable[..., Any],
    published: Any,
    run_worker: Callable[[], Any],
    shoot: Shoot,
    tmp_path: Path,
) -> None:
    workbook = tmp_path / "学籍信息（11月）.xlsx"
    _roll(published).slice(3).write_excel(workbook, worksheet="学籍")
    signed_in(page, published.users["department"])

    page.goto("/imports/new/")
    assert page.locator("#id_feed option").all_inner_texts() == ["教育·学籍信息"]
    page.set_input_files("#id_file", str(workbook))
    shoot(page, "upload-form")
    page.click("text=上传并开始处理")
    page.wait_for_url(re.compile(r"/imports/\d+/$"))
    assert page.locator("#upload-status [data-status]").get_attribute("data-status") == "queued"
    assert "已收到“学籍信息（11月）.xlsx”" in page.locator(".messages").inner_text()
    shoot(page, "upload-queued")

    worker = run_worker()
    # A small roll may be done between two polls (every 2 s): the running view, when the
    # page catches it, shows the step; tests/web/imports checks that view on its own.
    moving = page.locator('#upload-status [data-status="running"], #upload-status [data-status="done"]')
    moving.first.wait_for(timeout=60_000)
    if page.locator('#upload-status [data-status="running"]').count():
        assert page.locator("#upload-status .step").inner_text().startswith("正在：")
        shoot(page, "upload-running")
    page.locator('#upload-status [data-status="done"]').wait_for(timeout=180_000)
    worker.join(timeout=60)

    result = page.locator("#upload-result").inner_text()
    assert "已导入并完成筛查" in result
    current = Run.objects.current()
    assert current is not None and current.run_id != published.run_id and current.run_id in result
    assert page.locator(".timings li").count() >= 5
    shoot(page, "upload-done")

    page.goto("/imports/")
    assert "完成" in page.locator("table.uploads tbody tr").first.inner_text()
    shoot(page, "upload-list")


def test_a_school_roll_without_ids_is_refused_with_each_rows_problem_and_the_run_stays(
    page: Any,
    signed_in: Callable[..., Any],
    published: Any,
    run_worker: Callable[[], Any],
    shoot: Shoot,
    tmp_path: Path,
) -> None:
    roll = _roll(published).with_columns(pl.lit(None, dtype=pl.String).alias("身份证号"))
    broken = tmp_path / "学籍信息.csv"
    roll.write_csv(broken)
    signed_in(page, published.users["department"])
    _send(page, broken)

    worker = run_worker()
    page.locator('#upload-status [data-status="failed"]').wait_for(timeout=60_000)
    worker.join(timeout=60)

    assert "没有一行可以导入" in page.locator("#upload-result").inner_text()
    first = page.locator("table.problems tbody tr").first.locator("td").all_inner_texts()
    assert first[1:4] == ["", "2", "身份证号"] and "必填项为空" in first[5]
    assert page.locator("table.problems tbody tr").count() == roll.height
    current = Run.objects.current()
    assert current is not None and current.run_id == published.run_id
    shoot(page, "upload-refused")
