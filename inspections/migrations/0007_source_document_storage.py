from django.db import migrations


class Migration(migrations.Migration):
    """A PDF is compressed already: store it out of line without PostgreSQL trying, and
    failing, to compress 200 KB a letter again."""

    dependencies = [
        ("inspections", "0006_search_any_spelling"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE inspections_sourcedocument ALTER COLUMN data SET STORAGE EXTERNAL",
            "ALTER TABLE inspections_sourcedocument ALTER COLUMN data SET STORAGE EXTENDED",
        ),
    ]
