from __future__ import annotations

from django.contrib import admin

from fangfan.web.accounts.admin import ReadOnlyAdmin
from fangfan.web.imports.models import Upload


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    """Uploads are the record of what came in: readable, never edited or deleted here."""

    list_display = ("id", "original_name", "feed", "region", "uploaded_by", "uploaded_at", "status")
    list_filter = ("status", "feed")
    search_fields = ("original_name", "uploaded_by__username")
