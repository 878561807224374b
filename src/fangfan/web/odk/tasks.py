"""The background import of a large ODK / KoboToolbox export, run by `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def import_waiting_task(batch_id: int) -> None:
    """Import one 排队中 export (`imports.import_waiting`)."""
    from fangfan.web.odk.imports import import_waiting

    import_waiting(batch_id)
