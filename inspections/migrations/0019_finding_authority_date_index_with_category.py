"""A council's findings by date, with their category last in the index.

With a category chosen beside councils (a region) and words, PostgreSQL took this index and
the weaknesses' partial index for three search bitmaps, and never the facets index, which
narrows by category, councils and date in one scan (see Finding.Meta). The index still
leads with council and date, for everything that read it before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0018_finding_theme_without_single_column_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="finding",
            name="finding_authority_date_idx",
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["authority", "letter_date", "category"], name="finding_authority_date_idx"
            ),
        ),
    ]
