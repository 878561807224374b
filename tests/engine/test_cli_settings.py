"""A setting the environment gives wrongly stops a command with a Chinese message, not a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from fangfan.cli import main
from fangfan.engine.config import ConfigError


@pytest.fixture
def exports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from fangfan.engine.synth import generate_dataset

    monkeypatch.setenv("FANGFAN_HOME", str(tmp_path / "home"))
    generate_dataset(tmp_path / "exports", 8, 3, as_of=dt.date(2026, 10, 31))
    return tmp_path / "exports"


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("FANGFAN_REGION", "shanghai", "未知的区划范围 'shanghai'，应为 longnan、gansu 之一"),
        ("FANGFAN_UPLOAD_MAX_ROWS", "很多", "FANGFAN_UPLOAD_MAX_ROWS 应为整数"),
    ],
)
def test_a_wrong_setting_stops_fangfan_import_with_its_chinese_message(
    exports: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, said: str
) -> None:
    monkeypatch.setenv(variable, value)

    result = CliRunner().invoke(main, ["import", str(exports)])

    assert not isinstance(result.exception, ConfigError), "a traceback, not a message"
    assert result.exit_code == 1
    assert "环境变量设置有误" in result.output and said in result.output
    assert not list((exports.parent / "home").glob("snapshots/*/households.parquet"))
