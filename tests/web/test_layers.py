"""The layers hold: who may import whom, and where role groups and region filters live.

A source scan, so a shortcut across a layer fails here before it becomes a habit
(docs/architecture.md):

    engine  ←  web apps (registry ← monitoring, workqueue)  ←  publishing  ←  imports' processing
       ↑            ↑ shared (Excel, pagination, bulk loading), accounts.access (the gate)
      CLI  ────────────────────────────────────────────────────────────────→ (calls both)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "fangfan"
WEB = SRC / "web"
GATE = "accounts/access.py"

# Region filtering done by hand: a code prefix compared or cut outside the gate.
REGION_PREFIX = re.compile(r"\w*code__startswith|\bPREFIX_LENGTH\b|\bdef (?:region_for_user|code_prefix)\b")


def _modules(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if "migrations" not in path.parts)


def _imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _importers(root: Path, *forbidden: str) -> list[str]:
    return [
        f"{path.relative_to(SRC)} imports {name}"
        for path in _modules(root)
        for name in sorted(_imported(path))
        if any(name == prefix or name.startswith(f"{prefix}.") for prefix in forbidden)
    ]


def _is_role(node: ast.AST) -> bool:
    """`Role.CITY` or `User.Role.CITY`."""
    if not isinstance(node, ast.Attribute):
        return False
    owner = node.value
    return (isinstance(owner, ast.Name) and owner.id == "Role") or (
        isinstance(owner, ast.Attribute) and owner.attr == "Role"
    )


def _role_groups(source: str) -> list[int]:
    """Lines that define a group of roles, or pass one to `require_roles` inline."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        value: ast.AST | None = None
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.args:
                value = value.args[0]  # frozenset({...}), tuple([...])
            if isinstance(value, ast.Tuple | ast.List | ast.Set) and sum(map(_is_role, value.elts)) >= 2:
                lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", "") == "require_roles"
            and sum(map(_is_role, node.args)) >= 2
        ):
            lines.append(node.lineno)
    return lines


def _outside_the_gate() -> list[tuple[str, str]]:
    """(path under web/, problem) for every role group or hand-made region filter outside the gate."""
    found = []
    for path in _modules(WEB):
        name = path.relative_to(WEB).as_posix()
        if name == GATE:
            continue
        source = path.read_text("utf-8")
        found += [(name, f"line {line}: a group of roles") for line in _role_groups(source)]
        found += [
            (name, f"line {source[: match.start()].count(chr(10)) + 1}: {match.group()}")
            for match in REGION_PREFIX.finditer(source)
        ]
    return found


def test_the_web_never_imports_the_cli() -> None:
    assert _importers(WEB, "fangfan.cli") == []


def test_the_engine_imports_neither_django_nor_the_web_nor_the_cli() -> None:
    assert _importers(SRC / "engine", "django", "fangfan.web", "fangfan.cli") == []


def test_the_registry_imports_no_app_built_on_it() -> None:
    apps = ("monitoring", "workqueue", "imports", "publishing", "procedures")
    assert _importers(WEB / "registry", *(f"fangfan.web.{app}" for app in apps)) == []


def test_only_the_upload_processing_and_the_cli_call_publishing() -> None:
    callers = {line.split(" imports ")[0] for line in _importers(WEB, "fangfan.web.publishing")}
    assert callers - {"web/imports/processing.py"} <= {
        str(path.relative_to(SRC)) for path in _modules(WEB / "publishing")
    }


def test_no_app_builds_on_the_oversight_board() -> None:
    """web/oversight/ reads the apps below it; only the site's URLs name it."""
    importers = {line.split(" imports ")[0] for line in _importers(WEB, "fangfan.web.oversight")}
    assert importers - {"web/urls.py"} <= {str(path.relative_to(SRC)) for path in _modules(WEB / "oversight")}


def test_shared_helpers_import_no_app_but_the_accounts_masking() -> None:
    apps = ("registry", "monitoring", "workqueue", "imports", "publishing", "regions", "procedures")
    assert _importers(WEB / "shared", *(f"fangfan.web.{app}" for app in apps)) == []


def test_role_groups_and_region_filters_live_only_in_the_access_gate() -> None:
    outside = [f"{name}: {problem}" for name, problem in _outside_the_gate()]
    assert outside == [], "name the role group or filter the region in accounts/access.py"


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("READERS = (Role.CITY, Role.COUNTY)\n", [1]),
        ("X = frozenset({User.Role.TOWNSHIP, User.Role.VILLAGE})\n", [1]),
        ("@require_roles(Role.TOWNSHIP, Role.VILLAGE)\ndef f(): pass\n", [1]),
        ("@require_roles(*REGION_READERS)\ndef f(): pass\n", []),
        ("ONE = Role.CITY\naccounts = [('a', Role.CITY), ('b', Role.COUNTY)]\n", []),
    ],
)
def test_the_scan_sees_a_role_group_written_out(source: str, lines: list[int]) -> None:
    assert _role_groups(source) == lines


# What the whole site shares; everything else is an app's own, in <app>/templates/<app>/
# and <app>/static/<app>/. procedures/: the procedure include, until procedures is an app.
SITE_TEMPLATES = re.compile(r"(base|error_page|\d{3}(_csrf)?)\.html|procedures/.+")
SITE_STATIC = ("fangfan", "vendor")


def test_templates_and_static_files_are_the_site_s_or_inside_their_app() -> None:
    misplaced = [
        path.relative_to(WEB).as_posix()
        for path in (WEB / "templates").rglob("*")
        if path.is_file() and not SITE_TEMPLATES.fullmatch(path.relative_to(WEB / "templates").as_posix())
    ]
    misplaced += [
        path.relative_to(WEB).as_posix()
        for path in (WEB / "static").iterdir()
        if path.name not in SITE_STATIC
    ]
    for kind in ("templates", "static"):
        for folder in WEB.glob(f"*/{kind}"):
            app = folder.parent.name
            misplaced += [path.relative_to(WEB).as_posix() for path in folder.iterdir() if path.name != app]
    assert misplaced == []
