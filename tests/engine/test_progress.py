"""Progress on a terminal and elsewhere, and the monthly job's step figures (engine/progress.py)."""

from __future__ import annotations

import io
import re
import time

import numpy as np
from rich.console import Console

from fangfan.engine.progress import RichProgress, StepFigures, StepMeter


def test_off_a_terminal_each_task_prints_a_whole_line_when_it_starts_and_finishes_with_its_time() -> None:
    stream = io.StringIO()
    with RichProgress(Console(file=stream, force_terminal=False)) as progress:
        progress.start("读取文件", total=3)
        progress.advance("读取文件")
        time.sleep(0.15)
        progress.finish("读取文件")
        progress.advance("校验数据")  # a task advanced before it was started starts then
        progress.finish("校验数据")
        progress.finish("从未开始")  # nothing to say
    lines = stream.getvalue().splitlines()
    assert lines[0] == "读取文件 开始"
    assert re.fullmatch(r"读取文件 完成 用时 \d+\.\d 秒", lines[1])
    assert float(lines[1].split()[3]) >= 0.1
    assert lines[2:] == ["校验数据 开始", "校验数据 完成 用时 0.0 秒"]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


def test_on_a_terminal_the_tasks_are_bars() -> None:
    stream = io.StringIO()
    with RichProgress(Console(file=stream, force_terminal=True, width=100)) as progress:
        progress.start("读取文件", total=2)
        progress.advance("读取文件", 2)
        progress.finish("读取文件")
    shown = stream.getvalue()
    assert "读取文件" in shown and "2/2" in shown
    assert "读取文件 开始" not in shown


def test_a_measured_step_says_its_wall_cpu_and_peak_on_the_line_that_finishes_it() -> None:
    stream = io.StringIO()
    with RichProgress(Console(file=stream, force_terminal=False)) as progress:
        meter = StepMeter(progress)
        with meter.step("import", "导入"):
            progress.start("读取文件", total=1)
            progress.finish("读取文件")
    lines = stream.getvalue().splitlines()
    assert lines[0] == "导入 开始"
    assert lines[1:3] == ["读取文件 开始", "读取文件 完成 用时 0.0 秒"]
    assert re.fullmatch(r"导入 完成 用时 \d+\.\d 秒，CPU \d+\.\d 秒，内存峰值 [\d,]+ MB", lines[3])
    assert len(lines) == 4


def test_the_meter_measures_each_step_apart_and_the_whole() -> None:
    meter = StepMeter()
    with meter.step("big", "大"):
        block = np.ones(400 * 1024**2 // 8)  # 400 MB, touched
        block[::512] = 2.0
        time.sleep(0.1)
        del block
    with meter.step("small", "小"):
        time.sleep(0.1)
        sum(range(200_000))
    big, small = meter.figures["big"], meter.figures["small"]
    assert big.peak_mb - small.peak_mb > 300  # the big step's peak is its own, not carried over
    assert big.wall_seconds >= 0.1 and small.wall_seconds >= 0.1
    assert small.cpu_seconds > 0
    figures = meter.as_dict()
    assert list(figures) == ["big", "small", "total"]
    assert figures["total"]["peak_mb"] >= figures["big"]["peak_mb"]  # both rounded to 0.1 MB
    assert figures["total"]["wall_seconds"] >= big.wall_seconds + small.wall_seconds - 0.01
    assert set(figures["big"]) == {"wall_seconds", "cpu_seconds", "peak_mb"}


def test_a_step_that_fails_is_not_recorded_and_the_failure_passes_through() -> None:
    meter = StepMeter()
    try:
        with meter.step("import", "导入"):
            raise ValueError("坏文件")
    except ValueError as error:
        assert str(error) == "坏文件"
    assert meter.figures == {}


def test_figures_read_in_chinese() -> None:
    assert StepFigures(12.34, 20.06, 1234.4).describe() == "用时 12.3 秒，CPU 20.1 秒，内存峰值 1,234 MB"
