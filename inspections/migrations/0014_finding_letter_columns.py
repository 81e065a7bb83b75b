"""Carry each letter's council, date and type on its findings.

The findings page filters, orders and counts by these: read from the finding itself, one
scan of one table counts every facet, where joining 100,000 letters to 1.5 million findings
cost most of each count. Existing findings are filled from their letters in one statement.

Two triggers keep the copies right whatever writes them: one fills a finding inserted
without them (the importer sets them itself, so it never fires there), the other copies a
letter's changed council, date or type to its findings (an editor's correction).
"""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE inspections_finding AS finding
SET authority_id = letter.authority_id,
    letter_date = letter.letter_date,
    inspection_type = letter.inspection_type
FROM inspections_inspection AS letter
WHERE letter.id = finding.inspection_id
"""

TRIGGERS = """
CREATE FUNCTION inspections_finding_from_letter() RETURNS trigger AS $$
BEGIN
    SELECT authority_id, letter_date, inspection_type
    INTO NEW.authority_id, NEW.letter_date, NEW.inspection_type
    FROM inspections_inspection WHERE id = NEW.inspection_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finding_from_letter
BEFORE INSERT ON inspections_finding
FOR EACH ROW
WHEN (NEW.authority_id IS NULL OR NEW.letter_date IS NULL OR NEW.inspection_type IS NULL
      OR NEW.inspection_type = '')
EXECUTE FUNCTION inspections_finding_from_letter();

CREATE TRIGGER finding_moved_letter
BEFORE UPDATE OF inspection_id ON inspections_finding
FOR EACH ROW
WHEN (OLD.inspection_id IS DISTINCT FROM NEW.inspection_id)
EXECUTE FUNCTION inspections_finding_from_letter();

CREATE FUNCTION inspections_letter_to_findings() RETURNS trigger AS $$
BEGIN
    UPDATE inspections_finding
    SET authority_id = NEW.authority_id,
        letter_date = NEW.letter_date,
        inspection_type = NEW.inspection_type
    WHERE inspection_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER letter_to_findings
AFTER UPDATE OF authority_id, letter_date, inspection_type ON inspections_inspection
FOR EACH ROW
WHEN (OLD.authority_id IS DISTINCT FROM NEW.authority_id
      OR OLD.letter_date IS DISTINCT FROM NEW.letter_date
      OR OLD.inspection_type IS DISTINCT FROM NEW.inspection_type)
EXECUTE FUNCTION inspections_letter_to_findings();
"""

INSPECTION_TYPES = [
    ["unannounced_cra", "Unannounced inspection of contact, referral and assessment"],
    ["monitoring_visit", "Monitoring visit"],
    ["focused_visit", "Focused visit"],
    ["jtai", "Joint targeted area inspection"],
    ["ilacs", "Inspection of local authority children's services"],
    ["sif", "Single inspection framework"],
    ["other", "Other"],
]

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS letter_to_findings ON inspections_inspection;
DROP FUNCTION IF EXISTS inspections_letter_to_findings();
DROP TRIGGER IF EXISTS finding_from_letter ON inspections_finding;
DROP TRIGGER IF EXISTS finding_moved_letter ON inspections_finding;
DROP FUNCTION IF EXISTS inspections_finding_from_letter();
"""


class Migration(migrations.Migration):
    dependencies = [("inspections", "0013_imported_at_index")]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="authority",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="inspections.authority",
            ),
        ),
        migrations.AddField(
            model_name="finding",
            name="letter_date",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="finding",
            name="inspection_type",
            field=models.CharField(
                choices=INSPECTION_TYPES,
                editable=False,
                max_length=32,
                null=True,
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AlterField(
            model_name="finding",
            name="authority",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="inspections.authority",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="letter_date",
            field=models.DateField(editable=False),
        ),
        migrations.AlterField(
            model_name="finding",
            name="inspection_type",
            field=models.CharField(
                choices=INSPECTION_TYPES,
                editable=False,
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                models.F("letter_date").desc(), models.F("id").desc(), name="finding_newest_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["authority", "letter_date"], name="finding_authority_date_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                fields=["category", "authority", "letter_date", "inspection_type"],
                include=["id"],
                name="finding_facets_idx",
            ),
        ),
    ]
