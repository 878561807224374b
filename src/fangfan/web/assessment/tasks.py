"""The background draw of a large round: django-tasks runs it in `manage.py db_worker`."""

from __future__ import annotations

import logging

from django_tasks import task

from fangfan.web.assessment import actions
from fangfan.web.assessment.models import Round

logger = logging.getLogger(__name__)


@task()
def draw_round_task(round_id: int) -> None:
    """Draw a 抽样中 round (`actions.fill_round`); a no-op if it is drawn already or gone."""
    made = Round.objects.filter(pk=round_id, status=Round.Status.DRAWING).first()
    if made is None:
        return
    try:
        actions.fill_round(made)
    except Exception:
        # The details go to the log; the office reads a sentence without library text.
        logger.exception("drawing assessment round %s failed", round_id)
        actions.fail_round(made)
        raise
