"""A progress panel that htmx polls while background work runs (an upload's import, a batch
of cards, an ODK import): the panel alone, and once the work is done a full reload, so the
page shows its result."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def progress_panel(
    request: HttpRequest, template: str, context: dict[str, Any], *, running: bool
) -> HttpResponse:
    """Render the panel `template`; when the work is no longer `running`, ask htmx to reload."""
    response = render(request, template, context)
    if not running:
        response["HX-Refresh"] = "true"
    return response
