"""No planner statistics for the long free texts: ANALYZE (autovacuum's, and the bulk
import's) took half its time on findings reading them, and no query filters, joins or
groups on them (words are searched through the stored search vectors, whose statistics
stay). Measured: ANALYZE of 15,000 findings 200 ms -> 112 ms.

Only catalogue entries change (SHARE UPDATE EXCLUSIVE lock: reads and writes go on), and
the statistics already gathered stay until the next ANALYZE.
"""

from django.db import migrations

LONG_TEXTS = {
    "inspections_finding": ("text", "heading", "search_extra"),
    "inspections_inspection": ("source_text", "search_extra", "review_notes"),
}


def _alter(target: int) -> list[str]:
    return [
        f"ALTER TABLE {table} "
        + ", ".join(f"ALTER COLUMN {column} SET STATISTICS {target}" for column in columns)
        for table, columns in LONG_TEXTS.items()
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0015_council_page_indexes"),
    ]

    operations = [
        migrations.RunSQL(sql=_alter(0), reverse_sql=_alter(-1)),
    ]
