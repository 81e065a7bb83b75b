"""What a letter says about itself: its date, type, title, visit dates, people and council.

Everything here reads a specific place in the letter (the date line above the salutation,
the title, the first paragraphs, the signature), never the whole text: Ofsted's own address
headers name Bristol and Manchester, and paragraphs quote other councils and dates.
"""

import re
from datetime import date

from . import letter as L

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)"
_DATE_FORMS = (
    re.compile(
        rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m>{_MONTH}),?\s+(?P<y>\d{{4}})(?!\d)", re.I
    ),
    re.compile(
        rf"(?P<m>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})(?!\d)", re.I
    ),
    re.compile(r"(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)"),
)
_DATE_LINE_PREFIX = re.compile(
    rf"^(?:(?:date|dated|published|issued|sent)\s*:?\s*)?{_WEEKDAY}?", re.I
)


def _make_date(year: str, month: str, day: str) -> date | None:
    y = int(year)
    if y < 100:
        y += 2000
    m = int(month) if month.isdigit() else _MONTHS.get(month.lower().rstrip("."))
    try:
        result = date(y, m or 0, int(day))
    except ValueError:
        return None
    return result if 1990 <= result.year <= 2100 else None


def _dates_in(text: str) -> list[tuple[date, int, int]]:
    found = []
    for form in _DATE_FORMS:
        for match in form.finditer(text):
            parsed = _make_date(match["y"], match["m"], match["d"])
            if parsed:
                found.append((parsed, match.start(), match.end()))
    return sorted(found, key=lambda item: item[1])


def letter_date(header: list[str]) -> tuple[date, int] | None:
    """The date line above the salutation ("17 February 2010"), else the first short line
    there holding a date: (the date, the line's index)."""
    fallback = None
    for index, line in enumerate(header):
        rest = _DATE_LINE_PREFIX.sub("", line.strip())
        for parsed, start, end in _dates_in(rest):
            if start == 0 and not rest[end:].strip(" .,"):
                return parsed, index
            if fallback is None and len(line) < 60:
                fallback = parsed, index
    return fallback


# A run of days naming a visit: "on 19 and 20 January 2010", "from 28 November to
# 2 December 2022", "on 29 and 30 September, and 1 October 2020", "Between 22 and 26 ...".
_ITEM = rf"{_WEEKDAY}?(?:the\s+)?{_DAY}(?:\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?)?"
_SEPARATOR = r"\s*(?:,\s*and|,|and|to|until|till|through|-|–|—)\s*"
_VISIT_SPAN = re.compile(
    rf"\b(?:on|from|between|during|dates? of)\s+({_ITEM}(?:{_SEPARATOR}{_ITEM})*)", re.I
)
_SPAN_TOKEN = re.compile(
    rf"(?P<year>\d{{4}})(?!\d)|(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<month>{_MONTH})", re.I
)


def visit_dates(text: str, letter_date: date | None) -> tuple[date | None, date | None]:
    """The first and last day of the visit, from the first span of days with a month. A span
    without a year ("on 13 and 14 July.") is in the latest such month before the letter;
    without a letter date, only a span with its year is read."""
    for span in _VISIT_SPAN.finditer(text):
        days: list[list] = []  # [day, month, year]
        for token in _SPAN_TOKEN.finditer(span.group(1)):
            if token["day"]:
                days.append([int(token["day"]), None, None])
            elif token["month"]:
                month = _MONTHS[token["month"].lower().rstrip(".")]
                for day in days:
                    day[1] = day[1] or month
            else:
                for day in days:
                    day[2] = day[2] or int(token["year"])
        if not days or days[-1][1] is None:
            continue
        if days[-1][2] is None:
            if letter_date is None:
                continue
            year = letter_date.year - (days[-1][1] > letter_date.month)
            for day in days:
                day[2] = day[2] or year
        try:
            start, end = (date(y, m, d) for d, m, y in (days[0], days[-1]))
        except (TypeError, ValueError):
            continue
        if start > end:  # "30 December and 4 January 2022": the start is in the year before
            start = start.replace(year=start.year - 1)
        return start, end
    return None, None


# A year mistyped with a digit too many ("14 May 20205"): never read as another year.
_MISTYPED_YEAR = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{5,}}\b", re.I)
# A visit longer than this is a misreading, or a letter to check by hand.
_LONGEST_VISIT_DAYS = 45


