"""The repeat-contact lists (重复反映, and the 一个不剩 board's) read their first rows from an index.

They keep only grievances with earlier contacts and sort them by how many, newest first:
without an index a city's 50,000 grievances were scanned for a page of 20 (about 20 ms on
PostgreSQL). A partial index (SQLite and PostgreSQL both have them) holds only those rows,
in that order. RunSQL, so the models' state is unchanged.
"""

from django.db import migrations

INDEX = "grievance_repeat_idx"


class Migration(migrations.Migration):
    dependencies = [("grievances", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {INDEX} ON grievances_grievance "
            "(repeat_count DESC, received_at DESC, id DESC) WHERE repeat_count > 0",
            f"DROP INDEX {INDEX}",
        )
    ]
