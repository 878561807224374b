"""Re-assessments (回访/动态评估): the form with 算细账 for a monitored household, and one record."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from fangfan.web.accounts.access import FIELD_TEAMS, REGION_READERS, can, get_scoped_or_404, require_roles
from fangfan.web.monitoring.actions.assistance import record_reassessment
from fangfan.web.monitoring.assistance_forms import ReassessmentForm
from fangfan.web.monitoring.income import registered_size
from fangfan.web.monitoring.models import MonitoredHousehold, Reassessment
from fangfan.web.monitoring.threshold import income_year_on, monitoring_threshold
from fangfan.web.monitoring.views import user_of
from fangfan.web.procedures.base import WorkflowError


@require_http_methods(["GET", "POST"])
@require_roles(*FIELD_TEAMS)
def reassess(request: HttpRequest, monitored_id: int) -> HttpResponse:
    """记录回访: the income item by item again, against the year's threshold."""
    user = user_of(request)
    monitored = get_scoped_or_404(
        MonitoredHousehold.objects.select_related("household"), request.user, pk=monitored_id
    )
    if not can(user, "monitoring_reassess", monitored):
        raise PermissionDenied("您的角色无权记录回访")
    household = monitored.household
    size = registered_size(household.people, household.household_size) if household else None
    form = ReassessmentForm(request.POST or None, size_known=size is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reassessment = record_reassessment(
                user,
                monitored,
                data["visited_on"],
                form.amounts(),
                data["situation"],
                data.get("household_size"),
                data.get("income_year"),
            )
        except WorkflowError as refused:
            form.add_error(None, str(refused))
        else:
            verdict = "低于监测标准" if reassessment.below_threshold else "不低于监测标准"
            messages.success(
                request, f"回访已保存：人均纯收入{reassessment.net_income_per_capita:,.0f}元，{verdict}"
            )
            return redirect("monitoring:reassessment", reassessment_id=reassessment.pk)
    context = {
        "monitored": monitored,
        "form": form,
        "threshold": monitoring_threshold(income_year_on(timezone.localdate())),
        "size": size or "",
    }
    return render(request, "monitoring/reassessment_form.html", context, status=400 if form.errors else 200)


@require_GET
@require_roles(*REGION_READERS)
def reassessment_detail(request: HttpRequest, reassessment_id: int) -> HttpResponse:
    """One re-assessment: the 算细账 as recorded, against the threshold of its year."""
    reassessment = get_scoped_or_404(
        Reassessment.objects.select_related("monitored", "assessor"), request.user, pk=reassessment_id
    )
    return render(request, "monitoring/reassessment_detail.html", {"reassessment": reassessment})
