"""Themes: what each finding is about.

- `rules`: an editor's rule lines compiled into one tsquery a theme;
- `tagging`: set-based SQL that applies the rules to findings (on import, and `retag`);
- `services`: an editor's corrections, and loading the taxonomy file.

The theme pages' and council page's reads are in `inspections.selectors`.
"""
