"""What a document is, when it is not a letter we read: so the refusal can say so.

Ofsted publishes other documents beside the letters that look like them at a glance. Each
is recognised by how it presents itself in its first lines (its title block), never by a
phrase that a letter might quote in its body.
"""

import re

# How many of a document's first lines its title block can take.
_TITLE_LINES = 15

# Each kind with words its title block must hold for the pattern to match (casefolded, as
# the pattern ignores case): most documents hold none of them, and skip the regexes, which
# cost a millisecond a document (three of them, case-blind, over fifteen lines).
_KINDS = (
    (
        ("send",),
        re.compile(r"\b(?:area|local area) SEND\b|\bjoint local area SEND\b|SEND inspection", re.I),
        "an Area SEND inspection report (a local area partnership's services for children "
        "with special educational needs and disabilities), not a letter about a council's "
        "children's services",
    ),
    (
        ("s home", "residential"),
        re.compile(
            r"children[’']?s home(?:s)? inspection|inspection of (?:a |this )?children[’']?s "
            r"home|\bchildren[’']?s home\b.*\bUnique reference number|residential holiday scheme"
            r"|\bresidential family centre\b|\bsecure children[’']?s home\b",
            re.I,
        ),
        "an inspection report on a children's home or other provider, not a letter about a "
        "council's children's services",
    ),
    (
        ("children in need of help", "children looked after and care leavers"),
        re.compile(
            r"inspection of services for children in need of help\s+and\s+protection"
            r"|children looked after and care leavers\b.*\breview of the effectiveness",
            re.I,
        ),
        "a single inspection framework report (2013-2018), which the archive does not read yet",
    ),
)
_HTML = re.compile(r"^\s*(?:<!doctype html|<html\b|<head\b|<body\b)", re.I)


def html_page(text: str) -> bool:
    """A web page: what a browser saves when a download link gave an error page."""
    return bool(_HTML.match(text[:500]))


def refusal(lines: list[str]) -> str | None:
    """Why this document is not one we import (what it is), or None."""
    head = "\n".join(lines[:_TITLE_LINES])
    folded = head.casefold()
    for words, pattern, what in _KINDS:
        if any(word in folded for word in words) and pattern.search(head):
            return f"this is {what}"
    return None
