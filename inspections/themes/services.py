"""Editor services: an editor's corrections to a finding's themes, and the taxonomy file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from django.db import transaction

from inspections.caching import bump_data_version
from inspections.models import Finding, FindingTheme, Theme, ThemeGroup, ThemeRejection

TAXONOMY_FILE = Path(__file__).resolve().parent.parent / "data" / "themes.json"
# The file names each theme's group as readers know it.
GROUPS = {label: value for value, label in ThemeGroup.choices}


def correct_themes(*, finding: Finding, themes: Iterable[Theme]) -> None:
    """An editor's hand: the finding is about exactly these themes.

    Themes added become editor rows (lifting any earlier rejection); themes taken away are
    recorded as rejections so that retagging never puts them back. Themes kept stay as
    they were.
    """
    wanted = {theme.pk for theme in themes}
    with transaction.atomic():
        bump_data_version()  # cached pages show themes: stale once this commits
        current = set(
            FindingTheme.objects.filter(finding=finding).values_list("theme_id", flat=True)
        )
        for theme_id in current - wanted:
            FindingTheme.objects.filter(finding=finding, theme_id=theme_id).delete()
            ThemeRejection.objects.get_or_create(finding=finding, theme_id=theme_id)
        for theme_id in wanted - current:
            ThemeRejection.objects.filter(finding=finding, theme_id=theme_id).delete()
            FindingTheme.objects.create(
                finding=finding, theme_id=theme_id, assigned_by=FindingTheme.AssignedBy.EDITOR
            )


def drop_rejected_themes(*, finding: Finding) -> int:
    """Take off a finding any theme an editor has rejected for it; returns how many."""
    rejected = ThemeRejection.objects.filter(finding=finding).values("theme_id")
    deleted, _ = FindingTheme.objects.filter(finding=finding, theme_id__in=rejected).delete()
    bump_data_version()
    return deleted


def load_taxonomy(*, path: Path = TAXONOMY_FILE) -> int:
    """Make the themes in the database those of the taxonomy file; returns how many.

    The migrations seed the same file into a database but never overwrite what an admin
    edited; this overwrites, for tests, the quality bench and fresh set-ups.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        bump_data_version()  # theme names and descriptions are on cached pages
        for entry in entries:
            Theme.objects.update_or_create(
                slug=entry["slug"],
                defaults={
                    "name": entry["name"],
                    "group": GROUPS[entry["group"]],
                    "description": entry["description"],
                    "rules": "\n".join(entry["rules"]),
                },
            )
    return len(entries)
