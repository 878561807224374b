"""IDENTITY findings of a township's own export reach the web work queue (docs/indicators.md, IDN-004).

The export is the hand-made 石桥镇 one of tests/engine/test_township_export.py (its cast:
赵德明's ID rounded by Excel, 钱秀兰's wrong check character, 孙建国 registered 女 against
his ID, 李小红's ID missing a digit). It goes through `fangfan run`, the run is published,
and 礼县's county account filters its work queue on 身份信息.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from cast import LI_XIAOHONG, QIAN_XIULAN, SUN_JIANGUO, ZHAO_DEMING
from fangfan.cli import main
from fangfan.web.accounts.models import User
from fangfan.web.accounts.testing import make_regions, make_user
from fangfan.web.publishing import publish_run
from fangfan.web.registry.models import Finding

pytestmark = pytest.mark.django_db

CAST = tuple(person.name for person in (ZHAO_DEMING, QIAN_XIULAN, SUN_JIANGUO, LI_XIAOHONG))


def _township_export() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "engine" / "test_township_export.py"
    spec = importlib.util.spec_from_file_location("township_export", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    export = _township_export()
    exports = tmp_path / "石桥镇导出"
    exports.mkdir()
    people = export._cast()
    export._registry(exports, people)
    export._rolls(exports, people)
    home = tmp_path / "home"
    monkeypatch.setenv("FANGFAN_HOME", str(home))
    arguments = ["run", str(exports), "--out", str(tmp_path / "out"), "--as-of", export.AS_OF]
    result = CliRunner().invoke(main, arguments, env={"FANGFAN_HOME": str(home)})
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "运行摘要.json").read_text("utf-8"))
    snapshot = home / "snapshots" / summary["snapshot_id"]
    links = home / "derived" / summary["snapshot_id"] / "links.parquet"
    publish_run(home / "runs" / summary["run_id"], snapshot, links=links)
    return tmp_path


def test_damaged_registry_ids_are_identity_findings_in_the_county_work_queue(published: Path) -> None:
    make_regions()
    county = make_user(User.Role.COUNTY, "621226")
    assert Finding.objects.filter(category="IDENTITY", rule_code="IDN-004").count() == len(CAST)
    client = Client()
    client.force_login(county)
    response = client.get(reverse("workqueue:list"), {"category": "IDENTITY"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('<span class="code">IDN-004</span> 证件号码有误') == len(CAST)
    for name in CAST:
        assert f"·{name}</td>" in page
    assert "身份信息" in page  # the category filter names it in Chinese
    finding = Finding.objects.get(rule_code="IDN-004", message__startswith="李小红")
    detail = client.get(reverse("workqueue:detail", args=[finding.pk])).content.decode()
    assert "证件号码位数或字符不对" in detail
