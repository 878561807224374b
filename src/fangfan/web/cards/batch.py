"""Cards from the published registry: the same `card_for` and printer as `fangfan cards`.

A batch reads its households, their members and `policies_for_households` in a fixed
number of queries and prints to a temporary file that the response streams.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from fangfan.engine.cards.card import Card, card_for
from fangfan.engine.cards.catalogue import Catalogue
from fangfan.engine.cards.pdf import write_cards
from fangfan.engine.cards.signing import CardSigner
from fangfan.web.accounts.models import User
from fangfan.web.cards.policies import catalogue_for, policies_for_households
from fangfan.web.registry.models import Household, Member

logger = logging.getLogger("fangfan.cards")
HOUSEHOLD_FIELDS = (
    "household_id",
    "county_name",
    "township_name",
    "village_name",
    "head_name",
    "household_type",
    "helper_name",
    "helper_phone",
    "measures",
)
GONE = ("死亡", "迁出")


def signer() -> CardSigner:
    return CardSigner(secret_key=settings.SECRET_KEY, base_url=settings.SITE_URL)


def cards_for(households: Sequence[Household], year: int | None = None) -> tuple[list[Card], Catalogue]:
    """The cards of `households` (already through the gate), in their order."""
    catalogue = catalogue_for(year)
    ids = [household.household_id for household in households]
    policies = policies_for_households(ids, year=catalogue.year)
    names: dict[str, list[tuple[str, str]]] = {household_id: [] for household_id in ids}
    members = (
        Member.objects.filter(household_id__in=ids)
        .exclude(member_status__in=GONE)
        .order_by("household_id", "position")
        .values_list("household_id", "name", "relation")
    )
    for household_id, name, relation in members:
        names[household_id].append((name, relation))
    issued_on, signing = timezone.localdate(), signer()
    cards = []
    for household in households:
        values = {field: getattr(household, field) for field in HOUSEHOLD_FIELDS}
        received = [vars(policy) for policy in policies[household.household_id]]
        cards.append(card_for(values, names[household.household_id], received, catalogue, issued_on, signing))
    return cards, catalogue


def cards_response(
    user: User, title: str, households: Sequence[Household], year: int | None = None
) -> FileResponse:
    """A PDF download of the households' cards named `<title>-<year>年度明白卡.pdf`; the
    download is logged (fangfan.log: who, which region, how many cards)."""
    cards, catalogue = cards_for(households, year)
    # Not a context manager: FileResponse closes (and so removes) the file once it is sent.
    handle = tempfile.TemporaryFile(suffix=".pdf")  # noqa: SIM115
    write_cards(cards, handle, catalogue, len(cards))
    handle.seek(0)
    logger.info("明白卡下载：%s 下载 %s %d年度 %d 张", user.username, title, catalogue.year, len(cards))
    filename = f"{title}-{catalogue.year}年度明白卡.pdf"
    response = FileResponse(handle, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
