"""Write N synthetic Ofsted letters, in the seed letters' layouts, for benchmarking at scale.

    .venv/bin/python bench/generate.py 100000 bench/out/corpus-100k [--seed 1] [--check 200]

Every finding is a bullet or paragraph taken from the seed letters in fixtures/letters/
(recombined: which ones, how many and in what order vary); the council is one in force on
the letter's date, named by its official name in the address block and the title; letter
dates are spread uniformly over 2009-2025, visits a few weeks before. Files go into
shards of 1,000 (OUTDIR/000/letter-000000.txt ...) and every file has different bytes,
so each one is a new letter to the importer. `--check K` parses K of the written files with
the real parser and compares what it read with what was written.

Where a seed finding names its own council ("The Liverpool Safeguarding Children Board"),
the generated letter names its own council there instead. That is what makes a council's
name a rare word in findings, as it is in the real archive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from inspections.councils import Council, all_councils, match_council  # noqa: E402
from inspections.parsing.letter import (  # noqa: E402
    DEVELOPMENT,
    NARRATIVE,
    OVERVIEW,
    PRIORITY_ACTION,
    SATISFACTORY,
    STRENGTH,
)

SEED_DIR = REPO_ROOT / "fixtures" / "letters"
# The real letters' text files (pdftotext of published letters), shared beside the project.
REAL_DIR = Path(os.environ.get("BENCH_REAL_DIR", REPO_ROOT.parent / "shared" / "real"))
SOURCES = ("real", "seeds")
SHARD_SIZE = 1000
FIRST_DAY = dt.date(2009, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)
COUNCIL_MARK = "\x00council\x00"  # where a seed finding named its own council

INSPECTORS = [
    "Marie McGuinness",
    "Wendy Ghaffar",
    "Nigel Parkes",
    "Pauline Higham",
    "Karen McKeown",
    "Heather Brown",
    "Sarah Thompson",
    "David Whitehead",
    "Rachel Holden",
    "Michael Okafor",
    "Joanne Vyas",
    "Peter Lambert",
]
RECIPIENTS = [
    ("Mr", "Stuart Smith"),
    ("Mr", "Gerald Meehan"),
    ("Ms", "Colette O'Brien"),
    ("Ms", "Helen Denton"),
    ("Ms", "Gail Quinton"),
    ("Mr", "Andrew Fenwick"),
    ("Ms", "Julia Carver"),
    ("Mrs", "Anne Marsden"),
    ("Mr", "Tom Ridley"),
    ("Dr", "Priya Nair"),
]
CHIEF_EXECUTIVES = ["Colin Hilton", "David Parr", "Ged Fitzgerald", "Trish Haines", "Ruth Ellis"]
RECIPIENT_ROLES = [
    "Director of Children's Services",
    "Executive Director for Children and Young People",
    "Director, Children and Young People's Services",
]
BUILDINGS = ["Town Hall", "Civic Centre", "County Hall", "Council Offices"]
STREETS = ["High Street", "Station Road", "Church Street", "Market Street", "Castle Street"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
ORDINALS = ["first", "second", "third", "fourth", "fifth"]
OFSTED_BRISTOL = (
    "Freshford House Redcliffe Way Bristol BS1 6NL T 0300 1231231 enquiries@ofsted.gov.uk "
    "www.ofsted.gov.uk Direct T 0117 9456333 Direct F 0117 9456554 "
    "Safeguarding.lookedafterchildren@ofsted.gov.uk"
)
OFSTED_LONDON = (
    "Aviation House 125 Kingsway London WC2B 6SE **T** 0300 123 1231 enquiries@ofsted.gov.uk "
    "www.ofsted.gov.uk"
)
# The four layouts of the seed unannounced inspection letters (000, 001, 003, 004) and the
# monitoring visit (002); generated letters copy one of them exactly, headings and all.
LAYOUTS = ("cra_000", "cra_001", "cra_003", "cra_004", "monitoring_002")


# ----------------------------------------------------------------------------- seed pools


@dataclass(frozen=True)
class SeedPools:
    strengths: tuple[str, ...]
    satisfactory: tuple[str, ...]
    developments: tuple[str, ...]
    priority_actions: tuple[str, ...]
    overview: tuple[str, ...]
    narrative: tuple[str, ...]
    section_headings: tuple[str, ...]
    visit_areas: tuple[str, ...]  # the monitoring visit's "progress made in the areas of" list

    def sizes(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.__dataclass_fields__}


_HEADINGS = {
    "strengths": STRENGTH,
    "satisfactory practice": SATISFACTORY,
    "the service meets the requirements of statutory guidance in the following areas": (
        SATISFACTORY
    ),
    "areas for development": DEVELOPMENT,
    "area for priority action": PRIORITY_ACTION,
    "overview": OVERVIEW,
}
_SECTION_ENDS = (
    "yours sincerely",
    "any areas for development",
    "this visit has identified",
    "i am copying this letter",
    "from the evidence gathered, the following",
    "findings and evaluation of progress",
)
_NUMBERED_HEADING = re.compile(r"^(\d+)\.\s+(.{3,80})$")
_BULLET_SECTIONS = {STRENGTH, SATISFACTORY, DEVELOPMENT}


def _bare(line: str) -> str:
    return line.strip().lstrip("#").strip().strip("*").strip()


@cache
def seed_pools(seed_dir: Path = SEED_DIR) -> SeedPools:
    """Every finding of the seed letters, by category, with their councils marked."""
    found: dict[str, list[str]] = {key: [] for key in (*_HEADINGS.values(), NARRATIVE)}
    headings: list[str] = []
    visit_areas: list[str] = []
    for path in sorted(seed_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        council = _seed_council(text)
        category: str | None = None
        in_visit_areas = False
        items: list[str] = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            bare = _bare(line)
            lowered = bare.lower().rstrip(":")
            if lowered.startswith("inspectors reviewed the progress") or lowered.startswith(
                "during the course of this visit"
            ):
                in_visit_areas = True
                continue
            if in_visit_areas:
                if line.startswith("- "):
                    visit_areas.append(line[2:].strip())
                    continue
                in_visit_areas = False
            if lowered in _HEADINGS:
                category = _HEADINGS[lowered]
                items = found[category]
                continue
            if lowered.startswith("from the evidence gathered, the inspection identified"):
                category, items = SATISFACTORY, found[SATISFACTORY]
                continue
            if lowered.startswith(_SECTION_ENDS):
                category = None
                continue
            numbered = _NUMBERED_HEADING.match(bare)
            if numbered and category in (None, OVERVIEW, NARRATIVE):
                category, items = NARRATIVE, found[NARRATIVE]
                headings.append(numbered.group(2).strip())
                continue
            if category is None:
                continue
            if category in _BULLET_SECTIONS:
                if "\u25aa" in line:  # "<ul ...> ▪ one ▪ two": a list pasted from HTML
                    items.extend(piece.strip() for piece in line.split("\u25aa")[1:])
                elif line.startswith("- "):
                    items.append(line[2:].strip())
                elif items:  # a bullet broken by a page break goes on
                    items[-1] = f"{items[-1]} {line}"
            else:
                items.append(line)
        for key, values in found.items():
            found[key] = [_mark_council(value, council) for value in values]
    return SeedPools(
        strengths=tuple(found[STRENGTH]),
        satisfactory=tuple(found[SATISFACTORY]),
        developments=tuple(found[DEVELOPMENT]),
        priority_actions=tuple(found[PRIORITY_ACTION]),
        overview=tuple(found[OVERVIEW]),
        narrative=tuple(found[NARRATIVE]),
        section_headings=tuple(dict.fromkeys(headings)),
        visit_areas=tuple(visit_areas),
    )


@cache
def real_pools(real_dir: Path = REAL_DIR) -> SeedPools:
    """The findings the real parser reads from the real letters, by category.

    Real vocabulary and real lengths (474 characters on average, against the seeds' 84
    short bullets): strengths and areas for development as themselves, the narrative
    paragraphs as satisfactory bullets and monitoring-visit paragraphs, overviews and
    priority actions as such. Each letter's own council is marked where it names it. A
    finding that would not read back as one bullet or paragraph is left out (a line that
    looks like a heading or a section's end, a list pasted from HTML); `--check` proves the
    rest do (a finding without its full stop is left out too). Section headings and the
    visit's areas still come from the seeds.
    """
    from inspections.parsing import parse_letter

    paths = sorted(real_dir.rglob("*.txt"))
    if not paths:
        raise SystemExit(f"no real letters (*.txt) under {real_dir}: use --source seeds")
    found: dict[str, list[str]] = {key: [] for key in (*_HEADINGS.values(), NARRATIVE)}
    for path in paths:
        try:
            data = path.read_bytes()
            letter = parse_letter(data, filename=path.name, match_council=match_council)
        except Exception:  # a report or a file the parser refuses: not a source of findings
            continue
        council = match_council(letter.authority) if letter.authority else None
        for finding in letter.findings:
            text = " ".join(finding.text.split())
            if _usable(text) and str(finding.category) in found:
                found[str(finding.category)].append(_mark_council(text, council))
    seeds = seed_pools()
    return SeedPools(
        strengths=tuple(found[STRENGTH]),
        # Half the narrative paragraphs each, so a monitoring visit, which draws from
        # both, never repeats one.
        satisfactory=tuple(found[NARRATIVE][::2]),
        developments=tuple(found[DEVELOPMENT]),
        # One that starts in lower case reads back as the end of its heading's line.
        priority_actions=tuple(text for text in found[PRIORITY_ACTION] if text[0].isupper())
        or seeds.priority_actions,
        overview=tuple(found[OVERVIEW]),
        narrative=tuple(found[NARRATIVE][1::2]),
        section_headings=seeds.section_headings,
        visit_areas=seeds.visit_areas,
    )


def _usable(text: str) -> bool:
    """Whether a real finding, written as one bullet or paragraph, reads back as itself."""
    lowered = _bare(text).lower().rstrip(":")
    return (
        40 <= len(text) <= 3000
        # A last bullet without its full stop takes the next paragraph in as its own.
        and text.endswith(".")
        and "\u25aa" not in text
        and not text.startswith(("-", "#", "*", "\u2022"))
        and lowered not in _HEADINGS
        and not lowered.startswith(_SECTION_ENDS)
        and not lowered.startswith("from the evidence gathered")
        and not _NUMBERED_HEADING.match(_bare(text))
    )


def pools_for(source: str) -> SeedPools:
    return real_pools() if source == "real" else seed_pools()


def _seed_council(text: str) -> Council | None:
    for line in text.splitlines():
        bare = _bare(line)
        if bare.startswith(("Annual unannounced inspection", "Monitoring visit of")):
            return match_council(bare)
    return None


def _mark_council(text: str, council: Council | None) -> str:
    if council is None:
        return text
    return re.sub(rf"\b{re.escape(council.name)}\b", COUNCIL_MARK, text)


# ----------------------------------------------------------------------------- letters


@dataclass
class Letter:
    """What a generated letter says, to check the parser read it back the same."""

    layout: str
    council_code: str
    letter_date: dt.date
    visit_start: dt.date
    inspectors: list[str]
    categories: Counter = field(default_factory=Counter)
    findings: list[tuple[str, str]] = field(default_factory=list)  # (category, text)
    text: str = ""


def long_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def visit_days(start: dt.date) -> str:
    return f"{start.day} and {start.day + 1} {MONTHS[start.month - 1]} {start.year}"


@cache
def _councils_by_year_month() -> dict[tuple[int, int], tuple[Council, ...]]:
    """Councils in force on each month's 1st and last day (boundaries fall on the 1st)."""
    table = {}
    for year in range(FIRST_DAY.year, LAST_DAY.year + 1):
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            table[year, month] = tuple(c for c in all_councils() if c.in_force_on(first))
    return table


def _address(rng: random.Random, recipient: str, official: str) -> list[str]:
    """The recipient's address block, naming the council by its official name."""
    return [
        recipient,
        rng.choice(RECIPIENT_ROLES),
        official,
        rng.choice(BUILDINGS),
        rng.choice(STREETS),
        _postcode(rng),
    ]


def _postcode(rng: random.Random) -> str:
    letters = "ABCDEFGHJKLMNPRSTUWXYZ"
    return (
        f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 29)} "
        f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )


