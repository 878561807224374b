"""The background task: django-tasks runs it in `manage.py db_worker` (its database backend)."""

from __future__ import annotations

from django_tasks import task

from fangfan.web.imports.processing import process_upload


@task()
def process_upload_task(upload_id: int) -> None:
    """Process one upload: check, import → link → screen, publish (see `processing`)."""
    process_upload(upload_id)
