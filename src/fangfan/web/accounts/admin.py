from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from fangfan.web.accounts.models import AuditEvent, UnmaskEvent, User


@admin.register(User)
class FangfanUserAdmin(UserAdmin):  # type: ignore[type-arg]  # generic only in django-stubs, not at run time
    list_display = ("username", "last_name", "first_name", "role", "region", "department", "is_active")
    list_filter = ("role", "is_active", "department")
    search_fields = ("username", "first_name", "last_name", "region__name", "region__code")
    autocomplete_fields = ("region",)
    fieldsets = (
        *(UserAdmin.fieldsets or ()),  # None only in the stubs' base class
        ("岗位", {"fields": ("role", "region", "department", "phone")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("岗位", {"fields": ("role", "region", "department", "phone")}),
    )


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in django-stubs
    """Records of what happened: readable, never edited or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "action", "content_type", "object_repr")
    list_filter = ("action", "content_type")
    search_fields = ("object_id", "object_repr", "user__username")


@admin.register(UnmaskEvent)
class UnmaskEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "content_type", "object_repr", "field", "reason")
    list_filter = ("content_type", "field")
    search_fields = ("object_id", "object_repr", "user__username", "reason")
