"""`fangfan demo`: from nothing to the office's system running with a synthetic 陇南.

1. generate the synthetic city's exports (`FANGFAN_HOME/demo/`);
2. create or update the web application's database (`manage.py migrate`);
3. make the exports the office's input set, import → link → screen, and publish the run
   (regions are synced as it is published);
4. create the demo accounts, one per role;
5. fill field work II at the city's proportions (village work teams with their check-ins,
   public-welfare posts with a year of pay, projects, industry income: each app's
   `synthetic.populate`), the demo village account a member of its village's team;
6. print the address and every account's user name and password;
7. start the background worker (`manage.py db_worker`) and the web server on
   http://127.0.0.1:8000 in the foreground; Ctrl-C stops both.

`--no-serve` stops after step 6 (tests run it that way).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from fangfan.engine import config

SETTINGS_MODULE = "fangfan.web.settings"
NOT_EXPORTS = frozenset({"ground_truth.csv", "generate.json"})
STEPS = 6
CITY_HOUSEHOLDS = 600_000  # field work II's synthetic sizes are the whole city's
# Each app's `populate(scale=…)`: teams and industry fill a share of the villages and households
# there are (the whole share in the demo); jobs and projects a number of posts and projects sized
# for the city (30,000 and 5,000), scaled to the demo's households.
FIELD_WORK_APPS = {"teams": False, "jobs": True, "projects": True, "industry": False}
STOP_SECONDS = 10


@click.command("demo")
@click.option("--households", default=60_000, show_default=True, help="合成户数（全市约 600000）")
@click.option("--seed", default=2020, show_default=True, help="随机种子")
@click.option("--messy", is_flag=True, help="按基层实际导出的杂乱格式生成")
@click.option("--port", default=8000, show_default=True, help="网站端口（只在本机 127.0.0.1 上提供）")
@click.option("--no-serve", is_flag=True, help="准备好数据和账号后退出，不启动网站和后台任务")
def demo_command(households: int, seed: int, messy: bool, port: int, no_serve: bool) -> None:
    """生成合成的陇南，导入、匹配、筛查并发布到网站，建演示账号，启动后台任务和网站。"""
    console = Console()
    started = time.perf_counter()
    exports = _generate(console, households, seed, messy)
    _prepare_database(console)
    result = _load(console, exports)
    from fangfan.cli.summary import print_summary

    print_summary(result.snapshot, console)
    accounts = _accounts(console)
    _field_work(console, households / CITY_HOUSEHOLDS, seed)
    url = f"http://127.0.0.1:{port}"
    _print_ready(console, url, accounts, time.perf_counter() - started)
    if not no_serve:
        serve(console, port)


def _generate(console: Console, households: int, seed: int, messy: bool) -> list[Path]:
    from fangfan.engine.progress import RichProgress
    from fangfan.engine.synth import default_as_of, generate_dataset

    out = config.home() / "demo"
    as_of = default_as_of()
    console.print(f"[bold]1/{STEPS} 生成合成数据[/]：{households:,} 户，种子 {seed}，截至 {as_of} → {out}")
    with RichProgress() as progress:
        generated = generate_dataset(out, households, seed, messy=messy, as_of=as_of, progress=progress)
    return [path for path in generated.files if path.name not in NOT_EXPORTS]


def setup_django() -> None:
    """Configure Django for this process (the web application's settings)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    django.setup()


def _prepare_database(console: Console) -> None:
    from django.conf import settings
    from django.core.management import call_command

    console.print(f"[bold]2/{STEPS} 准备网站数据库[/]（manage.py migrate）")
    setup_django()
    call_command("migrate", interactive=False, verbosity=0)
    database = settings.DATABASES["default"]
    console.print(f"数据库：{database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}")


def _load(console: Console, exports: list[Path]) -> Any:
    from fangfan.engine.progress import RichProgress
    from fangfan.engine.synth import default_as_of
    from fangfan.web.imports.processing import load_folder

    console.print(f"[bold]3/{STEPS} 导入、匹配部门数据、筛查并发布到网站[/]")
    folder = exports[0].parent
    with RichProgress() as progress:
        result = load_folder(folder, exports, as_of=default_as_of(), progress=progress)
    console.print(
        f"快照 {result.snapshot.id}，筛查批次 {result.run_id}：发现问题 {result.findings:,} 条，已发布到网站"
    )
    return result


def _accounts(console: Console) -> list[Any]:
    from fangfan.web.accounts.demo import create_demo_accounts

    console.print(f"[bold]4/{STEPS} 创建演示账号[/]（每个角色一个）")
    accounts: list[Any] = create_demo_accounts()
    return accounts


def _field_work(console: Console, scale: float, seed: int) -> None:
    import importlib

    from fangfan.web.accounts.demo import demo_regions
    from fangfan.web.accounts.models import User
    from fangfan.web.teams.models import TeamMember

    console.print(f"[bold]5/{STEPS} 驻村工作队、公益性岗位、衔接资金项目和产业收入的演示数据[/]")
    for app, sized_for_city in FIELD_WORK_APPS.items():
        synthetic = importlib.import_module(f"fangfan.web.{app}.synthetic")
        counts = synthetic.populate(seed=seed, scale=scale if sized_for_city else 1.0)
        console.print("，".join(f"{label} {number:,}" for label, number in counts.items()))
    # The demo village account signs in as its village's first team member: it can check in.
    village = demo_regions()["village"]
    account = User.objects.filter(username="demo-village").first()
    member = (
        TeamMember.objects.filter(village_code=getattr(village, "code", "")).order_by("duty", "pk").first()
    )
    if account is not None and member is not None:
        TeamMember.objects.filter(user=account).update(user=None)
        TeamMember.objects.filter(pk=member.pk).update(user=account)
        console.print(f"演示村账号 demo-village 即驻村工作队队员 {member.name}，可以签到、请假")


def _print_ready(console: Console, url: str, accounts: Sequence[Any], seconds: float) -> None:
    from fangfan.web.accounts.models import User

    console.print(f"[bold]6/{STEPS} 准备完成[/]，用时 {seconds:,.0f} 秒。网站地址：[bold green]{url}[/]")
    table = Table(title="演示账号（仅供演示：密码是公开的，不要在真实使用的服务器上运行）")
    for header in ("角色", "用户名", "密码", "所属区划"):
        table.add_column(header)
    for account in accounts:
        table.add_row(User.Role(account.role).label, account.username, account.password, account.region.name)
    console.print(table)


def serve(console: Console, port: int) -> None:
    """The worker and the web server, until Ctrl-C (or one of them stops)."""
    from fangfan.web.imports.actions import fail_interrupted

    interrupted = fail_interrupted()  # no worker runs yet: whatever is 运行中 was cut off
    if interrupted:
        console.print(f"[yellow]{interrupted} 个上传的处理曾被中断，已标记为失败，需重新上传。[/]")
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE}
    django = [sys.executable, "-m", "django"]
    worker = subprocess.Popen([*django, "db_worker", "--no-reload"], env=environment)
    # --insecure: the development server serves the static files with DEBUG off (demo only).
    server = subprocess.Popen(
        [*django, "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"], env=environment
    )
    console.print(f"后台任务（pid {worker.pid}）和网站（pid {server.pid}）已启动；按 Ctrl-C 停止。")
    try:
        while worker.poll() is None and server.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("正在停止网站和后台任务……")
        return
    finally:
        _stop(server, worker)
    raise click.ClickException(
        f"网站或后台任务意外退出（网站 {server.returncode}，后台任务 {worker.returncode}），已全部停止"
    )


def _stop(*processes: subprocess.Popen[bytes]) -> None:
    """Ask each process to stop (Ctrl-C reached them already, or SIGTERM now), then insist."""
    deadline = dt.datetime.now() + dt.timedelta(seconds=STOP_SECONDS)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        remaining = max((deadline - dt.datetime.now()).total_seconds(), 0.1)
        try:
            process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
