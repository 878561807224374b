"""A procedure's page: the steps the user may take now (one form each), the stepper, and
one act view that runs a step.

`detail` renders the record's page with `forms` (the offered steps), `stages`, `done`
and `current_stage` (the stepper) and `events`; its template includes
`procedures/_stepper.html` and `procedures/_steps.html`. `act` answers a step's POST:
404 outside the region (the caller's scoped lookup), 403 for the wrong role, 409 with the
reason for the wrong stage or what the verb refuses, 400 for a form that does not
validate, else a redirect to the page. A refused step answers with the page itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from fangfan.web.accounts.models import User
from fangfan.web.procedures.base import Procedure, R, WorkflowError, check, may, step_opens_on

Data = dict[str, Any]


@dataclass(frozen=True)
class StepForm(Generic[R]):
    """A step as a page offers it: its form (given the record, for initial values; then the
    POST and, with `files`, the uploads), what it calls with the cleaned data, and a
    template shown at the top of its form (`intro`)."""

    form: Callable[..., forms.Form]
    perform: Callable[[User, R, Data], object]
    files: bool = False
    intro: str = ""
    # Beyond the gate, whether to offer the step to this user at all (acceptance is not
    # offered to the unit that reported the fix); the verb refuses it all the same.
    offer: Callable[[User, R], bool] | None = None


def note_step(form: Callable[..., forms.Form], verb: Callable[[User, R, str], object]) -> StepForm[R]:
    """A step whose form asks only for a note (退回, 不予认定, 公示期满 …): `verb(user, record, note)`."""
    return StepForm(
        lambda record, *args: form(*args), lambda user, record, data: verb(user, record, data["note"])
    )


@dataclass(frozen=True, eq=False)
class Page(Generic[R]):
    """How a procedure's record is shown: the template and the name the record has in it,
    the page's and each step's URL name ("monitoring:elimination_{verb}"), the stepper
    (each stage as a step's name; none, no stepper) and what else the template needs."""

    procedure: Procedure[R, Any]
    steps: Mapping[str, StepForm[R]]
    template: str
    record_name: str
    detail_url: str
    step_url: str
    stepper: tuple[tuple[str, str], ...] = ()
    context: Callable[[R], Data] = field(default=lambda record: {})


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def own_ids(form: forms.Form, verb: str) -> forms.Form:
    """Field ids of the step's own (id_<verb>_note): a page shows several step forms, and two
    fields of one id let htmx's settle copy attributes between them (an inline style the
    CSP blocks) and a label point at the wrong form."""
    form.auto_id = f"id_{verb}_%s"
    return form


def offered(page: Page[R], user: User, record: R, bound: Mapping[str, forms.Form]) -> list[Data]:
    """The steps the user may take on the record now, each with its form (the refused one bound)."""
    return [
        {
            "verb": verb,
            "name": page.procedure.step(verb).name,
            "form": bound.get(verb) or own_ids(spec.form(record), verb),
            "url": reverse(page.step_url.format(verb=verb), args=[record.pk]),
            "opens_on": step_opens_on(page.procedure, verb, record),
            "intro": spec.intro,
        }
        for verb, spec in page.steps.items()
        if may(page.procedure, user, verb, record) and (spec.offer is None or spec.offer(user, record))
    ]


def detail(
    request: HttpRequest,
    page: Page[R],
    record: R,
    bound: Mapping[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The record's page: where it stands, what each step recorded, the steps the user may take."""
    stage = page.procedure.stage_of(record)
    progress = [stage for stage, _ in page.stepper]
    reached = progress.index(stage) if stage in progress else 0
    context = {
        page.record_name: record,
        "stages": page.stepper,
        "current_stage": stage,
        "done": progress[:reached],
        "events": page.procedure.events_of(record),
        "forms": offered(page, user_of(request), record, bound or {}),
        **page.context(record),
    }
    response = render(request, page.template, context, status=status)
    # A refused step answers with this page: under htmx the address bar shows the page's own
    # URL, not the step's (a refresh there would be a GET on a POST-only URL, a 405).
    response["HX-Push-Url"] = reverse(page.detail_url, args=[record.pk])
    return response


def act(request: HttpRequest, page: Page[R], record: R, verb: str) -> HttpResponse:
    """Do one step on a record the caller found in the user's region: 403 for the wrong role,
    409 with the reason (wrong stage, or the verb refuses), 400 for an invalid form."""
    user = user_of(request)
    spec = page.steps[verb]
    posted = spec.form(record, request.POST, request.FILES) if spec.files else spec.form(record, request.POST)
    form = own_ids(posted, verb)
    try:
        check(page.procedure, user, verb, record)
        if not form.is_valid():
            return detail(request, page, record, {verb: form}, status=400)
        spec.perform(user, record, form.cleaned_data)
    except WorkflowError as refused:
        messages.error(request, str(refused))
        record.refresh_from_db()
        return detail(request, page, record, {verb: form}, status=409)
    messages.success(request, f"已{page.procedure.step(verb).name}")
    return redirect(reverse(page.detail_url, args=[record.pk]))
