"""Themes: what each finding is about.

- `rules`: an editor's rule lines compiled into one tsquery a theme;
- `model`: the trained linear model (a JSON file of weights) and its scoring in Python;
- `features`: a finding's features as PostgreSQL sees them (lexemes, rule hits);
- `tagging`: set-based SQL that scores and tags findings (on import, and `retag`);
- `train`: training the model from the labelled findings (`labels`) and editors' corrections;
- `services`: an editor's corrections, and loading the taxonomy file.

The theme pages' and council page's reads are in `inspections.selectors`.
"""
