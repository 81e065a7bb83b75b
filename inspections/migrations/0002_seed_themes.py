"""Seed the first theme taxonomy (21 themes), frozen in 0002_themes.json beside this file.

Migration 0009 brings it up to inspections/data/themes.json, comparing with this seed to
know what an editor changed.

Themes already present (by slug) are left as admins edited them; only missing ones are added.
"""

import json
from pathlib import Path

from django.db import migrations

THEMES_FILE = Path(__file__).resolve().parent / "0002_themes.json"


def seed_themes(apps, schema_editor):
    Theme = apps.get_model("inspections", "Theme")
    for theme in json.loads(THEMES_FILE.read_text(encoding="utf-8")):
        Theme.objects.get_or_create(
            slug=theme["slug"],
            defaults={
                "name": theme["name"],
                "description": theme["description"],
                "rules": "\n".join(theme["rules"]),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [migrations.RunPython(seed_themes, migrations.RunPython.noop)]
