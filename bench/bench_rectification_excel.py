"""Benchmark of the rectification workbooks and the feedback-list reader, at city scale.

A 1,000-row feedback list (every row a real county and township) is read, and a city's
20,000 problems (seeded, over its 199 townships and five sources) are written as the three
lists, the progress report and the largest county's 整改台账 by township. Seconds each.

    python -m bench.bench_rectification_excel
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter

from fangfan.engine import regions
from fangfan.engine.rectification.feedback import read_feedback
from fangfan.engine.rectification.report import frame
from fangfan.engine.rectification.workbooks import (
    write_county_ledger,
    write_progress_report,
    write_three_lists,
)

PROBLEMS = 20_000
LIST_ROWS = 1_000
SOURCES = ("省际交叉考核", "审计", "自查", "巡视巡察", "国家考核评估")
TODAY = dt.date(2021, 7, 1)


def _feedback_list(path: Path, rng: random.Random) -> Path:
    townships = list(regions.townships().values())
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(
        0, 0, ["序号", "问题描述", "涉及县区", "涉及乡镇", "整改措施", "责任单位", "责任人", "整改时限"]
    )
    for index in range(LIST_ROWS):
        township = rng.choice(townships)
        county = regions.counties()[township.parent_code]
        row = [
            str(index + 1),
            f"问题{index}",
            county.name,
            township.name,
            "措施",
            "单位",
            "人",
            "2021年6月底",
        ]
        sheet.write_row(index + 1, 0, row)
    workbook.close()
    return path


def _problems(rng: random.Random) -> pl.DataFrame:
    townships = list(regions.townships().values())
    rows = []
    for index in range(PROBLEMS):
        township = rng.choice(townships)
        closed = rng.random() < 0.6
        rows.append(
            {
                "number": str(index),
                "source": rng.choice(SOURCES),
                "batch": "2020年省际交叉考核反馈问题",
                "county_code": township.parent_code,
                "township_code": township.code,
                "place_name": township.name,
                "description": "部分脱贫户收入核算不准，帮扶措施落实不到位" * 2,
                "measures": "逐户核算，补齐台账，落实帮扶措施" * 3,
                "lead_unit": "乡镇人民政府",
                "responsible_person": "张主任",
                "deadline": dt.date(2021, 6, 30),
                "status": "已销号" if closed else "整改中",
                "fixed": closed,
                "closed": closed,
                "closed_on": dt.date(2021, 6, 1) if closed else None,
                "reopened": 0,
                "recurring": False,
            }
        )
    return frame(rows)


def run(seed: int = 1) -> dict[str, Any]:
    """Seconds for reading the list and for writing each workbook."""
    rng = random.Random(seed)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fangfan-bench-rectification-") as scratch:
        folder = Path(scratch)
        path = _feedback_list(folder / "list.xlsx", rng)
        started = time.perf_counter()
        feedback = read_feedback(path, received=dt.date(2021, 1, 5))
        figures["read_list_seconds"] = round(time.perf_counter() - started, 2)
        figures["list_rows"] = feedback.rows.height
        problems = _problems(rng)
        largest = problems.filter(pl.col("county_code") == "621202")
        jobs: dict[str, Callable[[], object]] = {
            "three_lists_seconds": lambda: write_three_lists(
                folder / "t.xlsx", problems, title="陇南市", today=TODAY
            ),
            "progress_seconds": lambda: write_progress_report(
                folder / "p.xlsx", problems, title="陇南市", today=TODAY
            ),
            "county_ledger_seconds": lambda: write_county_ledger(
                folder / "l.xlsx", largest, county_name="武都区", today=TODAY, by="township"
            ),
        }
        for name, job in jobs.items():
            started = time.perf_counter()
            job()
            figures[name] = round(time.perf_counter() - started, 2)
        figures["problems"] = problems.height
        figures["county_problems"] = largest.height
    return figures


if __name__ == "__main__":
    print(run())
