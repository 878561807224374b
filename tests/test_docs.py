"""Documents that can drift are checked against the code they describe."""

from __future__ import annotations

import re
from pathlib import Path

from fangfan.cli.reference import cli_reference

ROOT = Path(__file__).resolve().parents[1]
SETTING = re.compile(
    r"""env_(?:str|int|bool|list|path)\(\s*"([A-Z_]+)"|environ(?:\.get)?[\[(]\s*"([A-Z_]+)\""""
)


def test_cli_reference_matches_the_commands_help() -> None:
    documented = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert documented == cli_reference(), (
        "docs/cli.md is stale: python -m fangfan.cli.reference > docs/cli.md"
    )


def test_every_environment_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        for match in SETTING.finditer(path.read_text("utf-8")):
            used.add(match.group(1) or match.group(2))
    assert used, "the pattern found no settings at all"
    missing = sorted(name for name in used if f"`{name}`" not in documented)
    assert not missing, f"undocumented settings: {missing}"


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make demo" in readme and "make test" in readme


def test_every_path_the_architecture_page_names_exists() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    named = set(re.findall(r"`([^`\s<…]+/[^`\s<…]*)`", text))
    source = ROOT / "src" / "fangfan"

    def exists(path: str) -> bool:
        if path.startswith(("src/", "tests/")):
            return (ROOT / path).exists()
        if path.endswith(".html"):
            return any(source.rglob(f"templates/{path}"))
        return (source / path).exists()

    assert len(named) > 20 and sorted(path for path in named if not exists(path)) == []
