"""The Spark adapter: the rules' conditions run on Spark, with DuckDB's answers.

`fangfan screen --engine spark` (and `fangfan run --engine spark`). The wide tables are
built once, by `fangfan.engine.wide` (their only definition); the columns the conditions
read are written as Parquet to the staging folder (`FANGFAN_SPARK_STAGING`, which a
cluster's executors must see) and Spark reads them there, with no pandas in between.
Spark then makes one pass per wide table yielding the (row, rule) pairs where a rule
holds, as the DuckDB adapter's first pass does; the finding rows (message, evidence
JSON) are built from the matched rows alone by the same code as the Polars adapter's
(`polars_adapter.finding_outputs`), so their text is the same byte for byte.

Each condition is translated to Spark SQL so that Spark gives DuckDB's answer on every
row, NULLs included (`spark_condition`): ROUND rounds the exact binary value with ties
away from zero (Spark would round the shortest decimal text: 7695.915 to 7695.92, where
DuckDB gives 7695.91), CAST to an integer rounds instead of truncating, `/` divides as
doubles and gives ±infinity for a zero divisor instead of NULL. A construct whose Spark
answer could differ is refused, naming the rule, when the catalogue is checked
(`rules.check.check_rule`), never skipped:

>>> from fangfan.engine.rules.model import load_catalogue
>>> plans = SparkAdapter().compile(load_catalogue(2025))
>>> sorted(plans)
['household_wide', 'person_wide']

pyspark is imported only when the rules run (`fangfan.engine.spark`), so a machine
without Spark or Java imports everything else.
"""

from __future__ import annotations

import shutil
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlglot import exp

from fangfan.engine.policy import Policy
from fangfan.engine.rules.adapters.base import FINDING_COLUMNS, empty_findings
from fangfan.engine.rules.adapters.sql import SqlAdapter
from fangfan.engine.rules.check import CheckedRule, bind_parameters, check_rule
from fangfan.engine.rules.columns import COLUMNS, WIDE_TABLES
from fangfan.engine.rules.model import Catalogue, RuleError

ROW, RULE = "__row", "__rule"
_PLANS: dict[tuple[object, ...], dict[str, SparkTablePlan]] = {}
_MAX_DECIMALS = 8
_ROW_GROUP = 262_144  # rows per Parquet row group: Spark's unit of parallel reading

_NUMERIC = ("integer", "number")
_INTEGER_TYPES = ("TINYINT", "SMALLINT", "INT", "BIGINT")
_TEXT_TYPES = ("VARCHAR", "TEXT", "CHAR", "NCHAR", "NVARCHAR")
_COMPARISONS: tuple[type[exp.Expr], ...] = (
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
)
_ARITHMETIC: tuple[type[exp.Expr], ...] = (exp.Add, exp.Sub, exp.Mul, exp.Div)
# Nodes Spark evaluates exactly as DuckDB does (Round, Cast, Div, Like are rewritten or checked).
_SAME_IN_SPARK: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Neg,
    exp.In,
    exp.Between,
    exp.Is,
    exp.DPipe,
    exp.Case,
    exp.If,
    exp.Coalesce,
    exp.Greatest,
    exp.Least,
    exp.Nullif,
    exp.Abs,
    exp.Trim,
    exp.Length,
    exp.Upper,
    exp.Lower,
    exp.Year,
    exp.DataType,
    *_COMPARISONS,
    *_ARITHMETIC,
)


class Untranslatable(Exception):
    """A node of a condition whose Spark answer could differ from DuckDB's."""


@dataclass(frozen=True)
class SparkRulePlan:
    code: str
    outputs: tuple[pl.Expr, ...]  # the finding columns, built from the matched rows


@dataclass(frozen=True)
class SparkTablePlan:
    """The compiled rules of one wide table: Spark's match query and how to write findings."""

    match: str  # (__row, __rule) pairs, one pass over the table's `columns`
    columns: tuple[str, ...]  # the columns the conditions read
    rules: tuple[SparkRulePlan, ...]


