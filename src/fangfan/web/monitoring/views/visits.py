"""Visit records: the 走访 form for a household (算细账) and one visit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fangfan.web.accounts.access import FIELD_TEAMS, REGION_READERS, get_scoped_or_404, require_roles
from fangfan.web.monitoring import awareness
from fangfan.web.monitoring.actions.discovery import record_visit
from fangfan.web.monitoring.forms import VisitForm
from fangfan.web.monitoring.income import registered_size
from fangfan.web.monitoring.models import Visit
from fangfan.web.monitoring.threshold import income_year_on, monitoring_threshold
from fangfan.web.monitoring.views import user_of
from fangfan.web.procedures.base import WorkflowError
from fangfan.web.registry.models import Household


@require_http_methods(["GET", "POST"])
@require_roles(*FIELD_TEAMS)
def visit_new(request: HttpRequest, household_id: str) -> HttpResponse:
    """记录走访: the income item by item; below the year's threshold a lead opens by itself."""
    household = get_scoped_or_404(Household.objects.all(), request.user, household_id=household_id)
    size = registered_size(household.people, household.household_size)
    names = awareness.policy_names()
    received = [(key, names.get(key, key)) for key in awareness.received_keys([household])[household_id]]
    form = VisitForm(request.POST or None, size_known=size is not None, received=received)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = record_visit(
                user_of(request),
                household,
                data["visited_on"],
                form.amounts(),
                data["situation"],
                data.get("income_year"),
                data.get("household_size"),
                data.get("policies_known", []),
            )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            if result.intake is not None:
                messages.warning(
                    request,
                    f"该户在监测范围内，已生成发现线索（受理编号 {result.intake.reference}）",
                )
            elif result.note:
                messages.info(request, f"该户在监测范围内：{result.note}，未另生成线索")
            else:
                messages.success(request, "走访记录已保存")
            return redirect("monitoring:visit", visit_id=result.visit.pk)
    context = {
        "household": household,
        "form": form,
        "threshold": monitoring_threshold(income_year_on(timezone.localdate())),
        "size": size or "",
    }
    return render(request, "monitoring/visit_form.html", context, status=400 if form.errors else 200)


@require_GET
@require_roles(*REGION_READERS)
def visit_detail(request: HttpRequest, visit_id: int) -> HttpResponse:
    """One visit: the 算细账 as recorded, against the threshold of its year."""
    visit = get_scoped_or_404(Visit.objects.select_related("household", "visitor"), request.user, pk=visit_id)
    names = awareness.policy_names() if visit.policies_received is not None else {}
    known = set(visit.policies_known or ())
    policies = [(names.get(key, key), key in known) for key in visit.policies_received or ()]
    context = {"visit": visit, "intake": getattr(visit, "intake", None), "policies": policies}
    return render(request, "monitoring/visit_detail.html", context)
