"""Forms: the admin's letter upload."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

ALLOWED_LETTER_SUFFIXES = {".txt", ".pdf"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files (the pattern Django's documentation gives)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.txt,application/pdf,text/plain"}),
        )
        # An empty file reaches the importer, which reports it like any other bad letter.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_clean(item, initial) for item in data]
        return [single_clean(data, initial)]


class LetterUploadForm(forms.Form):
    files = MultipleFileField(
        label="Letter files",
        help_text=(
            "One or more Ofsted letters: the PDFs Ofsted publishes, or their text (.txt), "
            f"each at most {filesizeformat(settings.LETTER_UPLOAD_MAX_BYTES)}, "
            f"at most {settings.LETTER_UPLOAD_MAX_FILES} at once."
        ),
    )
    dry_run = forms.BooleanField(
        required=False, label="Dry run: check the files and report, but store nothing"
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > settings.LETTER_UPLOAD_MAX_FILES:
            raise ValidationError(
                f"Upload at most {settings.LETTER_UPLOAD_MAX_FILES} files at once "
                f"({len(files)} were chosen)."
            )
        return files


def upload_problem(upload) -> str | None:
    """Why an uploaded file cannot be a letter (type or size), or None.

    Checked file by file, so one wrong file is reported and the others still import.
    """
    suffix = PurePath(upload.name).suffix.lower()
    if suffix not in ALLOWED_LETTER_SUFFIXES:
        return f"only .pdf and .txt files are accepted, not “{suffix or 'no extension'}”"
    if upload.size > settings.LETTER_UPLOAD_MAX_BYTES:
        return (
            f"{filesizeformat(upload.size)} is over the limit of "
            f"{filesizeformat(settings.LETTER_UPLOAD_MAX_BYTES)} per file"
        )
    return None
