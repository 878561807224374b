"""Probabilistic linkage with Splink (DuckDB, or Spark: `link.spark`), trained on the snapshot itself.

The model (Fellegi–Sunter, see docs/linkage.md) compares a feed record with a
registry person on five features: the name (exact, same pinyin, pinyin
Jaro-Winkler ≥ 0.9), the ID's address code, its birth date digits (exact or one
edit), its sequence-and-check digits (exact, check character only, one edit,
only the first digit known, rounded, after Excel lost the rest), and the village when the
feed has one. u is estimated by random sampling, m by expectation maximisation
in two sessions (blocked on the first 14 ID characters, then on name pinyin and
birth year) so that every comparison is trained once outside its blocking rule.
Nothing is downloaded. Splink is imported here only, inside the functions.

Training ends in `Levels`, the (m, u) of every comparison level, kept beside the links
(`link.run`, link_model.json): pairs are always scored from them, on either engine, so
DuckDB and Spark give the same links from the same snapshot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import polars as pl

from fangfan.engine.link.records import COMPARISON_COLUMNS
from fangfan.engine.progress import Progress

TRAINING_SAMPLE = 20_000
U_PAIRS = 5e6
CANDIDATE_FLOOR = 0.001  # pairs below this probability are not kept at all
SEED = 11643


@dataclass(frozen=True)
class ScoredPairs:
    """Every blocked pair above `CANDIDATE_FLOOR`, with the evidence the decision rules need."""

    pairs: pl.DataFrame  # record_id, unique_id, match_probability, match_weight, id_edits, ...
    seconds_predict: float
    model: dict[str, Any]


# Preset (m, u) per comparison level, in the order the levels are listed in
# `comparisons` (null level left out): used instead of training when the snapshot is too
# small for EM (`MIN_TRAINING_LINKS`), e.g. a township's own export of a few dozen
# households. m: how often the level holds for the same person (a typo or Excel's
# rounding makes the lower levels); u: for two people of one county (most share the
# address code; a birth date is one of about 20,000).
Levels = dict[str, tuple[tuple[float, float], ...]]
PRESET_LEVELS: Levels = {
    "name": ((0.90, 0.001), (0.05, 0.0005), (0.03, 0.005), (0.02, 0.9935)),
    "area": ((0.97, 0.3), (0.03, 0.7)),
    "birth": ((0.93, 0.00005), (0.05, 0.0005), (0.02, 0.99945)),
    "sequence": ((0.85, 0.0001), (0.05, 0.0001), (0.05, 0.0005), (0.04, 0.2), (0.01, 0.7993)),
    "village_code": ((0.95, 0.05), (0.05, 0.95)),
}
MIN_TRAINING_LINKS = 2_000  # fewer exactly linked rows than this: preset m and u, no EM


def comparisons(levels: Levels | None = None, dialect: str = "duckdb") -> list[Any]:
    """The model's comparisons; with `levels` (PRESET_LEVELS or a trained model's), every
    level carries its m and u. `dialect` is Splink's ("duckdb" or "spark")."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def configured(name: str, creators: list[Any]) -> list[Any]:
        if levels is None:
            return creators
        values = levels[name]
        return [creators[0]] + [
            level.configure(m_probability=m, u_probability=u)
            for level, (m, u) in zip(creators[1:], values, strict=True)
        ]

    def listed(name: str, *middle: Any) -> Any:
        return cl.CustomComparison(
            comparison_levels=configured(
                name, [cll.NullLevel(name), cll.ExactMatchLevel(name), *middle, cll.ElseLevel()]
            ),
            output_column_name=name,
        )

    # Excel keeps 15 significant digits, rounded: the surviving sequence digit is the
    # true one or one more.
    only_first = " OR ".join(
        f"(length(sequence_{a}) = 1 AND "
        f"(cast(sequence_{a} AS INTEGER) - cast(substr(sequence_{b}, 1, 1) AS INTEGER) + 10) % 10 IN (0, 1))"
        for a, b in (("l", "r"), ("r", "l"))
    )
    check_only = "length(sequence_l) = 4 AND substr(sequence_l, 1, 3) = substr(sequence_r, 1, 3)"
    return [
        cl.CustomComparison(
            comparison_levels=configured(
                "name",
                [
                    cll.NullLevel("name_pinyin"),
                    cll.ExactMatchLevel("name"),
                    cll.ExactMatchLevel("name_pinyin"),
                    cll.JaroWinklerLevel("name_pinyin", 0.9),
                    cll.ElseLevel(),
                ],
            ),
            output_column_name="name",
        ),
        listed("area"),
        listed("birth", one_edit("birth", dialect)),
        listed(
            "sequence",
            cll.CustomLevel(check_only, "仅校验位不同"),
            one_edit("sequence", dialect),
            cll.CustomLevel(only_first, "仅存首位且相同"),
        ),
        listed("village_code"),
    ]


