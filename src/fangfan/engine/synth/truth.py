"""The ground-truth ledger: every problem the synthetic data holds, in generation order."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

COLUMNS = (
    "problem_id",
    "kind",
    "stage",
    "origin",
    "table",
    "wrong_source",
    "household_id",
    "id_number",
    "field",
    "value",
    "import_code",
    "file",
    "sheet",
    "row",
    "detail",
)
LINK_KINDS = (
    "ID_WRONG_CHECK_DIGIT",
    "ID_TRANSPOSED",
    "ID_LOWERCASE_X",
    "ID_FULL_WIDTH",
    "ID_EXCEL_NUMBER",
    "NAME_HOMOPHONE",
    "NAME_HOMOPHONE_ID_TYPO",
)


def stage_of(kind: str) -> str:
    if kind.startswith("IMPORT_"):
        return "import"
    return "link" if kind in LINK_KINDS else "rule"


@dataclass
class Truth:
    """Rows are added in batches (one frame per call); problem ids count up from 1."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    next_id: int = 1
    used_households: set[int] = field(default_factory=set)  # kept out of later injections

    def add(
        self,
        kind: str,
        rows: pl.DataFrame,
        *,
        table: str,
        field_name: str,
        detail: str,
        wrong_source: str = "registry",
        origin: str = "injected",
        import_code: str = "",
    ) -> pl.Series:
        """Record one problem per row of `rows` (household_id, id_number, value); returns their ids."""
        count = rows.height
        ids = pl.Series("problem_id", range(self.next_id, self.next_id + count), dtype=pl.Int64)
        self.next_id += count
        frame = rows.select(
            ids,
            pl.lit(kind).alias("kind"),
            pl.lit(stage_of(kind)).alias("stage"),
            pl.lit(origin).alias("origin"),
            pl.lit(table).alias("table"),
            pl.lit(wrong_source).alias("wrong_source"),
            _text(rows, "household_id"),
            _text(rows, "id_number"),
            pl.lit(field_name).alias("field"),
            _text(rows, "value"),
            (rows["import_code"] if "import_code" in rows.columns else pl.lit(import_code)).alias(
                "import_code"
            ),
            pl.lit("").alias("file"),
            pl.lit("").alias("sheet"),
            pl.lit(None, dtype=pl.Int64).alias("row"),
            pl.lit(detail).alias("detail"),
        )
        self.frames.append(frame)
        return ids

    def table(self, places: dict[int, tuple[str, str, int]] | None = None) -> pl.DataFrame:
        """All rows; `places` maps problem ids of import-coded rows to (file, sheet, row)."""
        if not self.frames:
            return pl.DataFrame({c: [] for c in COLUMNS})
        frame = pl.concat(self.frames).sort("problem_id")
        if places:
            where = pl.DataFrame(
                {
                    "problem_id": list(places),
                    "_file": [p[0] for p in places.values()],
                    "_sheet": [p[1] for p in places.values()],
                    "_line": [p[2] for p in places.values()],
                },
                schema={"problem_id": pl.Int64, "_file": pl.String, "_sheet": pl.String, "_line": pl.Int64},
            )
            frame = frame.join(where, on="problem_id", how="left").with_columns(
                file=pl.coalesce("_file", "file"), sheet=pl.coalesce("_sheet", "sheet"), row=pl.col("_line")
            )
        return frame.select(COLUMNS)


def _text(rows: pl.DataFrame, name: str) -> pl.Expr:
    if name in rows.columns:
        return pl.col(name).cast(pl.String).fill_null("").alias(name)
    return pl.lit("").alias(name)
