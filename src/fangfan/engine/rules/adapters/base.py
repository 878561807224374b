"""The rule adapters' common ground: what every engine shares, and the interface it implements.

A rule adapter turns a checked catalogue (`rules.check`) into work for one engine and
runs it over the wide tables, yielding finding rows with `FINDING_COLUMNS` (household,
person, village, rule code, message, evidence JSON). The findings must be the same,
byte for byte, whatever the engine: the message and evidence pieces every adapter
writes come from here (`message_pieces`, `evidence_entries`, `placeholder_notes`).

One module per engine, each a subclass of `Adapter` (named `<engine>_adapter.py`, so
that a module never shadows the engine's own package):

- `polars_adapter` — `PolarsAdapter`, the default: conditions as Polars expressions.
- `sql` — `SqlAdapter`, rules compiled to SQL through sqlglot for any dialect it
  writes; the base of the engines that speak SQL:
- `duckdb_adapter` — `DuckDBAdapter`, in-process (`fangfan screen --engine duckdb`).
- `spark_adapter` — `SparkAdapter`, a sketch for a cluster (issue 19 makes it real).

A further engine is one more module beside these, subclassing `SqlAdapter` when it
speaks SQL or `Adapter` otherwise, that imports its engine only when it runs (a
machine without it still imports everything else) and is named in `screen.ENGINES`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import polars as pl

from fangfan.engine.policy import Policy
from fangfan.engine.rules.check import check_rule
from fangfan.engine.rules.columns import COLUMNS, WideColumn
from fangfan.engine.rules.model import Catalogue, Rule

FINDING_COLUMNS = ("household_id", "id_number", "village_code", "rule_code", "message", "evidence")
TEXT_OF_NULL = "空"  # how a message writes a value that is missing


class Adapter:
    """Compiles a catalogue for one engine and runs it over wide tables."""

    def compile(self, catalogue: Catalogue) -> Mapping[str, Any]:
        """{wide table: the compiled form of its rules} for the tables with rules."""
        raise NotImplementedError

    def execute(self, compiled: Mapping[str, Any], tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
        """Findings of already compiled rules over the wide `tables`."""
        raise NotImplementedError

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        """Findings of every rule of `catalogue` over the wide `tables`."""
        return self.execute(self.compile(catalogue), tables)


def message_pieces(rule: Rule, policy: Policy) -> tuple[str | WideColumn, ...]:
    """The message template as literal text (policy values filled in) and columns.

    >>> from fangfan.engine.rules.model import load_catalogue
    >>> catalogue = load_catalogue(2025)
    >>> pieces = message_pieces(catalogue.rule("WAT-004"), catalogue.policy)
    >>> [p if isinstance(p, str) else p.name for p in pieces]
    ['head_name', '户一年缺水', 'water_short_days', '天，超过', '36', '天，供水保证率不达标。']
    """
    pieces: list[str | WideColumn] = []
    for is_field, piece in split_template(rule.message):
        if not is_field:
            pieces.append(piece)
        elif piece.startswith(":"):
            pieces.append(format_value(policy.value(piece[1:])))
        else:
            pieces.append(COLUMNS[rule.table][piece])
    return tuple(pieces)


def evidence_entries(rule: Rule, policy: Policy) -> tuple[tuple[str, WideColumn | str, str], ...]:
    """(label, column or fixed text, source) of each entry of a finding's evidence JSON."""
    entries: list[tuple[str, WideColumn | str, str]] = [
        (column.label, column, column.source) for column in rule.evidence_columns()
    ]
    source = policy_source(policy)
    entries += [(label, note, source) for label, note in placeholder_notes(rule, policy).items()]
    return tuple(entries)


def placeholder_notes(rule: Rule, policy: Policy) -> dict[str, str]:
    """{label: note} for each placeholder parameter the rule depends on."""
    checked = check_rule(rule, policy)
    used = set(checked.parameters) | {f[1:] for f in rule.template_fields() if f.startswith(":")}
    notes: dict[str, str] = {}
    for name in sorted(used):
        if policy.is_placeholder(name):
            note = parameter_note(policy, name)
            label = f"占位参数 {name}"
            notes[label] = f"{policy.year}年度取值{format_value(policy.value(name))}为占位值：{note}"
    return notes


def policy_source(policy: Policy) -> str:
    return f"{policy.year}年度政策参数"


def parameter_note(policy: Policy, name: str) -> str:
    node: Any = policy.data
    for part in name.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return str(node.get("note", "")) if isinstance(node, dict) else ""


def split_template(template: str) -> list[tuple[bool, str]]:
    """[(is_field, text)] pieces of a message template."""
    pieces: list[tuple[bool, str]] = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        if before:
            pieces.append((False, before))
        pieces.append((True, name))
    if rest:
        pieces.append((False, rest))
    return pieces


def format_value(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
        return f"{int(value):,}"  # 8,700 (yuan), as the formatting layer writes money
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.String for c in FINDING_COLUMNS})
