"""A finding's themes without the two single-column indexes Django gives foreign keys.

The unique (finding, theme) constraint's index and finding_theme_by_theme_idx (theme,
finding) lead with each column already; the import adds ~30 theme rows a letter, each into
every index of the table (five B-trees before, three now). The foreign keys stay as they
are: only the indexes are dropped, so no constraint is checked again over the table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0017_source_documents_stored_uncompressed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="findingtheme",
                    name="finding",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="inspections.finding",
                    ),
                ),
                migrations.AlterField(
                    model_name="findingtheme",
                    name="theme",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="inspections.theme",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql=(
                        'DROP INDEX IF EXISTS "inspections_findingtheme_finding_id_49427ca1";'
                        ' DROP INDEX IF EXISTS "inspections_findingtheme_theme_id_d10ad1e5"'
                    ),
                    reverse_sql=(
                        'CREATE INDEX "inspections_findingtheme_finding_id_49427ca1"'
                        ' ON "inspections_findingtheme" ("finding_id");'
                        ' CREATE INDEX "inspections_findingtheme_theme_id_d10ad1e5"'
                        ' ON "inspections_findingtheme" ("theme_id")'
                    ),
                ),
            ],
        ),
    ]
