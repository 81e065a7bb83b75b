"""A finding's search vector: made once by the importer, by a trigger for other writers.

As a generated column it was made from the text as the row was stored, after the importer had
already stemmed the same text to tag the finding with its themes (which it now does before
storing, so that the row carries them: migration 0021). Stemming is most of both: at 1,500
letters, the tagging statement's 0.5 s became 2.8 s. The importer now makes the vector in the
statement that finds the themes' features and stores it with the row (COPY).

Every other writer (the admin, the ORM, fixtures) still gets the same vector from the same
expression: a trigger makes it on insert where none is given (the ORM gives NULL) and on any
update of the text, its other spellings or the heading. The column keeps its values; only
the expression is dropped (no rewrite).
"""

import django.contrib.postgres.search
from django.db import migrations

# The vector as the generated column made it (and as the importer makes it:
# themes.features.new_finding_features): text and its other spellings weight A, the heading B.
VECTOR = (
    "setweight(to_tsvector('english'::regconfig, COALESCE({row}text, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE({row}search_extra, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE({row}heading, '')), 'B')"
)

FORWARD = f"""
ALTER TABLE inspections_finding ALTER COLUMN search_vector DROP EXPRESSION;
ALTER TABLE inspections_finding ALTER COLUMN search_vector DROP NOT NULL;

CREATE FUNCTION inspections_finding_search_vector() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := {VECTOR.format(row="NEW.")};
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER finding_search_vector_given
BEFORE INSERT ON inspections_finding
FOR EACH ROW
WHEN (NEW.search_vector IS NULL)
EXECUTE FUNCTION inspections_finding_search_vector();

CREATE TRIGGER finding_search_vector_kept
BEFORE UPDATE OF text, search_extra, heading ON inspections_finding
FOR EACH ROW
EXECUTE FUNCTION inspections_finding_search_vector();
"""

# Back to a generated column: the column made again (every row's vector recomputed) and
# its index with it.
BACKWARD = f"""
DROP TRIGGER IF EXISTS finding_search_vector_given ON inspections_finding;
DROP TRIGGER IF EXISTS finding_search_vector_kept ON inspections_finding;
DROP FUNCTION IF EXISTS inspections_finding_search_vector();
ALTER TABLE inspections_finding DROP COLUMN search_vector;
ALTER TABLE inspections_finding ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS ({VECTOR.format(row="")}) STORED;
CREATE INDEX finding_search_idx ON inspections_finding USING gin (search_vector);
"""


class Migration(migrations.Migration):
    dependencies = [("inspections", "0021_finding_theme_ids")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="finding",
                    name="search_vector",
                    field=django.contrib.postgres.search.SearchVectorField(
                        editable=False, null=True
                    ),
                ),
            ],
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
        ),
    ]
