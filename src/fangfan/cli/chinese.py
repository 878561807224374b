"""Click's own words in Chinese: its errors, usage lines and the fixed words of `--help`.

Click asks `gettext` for every message it shows (``_("Usage:")``, ``ngettext(...)``), each
module through its own imported name. `install()` points those names at `CATALOG`, a
catalog of click 8.5's messages, whatever the machine's locale: an office's computer is
often set to English, and a clerk should not meet "Error: No such option" there. Click's
placeholders that are not messages (``[OPTIONS]``, ``COMMAND [ARGS]...``, ``TEXT``) are set
on each command as it is loaded (`in_chinese`). Help is laid out by the columns a text takes
on a terminal (`display_width`: a Chinese character takes two), so that the options'
descriptions line up after a Chinese placeholder.

Messages about a command's own definition (a name declared twice, ...) are for the
programmer and stay in English; a message missing from the catalog is shown as click wrote it.

    fangfan import --nope      # 错误：没有选项 '--nope'。
"""

from __future__ import annotations

import gettext
import importlib
import unicodedata

import click
import click.formatting

# click's message -> Chinese. The {placeholders} are click's: a translation may leave one out
# (str.format ignores the rest), never add one.
CATALOG = {
    # help
    "Usage:": "用法:",  # the headings below end with click's own ASCII colon: the same here
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "位置参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "env var: {var}": "环境变量：{var}",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "(dynamic)": "（动态）",
    "deprecated": "已停用",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "注意：命令 {name!r} 已停用。{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "注意：{name!r} 已停用。{extra_message}"
    ),
    # errors
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Aborted!": "已中止。",
    "Missing command.": "缺少子命令。",
    "No such command {name!r}.": "没有 {name!r} 这个命令。",
    "No such option {name!r}.": "没有 {name!r} 这个选项。",
    "Did you mean {possibility}?": "是不是 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是其中之一：{possibilities}？）",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Got unexpected extra argument ({args})": "多出了参数（{args}）",
    "Got unexpected extra arguments ({args})": "多出了参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面需要一个值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面需要 {nargs} 个值。",
    "Option {name!r} does not take a value.": "选项 {name!r} 后面不能带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "{len_type} values are required, but {len_value} was given.": (
        "需要 {len_type} 个值，给了 {len_value} 个。"
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "需要 {len_type} 个值，给了 {len_value} 个。"
    ),
    "Value must be an iterable.": "值必须是一组值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不在可选值之中：{choices}。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数值。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 之内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} 不是有效的是非值；可用：{states}"
    ),
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合以下任一格式：{formats}。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "file": "文件",
    "directory": "目录",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是目录。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是目录，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 没有读取权限。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 没有写入权限。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 没有执行权限。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    # prompts
    "Do you want to continue?": "确定继续吗？",
    "Confirm the action without prompting.": "不再询问，直接确认。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Error: The two entered values do not match.": "错误：两次输入的不一致。",
    "Error: invalid input": "错误：输入无效",
    "Press any key to continue...": "按任意键继续……",
}
# What click shows for a value of each of its types when the option names none.
TYPE_WORDS = {
    "text": "文本",
    "integer": "整数",
    "integer range": "整数",
    "float": "数值",
    "float range": "数值",
    "boolean": "是非",
    "filename": "文件名",
}  # a path's (文件, 目录, 路径) is its name, looked up in CATALOG; a date's shows its format
OPTIONS = "[选项]"
SUBCOMMAND = "命令 [参数]..."
CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
    "click.termui",
    "click.utils",
)


class ClickCatalog(gettext.NullTranslations):
    """`CATALOG` as a gettext translation; a message it lacks comes back as it was."""

    def gettext(self, message: str) -> str:
        return CATALOG.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


def install() -> None:
    """Point click's `_` and `ngettext` at the catalog (once per process; later calls change nothing)."""
    catalog = ClickCatalog()
    for name in CLICK_MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = catalog.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = catalog.ngettext  # type: ignore[attr-defined]
    # What the help's columns and usage lines are measured by.
    click.formatting.term_len = display_width  # type: ignore[attr-defined,assignment]


def display_width(text: str) -> int:
    """Terminal columns `text` takes, its colour codes aside: wide (Chinese) characters take two.

    >>> display_width("--as-of 文本")
    12
    """
    plain = click.unstyle(text)
    return len(plain) + sum(unicodedata.east_asian_width(character) in "WF" for character in plain)


def in_chinese(command: click.Command) -> click.Command:
    """`command`, and a group's commands, with click's placeholders in Chinese; returns it."""
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = OPTIONS
    if isinstance(command, click.Group):
        if command.subcommand_metavar == "COMMAND [ARGS]...":
            command.subcommand_metavar = SUBCOMMAND
        for sub in command.commands.values():
            in_chinese(sub)
    for parameter in command.params:
        word = TYPE_WORDS.get(parameter.type.name)
        if not isinstance(parameter, click.Option) or parameter.metavar is not None or word is None:
            continue  # an argument's name is its command's, as is a metavar it chose
        if not parameter.is_flag and parameter.nargs == 1:
            parameter.metavar = word
    return command
