"""Test helpers for fangfan.web.industry (the URL matrix reads `url_records` and `URL_ROUTES`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# URL name -> how to fill its parameters from the URL matrix's Place (tests/web/test_url_matrix.py):
#     "industry:detail": lambda place: {"team_id": place.field["team"]},
URL_ROUTES: dict[str, Callable[[Any], dict[str, Any]]] = {}


def url_records(village_code: str, household_id: str) -> dict[str, int]:
    """Make this app's records in the village (on the household) for the URL matrix;
    return their keys by name, read back by `URL_ROUTES` as `place.field[name]`."""
    return {}
