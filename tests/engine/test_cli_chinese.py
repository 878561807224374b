"""Click's own words reach the office in Chinese: errors, usage lines and the fixed words of --help."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from fangfan.cli import chinese, main

# English that click writes itself; none of it may reach a clerk.
ENGLISH = re.compile(
    r"Usage:|Options:|Commands:|Error:|Try '|Show this message|Show the version|No such|Missing|"
    r"Invalid value|is not one of|is not a valid|does not|\[OPTIONS\]|COMMAND \[ARGS\]|\bTEXT\b|\bINTEGER\b"
)


def _run(*arguments: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(arguments), prog_name="fangfan", terminal_width=100)


def test_an_unknown_option_is_named_in_chinese_with_the_usage_and_where_to_find_help() -> None:
    result = _run("import", "--nope", "导出")
    assert result.exit_code == 2
    assert "用法: fangfan import [选项] INPUT_DIR" in result.output
    assert "运行“fangfan import --help”查看帮助。" in result.output
    assert "错误：没有 '--nope' 这个选项。" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_a_mistyped_option_is_answered_with_the_one_that_was_meant() -> None:
    result = _run("import", "--synonym", "x", "导出")
    assert "错误：没有 '--synonym' 这个选项。 是不是 '--synonyms'？" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_an_unknown_command_and_a_missing_argument_are_said_in_chinese() -> None:
    unknown = _run("improt")
    assert "错误：没有 'improt' 这个命令。" in unknown.output
    assert "用法: fangfan [选项] 命令 [参数]..." in unknown.output
    missing = _run("import")
    assert "错误：缺少参数 'INPUT_DIR'" in missing.output
    for result in (unknown, missing):
        assert result.exit_code == 2
        assert not ENGLISH.search(result.output), result.output


def test_a_bad_choice_a_bad_number_and_a_bad_date_are_said_in_chinese() -> None:
    choice = _run("run", "--engine", "excel", "--out", "出", "入")
    assert "错误：'--engine' 的值无效：'excel' 不在可选值之中：'polars', 'duckdb', 'spark'。" in choice.output
    number = _run("generate", "--households", "很多", "--out", "出")
    assert "错误：'--households' 的值无效：'很多' 不是有效的数值。" in number.output
    date = _run("generate", "--as-of", "2024-13-01", "--out", "出")
    assert "错误：'--as-of' 的值无效：'2024-13-01' 不符合格式 '%Y-%m-%d'。" in date.output
    missing_path = _run("import", "/没有/这个/目录")
    assert "目录 '/没有/这个/目录' 不存在。" in missing_path.output
    for result in (choice, number, date, missing_path):
        assert result.exit_code == 2
        assert not ENGLISH.search(result.output), result.output


@pytest.mark.parametrize("command", [[], ["import"], ["run"], ["rectification"], ["rectification", "check"]])
def test_help_has_no_english_of_clicks_own(command: list[str]) -> None:
    result = _run(*command, "--help")
    assert result.exit_code == 0
    assert result.output.startswith(f"用法: fangfan {' '.join(command)}".rstrip() + " [选项]")
    assert "\n选项:\n" in result.output
    assert "显示本帮助并退出。" in result.output
    assert not ENGLISH.search(result.output), result.output


def test_descriptions_line_up_after_a_chinese_placeholder() -> None:
    lines = _run("import", "--help").output.splitlines()
    options = [line for line in lines if line.startswith("  -")]
    # Where each description starts, in terminal columns: after the option, its placeholder and spaces.
    starts = {chinese.display_width(re.sub(r"^(\s*\S.*?\s{2,})\S.*", r"\1", line)) for line in options}
    assert any("--as-of 文本" in line for line in options)
    assert len(starts) == 1 and starts != {len(options[0])}, options


def test_the_version_is_said_in_chinese() -> None:
    assert re.fullmatch(r"fangfan，版本 \S+\n", _run("--version").output)


def test_every_catalog_entry_keeps_only_clicks_own_placeholders() -> None:
    fields = re.compile(r"\{(\w+)[^}]*\}|%\((\w+)\)s")
    for message, translation in chinese.CATALOG.items():
        given = {next(filter(None, m)) for m in fields.findall(message)}
        used = {next(filter(None, m)) for m in fields.findall(translation)}
        assert used <= given, (message, translation)
        assert re.search(r"[\u4e00-\u9fff]", translation), message
