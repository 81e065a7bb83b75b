"""Letter files to rows: each letter whole or not at all, and never twice.

The command line (`import_letters`), the admin upload and the benchmark all come through
here, PDF or text alike: `import_letter` for one document, `import_paths` for files and
folders. A letter is known by its text (whitespace collapsed), so the same letter saved
with another encoding or other line endings is not imported twice; a PDF is also known by
its bytes, so re-importing it needs no reading at all. The PDF itself is kept with its
letter. A letter's PDF and its text, two readings with different text, are one letter too:
the first imported is kept (`same_letter`).

- `reading`: finding the files, parsing them, and what names a letter (no database);
- `storing`: a batch of parsed letters to rows, with COPY, whole or not at all;
- `same_letter`: another reading (PDF or text) of a letter stored or earlier in the batch;
- `running`: one document, or files in batches, in this process or several;
- `results`: what an import did.
"""

from inspections.importer.reading import (
    ParsedFile,
    bytes_hash,
    content_hash,
    letter_files,
    read_letter,
)
from inspections.importer.results import ImportReport, ImportResult, Outcome
from inspections.importer.running import (
    default_workers,
    import_letter,
    import_paths,
)
from inspections.importer.storing import AuthorityCache, authority_for, display_name

__all__ = [
    "AuthorityCache",
    "ImportReport",
    "ImportResult",
    "Outcome",
    "ParsedFile",
    "authority_for",
    "bytes_hash",
    "content_hash",
    "default_workers",
    "display_name",
    "import_letter",
    "import_paths",
    "letter_files",
    "read_letter",
]
