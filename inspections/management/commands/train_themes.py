"""Train the theme model and write it where tagging reads it.

    python manage.py train_themes                 # from tests/theme_labels/ alone
    python manage.py train_themes --with-editors  # and editors' corrections in this database
    python manage.py train_themes --check         # fail if the file is not what training makes

Needs scikit-learn (`pip install -e '.[train]'`) and PostgreSQL (features are PostgreSQL's
lexemes). Then `manage.py retag` re-tags the archive with the new weights.
"""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from inspections.themes import train

WEIGHTS = ("words", "opening", "rules")  # the kinds of weight a theme has in the file


class Command(BaseCommand):
    help = "Train the theme model from the labelled findings (and editors' corrections)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-editors",
            action="store_true",
            help="Also learn from themes editors added (positive) and rejected (negative).",
        )
        parser.add_argument("--output", help="Write here (default: THEME_MODEL_FILE).")
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; fail if the file differs."
        )

    def handle(self, *args, with_editors, output, check, **options):
        content, validation = train.train(with_editors=with_editors)
        path = output or settings.THEME_MODEL_FILE
        trained = content["trained_on"]
        self.stdout.write(
            f"Trained on {trained['labelled_findings']} labelled findings and"
            f" {trained['editor_findings']} corrected by editors;"
            f" {sum(len(t[kind]) for t in content['themes'].values() for kind in WEIGHTS)}"
            f" weights over {len(content['themes'])} themes."
        )
        self.stdout.write(
            f"Cross-validation ({train.FOLDS} folds by council, {validation.findings} findings"
            f" of {validation.councils} councils, {validation.pairs} labelled pairs):"
            f" threshold {validation.threshold:+.2f}, precision {validation.precision:.3f},"
            f" recall {validation.recall:.3f}; the rules alone on the same findings:"
            f" precision {validation.rules_precision:.3f}, recall {validation.rules_recall:.3f}."
        )
        if check:
            with open(path, encoding="utf-8") as current:
                text = current.read()
            made_on = json.loads(text).get("postgresql")
            if made_on != content["postgresql"]:
                raise CommandError(
                    f"{path} was trained on PostgreSQL {made_on}'s lexemes, this server is"
                    f" {content['postgresql']}: the two stem a few words differently, so"
                    " only a server of the same major version can check it"
                )
            if text != train.model_text(content):
                raise CommandError(f"{path} is not what training makes: run train_themes")
            self.stdout.write(f"{path} is what training makes.")
            return
        self.stdout.write(f"Wrote {train.write_model(content, path)}")