def one_edit(name: str, dialect: str = "duckdb") -> Any:
    """Splink's `DamerauLevenshteinLevel(name, 1)`, the same pairs at a fraction of the cost.

    DuckDB's damerau_levenshtein takes microseconds a pair; two strings of one length
    one edit apart differ in at most two places (a transposition), so the cheap
    `hamming` (equal lengths only) leaves it a few pairs in a thousand. Spark has no
    `hamming`: there the distance alone (Splink's jar) decides, the same pairs. The
    label is Splink's own.
    """
    import splink.comparison_level_library as cll

    left, right = f"{name}_l", f"{name}_r"
    near = (
        f"CASE WHEN length({left}) = length({right}) THEN hamming({left}, {right}) <= 2 "
        f"ELSE abs(length({left}) - length({right})) <= 1 END AND "
    )
    return cll.CustomLevel(
        f"{near if dialect == 'duckdb' else ''}damerau_levenshtein({left}, {right}) <= 1",
        f"Damerau-Levenshtein distance of {name} <= 1",
    )


def trained_levels(model: dict[str, Any]) -> Levels:
    """The (m, u) of every non-null level of a Splink model (`save_model_to_json()`), in
    `comparisons`' order: what `comparisons(levels)` configures. A level no training pair
    reached (EM leaves it without m, e.g. IDs Excel rounded when a province's sample has
    none of them) keeps the preset's value for it."""
    found: Levels = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        kept = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
        found[name] = tuple(
            (
                float(level.get("m_probability", preset[0])),
                float(level.get("u_probability", preset[1])),
            )
            for level, preset in zip(kept, PRESET_LEVELS[name], strict=True)
        )
    return found


# Candidate pairs share one of these (documented in docs/linkage.md).
BLOCKING_KEYS: tuple[tuple[str, str], ...] = (
    ("area", "birth"),  # the first 14 characters: typos in sequence or check digit
    ("name_pinyin", "birth"),  # a wrong address code
    ("name_pinyin", "sequence"),  # a typo inside the birth date
    ("name_pinyin", "area"),  # Excel rounding carried into the birth date
    ("name_pinyin", "village_code"),  # household feeds without a usable ID
)


def blocking_rules() -> list[Any]:
    """Candidate pairs share one of `BLOCKING_KEYS`."""
    from splink import block_on

    return [block_on(*keys) for keys in BLOCKING_KEYS]


# The two EM sessions block on these (each trains the comparisons outside its rule).
EM_KEYS: tuple[tuple[str, str], ...] = (("area", "birth"), ("name_pinyin", "birth_year"))


def candidates(
    people: pl.DataFrame, records: pl.DataFrame, keys: tuple[tuple[str, ...], ...] = BLOCKING_KEYS
) -> pl.DataFrame:
    """The registry people that share one of `keys` with some record.

    Nobody else can be in a pair blocked on those keys, so training or scoring against
    them alone gives the same pairs as against the whole registry, without DuckDB
    reading all of it.
    """
    found = [
        people.join(records.select(key).drop_nulls().unique(), on=list(key), how="semi").get_column(
            "unique_id"
        )
        for key in keys
    ]
    return people.filter(pl.col("unique_id").is_in(pl.concat(found).implode()))


class Backend(Protocol):
    """Where Splink runs: DuckDB here (`DuckDBBackend`), Spark in `link.spark`."""

    dialect: str
    api: Any

    def table(self, frame: pl.DataFrame, key: str, name: str) -> Any:
        """`frame`'s comparison columns, `key` as unique_id, registered with Splink as `name`."""
        ...

    def pairs(self, predictions: Any) -> pl.DataFrame:
        """Splink's predictions as `_evidence` pairs."""
        ...

    def close(self) -> None: ...


class DuckDBBackend:
    """Splink on an in-process DuckDB (a file in `work_dir` when given), two threads."""

    dialect = "duckdb"

    def __init__(self, work_dir: Path | None = None) -> None:
        import duckdb
        from splink import DuckDBAPI

        self.connection = duckdb.connect(str(work_dir / "splink.duckdb") if work_dir else ":memory:")
        self.connection.execute("SET threads TO 2")
        self.api = DuckDBAPI(self.connection)

    def table(self, frame: pl.DataFrame, key: str, name: str) -> Any:
        # Arrow's string views are Polars' own strings: DuckDB reads them without a copy.
        return self.api.register(side(frame, key, pl.CompatLevel.newest()), dataset_display_name=name)

    def pairs(self, predictions: Any) -> pl.DataFrame:
        return evidence(self.connection, predictions.physical_name)

    def close(self) -> None:
        self.connection.close()  # DuckDB's memory goes now, not whenever Splink's objects are collected


def settings(levels: Levels | None, prior: float, dialect: str) -> Any:
    """Splink's settings of the model (trained ones when `levels` is given)."""
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="link_only",
        comparisons=comparisons(levels, dialect),
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=True,
        additional_columns_to_retain=["id18", "id_prefix"],
    )