def date_problems(
    letter_date: date, visit_start: date | None, visit_end: date | None, text: str
) -> list[str]:
    """Why the letter's dates need a person to check them (nothing, if they are plausible).
    A date that cannot be right is flagged, never silently replaced by a guess."""
    problems = [
        f"a date with a mistyped year: “{match.group()}”" for match in _MISTYPED_YEAR.finditer(text)
    ]
    if visit_end is not None and visit_end > letter_date:
        problems.append(
            f"the letter is dated {letter_date:%-d %B %Y}, before its visit ended"
            f" ({visit_end:%-d %B %Y})"
        )
    if visit_start is not None and visit_end is not None:
        if (visit_end - visit_start).days > _LONGEST_VISIT_DAYS:
            problems.append(
                f"a visit of {(visit_end - visit_start).days + 1} days"
                f" ({visit_start:%-d %B %Y} to {visit_end:%-d %B %Y})"
            )
    if visit_start is not None and (letter_date - visit_start).days > 366:
        problems.append(f"the visit began more than a year before the letter ({visit_start})")
    return problems


_TYPES = (
    (L.UNANNOUNCED_CRA, r"unannounced inspection of contact|contact, referral and assessment"),
    (L.MONITORING_VISIT, r"monitoring visit"),
    (L.FOCUSED_VISIT, r"focused visit"),
    (L.JTAI, r"joint targeted area inspection|\bJTAI\b"),
    (L.OTHER, r"joint area review"),
    (L.SIF, r"single inspection framework|\bSIF\b|inspection of services for children in need"),
    (
        L.ILACS,
        r"inspection of (?:the )?[\w ,&’'-]+? local authority children[’']?s services"
        r"|\bILACS\b",
    ),
)
_TYPE_RULES = tuple((kind, re.compile(pattern, re.I)) for kind, pattern in _TYPES)


def inspection_type(title: str, intro: str) -> str:
    """From the title, else from the opening paragraphs: whichever type is named first."""
    for text in (title, intro):
        found = [(m.start(), kind) for kind, rule in _TYPE_RULES if (m := rule.search(text))]
        if found:
            return min(found)[1]
    return L.OTHER


# People.
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "prof", "professor", "cllr"}
_POST_NOMINALS = {"BSc", "BA", "MA", "MSc", "PhD", "MB", "ChB", "MBA", "BEd", "MEd", "DipSW"}
_PARTICLES = {"de", "van", "von", "der", "den", "le", "la", "da", "di", "du", "del", "bin", "al"}
# Words in a signature or list of names that belong to a role, not a person.
_ROLE_WORDS = frozenset(
    """manager director inspector inspectors chief deputy assistant regional national
    divisional executive officer head lead commission commissioner constabulary probation
    ofsted care quality services service social safeguarding children children’s children's
    health police fire rescue council partnership regulation inspectorate majesty’s majesty's
    hmi education skills primary medical integrated trust board group team department senior
    principal interim acting clinical nursing copy yours page cqc hmicfrs hmip policy
    city university universities college institute school academy hospital foundation
    agency""".split()
)
# A capitalised word, accents allowed ("Máire"), or an initial.
_NAME_TOKEN = re.compile(r"^(?:[A-ZÀ-Ý][A-Za-zÀ-ÿ’'-]*[a-zà-ÿ][A-Za-zÀ-ÿ’'-]*|[A-Z]\.?)$")
_ROLE_PHRASE = re.compile(
    r"\b(?:(?:Her|His) Majesty[’']s (?:Chief )?Inspectors?(?: of (?:Constabulary"
    r"(?: and Fire (?:&|and) Rescue Services)?|Probation|Prisons"
    r"|Education, Children[’']s Services and Skills))?|Senior HMIs?"
    r"|HMIs?|Ofsted Inspectors?|Social Care Regulatory Inspectors?"
    r"|(?i:(?:the )?(?:lead|team|regulatory|social care) inspectors?))\b"
)


def person_name(text: str) -> str | None:
    """`text` cleaned to a person's name, or None if it does not look like one."""
    tokens = [t for t in re.split(r"\s+", text.strip(" ,.;:()")) if t]
    while tokens and tokens[0].lower().rstrip(".") in _TITLES:
        tokens.pop(0)
    tokens = [
        t
        for t in tokens
        if t not in _POST_NOMINALS and not (t.isupper() and len(t) > 1 and t.isalpha())
    ]
    if not 2 <= len(tokens) <= 5:
        return None
    for token in tokens:
        if token.lower() in _ROLE_WORDS:
            return None
        if not (_NAME_TOKEN.match(token) or token in _PARTICLES):
            return None
    return " ".join(tokens)


