"""`manage.py unlock_login <用户名>`: lift a login lock before its 15 minutes are up."""

from __future__ import annotations

from typing import Any

from axes.utils import reset
from django.core.management.base import BaseCommand, CommandParser

from fangfan.web.accounts.models import LoginThrottle


class Command(BaseCommand):
    help = "解除账号的登录锁定（连续输错密码后的 15 分钟锁定），来自任何地址的都解除"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="+", help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        for username in options["username"]:
            counted, _ = LoginThrottle.objects.filter(username=username).delete()
            attempts = reset(username=username)
            self.stdout.write(f"{username}：已解除锁定（清除尝试计数 {counted} 条、失败记录 {attempts} 条）")
