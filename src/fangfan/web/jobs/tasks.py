"""The monthly check on the background worker: django-tasks runs it in `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def run_check_task(check_id: int) -> None:
    """Run one queued check (`checks.run_check`)."""
    from fangfan.web.jobs.checks import run_check
    from fangfan.web.jobs.models import JobCheck

    check = JobCheck.objects.filter(pk=check_id).first()
    if check is not None:
        run_check(check)
