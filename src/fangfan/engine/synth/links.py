"""Link-level problems: feed rows whose ID or name differs from the registry's."""

from __future__ import annotations

import numpy as np
import polars as pl

from fangfan.engine.synth.truth import Truth


def inject_links(rng: np.random.Generator, tables: dict[str, pl.DataFrame], truth: Truth) -> None:
    pass