# Where a sentence introduces the team: the names follow these words. "Her Majesty's
# Inspectors for this visit were A and B.", "The visit was conducted by A and B, two of His
# Majesty's Inspectors.", "carried out by His Majesty's Inspectors, A, B and C.",
# "Inspectors for the visit were A and B.", "led by A HMI with B HMI."
_TEAM = re.compile(
    r"\b(?i:inspectors?|HMIs?)\b(?:[^.]{0,60}?)\b(?i:were|was|are|is)\b"
    r"|\b(?i:conducted|carried out|undertaken|led|completed)\s+by\b"
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def inspectors_named(intro: str) -> list[str]:
    """Names of the inspectors a letter's opening paragraphs introduce, in order.

    A paragraph break ends a sentence even without its full stop ("... were Kendra Bell and
    Teresa Godfrey" then "Inspectors looked at ..."): give the paragraphs one a line."""
    names = []
    sentences = [s for paragraph in intro.split("\n") for s in _SENTENCE.split(paragraph)]
    for sentence in sentences:
        match = _TEAM.search(sentence)
        if match is None:
            continue
        listed = _ROLE_PHRASE.sub(",", sentence[match.end() :].rstrip(". "))
        pieces = re.split(r",|;|\band\b|&|\(|\)|\bwith\b", listed)
        for index, piece in enumerate(pieces):
            name = person_name(piece)
            if name is None and index == len(pieces) - 1:
                name = _name_before_next_sentence(piece)
            if name:
                names.append(name)
    return names


def _name_before_next_sentence(piece: str) -> str | None:
    """The name that starts the list's last piece when the next sentence runs on without a
    full stop: pdftotext drops the paragraph break after "... and Teresa Godfrey", so the
    piece reads "Teresa Godfrey Inspectors looked at ...". The name ends where a sentence
    begins: a capitalised role word or pronoun, then a word in lower case."""
    tokens = piece.split()
    for length in (2, 3):
        if len(tokens) > length + 1 and tokens[length + 1].islower():
            following = tokens[length].lower()
            if following in _ROLE_WORDS or following in {"the", "this", "they", "we"}:
                return person_name(" ".join(tokens[:length]))
    return None


def signatories(lines: list[str]) -> list[str]:
    """Names in the signature block (the lines after "Yours sincerely")."""
    names = []
    for line in lines[:30]:
        if re.match(r"^(?:copy|cc|enc|c\.c\.)\b", line, re.I):
            break
        # A name may share its line with a role, before or after it (two columns of a
        # signature table read as one line: "HM Inspector of Constabulary Helen Davies").
        for piece in _ROLE_PHRASE.split(line):
            name = person_name(piece.split(",")[0])
            if name:
                names.append(name)
    return names


def unique(names: list[str]) -> tuple[str, ...]:
    """Each person once, as first written: "Jenny-Ellen Scotland" and "Jennyellen Scotland"
    (a hyphen lost at a line end) are one inspector."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(re.sub(r"[-’' ]", "", name.lower()), name)
    return tuple(seen.values())


_ADDRESS_WORD = re.compile(
    r"\b(?:Council|Hall|House|Centre|Center|Buildings?|Street|Road|Way|Lane|Avenue|Square"
    r"|Place|Offices?|Drive|Parade|Court|Walk|Row|Gate|Park|Quay|Municipal|Civic|PO Box"
    r"|Floor|Crescent|Terrace|Close)\b|\d"
)


def recipient(header: list[str], salutation: str) -> str:
    """Who the letter is addressed to: name and role, from the block above "Dear ..."."""
    if not header:
        return ""
    first = header[0]
    if len(header) == 1 and len(first) > 60:
        return _recipient_from_one_line(first, salutation)
    if "," in first:
        return first.rstrip(",")  # "Name, Role, Council": a JTAI's list of addressees
    parts = [first]
    for line in header[1:4]:
        if _ADDRESS_WORD.search(line) or len(line.split()) == 1:
            break
        parts.append(line.rstrip(","))
    return ", ".join(parts)


def _recipient_from_one_line(line: str, salutation: str) -> str:
    """Converted documents run the address block into one line: cut it after the name (the
    surname is in "Dear Mr Smith") and again where the address starts."""
    words = line.split()
    surname = salutation.split()[-1] if salutation.split() else ""
    end = next((i + 1 for i, word in enumerate(words[:6]) if word == surname), 0)
    if not end:
        return line
    name, rest = " ".join(words[:end]), " ".join(words[end:])
    council = re.search(
        r"\b\S+ (?:(?:City|County|Borough|Metropolitan Borough|District) )?"
        r"Council\b",
        rest,
    )
    address = _ADDRESS_WORD.search(rest)
    cuts = [m.start() for m in (council, address) if m]
    role = rest[: min(cuts)].strip(" ,") if cuts else ""
    return f"{name}, {role}" if role else name


_CHILDRENS_SERVICES = r"(?:\s+local authority)?\s+(?i:children[’']?s[’']?\s+services)"
_TITLE_AUTHORITY = tuple(
    re.compile(pattern)
    for pattern in (
        rf"(?i:within)\s+(?:the\s+)?(?P<name>.+?){_CHILDRENS_SERVICES}",
        rf"(?i:visits?\s+(?:to|of|in|for))\s+(?:the\s+)?(?P<name>.+?){_CHILDRENS_SERVICES}",
        r"(?i:joint targeted area inspection of)\s+(?:.+?\s+in\s+)?(?:the\s+)?(?P<name>[A-Z].+)",
        rf"(?i:inspection of)\s+(?:the\s+)?(?P<name>[A-Z].+?){_CHILDRENS_SERVICES}",
        r"(?i:services)\s+in\s+(?:the\s+)?(?P<name>[A-Z].+)",
    )
)
_INTRO_AUTHORITY = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?i:children[’']s services) in\s+(?:the\s+)?(?P<name>[A-Z].+?)\s+(?:which|that|on)\b",
        rf"(?i:visit)\s+(?:to|of)\s+(?:the\s+)?(?P<name>[A-Z].+?){_CHILDRENS_SERVICES}",
        r"(?i:response to|inspection of)\s+.+?\s+in\s+(?:the\s+)?"
        r"(?P<name>[A-Z][\w’'&-]*(?:\s+(?:[A-Z][\w’'&-]*|and|upon|on|with|of))*)",
        r"(?P<name>[A-Z][\w’'&-]*(?:\s+(?:[A-Z][\w’'&-]*|and|upon|on|with))*)\s+is the principal"
        r" authority",
    )
)
_COUNCIL_PHRASE = re.compile(
    r"(?P<name>(?:[A-Z][\w’'&.-]*\s+(?:(?:and|with|upon|on|of|&)\s+)?){1,4}"
    r"(?:City|County|Borough|Metropolitan Borough|District)?\s*Council)\b"
)


def authority_phrases(title: str, intro: str, header: list[str]) -> tuple[list[str], list[str]]:
    """(names, contexts): the names the letter gives its council, most trustworthy first (the
    title, the opening paragraph, the address block); then whole phrases from those places,
    for matching only, as `match_council` finds a name anywhere in a phrase (a title
    scrambled by pdftotext still names the council somewhere)."""
    names = []
    for rule in _TITLE_AUTHORITY:
        if match := rule.search(title):
            names.append(match["name"])
    for rule in _INTRO_AUTHORITY:
        if match := rule.search(intro):
            names.append(match["name"])
    for match in _COUNCIL_PHRASE.finditer(" , ".join(header)):
        words = match["name"].split()
        # "Mr Gerald Meehan Halton Borough Council": try the shortest reading first.
        type_words = (
            2 if len(words) > 2 and words[-2] in {"City", "County", "Borough", "District"} else 1
        )
        for start in range(len(words) - type_words - 1, -1, -1):
            names.append(" ".join(words[start:]))
    contexts = [title, intro.split(". ")[0], *header]
    return _tidy(names, 80), _tidy(contexts, 300)


def _tidy(phrases: list[str], longest: int) -> list[str]:
    tidy = []
    for phrase in phrases:
        phrase = re.sub(r"\s+", " ", phrase).strip(" ,.;:’'")
        if phrase and phrase not in tidy and len(phrase) <= longest:
            tidy.append(phrase)
    return tidy


_COUNCIL_AFFIXES = re.compile(
    r"^(?:the\s+)?(?:(?:London|Royal)\s+Borough\s+of|City\s+(?:and\s+County\s+)?of|County\s+of"
    r"|Council\s+of\s+the)\s+|\s+(?:City|County|Borough|Metropolitan\s+Borough|District"
    r"|Metropolitan\s+District)?\s*Council$|\s+Metropolitan\s+Borough$|\s+local authority$",
    re.I,
)


def bare_council_name(phrase: str) -> str:
    """ "Liverpool City Council" -> "Liverpool": for a council that matched nothing."""
    return _COUNCIL_AFFIXES.sub("", phrase).strip() or phrase