class SparkAdapter(SqlAdapter):
    """Runs the rules' conditions on Spark; `session` defaults to `engine.spark.spark_session()`."""

    dialect = "spark"

    def __init__(self, session: Any = None, staging: str | Path | None = None) -> None:
        self.session = session
        self.staging = staging

    def compile(self, catalogue: Catalogue) -> dict[str, SparkTablePlan]:
        """{table: its plan} for every wide table with rules; cached per catalogue."""
        key = (type(self), catalogue.year, catalogue.rules)
        if key not in _PLANS:
            plans: dict[str, SparkTablePlan] = {}
            for table in WIDE_TABLES:
                checked = [check_rule(rule, catalogue.policy) for rule in catalogue.for_table(table)]
                if checked:
                    plans[table] = table_plan(table, checked, catalogue.policy)
            _PLANS[key] = plans
        return _PLANS[key]

    def run(self, tables: Mapping[str, pl.DataFrame], catalogue: Catalogue) -> pl.DataFrame:
        return self.execute(self.compile(catalogue), tables)

    def execute(
        self, compiled: Mapping[str, SparkTablePlan], tables: Mapping[str, pl.DataFrame]
    ) -> pl.DataFrame:
        """Findings of already compiled rules over the wide `tables`."""
        from fangfan.engine.spark import spark_session, spark_settings

        session = self.session or spark_session()
        folder = Path(self.staging or spark_settings().staging) / f"rules-{uuid.uuid4().hex}"
        frames = [empty_findings()]
        try:
            for name, frame in tables.items():
                plan = compiled.get(name)
                if plan is None:
                    continue
                path = folder / name
                path.mkdir(parents=True)
                staged = frame.select(*plan.columns, pl.int_range(pl.len(), dtype=pl.Int64).alias(ROW))
                staged.write_parquet(path / "part-0.parquet", row_group_size=_ROW_GROUP)
                session.read.parquet(str(path)).createOrReplaceTempView(name)
                pairs = arrow_frame(session.sql(plan.match))
                session.catalog.dropTempView(name)
                frames.extend(_findings(frame, plan, pairs))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return pl.concat(frames)


def arrow_frame(frame: Any) -> pl.DataFrame:
    """A Spark DataFrame's rows as a Polars frame, through Arrow (no pandas frame is made)."""
    with warnings.catch_warnings():
        # pyspark checks pandas' version before any Arrow collect and warns about pandas 3.
        warnings.filterwarnings("ignore", category=FutureWarning, module="pyspark")
        result = pl.from_arrow(frame.toArrow())
    assert isinstance(result, pl.DataFrame)
    return result


def _findings(frame: pl.DataFrame, plan: SparkTablePlan, pairs: pl.DataFrame) -> list[pl.DataFrame]:
    pending: list[pl.LazyFrame] = []
    for index, rule in enumerate(plan.rules):
        rows = pairs.filter(pl.col(RULE) == index)[ROW].sort()
        if len(rows):
            pending.append(frame[rows].lazy().select(rule.outputs))
    return [
        result.select(pl.col(c).cast(pl.String) for c in FINDING_COLUMNS)
        for result in pl.collect_all(pending)
    ]


def table_plan(table: str, checked: list[CheckedRule], policy: Policy) -> SparkTablePlan:
    """The match query of a wide table's rules and the outputs of each."""
    from fangfan.engine.rules.adapters.polars_adapter import finding_outputs

    conditions = [spark_rule_condition(c, policy) for c in checked]
    cases = ", ".join(f"CASE WHEN {c} THEN {index} END" for index, c in enumerate(conditions))
    any_rule = " OR ".join(f"({c})" for c in conditions)
    match = (
        f"SELECT {ROW}, {RULE} FROM (SELECT {ROW}, explode(array({cases})) AS {RULE} "
        f"FROM {table} WHERE {any_rule}) WHERE {RULE} IS NOT NULL"
    )
    columns = sorted(set().union(*(c.columns for c in checked)))
    rules = tuple(SparkRulePlan(c.rule.code, finding_outputs(c.rule, policy)) for c in checked)
    return SparkTablePlan(match, tuple(columns), rules)


