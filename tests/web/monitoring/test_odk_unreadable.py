"""An export the import cannot read says which file, in Chinese, and writes nothing.

石桥村's team uploads what a phone saved as 走访.csv but is in an encoding neither UTF-8 nor
GB18030 (UTF-32, from an old export tool): the import page names the file and the problem.
A GBK file as Chinese Excel saves it, and a UTF-8 one with a BOM, are read as they are.
"""

from __future__ import annotations

import pytest

from fangfan.web.monitoring.models import Visit
from fangfan.web.odk.models import SubmissionImport

from .test_odk_visits import WANG_HOUSEHOLD, _answers, central_csv, upload

pytestmark = pytest.mark.django_db


def test_a_file_in_an_unknown_encoding_is_refused_naming_the_file(cast, client_for):
    text = central_csv([("u-1", _answers(WANG_HOUSEHOLD, "6000"))]).decode()

    upload(client_for(cast["village"]), "走访.csv", text.encode("utf-32"))

    batch = SubmissionImport.objects.get()
    assert batch.refused == "《走访.csv》：文件编码无法识别（应为 UTF-8、UTF-16 或 GB18030）"
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_gbk_or_bom_export_is_read_with_its_chinese_intact(cast, client_for, encoding):
    text = central_csv([("g-1", _answers(WANG_HOUSEHOLD, "6000", situation="家里老人生病住院"))]).decode()

    upload(client_for(cast["village"]), "走访.csv", text.encode(encoding))

    assert SubmissionImport.objects.get().created == 1
    assert "家里老人生病住院" in Visit.objects.get().situation
