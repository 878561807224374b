"""Permissions that come with a role, on top of those given to a user or group in the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import Model

from fangfan.web.accounts.models import User

# Every city and county office account may see full ID and phone numbers (each look is
# recorded); others need the permission given to them by name in the admin.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    User.Role.CITY: frozenset({"accounts.unmask_personal_data"}),
    User.Role.COUNTY: frozenset({"accounts.unmask_personal_data"}),
}


class RolePermissionBackend(BaseBackend):
    """Grants ROLE_PERMISSIONS; never authenticates anyone itself."""

    def get_all_permissions(self, user_obj: Any, obj: Model | None = None) -> set[str]:
        if not getattr(user_obj, "is_active", False) or not isinstance(user_obj, User):
            return set()
        return set(ROLE_PERMISSIONS.get(user_obj.role, frozenset()))

    def has_perm(self, user_obj: Any, perm: str, obj: Model | None = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)
