"""`manage.py publish_run` with its progress shown: off a terminal, whole lines with each step's time."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from fangfan.web.registry.models import Run

from .conftest import EngineData

pytestmark = pytest.mark.django_db


def test_publish_run_off_a_terminal_prints_each_step_as_whole_lines_with_its_time(
    engine_data: EngineData, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FANGFAN_HOME", str(engine_data.home))
    call_command("publish_run", str(engine_data.first_run))
    assert Run.objects.get(is_current=True).run_id == engine_data.first_run.name
    captured = capsys.readouterr()
    assert "已发布筛查批次" in captured.out
    lines = captured.err.splitlines()
    started = [line.removesuffix(" 开始") for line in lines if line.endswith(" 开始")]
    finished = [m.group(1) for line in lines if (m := re.fullmatch(r"(.+) 完成 用时 \d[\d,]*\.\d 秒", line))]
    assert len(started) >= 3
    assert set(finished) <= set(started) and len(finished) >= 3
    assert not any(re.search(r"\b0:\d\d\b|━", line) for line in lines)  # no live display
