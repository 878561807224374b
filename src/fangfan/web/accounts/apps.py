from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fangfan.web.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self) -> None:
        from fangfan.web.accounts import throttle  # noqa: F401  (connects its user_logged_in receiver)
