"""Cards on the web: a household's card, a village's or township's batch, the public verification page."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from fangfan.engine.cards.catalogue import CatalogueError, catalogue_years
from fangfan.engine.cards.pdf import FontMissing
from fangfan.web.accounts.access import (
    REGION_READERS,
    get_scoped_or_404,
    region_for_user,
    require_roles,
    scope,
)
from fangfan.web.accounts.models import User
from fangfan.web.cards import background
from fangfan.web.cards.batch import cards_response
from fangfan.web.cards.models import CardBatch
from fangfan.web.cards.verification import verify
from fangfan.web.monitoring import spam
from fangfan.web.regions.models import Region
from fangfan.web.registry.models import Household
from fangfan.web.shared.polling import progress_panel

# The verification page answers at most this many look-ups an hour from one address.
VERIFY_LIMIT = 60
VERIFY = "card_verify"
# A village's batch is printed while the request waits when it is small
# (FANGFAN_CARDS_INLINE_HOUSEHOLDS); a township's (about 3,000 cards) by the background worker.
BATCH_LEVELS = (Region.Level.VILLAGE, Region.Level.TOWNSHIP)


def _year(request: HttpRequest) -> int | None:
    return _policy_year(request.GET.get("year", ""))


def _policy_year(year: str) -> int | None:
    """The year asked for, or None for the current one; a year no catalogue covers (before the
    first, or past the next) is a page that does not exist, not the server's fault."""
    if not year.strip():
        return None
    known = catalogue_years()
    if not (year.isdigit() and len(year) == 4) or not known or not known[0] <= int(year) <= known[-1] + 1:
        raise Http404("没有这一年度的明白卡")
    return int(year)


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
    region = _batch_region(request, code)
    assert isinstance(request.user, User)
    households = background.region_households(region, request.user)
    count = households.count()
    if not background.prints_immediately(region, count):
        context = {
            "region": region,
            "count": count,
            "year": _year(request),
            "batches": _batches(request, region),
        }
        context["keep_hours"] = settings.FANGFAN_CARDS_KEEP_HOURS
        return render(request, "cards/batch_request.html", context)
    return _download(request, region.name, list(households))


def _batch_region(request: HttpRequest, code: str) -> Region:
    region = region_for_user(request.user, code)
    if region.level not in BATCH_LEVELS:
        raise Http404("明白卡按行政村或乡镇打印")
    return region


def _batches(request: HttpRequest, region: Region) -> list[CardBatch]:
    return list(scope(CardBatch.objects.filter(region_code=region.code), request.user)[:10])


@require_roles(*REGION_READERS)
@require_POST
def batch_new(request: HttpRequest, code: str) -> HttpResponse:
    """生成明白卡: a township's or a large village's cards, printed by the background worker."""
    region = _batch_region(request, code)
    assert isinstance(request.user, User)
    batch = background.request_batch(request.user, region, _year_posted(request))
    messages.info(
        request, f"已交后台生成{region.name}的明白卡（{batch.total:,} 户）：本页显示进度，生成后可下载"
    )
    return redirect("cards:batch", batch_id=batch.pk)


def _year_posted(request: HttpRequest) -> int | None:
    return _policy_year(request.POST.get("year", ""))


@require_roles(*REGION_READERS)
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's page: its progress while the worker prints it, then its download."""
    batch = get_scoped_or_404(CardBatch.objects.select_related("requested_by"), request.user, pk=batch_id)
    return render(request, "cards/batch.html", {"batch": batch})


@require_roles(*REGION_READERS)
@require_GET
def batch_status(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The progress panel alone, for htmx polling; a finished batch reloads the page."""
    batch = get_scoped_or_404(CardBatch.objects.all(), request.user, pk=batch_id)
    return progress_panel(request, "cards/_batch_status.html", {"batch": batch}, running=batch.in_progress)


@require_roles(*REGION_READERS)
@require_GET
def batch_download(request: HttpRequest, batch_id: int) -> FileResponse:
    """A finished batch's PDF (region-gated like every record); logged as the immediate download."""
    batch = get_scoped_or_404(CardBatch.objects.all(), request.user, pk=batch_id)
    path = background.media_path(batch.file) if batch.file else None
    if batch.status != CardBatch.Status.READY or path is None or not path.is_file():
        raise Http404("该批明白卡还没有生成，或已过期删除")
    assert isinstance(request.user, User)
    background.logger.info(
        "明白卡下载：%s 下载 %s %s年度 %d 张（后台生成）",
        request.user.username,
        batch.title,
        batch.year,
        batch.done,
    )
    response = FileResponse(path.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(batch.file_name)}"
    return response


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
