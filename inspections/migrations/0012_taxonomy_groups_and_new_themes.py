"""The taxonomy for all of children's services: 45 themes in five groups.

Adds each theme's group, makes descriptions longer than a line possible, adds the new themes
of inspections/data/themes.json and brings the 21 first ones up to it, field by field: a
name, description or rules is replaced only where it still holds what migration 0002 seeded
(0002_themes.json), so an editor's change is kept. A group is set where none is.
"""

import json
from pathlib import Path

from django.db import migrations, models

MIGRATIONS = Path(__file__).resolve().parent
OLD_SEED = MIGRATIONS / "0002_themes.json"
NEW_SEED = MIGRATIONS.parent / "data" / "themes.json"
GROUPS = {
    "Help and protection": "help-and-protection",
    "Children in care and care leavers": "children-in-care",
    "Leadership and workforce": "leadership-and-workforce",
    "Partnerships": "partnerships",
    "Practice quality": "practice-quality",
}


def _fields(entry: dict) -> dict[str, str]:
    return {
        "name": entry["name"],
        "description": entry["description"],
        "rules": "\n".join(entry.get("rules", [])),
    }


def bring_taxonomy_up(apps, schema_editor):
    Theme = apps.get_model("inspections", "Theme")
    seeded = {
        entry["slug"]: _fields(entry) for entry in json.loads(OLD_SEED.read_text(encoding="utf-8"))
    }
    for entry in json.loads(NEW_SEED.read_text(encoding="utf-8")):
        new = _fields(entry)
        group = GROUPS[entry["group"]]
        theme = Theme.objects.filter(slug=entry["slug"]).first()
        if theme is None:
            Theme.objects.create(slug=entry["slug"], group=group, **new)
            continue
        old = seeded.get(entry["slug"], {})
        changed = [
            name for name, value in new.items() if name in old and getattr(theme, name) == old[name]
        ]
        for name in changed:
            setattr(theme, name, new[name])
        if not theme.group:
            theme.group = group
            changed.append("group")
        if changed:
            theme.save(update_fields=changed)


def shorten_descriptions(apps, schema_editor):
    """Going back: descriptions must fit the 300 characters they had."""
    Theme = apps.get_model("inspections", "Theme")
    for theme in Theme.objects.all():
        if len(theme.description) > 300:
            theme.description = theme.description[:299] + "…"
            theme.save(update_fields=["description"])


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0011_data_version"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, shorten_descriptions),
        migrations.AddField(
            model_name="theme",
            name="group",
            field=models.CharField(
                blank=True,
                choices=[
                    ("help-and-protection", "Help and protection"),
                    ("children-in-care", "Children in care and care leavers"),
                    ("leadership-and-workforce", "Leadership and workforce"),
                    ("partnerships", "Partnerships"),
                    ("practice-quality", "Practice quality"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="theme",
            name="description",
            field=models.TextField(
                blank=True, help_text="What the theme covers, so that a reader can apply it."
            ),
        ),
        migrations.AlterField(
            model_name="theme",
            name="rules",
            field=models.TextField(
                blank=True,
                help_text='One rule a line, in web-search syntax, matched on stemmed finding text: caseload, "high caseloads", workload -accommodation. A finding matching any line gets the theme. A line starting with tsquery: is PostgreSQL tsquery syntax, for words near each other (tsquery: caseload <3> high); a line starting with unless: keeps the theme off findings it matches.',
            ),
        ),
        migrations.RunPython(bring_taxonomy_up, migrations.RunPython.noop),
    ]
