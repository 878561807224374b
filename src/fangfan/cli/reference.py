"""The CLI reference in docs/cli.md, made from the commands' own help texts.

    python -m fangfan.cli.reference > docs/cli.md

A test compares the file with this output, so the document cannot drift.
"""

from __future__ import annotations

import click

from fangfan.cli import COMMANDS, main

WIDTH = 100


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    # The same settings as a real invocation: click caches a command's help option the
    # first time it is built, so a context without them would print different help.
    return click.Context(
        command,
        info_name=name,
        parent=parent,
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        **main.context_settings,
    )


def _help(command: click.Command, name: str, parent: click.Context | None) -> str:
    return command.get_help(_context(command, name, parent))


def cli_reference() -> str:
    root = _context(main, "fangfan", None)
    parts = [
        "# 命令参考 · CLI reference",
        "",
        "Made by `python -m fangfan.cli.reference > docs/cli.md`; a test keeps it in step with `--help`.",
        "",
        "```text",
        main.get_help(root),
        "```",
    ]
    for name in sorted(COMMANDS):
        command = main.get_command(root, name)
        assert command is not None
        parts += ["", f"## fangfan {name}", "", "```text", _help(command, name, root), "```"]
        if isinstance(command, click.Group):  # a group's commands, each with its options
            group = _context(command, name, root)
            for sub_name in command.list_commands(group):
                sub = command.get_command(group, sub_name)
                assert sub is not None
                parts += [
                    "",
                    f"### fangfan {name} {sub_name}",
                    "",
                    "```text",
                    _help(sub, sub_name, group),
                    "```",
                ]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(cli_reference(), end="")
