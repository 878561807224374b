from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fangfan.web.accounts.demo import create_demo_accounts
from fangfan.web.accounts.models import User


class Command(BaseCommand):
    help = "建立（或重置）每个角色一个演示账号，并打印用户名和密码。仅供演示，切勿用于正式环境。"

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = create_demo_accounts()
        self.stdout.write("演示账号（密码公开，仅供演示）：")
        for account in accounts:
            role = User.Role(account.role).label
            place = account.region.name
            self.stdout.write(
                f"  {role:<10} {place:<12} 用户名 {account.username:<16} 密码 {account.password}"
            )
        if not any(account.role == User.Role.VILLAGE for account in accounts):
            self.stdout.write(
                "礼县尚无行政村：请先导入快照并运行 manage.py sync_regions，再建驻村工作队账号。"
            )
