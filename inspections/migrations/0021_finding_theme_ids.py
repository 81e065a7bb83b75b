"""Carry each finding's theme ids on the finding itself.

A theme filter with words read every finding with the theme and looked each one up to test
the words (a theme's 74,000 findings at 100,000 letters, for "caseloads" and "high"); on the
row, in an index of its own, the theme is one more bitmap the search index's is ANDed with.
The theme facet is then counted from the rows a search reads anyway, not looked up result by
result. Existing findings are filled from their FindingTheme rows in one statement.

FindingTheme stays the record (who gave each theme: the rules or an editor). Two triggers
keep the copy right whoever writes either table:
- after any statement that inserts, deletes or moves FindingTheme rows, the findings they
  belong to are given their themes again, where these differ. The importer, which gives
  them with each new finding's row, says so for its INSERT (`inspections.theme_ids_given`
  on), and skips the look-ups, which cost ~0.4 ms of PostgreSQL's CPU a letter;
- an UPDATE of a finding never sets its themes by hand (a model instance saved after its
  themes changed would otherwise write the old ones back): they are read from FindingTheme.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FILL = """
UPDATE inspections_finding AS finding
SET theme_ids = themes.ids
FROM (
    SELECT finding_id, array_agg(theme_id ORDER BY theme_id) AS ids
    FROM inspections_findingtheme GROUP BY finding_id
) AS themes
WHERE themes.finding_id = finding.id
"""

# Its themes, as FindingTheme holds them: the one definition both triggers use.
THEMES_OF = (
    "ARRAY(SELECT theme_id FROM inspections_findingtheme"
    " WHERE finding_id = {finding} ORDER BY theme_id)"
)

TRIGGERS = f"""
CREATE FUNCTION inspections_finding_theme_ids() RETURNS trigger AS $$
BEGIN
    NEW.theme_ids := {THEMES_OF.format(finding="NEW.id")};
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finding_theme_ids_from_rows
BEFORE UPDATE OF theme_ids ON inspections_finding
FOR EACH ROW
EXECUTE FUNCTION inspections_finding_theme_ids();

-- The findings whose FindingTheme rows a statement changed, given their themes again where
-- these differ (the UPDATE fires the trigger above, which reads them). Each event has its
-- own trigger, as transition tables require; one function serves them.
CREATE FUNCTION inspections_finding_themes_changed() RETURNS trigger AS $$
DECLARE
    changed bigint[] := '{{}}';
BEGIN
    -- The importer's rows, whose findings were stored with these themes a moment before.
    IF current_setting('inspections.theme_ids_given', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        changed := changed || ARRAY(SELECT finding_id FROM new_rows);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        changed := changed || ARRAY(SELECT finding_id FROM old_rows);
    END IF;
    UPDATE inspections_finding AS f SET theme_ids = f.theme_ids
    WHERE f.id = ANY(changed)
    AND f.theme_ids IS DISTINCT FROM {THEMES_OF.format(finding="f.id")};
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finding_themes_inserted
AFTER INSERT ON inspections_findingtheme
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION inspections_finding_themes_changed();

CREATE TRIGGER finding_themes_deleted
AFTER DELETE ON inspections_findingtheme
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION inspections_finding_themes_changed();

CREATE TRIGGER finding_themes_updated
AFTER UPDATE ON inspections_findingtheme
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION inspections_finding_themes_changed();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS finding_themes_inserted ON inspections_findingtheme;
DROP TRIGGER IF EXISTS finding_themes_deleted ON inspections_findingtheme;
DROP TRIGGER IF EXISTS finding_themes_updated ON inspections_findingtheme;
DROP FUNCTION IF EXISTS inspections_finding_themes_changed();
DROP TRIGGER IF EXISTS finding_theme_ids_from_rows ON inspections_finding;
DROP FUNCTION IF EXISTS inspections_finding_theme_ids();
"""


class Migration(migrations.Migration):
    dependencies = [("inspections", "0020_inspection_undated")]

    operations = [
        migrations.AddField(
            model_name="finding",
            name="theme_ids",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.BigIntegerField(),
                blank=True,
                default=list,
                editable=False,
                size=None,
            ),
        ),
        # Filled before the triggers exist, so that each row is written once.
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
        migrations.AddIndex(
            model_name="finding",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["theme_ids"], name="finding_theme_ids_idx"
            ),
        ),
    ]
