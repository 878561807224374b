"""The registry in Django's admin: readable for technicians, changed only by publishing
and the work queue (so nothing here can be added, edited or deleted)."""

from __future__ import annotations

from django.contrib import admin

from fangfan.web.accounts.admin import ReadOnlyAdmin
from fangfan.web.registry.models import DepartmentRecord, Finding, FindingEvent, Household, Member, Run


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("run_id", "as_of", "policy_year", "is_current", "households", "findings", "published_at")
    list_filter = ("is_current", "policy_year")


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("household_id", "head_name", "village_name", "household_type", "open_findings")
    list_filter = ("household_type",)
    search_fields = ("=household_id", "head_name", "village_code")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("name", "household", "relation", "member_status")
    search_fields = ("=household__household_id", "name")
    exclude = ("id_number",)  # personal: read through the pages, masked, or unmasked on record


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ("rule_code", "household", "person_name", "veto", "engine_status", "status", "deadline")
    list_filter = ("engine_status", "status", "veto", "category")
    search_fields = ("=household__household_id", "rule_code")
    exclude = ("id_number",)


@admin.register(FindingEvent)
class FindingEventAdmin(ReadOnlyAdmin):
    list_display = ("finding", "action", "user", "at", "from_status", "to_status")
    list_filter = ("action",)


@admin.register(DepartmentRecord)
class DepartmentRecordAdmin(ReadOnlyAdmin):
    list_display = ("feed", "household", "name", "method", "source_file", "source_row")
    list_filter = ("feed", "method")
    exclude = ("id_as_written", "linked_id_number")
