# A department record's values as PostgreSQL `json` instead of `jsonb` (LoadedJSONField: a
# city's publish spent about 40 % of the records' COPY parsing them into jsonb). SQLite
# stores both as the same text: only PostgreSQL's column changes, no table is rebuilt.

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

import fangfan.web.registry.models.departments


def _column_type(kind: str) -> migrations.RunPython:
    def alter(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE "registry_departmentrecord" ALTER COLUMN "data" TYPE {kind} USING "data"::{kind}'
            )

    return alter


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_department_records_one_household_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="departmentrecord",
                    name="data",
                    field=fangfan.web.registry.models.departments.LoadedJSONField(
                        default=dict, help_text="字段名 → 值，不含证件号", verbose_name="记录内容"
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(_column_type("json"), _column_type("jsonb")),
            ],
        ),
    ]
