"""The background printing of a large batch of cards: django-tasks runs it in `manage.py db_worker`."""

from __future__ import annotations

from django_tasks import task


@task()
def print_batch_task(batch_id: int) -> None:
    """Print one 排队中 batch (`background.print_batch`)."""
    from fangfan.web.cards.background import print_batch

    print_batch(batch_id)
