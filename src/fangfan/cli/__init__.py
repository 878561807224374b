"""`fangfan`: one command for every job the office runs.

Each subcommand lives in its own module and imports the engine lazily, so
`fangfan --help` stays fast and a missing optional engine breaks only its command.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from fangfan.cli import chinese

# Before any command is defined: click looks some of its words up as an option is made.
chinese.install()

# command name -> "module:function"
COMMANDS = {
    "generate": "fangfan.cli.generate:generate",
    "import": "fangfan.cli.importing:import_command",
    "snapshots": "fangfan.cli.importing:snapshots_command",
    "summary": "fangfan.cli.summary:summary_command",
    "demo": "fangfan.cli.summary:demo_command",
    "run": "fangfan.cli.run:run_command",
    "screen": "fangfan.cli.screen:screen_command",
    "link": "fangfan.cli.link:link_command",
    "publish": "fangfan.cli.publish:publish_command",
    "status": "fangfan.cli.status:status_command",
    "rectification": "fangfan.cli.rectification:rectification_group",
    "assess": "fangfan.cli.assess:assess_group",
    "odk": "fangfan.cli.odk:odk_group",
    "cards": "fangfan.cli.cards:cards_command",
    # backup and restore (issue 20)
    "backup": "fangfan.cli.backup:backup_command",
    "restore": "fangfan.cli.backup:restore_command",
    # field work II (docs/fieldwork.md): each part adds its group on its own line below
    # teams
    "teams": "fangfan.cli.teams:teams_group",
    # jobs
    "jobs": "fangfan.cli.jobs:jobs_group",
    # projects
    "projects": "fangfan.cli.projects:projects_group",
    # industry
    "industry": "fangfan.cli.industry:industry_group",
}

# Commands whose process hands memory Polars frees back to the system at once, by jemalloc's
# background thread (Polars' allocator; `_RJEM_MALLOC_CONF` is read when Polars loads, so it is
# set before the command's module imports it). A city's publish holds frames in one thread
# while another builds the department records: with jemalloc's default ten seconds' grace
# for freed pages its peak was 4.14 GiB, with none 3.57 GiB, in the same 86 s
# (bench/RESULTS.md, issue 14). Not for every command: purging costs CPU (publish: +7 s, off
# its critical path), and the other commands' peaks are not at a limit. A value the
# environment gives is kept, unless it is only what Polars itself writes there (its own
# defaults, which a parent process that imported Polars passes on to its children).
RELEASE_MEMORY_PROMPTLY = frozenset({"publish"})
PROMPT_RELEASE = "background_thread:true,dirty_decay_ms:0,muzzy_decay_ms:0"
POLARS_DEFAULTS = "dirty_decay_ms:500,muzzy_decay_ms:1000"


def release_memory_promptly(command: str) -> None:
    if command not in RELEASE_MEMORY_PROMPTLY or "polars" in sys.modules:
        return
    given = os.environ.get("_RJEM_MALLOC_CONF", "")
    if not given.replace(POLARS_DEFAULTS, "").strip(","):
        os.environ["_RJEM_MALLOC_CONF"] = PROMPT_RELEASE


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        release_memory_promptly(cmd_name)
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return chinese.in_chinese(command)

    def invoke(self, ctx: click.Context) -> Any:
        """A setting the environment gives wrongly (FANGFAN_REGION=…, a limit that is no number)
        stops any command with its Chinese message, not a traceback."""
        from fangfan.engine.config import ConfigError

        try:
            return super().invoke(ctx)
        except ConfigError as error:
            raise click.ClickException(f"环境变量设置有误：{error}") from None


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    options_metavar=chinese.OPTIONS,
    subcommand_metavar=chinese.SUBCOMMAND,
)
@click.version_option(package_name="fangfan")
def main() -> None:
    """防返（fangfan）：巩固脱贫成果、防止返贫的数据工作系统。"""
