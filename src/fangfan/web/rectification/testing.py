"""Problems for tests, made through the verbs so each has its event and audit trail.

from fangfan.web.rectification.testing import make_problem
problem = make_problem(county_user, "621226100201")        # a 石桥村 problem, 整改中
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fangfan.web.accounts.models import User
from fangfan.web.rectification import actions
from fangfan.web.rectification.models import Problem, ScopeLevel, Source
from fangfan.web.regions.models import Region

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def proof(name: str = "整改照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def make_problem(user: User, region_code: str, **fields: Any) -> Problem:
    """A problem of the region (its own level unless `scope_level` says), due in 30 days."""
    region = Region.objects.get(code=region_code)
    values: dict[str, Any] = {
        "source": Source.CROSS_PROVINCE,
        "scope_level": ScopeLevel(region.level),
        "description": f"{region.name}的整改问题",
        "category": "RESPONSIBILITY",
        "lead_unit": f"{region.name}人民政府",
        "responsible_person": "张主任",
        "measures": "逐户排查，建立台账",
        "deadline": timezone.localdate() + dt.timedelta(days=30),
        "batch": "2020年省际交叉考核反馈问题",
        **fields,
    }
    return actions.open_problem(user, region=region, **values)


def fix(user: User, problem: Problem, note: str = "已整改到位") -> Problem:
    actions.submit_fix(user, problem, note, timezone.localdate(), proof())
    problem.refresh_from_db()
    return problem