def spark_rule_condition(checked: CheckedRule, policy: Policy) -> str:
    """The Spark SQL of a checked rule's condition, parameters bound; RuleError if it has none."""
    rule = checked.rule
    try:
        return spark_condition(bind_parameters(checked, policy), rule.table)
    except Untranslatable as error:
        raise RuleError(
            f"规则 {rule.code}（{rule.name}）的条件无法在 Spark 引擎中得到与其他引擎相同的结果：{error}"
        ) from None


def spark_condition(condition: exp.Expr, table: str) -> str:
    """The Spark SQL of a bound condition over `table`, giving DuckDB's answer on every row
    (raises Untranslatable when it cannot)."""
    return _Translator(table).translate(condition.copy()).sql(dialect="spark")


class _Translator:
    """Checks a condition node by node and rewrites the nodes Spark evaluates differently."""

    def __init__(self, table: str) -> None:
        self.columns = COLUMNS[table]

    def translate(self, tree: exp.Expr) -> exp.Expr:
        for node in tree.walk():
            if not isinstance(node, (*_SAME_IN_SPARK, exp.Round, exp.Cast, exp.Like, exp.ILike)):
                raise Untranslatable(f"不支持的写法 {_shown(node)}")
        # Children first, so a rewritten node is built from rewritten operands.
        for node in reversed(list(tree.dfs())):
            rewrite = self._rewrites().get(type(node))
            if rewrite is None:
                continue
            new = rewrite(node)
            if new is not node:
                if node is tree:
                    tree = new
                else:
                    node.replace(new)
        return tree

    def _rewrites(self) -> dict[type[exp.Expr], Callable[[Any], exp.Expr]]:
        return {
            exp.Round: self._round,
            exp.Cast: self._cast,
            exp.TryCast: self._cast,
            exp.Div: self._div,
            exp.Like: self._like,
            exp.ILike: self._like,
            exp.DPipe: self._concat,
            **dict.fromkeys(_COMPARISONS, self._compare),
            **dict.fromkeys((exp.Add, exp.Sub, exp.Mul), self._arithmetic),
        }

    def kind(self, node: exp.Expr) -> str:
        """text | integer | number | date | boolean | null | unknown: what the node yields."""
        if isinstance(node, exp.Column):
            column = self.columns.get(node.name)
            return column.dtype if column is not None else "unknown"
        if isinstance(node, exp.Literal):
            return "text" if node.is_string else "integer" if node.name.lstrip("-").isdigit() else "number"
        if isinstance(node, exp.Null):
            return "null"
        if isinstance(node, exp.Boolean | exp.Predicate | exp.Connector | exp.Not | exp.Is):
            return "boolean"
        if isinstance(node, exp.Paren | exp.Neg | exp.Abs):
            return self.kind(node.this)
        if isinstance(node, exp.Cast):
            return _cast_kind(node)
        if isinstance(node, exp.Length | exp.Year):
            return "integer"
        if isinstance(node, exp.Trim | exp.Upper | exp.Lower | exp.DPipe):
            return "text"
        if isinstance(node, exp.Round):
            return "integer" if self.kind(node.this) == "integer" else "number"
        if isinstance(node, exp.Div):
            return "number"
        if isinstance(node, exp.Add | exp.Sub | exp.Mul):
            kinds = {self.kind(node.this), self.kind(node.expression)}
            return "integer" if kinds <= {"integer", "null"} else "number"
        if isinstance(node, exp.Case | exp.If | exp.Coalesce | exp.Greatest | exp.Least | exp.Nullif):
            return self._common_kind(node)
        return "unknown"

    def _common_kind(self, node: exp.Expr) -> str:
        kinds = {self.kind(value) for value in _values(node)} - {"null"}
        if kinds <= {"integer", "number"} and kinds:
            return "integer" if kinds == {"integer"} else "number"
        return kinds.pop() if len(kinds) == 1 else "unknown"

    def _round(self, node: exp.Round) -> exp.Expr:
        decimals_node = node.args.get("decimals")
        decimals = 0 if decimals_node is None else _small_integer(decimals_node)
        if decimals is None or not 0 <= decimals <= _MAX_DECIMALS:
            raise Untranslatable(f"ROUND 的位数必须是 0 到 {_MAX_DECIMALS} 的整数：{_shown(node)}")
        kind = self.kind(node.this)
        if kind == "integer":
            return exp.paren(node.this.copy())  # DuckDB leaves an integer as it is
        if kind not in ("number", "null"):
            raise Untranslatable(f"ROUND 只能用于数值：{_shown(node)}")
        return round_like_duckdb(node.this, decimals)

    def _cast(self, node: exp.Cast) -> exp.Expr:
        target = node.to.this.name if node.to is not None else ""
        source = node.this
        kind = self.kind(source)
        literal_text = isinstance(source, exp.Literal) and source.is_string
        if node.to is not None and node.to.expressions:
            raise Untranslatable(f"不支持转换为 {node.to.sql()}：{_shown(node)}")
        if target in _INTEGER_TYPES:
            if kind == "number":
                return exp.cast(round_like_duckdb(source, 0), "BIGINT")
            if kind in ("integer", "boolean", "null"):
                return node
        elif target in _TEXT_TYPES:
            if kind in ("text", "integer", "date", "boolean", "null"):
                return node  # a double's text differs (Spark 1.0E7, DuckDB 10000000.0)
        elif target in ("DOUBLE", "FLOAT"):
            if kind in ("integer", "number", "null"):
                return exp.cast(source, "DOUBLE")
        elif target == "DATE":
            if kind in ("date", "null") or literal_text:
                return node
        elif target == "BOOLEAN" and kind in ("boolean", "integer", "null"):
            return node
        raise Untranslatable(f"Spark 与 DuckDB 对这一类型转换的结果可能不同：{_shown(node)}")

    def _div(self, node: exp.Div) -> exp.Expr:
        # DuckDB divides as doubles and a zero divisor gives ±infinity (NaN for 0/0); Spark
        # divides decimals as decimals and gives NULL for a zero divisor.
        self._refuse_dates(node)
        left = exp.cast(node.this, "DOUBLE")
        right = exp.cast(node.expression, "DOUBLE")
        infinite = exp.Mul(
            this=exp.Mul(this=left.copy(), expression=_double("Infinity")),
            expression=exp.Anonymous(this="SIGN", expressions=[_signed_zero(right.copy())]),
        )
        zero = exp.EQ(this=right.copy(), expression=exp.Literal.number(0))
        divided = exp.Div(this=left, expression=right)
        return exp.paren(exp.Case(ifs=[exp.If(this=zero, true=infinite)], default=divided))

    def _like(self, node: exp.Expr) -> exp.Expr:
        pattern = node.expression
        if not (isinstance(pattern, exp.Literal) and pattern.is_string) or node.args.get("escape"):
            raise Untranslatable(f"LIKE 的模式必须是文字常量：{_shown(node)}")
        if "\\" in pattern.name:
            raise Untranslatable(f"LIKE 的模式不能含反斜杠（Spark 把它当作转义符）：{_shown(node)}")
        if self.kind(node.this) not in ("text", "null"):
            raise Untranslatable(f"LIKE 只能用于文字字段：{_shown(node)}")
        return node

    def _concat(self, node: exp.DPipe) -> exp.Expr:
        for side in (node.this, node.expression):
            if self.kind(side) == "number":
                raise Untranslatable(f"小数拼接成文字时 Spark 与 DuckDB 写法不同：{_shown(node)}")
        return node

    def _compare(self, node: exp.Expr) -> exp.Expr:
        kinds = {self.kind(node.this), self.kind(node.expression)}
        if "text" in kinds and kinds & {*_NUMERIC, "boolean"}:
            raise Untranslatable(f"文字与数值或是否比较时 Spark 与 DuckDB 的转换不同：{_shown(node)}")
        return node

    def _arithmetic(self, node: exp.Expr) -> exp.Expr:
        self._refuse_dates(node)
        return node

    def _refuse_dates(self, node: exp.Expr) -> None:
        if {self.kind(node.this), self.kind(node.expression)} & {"date", "text"}:
            raise Untranslatable(f"日期或文字不能做算术：{_shown(node)}")


