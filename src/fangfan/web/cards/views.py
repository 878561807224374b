"""Cards on the web: a household's card, a village's or township's batch, the public verification page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangfan.engine.cards.catalogue import CatalogueError
from fangfan.engine.cards.pdf import FontMissing
from fangfan.web.accounts.access import (
    REGION_READERS,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
    within_region,
)
from fangfan.web.accounts.models import User
from fangfan.web.cards.batch import cards_response
from fangfan.web.cards.verification import verify
from fangfan.web.monitoring import spam
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household

# The verification page answers at most this many look-ups an hour from one address.
VERIFY_LIMIT = 60
VERIFY = "card_verify"
# A batch is printed while the request waits: a village's or a township's (about 3,000 cards).
BATCH_LEVELS = (Region.Level.VILLAGE, Region.Level.TOWNSHIP)


def _year(request: HttpRequest) -> int | None:
    year = request.GET.get("year", "")
    return int(year) if year.isdigit() and len(year) == 4 else None


@require_roles(*REGION_READERS)
@require_GET
def household_card(request: HttpRequest, household_id: str) -> HttpResponseBase:
    """One household's card (the household page's link)."""
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    return _download(request, f"{household.head_name}户", [household])


@require_roles(*REGION_READERS)
@require_GET
def region_cards(request: HttpRequest, code: str) -> HttpResponseBase:
    """Every household's card of a village or township, one page each, in one PDF."""
    region = region_for_user(request.user, code)
    if region.level not in BATCH_LEVELS:
        raise Http404("明白卡按行政村或乡镇打印")
    inside = Household.objects.filter(within_region("village_code", region))
    households = scope(inside, request.user).order_by("village_code", "household_id")
    return _download(request, region.name, list(households))


def _download(request: HttpRequest, title: str, households: list[Household]) -> HttpResponseBase:
    assert isinstance(request.user, User)
    try:
        return cards_response(request.user, title, households, _year(request))
    except (FontMissing, CatalogueError) as error:  # the server's installation, not the request
        return render(request, "cards/unavailable.html", {"reason": str(error)}, status=503)


@login_not_required
@require_GET
def verify_card(request: HttpRequest) -> HttpResponse:
    """核验明白卡 (public, what a card's QR code opens): genuine or not, current or outdated."""
    if spam.count_submission(VERIFY, spam.client_address(request)) > VERIFY_LIMIT:
        return render(
            request, "429.html", {"reason": "查询次数过多，请一小时后再试，或拨打12317热线"}, status=429
        )
    verdict = verify(request.GET.get("t", "").strip()[:200])
    return render(request, "cards/verify.html", {"verdict": verdict})