def score(
    residual: pl.DataFrame,
    training: pl.DataFrame,
    people: pl.DataFrame,
    prior: float,
    *,
    progress: Progress,
    work_dir: Path | None = None,
    levels: Levels | None = None,
    backend: Backend | None = None,
) -> ScoredPairs:
    """Score `residual` against the registry with `levels` (PRESET_LEVELS for small inputs,
    or a stored model); without them, first train on `training` (residual plus a sample of
    exactly linked records). The pairs are scored from the levels either way, so a stored
    model gives the links its training gave. `backend`: DuckDB unless given (and closed here).

    Training is always DuckDB's, on the driver, whatever `backend` scores: `training` is a
    sample and EM's answers move in their last digits from one SQL engine to another, so a
    model learnt on Spark would decide a few borderline pairs otherwise. One trainer makes
    every engine's links the same, as a stored model does.
    """
    import time

    from splink import Linker

    backend = backend or DuckDBBackend(work_dir)
    try:
        if levels is None:
            if isinstance(backend, DuckDBBackend):
                levels = train(backend, training, people, prior, progress)
            else:
                trainer = DuckDBBackend(work_dir)
                try:
                    levels = train(trainer, training, people, prior, progress)
                finally:
                    trainer.close()
        else:
            progress.advance("概率匹配", 3)
        started = time.perf_counter()
        target = backend.table(residual, "record_id", "residual")
        near = backend.table(candidates(people, residual), "unique_id", "near")
        linker = Linker([target, near], settings(levels, prior, backend.dialect), log_level=logging.ERROR)
        predictions = linker.inference.predict(
            threshold_match_probability=CANDIDATE_FLOOR, warning_mode="never"
        )
        pairs = backend.pairs(predictions)
        model = linker.misc.save_model_to_json()
    finally:
        backend.close()
    progress.advance("概率匹配")
    return ScoredPairs(pairs, time.perf_counter() - started, model)


def train(
    backend: Backend, training: pl.DataFrame, people: pl.DataFrame, prior: float, progress: Progress
) -> Levels:
    """The model's (m, u) learnt from `training` against the registry `people`."""
    from splink import Linker

    registry = backend.table(people, "unique_id", "registry")
    feeds = backend.table(training, "record_id", "feeds")
    linker = Linker([feeds, registry], settings(None, prior, backend.dialect), log_level=logging.ERROR)
    # u is about random pairs, so it is estimated on the whole registry; EM sees only
    # pairs blocked on EM_KEYS, i.e. the people sharing such a key with a training record.
    linker.training.estimate_u_using_random_sampling(max_pairs=U_PAIRS, seed=SEED)
    progress.advance("概率匹配")
    near = backend.table(candidates(people, training, EM_KEYS), "unique_id", "registry_em")
    linker = Linker([feeds, near], linker.misc.save_model_to_json(), log_level=logging.ERROR)
    _expectation_maximisation(linker, progress)
    return trained_levels(linker.misc.save_model_to_json())


def _expectation_maximisation(linker: Any, progress: Progress) -> None:
    from splink import block_on

    for keys in EM_KEYS:
        linker.training.estimate_parameters_using_expectation_maximisation(
            block_on(*keys), record_sample_proportion=1.0
        )
        progress.advance("概率匹配")


def side(frame: pl.DataFrame, key: str, compat: pl.CompatLevel) -> Any:
    """`frame`'s comparison columns with `key` as unique_id, as an Arrow table."""
    columns = frame.select(pl.col(key).alias("unique_id"), *COMPARISON_COLUMNS)
    return columns.to_arrow(compat_level=compat)


def evidence(connection: Any, table: str) -> pl.DataFrame:
    """Pairs as (feed record, registry person) with the ID edit distance and name similarity."""
    feed_left = "source_dataset_l = 'residual'"
    # A precision-lost ID's 15 digits are the true first 15, rounded: equal or one more.
    rounded_gap = "try_cast(id_prefix_l AS BIGINT) - try_cast(id_prefix_r AS BIGINT)"
    sql = f"""
        SELECT
            CASE WHEN {feed_left} THEN unique_id_l ELSE unique_id_r END AS record_id,
            CASE WHEN {feed_left} THEN unique_id_r ELSE unique_id_l END AS unique_id,
            match_probability,
            match_weight,
            damerau_levenshtein(id18_l, id18_r) AS id_edits,
            coalesce(
                CASE WHEN {feed_left} THEN {rounded_gap} ELSE -({rounded_gap}) END IN (0, 1), false
            ) AS same_prefix,
            coalesce(jaro_winkler_similarity(name_pinyin_l, name_pinyin_r), 0) AS name_similarity,
            coalesce(village_code_l = village_code_r, false) AS same_village
        FROM {table}
    """
    # to_arrow_table keeps the schema when no pair was found (a reader with no batch does not).
    return pl.from_arrow(connection.sql(sql).to_arrow_table())  # type: ignore[return-value]