def round_like_duckdb(value: exp.Expr, decimals: int) -> exp.Expr:
    """DuckDB's ROUND(x, d) in Spark SQL: the exact binary value of x rounded, ties away
    from zero, by the same arithmetic as `polars_adapter.round_like_duckdb` (x * 10**d
    with its rounding error, Dekker's split, settling the near-ties)."""
    x = exp.cast(value.copy(), "DOUBLE")
    scale = _double(repr(10.0**decimals))
    scaled = exp.paren(exp.Mul(this=x.copy(), expression=scale.copy()))
    split = exp.paren(exp.Mul(this=x.copy(), expression=_double("134217729.0")))
    high = exp.paren(
        exp.Sub(this=split, expression=exp.paren(exp.Sub(this=split.copy(), expression=x.copy())))
    )
    error = exp.paren(
        exp.Add(
            this=exp.paren(
                exp.Sub(this=exp.Mul(this=high.copy(), expression=scale.copy()), expression=scaled.copy())
            ),
            expression=exp.Mul(
                this=exp.paren(exp.Sub(this=x.copy(), expression=high.copy())), expression=scale.copy()
            ),
        )
    )
    floor = exp.cast(exp.Floor(this=scaled.copy()), "DOUBLE")
    fraction = exp.paren(exp.Sub(this=scaled.copy(), expression=floor.copy()))
    half = _double("0.5")
    tie_up = exp.or_(
        exp.GT(this=error.copy(), expression=exp.Literal.number(0)),
        exp.and_(
            exp.EQ(this=error, expression=exp.Literal.number(0)),
            exp.GT(this=x.copy(), expression=exp.Literal.number(0)),
        ),
    )
    up = exp.or_(
        exp.GT(this=fraction.copy(), expression=half.copy()),
        exp.and_(exp.EQ(this=fraction, expression=half), exp.paren(tie_up)),
    )
    rounded = exp.Case(
        ifs=[exp.If(this=up, true=exp.Add(this=floor.copy(), expression=_double("1.0")))], default=floor
    )
    # NULL stays NULL; infinity and NaN stay as they are, as in DuckDB.
    finite = exp.Anonymous(this="isnan", expressions=[exp.Sub(this=x.copy(), expression=x.copy())])
    return exp.paren(
        exp.Case(
            ifs=[exp.If(this=finite, true=x.copy())],
            default=exp.Div(this=exp.paren(rounded), expression=scale),
        )
    )


