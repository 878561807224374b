"""Test helpers for fangfan.web.industry (the URL matrix reads `url_records` and `URL_ROUTES`).

row = make_planting(village_team, household, crop="花椒", mu="3.5", income="8400")
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from fangfan.web.accounts.models import User
from fangfan.web.industry import actions
from fangfan.web.industry.ledger import this_year
from fangfan.web.industry.models import IndustryRow
from fangfan.web.registry.models import Household

REGION_PAGES = ("summary", "summary_excel", "villages", "villages_excel", "below", "below_excel")

# URL name -> how to fill its parameters from the URL matrix's Place (tests/web/test_url_matrix.py).
URL_ROUTES: dict[str, Callable[[Any], dict[str, Any]]] = {
    "industry:home": lambda place: {},
    **{f"industry:{name}": lambda place: {"code": place.village} for name in REGION_PAGES},
    **{
        f"industry:{name}": lambda place: {"household_id": place.household_id}
        for name in ("household", "record")
    },
    **{
        f"industry:{name}": lambda place: {
            "kind": "planting",
            "row_id": place.field.get("industry_planting", 0),
        }
        for name in ("edit", "remove")
    },
    "industry:import": lambda place: {},
    # A report is kept for its uploader alone: any other token is a 404 for everyone.
    "industry:import_report": lambda place: {"token": "0" * 32},
    "industry:panel": lambda place: {},
}


def make_row(
    user: User | None,
    household: Household,
    kind: str = "planting",
    name: str = "花椒",
    *,
    income: str | int = "8400",
    mu: str | None = "3.5",
    head: int = 0,
    year: int | None = None,
) -> IndustryRow:
    """A row recorded through the verb (as a visit would), or, without a user, as the bench's data."""
    entry = actions.RowInput(
        kind=kind,
        year=year or this_year(),
        name=name,
        income=Decimal(str(income)),
        mu=Decimal(mu) if mu is not None and kind == "planting" else None,
        head=head,
    )
    if user is None:
        from fangfan.web.industry.ledger import refresh_household

        row = actions.KINDS[kind].objects.create(
            household=household, village_code=household.village_code, **actions._fields(entry)
        )
        refresh_household(household, entry.year)
        return row
    return actions.record_row(user, household, entry)


def url_records(village_code: str, household_id: str) -> dict[str, int]:
    """A planting and a livestock row on the household (written as data, not by a user)."""
    household = Household.objects.get(household_id=household_id)
    planting = make_row(None, household, "planting", "花椒", income="8400", mu="3.5")
    livestock = make_row(None, household, "livestock", "牛", income="6000", mu=None, head=3)
    return {"industry_planting": planting.pk, "industry_livestock": livestock.pk}
