from django.db import migrations


class Migration(migrations.Migration):
    """The archive's data version (inspections.caching): advanced after every change."""

    dependencies = [("inspections", "0010_published_url")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS inspections_data_version",
            "DROP SEQUENCE IF EXISTS inspections_data_version",
        )
    ]
