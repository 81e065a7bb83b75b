"""A council's letters by date (its page and the councils list read one council's
entries), and its weaknesses by letter (its page's recurring themes, from the index alone).

Built CONCURRENTLY (so outside a transaction): on a big archive they take a while and
a plain CREATE INDEX would block imports meanwhile. Reversible: dropped concurrently too.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inspections", "0014_finding_letter_columns"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="inspection",
            index=models.Index(
                "authority",
                models.F("letter_date").desc(),
                models.F("id").desc(),
                name="inspection_by_authority_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="finding",
            index=models.Index(
                "inspection",
                "id",
                condition=models.Q(category__in=["development", "priority_action"]),
                include=["recurring"],
                name="finding_weakness_by_letter_idx",
            ),
        ),
    ]