def _double(text: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(text), "DOUBLE")


def _signed_zero(value: exp.Expr) -> exp.Expr:
    """1.0 or -1.0 for a zero's sign: +0.0 and -0.0 compare equal, but 1 / x tells them apart
    (Spark's `/` gives NULL there, so the sign is read from the text)."""
    negative = exp.Like(this=exp.cast(value, "STRING"), expression=exp.Literal.string("-%"))
    return exp.Case(ifs=[exp.If(this=negative, true=_double("-1.0"))], default=_double("1.0"))


def _cast_kind(node: exp.Cast) -> str:
    target = node.to.this.name if node.to is not None else ""
    if target in _INTEGER_TYPES:
        return "integer"
    if target in _TEXT_TYPES:
        return "text"
    if target in ("DOUBLE", "FLOAT", "DECIMAL"):
        return "number"
    return {"DATE": "date", "BOOLEAN": "boolean"}.get(target, "unknown")


def _values(node: exp.Expr) -> list[exp.Expr]:
    """The expressions whose value a CASE, IF, COALESCE, GREATEST, LEAST or NULLIF can yield."""
    if isinstance(node, exp.Case):
        default = node.args.get("default")
        return [branch.args["true"] for branch in node.args.get("ifs") or []] + ([default] if default else [])
    if isinstance(node, exp.If):
        otherwise = node.args.get("false")
        return [node.args["true"], *([otherwise] if otherwise is not None else [])]
    if isinstance(node, exp.Nullif):
        return [node.this]
    return [node.this, *node.expressions]


def _small_integer(node: exp.Expr) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and node.name.lstrip("-").isdigit():
        return int(node.name)
    return None


def _shown(node: exp.Expr) -> str:
    return node.sql(dialect="duckdb")[:80]