def make_letter(rng: random.Random, pools: SeedPools) -> Letter:
    span = (LAST_DAY - FIRST_DAY).days
    letter_date = FIRST_DAY + dt.timedelta(days=rng.randint(0, span))
    council = rng.choice(_councils_by_year_month()[letter_date.year, letter_date.month])
    visit_start = letter_date - dt.timedelta(days=rng.randint(21, 49))
    if (visit_start + dt.timedelta(days=1)).month != visit_start.month:
        visit_start -= dt.timedelta(days=1)  # a two-day visit within one month
    layout = rng.choice(LAYOUTS)
    if layout == "monitoring_002":
        letter = _monitoring_visit(rng, pools, council, letter_date, visit_start)
    else:
        letter = _cra(rng, pools, council, letter_date, visit_start, layout)
    letter.text = letter.text.replace(COUNCIL_MARK, council.name)
    letter.findings = [
        (category, text.replace(COUNCIL_MARK, council.name)) for category, text in letter.findings
    ]
    return letter


def _sample(rng: random.Random, pool: tuple[str, ...], low: int, high: int) -> list[str]:
    return rng.sample(pool, min(len(pool), rng.randint(low, high)))


def _bullets(items: list[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _cra(
    rng: random.Random,
    pools: SeedPools,
    council: Council,
    letter_date: dt.date,
    visit_start: dt.date,
    layout: str,
) -> Letter:
    inspector = rng.choice(INSPECTORS)
    title_word, recipient = rng.choice(RECIPIENTS)
    surname = recipient.split()[-1]
    official = council.official_name
    satisfactory = _sample(rng, pools.satisfactory, 3, 10)
    strengths = _sample(rng, pools.strengths, 2, 6)
    developments = _sample(rng, pools.developments, 2, 8)
    priority = layout == "cra_004" and rng.random() < 0.4
    address = _address(rng, f"{title_word} {recipient}", official)
    one_line_address = layout != "cra_003"
    title = (
        "Annual unannounced inspection of contact, referral and assessment arrangements "
        f"within {official} children's services"
    )
    intro = (
        "This letter summarises the findings of the recent unannounced inspection of contact, "
        "referral and assessment arrangements within local authority children's services in "
        f"{official} which was conducted on {visit_days(visit_start)}. The inspection was "
        "carried out under section 138 of the Education and Inspections Act 2006. It will "
        "contribute to the annual review of the performance of the authority's children's "
        "services, for which Ofsted will award a rating later in the year."
    )
    sampled = (
        "The inspection sampled the quality and effectiveness of contact, referral and "
        "assessment arrangements and their impact on minimising any child abuse and neglect. "
        "Inspectors considered a range of evidence, including: electronic case records; "
        "supervision files and notes; observation of social workers and senior practitioners "
        "undertaking referral and assessment duties; and other information provided by staff "
        "and managers. Inspectors also spoke to a range of staff including managers, social "
        "workers, other practitioners and administrative staff."
    )
    if priority:
        verdict = (
            "The inspection identified an area for priority action alongside areas of strength, "
            "satisfactory practice and areas for development."
        )
    else:
        verdict = (
            "The inspection identified no areas for priority action but some areas for "
            "development, which are detailed below."
        )
    intro_satisfactory = (
        "From the evidence gathered, the inspection identified a number of areas where the "
        "contact, referral and assessment arrangements were delivered satisfactorily in "
        "accordance with national guidance, in particular:"
    )
    also = (
        "From the evidence gathered, the following strengths and areas for development were "
        "also identified:"
    )
    features = "From the evidence gathered, the following features of the service were identified:"
    heading = "## " if layout in ("cra_000", "cra_001") else ""
    parts = [
        OFSTED_BRISTOL,
        "",
        "",
        "",
        long_date(letter_date),
        "",
        " ".join(address) if one_line_address else "\n".join(address),
        "",
        f"Dear {title_word} {surname}",
        "",
        f"{heading}{title}",
        "",
        intro,
        "",
        verdict,
        "",
        sampled,
        "",
    ]
    if layout in ("cra_000", "cra_003"):
        parts += [intro_satisfactory, "", _bullets(satisfactory), "", also, ""]
        parts += [f"{heading}Strengths", "", _bullets(strengths), ""]
    elif layout == "cra_001":
        parts += [features, "", "## **Strengths**", "", _bullets(strengths), ""]
        parts += [
            "## The service meets the requirements of statutory guidance in the following areas",
            "",
            _bullets(satisfactory),
            "",
        ]
    else:
        parts += [features, "", "Strengths", "", _bullets(strengths), ""]
        parts += ["Satisfactory practice", "", _bullets(satisfactory), ""]
    parts += [f"{heading}Areas for development", "", _bullets(developments), ""]
    if priority:
        parts += [
            "This visit has identified the following area for priority action:",
            "",
            "Area for priority action",
            "",
            pools.priority_actions[0],
            "",
        ]
    parts += [
        "Any areas for development identified above will be specifically considered in any "
        "future inspection of services to safeguard children within your area.",
        "",
        "Yours sincerely",
        "",
        f"{heading}{inspector} Her Majesty's Inspector",
        "",
        f"Copy: {rng.choice(CHIEF_EXECUTIVES)}, Chief Executive, {official} "
        "Andrew Spencer, Department for Education",
    ]
    findings = [
        *((SATISFACTORY, text) for text in satisfactory),
        *((STRENGTH, text) for text in strengths),
        *((DEVELOPMENT, text) for text in developments),
    ]
    if priority:
        findings.append((PRIORITY_ACTION, pools.priority_actions[0]))
    return Letter(
        layout=layout,
        council_code=council.code,
        letter_date=letter_date,
        visit_start=visit_start,
        inspectors=[inspector],
        categories=Counter(category for category, _ in findings),
        findings=findings,
        text="\n".join(parts),
    )


def _monitoring_visit(
    rng: random.Random,
    pools: SeedPools,
    council: Council,
    letter_date: dt.date,
    visit_start: dt.date,
) -> Letter:
    lead, second = rng.sample(INSPECTORS, 2)
    title_word, recipient = rng.choice(RECIPIENTS)
    surname = recipient.split()[-1]
    official = council.official_name
    inspected = letter_date - dt.timedelta(days=rng.randint(200, 700))
    overview = _sample(rng, pools.overview, 1, 2)
    headings = _sample(rng, pools.section_headings, 2, len(pools.section_headings))
    # A paragraph is a paragraph: the monitoring visit's own, or a seed bullet written out.
    paragraphs = pools.narrative + pools.strengths + pools.satisfactory + pools.developments
    chosen = rng.sample(paragraphs, sum(rng.randint(3, 7) for _ in headings))
    parts = [
        OFSTED_LONDON,
        "",
        long_date(letter_date),
        "",
        "",
        "",
        *_address(rng, f"{title_word} {recipient}", official),
        "",
        f"Dear {title_word} {surname}",
        "",
        f"# Monitoring visit of {official} local authority children's services",
        "",
        f"This letter summarises the findings of the monitoring visit to {official} local "
        f"authority children's services on {visit_days(visit_start)}. This was the "
        f"{rng.choice(ORDINALS)} monitoring visit since the inspection of "
        f"{MONTHS[inspected.month - 1]} {inspected.year} that found serious weaknesses. "
        f"The inspectors were {lead} HMI and {second} HMI.",
        "",
        "During the course of this visit, inspectors reviewed the progress made in the areas of:",
        "",
        _bullets(list(pools.visit_areas)),
        "",
        "During the monitoring visit, inspectors tracked and sampled a number of children and "
        "young people's cases. As well as speaking to social workers and managers, inspectors "
        "considered a range of evidence, including electronic case records, minutes of "
        "meetings, management reports, tracking tools, case audits and improvement plans.",
        "",
        "#### **Overview**",
        "",
        "\n\n".join(overview),
        "",
        "## Findings and evaluation of progress",
        "",
    ]
    start = 0
    for number, heading in enumerate(headings, start=1):
        count = (len(chosen) - start) // (len(headings) - number + 1)
        marks = rng.choice(("## ", "#### ", "# "))
        parts += [f"{marks}{number}. {heading}", "", "\n\n".join(chosen[start : start + count]), ""]
        start += count
    parts += [
        "I am copying this letter to the Department for Education. This letter will be "
        "published on the Ofsted website.",
        "",
        "Yours sincerely",
        "",
        f"{lead} **Her Majesty's Inspector**",
    ]
    return Letter(
        layout="monitoring_002",
        council_code=council.code,
        letter_date=letter_date,
        visit_start=visit_start,
        inspectors=[lead, second],
        categories=Counter({OVERVIEW: len(overview), NARRATIVE: len(chosen)}),
        findings=[
            *((OVERVIEW, text) for text in overview),
            *((NARRATIVE, text) for text in chosen),
        ],
        text="\n".join(parts),
    )


# ----------------------------------------------------------------------------- writing


def letter_path(outdir: Path, index: int) -> Path:
    return outdir / f"{index // SHARD_SIZE:03d}" / f"letter-{index:06d}.txt"


def iter_letter_paths(outdir: Path, count: int) -> Iterator[Path]:
    """The files `generate(count, outdir)` wrote, in order."""
    return (letter_path(outdir, index) for index in range(count))


def _write_shard(
    args: tuple[str, int, int, int, str],
) -> tuple[list[bytes], dict[str, int], int]:
    """Write one shard; return the files' digests, layout counts and findings written."""
    outdir, seed, start, stop, source = args
    shard = int(start // SHARD_SIZE)
    rng = random.Random(f"{seed}:{shard}")
    pools = pools_for(source)
    folder = letter_path(Path(outdir), start).parent
    folder.mkdir(parents=True, exist_ok=True)
    digests: list[bytes] = []
    seen: set[bytes] = set()
    layouts: Counter = Counter()
    findings = 0
    for index in range(start, stop):
        while True:
            letter = make_letter(rng, pools)
            data = letter.text.encode("utf-8")
            digest = hashlib.blake2b(data, digest_size=16).digest()
            if digest not in seen:
                break
        seen.add(digest)
        digests.append(digest)
        layouts[letter.layout] += 1
        findings += sum(letter.categories.values())
        (folder / f"letter-{index:06d}.txt").write_bytes(data)
    return digests, dict(layouts), findings


def generate(
    count: int, outdir: Path, *, seed: int = 1, jobs: int | None = None, source: str = "real"
) -> dict:
    """Write `count` letters under `outdir` (shards of 1,000); return the manifest written.

    `source`: "real" draws findings from the real letters, "seeds" from the five seeds only.
    """
    started = time.perf_counter()
    outdir.mkdir(parents=True, exist_ok=True)
    # Fail early, in this process, if the findings cannot be read; forked workers inherit them.
    pools = pools_for(source)
    shards = [
        (str(outdir), seed, start, min(start + SHARD_SIZE, count), source)
        for start in range(0, count, SHARD_SIZE)
    ]
    jobs = jobs or os.cpu_count() or 1
    layouts: Counter = Counter()
    findings = 0
    seen: set[bytes] = set()
    duplicates = 0
    if jobs > 1 and len(shards) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_write_shard, shards, chunksize=4))
    else:
        results = [_write_shard(shard) for shard in shards]
    for digests, shard_layouts, shard_findings in results:
        layouts.update(shard_layouts)
        findings += shard_findings
        for digest in digests:
            duplicates += digest in seen
            seen.add(digest)
    if duplicates:
        # Shards draw from different random streams; a collision across them would be
        # astronomically unlikely, but the importer would count it as unchanged, so refuse.
        raise SystemExit(f"{duplicates} generated letters repeat another's bytes: use another seed")
    manifest = {
        "letters": count,
        "seed": seed,
        "source": source,
        "findings": findings,
        "layouts": dict(sorted(layouts.items())),
        "seconds": round(time.perf_counter() - started, 2),
        "pool_sizes": pools.sizes(),
    }
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(outdir: Path) -> dict | None:
    try:
        return json.loads((outdir / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def check_sample(
    outdir: Path, count: int, *, sample: int, seed: int, source: str = "real"
) -> list[str]:
    """Parse `sample` written files with the real parser; return what did not read back."""
    from inspections.parsing import parse_letter

    rng = random.Random(f"check:{seed}")
    problems = []
    for index in sorted(rng.sample(range(count), min(sample, count))):
        path = letter_path(outdir, index)
        expected = _regenerate(index, seed, source)
        data = path.read_bytes()
        if data != expected.text.encode("utf-8"):
            problems.append(f"{path.name}: file differs from its regenerated text")
            continue
        try:
            parsed = parse_letter(data, match_council=match_council)
        except Exception as error:  # any failure is a finding of the check
            problems.append(f"{path.name}: {type(error).__name__}: {error}")
            continue
        got = Counter(str(finding.category) for finding in parsed.findings)
        read_texts = sorted((str(f.category), " ".join(f.text.split())) for f in parsed.findings)
        written_texts = sorted(
            (category, " ".join(text.split())) for category, text in expected.findings
        )
        mismatches = {
            "council": (parsed.council_code, expected.council_code),
            "letter_date": (parsed.letter_date, expected.letter_date),
            "visit_start": (parsed.visit_start, expected.visit_start),
            "inspectors": (list(parsed.inspectors), expected.inspectors),
            "findings": (dict(got), dict(expected.categories)),
        }
        for name, (read, written) in mismatches.items():
            if read != written:
                problems.append(f"{path.name}: {name} read {read!r}, written {written!r}")
        if got == expected.categories and read_texts != written_texts:
            read, written = next(
                pair for pair in zip(read_texts, written_texts, strict=True) if pair[0] != pair[1]
            )
            problems.append(f"{path.name}: finding read {read!r}, written {written!r}")
    return problems


def _regenerate(index: int, seed: int, source: str) -> Letter:
    """The letter at `index`, drawn again from its shard's random stream."""
    shard_start = index - index % SHARD_SIZE
    rng = random.Random(f"{seed}:{shard_start // SHARD_SIZE}")
    pools = pools_for(source)
    seen: set[bytes] = set()
    for _ in range(shard_start, index + 1):
        while True:
            letter = make_letter(rng, pools)
            digest = hashlib.blake2b(letter.text.encode("utf-8"), digest_size=16).digest()
            if digest not in seen:
                break
        seen.add(digest)
    return letter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="how many letters to write")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: cores)")
    parser.add_argument(
        "--source",
        choices=SOURCES,
        default="real",
        help="findings from the real letters (default) or the five seed letters only",
    )
    parser.add_argument(
        "--check", type=int, default=0, metavar="K", help="parse K written files and compare"
    )
    args = parser.parse_args(argv)
    manifest = generate(args.count, args.outdir, seed=args.seed, jobs=args.jobs, source=args.source)
    print(
        f"wrote {manifest['letters']:,} letters ({manifest['findings']:,} findings) "
        f"to {args.outdir} in {manifest['seconds']:.1f} s: {manifest['layouts']}"
    )
    if args.check:
        problems = check_sample(
            args.outdir, args.count, sample=args.check, seed=args.seed, source=args.source
        )
        for problem in problems[:50]:
            print(f"  {problem}")
        print(
            f"checked {min(args.check, args.count)} files with the parser: {len(problems)} problems"
        )
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
