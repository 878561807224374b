from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from fangfan.web.accounts.access import can, get_scoped_or_404
from fangfan.web.accounts.forms import UnmaskForm
from fangfan.web.accounts.models import User
from fangfan.web.accounts.personal import masked, personal_fields, record_unmask


def unmask(request: HttpRequest, obj: Model, field: str) -> HttpResponse:
    """Reveal one personal value of `obj` to the user and record it (an htmx fragment).

    `obj` must already come from the access gate; the reason is the form field `reason`.
    Other apps may call this from their own views.
    """
    if field not in personal_fields(obj):
        raise Http404("没有该字段")
    user = request.user
    if not isinstance(user, User) or not can(user, "unmask", obj):
        raise PermissionDenied("您没有查看完整个人信息的权限")
    form = UnmaskForm(request.POST)
    context = {
        "obj": obj,
        "field": field,
        "masked": masked(obj, field),
        "model_label": obj._meta.label_lower,
        "form": form,
    }
    if not form.is_valid():
        return render(request, "accounts/personal_value.html", {**context, "can_unmask": True}, status=400)
    value = record_unmask(user, obj, field, form.cleaned_data["reason"])
    return render(request, "accounts/unmasked_value.html", {**context, "value": value})


@require_POST
def unmask_field(request: HttpRequest, model: str, object_id: str, field: str) -> HttpResponse:
    """POST /accounts/unmask/<app_label.model>/<id>/<field>/: the generic unmask endpoint."""
    try:
        model_class = apps.get_model(model)
    except (LookupError, ValueError):
        raise Http404("没有该记录类型") from None
    if not personal_fields(model_class) or not getattr(model_class, "REGION_FIELD", None):
        raise Http404("没有该记录类型")
    obj = get_scoped_or_404(model_class._default_manager.all(), request.user, pk=object_id)
    return unmask(request, obj, field)


def profile(request: HttpRequest) -> HttpResponse:
    """我的账号: who the system thinks you are, and where you may look."""
    return render(request, "accounts/profile.html", {"account": request.user})
