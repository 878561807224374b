"""Parse a rule's condition with sqlglot and refuse anything the sieve cannot trust.

A condition may use the columns of its wide table, named policy parameters
(`:income.monitoring_threshold`), literals, comparisons, AND/OR/NOT, IN, BETWEEN,
LIKE, IS NULL, CASE and a short list of functions. Queries, other tables, unknown
columns, unknown parameters and other functions are refused before any data is
read, with a Chinese message that names the rule and the problem.

>>> from fangfan.engine.policy import load_policy
>>> from fangfan.engine.rules.model import builtin_rules
>>> checked = check_rule(builtin_rules()[0], load_policy(2025))
>>> sorted(checked.columns)[:1]
['food_enough']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from fangfan.engine.policy import Policy, PolicyError
from fangfan.engine.rules.columns import COLUMNS
from fangfan.engine.rules.model import Rule, RuleError

ALLOWED_FUNCTIONS: tuple[type[exp.Func], ...] = (
    exp.Coalesce,
    exp.Abs,
    exp.Round,
    exp.Greatest,
    exp.Least,
    exp.Nullif,
    exp.Trim,
    exp.Length,
    exp.Upper,
    exp.Lower,
    exp.Year,
    exp.Case,
    exp.If,
    exp.Cast,
)
_FORBIDDEN_NODES: tuple[type, ...] = (
    exp.Query,
    exp.Subquery,
    exp.Table,
    exp.Star,
    exp.Command,
)


@dataclass(frozen=True)
class CheckedRule:
    """A rule whose condition parsed and passed every check."""

    rule: Rule
    tree: exp.Expr
    columns: frozenset[str]
    parameters: frozenset[str]


def check_rule(rule: Rule, policy: Policy) -> CheckedRule:
    """Parse and check `rule` against its wide table and `policy`; raise RuleError if bad."""
    tree = _parse(rule)
    columns = _check_columns(rule, tree)
    parameters = frozenset(_parameter_names(tree))
    _check_functions(rule, tree)
    known = policy.parameters()
    for name in sorted(parameters | _template_parameters(rule)):
        if name not in known:
            raise RuleError(
                f"规则 {rule.code}（{rule.name}）使用了未知参数 :{name}（{policy.year}年度政策文件中没有）"
            )
    _check_template_and_evidence(rule)
    checked = CheckedRule(rule=rule, tree=tree, columns=columns, parameters=parameters)
    _check_every_engine(checked, policy)
    return checked


def _check_every_engine(checked: CheckedRule, policy: Policy) -> None:
    """Refuse a condition an engine would answer differently (RuleError naming the rule).

    The Spark engine's translation is pure sqlglot (no pyspark), so every catalogue is
    checked for it on every machine: a rule Spark cannot run as DuckDB does is refused
    here, never skipped on a cluster.
    """
    from fangfan.engine.rules.adapters.spark_adapter import spark_rule_condition  # imports this module

    spark_rule_condition(checked, policy)


def _parse(rule: Rule) -> exp.Expr:
    try:
        tree = _parsed(rule.condition).copy()
    except ParseError as error:
        first = str(error).splitlines()[0]
        raise RuleError(f"规则 {rule.code}（{rule.name}）的条件无法解析：{first}") from None
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            raise RuleError(f"规则 {rule.code}（{rule.name}）的条件不能包含查询或表：{node.sql()[:60]}")
    is_condition = isinstance(tree, exp.Condition) and not isinstance(tree, exp.Column | exp.Literal)
    if not is_condition:
        raise RuleError(f"规则 {rule.code}（{rule.name}）的条件必须是判断式（结果为是/否）")
    return tree


@lru_cache(maxsize=1024)
def _parsed(condition: str) -> exp.Expr:
    # A run checks each rule twice (compiling it, and for its placeholder notes); parsing
    # is most of a check. Callers get a copy, so the cached tree is never changed.
    return sqlglot.parse_one(condition, read="duckdb")


def _check_columns(rule: Rule, tree: exp.Expr) -> frozenset[str]:
    known = COLUMNS[rule.table]
    used: set[str] = set()
    for column in tree.find_all(exp.Column):
        if column.table:
            raise RuleError(f"规则 {rule.code}（{rule.name}）不能指定表名：{column.sql()}")
        if column.name not in known:
            raise RuleError(
                f"规则 {rule.code}（{rule.name}）使用了宽表 {rule.table} 中没有的字段 {column.name}"
            )
        used.add(column.name)
    return frozenset(used)


def _check_functions(rule: Rule, tree: exp.Expr) -> None:
    for node in tree.find_all(exp.Func):
        if not isinstance(node, (*ALLOWED_FUNCTIONS, exp.Connector)):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else str(node.this)
            allowed = "、".join(sorted(f.sql_names()[0] for f in ALLOWED_FUNCTIONS))
            raise RuleError(f"规则 {rule.code}（{rule.name}）使用了不允许的函数 {name}（允许：{allowed}）")


def _template_parameters(rule: Rule) -> set[str]:
    return {name[1:] for name in rule.template_fields() if name.startswith(":")}


def _check_template_and_evidence(rule: Rule) -> None:
    known = COLUMNS[rule.table]
    for name in rule.template_fields():
        if not name.startswith(":") and name not in known:
            raise RuleError(f"规则 {rule.code}（{rule.name}）的提示语引用了宽表中没有的字段 {{{name}}}")
    for name in rule.evidence:
        if name not in known:
            raise RuleError(f"规则 {rule.code}（{rule.name}）的佐证字段 {name} 不在宽表 {rule.table} 中")


def _parameter_top(placeholder: exp.Placeholder) -> tuple[exp.Expr, str]:
    """The node standing for a whole `:a.b.c` parameter and its dotted name.

    sqlglot reads `:a.b` as Dot(Placeholder(a), b); climb the Dot chain.
    """
    node: exp.Expr = placeholder
    parts = [str(placeholder.this)]
    while isinstance(node.parent, exp.Dot) and node.arg_key == "this":
        node = node.parent
        parts.append(node.expression.name)
    return node, ".".join(parts)


def _parameter_names(tree: exp.Expr) -> list[str]:
    return [_parameter_top(p)[1] for p in tree.find_all(exp.Placeholder)]


def bind_parameters(checked: CheckedRule, policy: Policy) -> exp.Expr:
    """A copy of the condition with every parameter replaced by its value for `policy`."""
    tree = checked.tree.copy()
    for placeholder in list(tree.find_all(exp.Placeholder)):
        top, name = _parameter_top(placeholder)
        value = policy.value(name)
        parent = top.parent
        if isinstance(parent, exp.In) and top.arg_key == "field":
            parent.set("field", None)
            parent.set("expressions", [literal(v) for v in _as_list(name, value)])
        else:
            top.replace(literal(value))
    return tree


def _as_list(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise PolicyError(f"参数 {name} 用在 IN 中，但不是列表")
    return value


def literal(value: Any) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    if isinstance(value, list):
        return exp.Tuple(expressions=[literal(v) for v in value])
    return exp.Literal.string(str(value))
