"""Build the council reference data the app ships with, from the shared reference files.

Usage:
    .venv/bin/python scripts/build_councils.py [REFERENCE_DIR]

REFERENCE_DIR defaults to ``../shared/reference`` relative to the repository root (see its
README.md for sources and licences). Writes, under ``inspections/data/``:

* ``councils.csv``: one row per English council with children's services duties (counties,
  unitary authorities, metropolitan districts, London boroughs, the City of London, the Isles
  of Scilly), current and abolished, with codes, region, dates and every spelling we know.
* ``other_authorities.csv``: names of other authorities (districts, combined authorities...)
  that contain a council's name, e.g. "West Lancashire" or "Liverpool City Region", so the
  matcher can tell that such a phrase does not name that council.

The output is committed, so the app never reads ../shared at run time. The script needs no
database or Django settings; re-running it on the same input writes the same files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # run as a script, not installed: find the app

from inspections.councils import ALIAS_SEPARATOR, name_words  # noqa: E402

DEFAULT_REFERENCE_DIR = REPO_ROOT / ".." / "shared" / "reference"
DATA_DIR = REPO_ROOT / "inspections" / "data"

COUNCIL_COLUMNS = (
    "code",
    "name",
    "official_name",
    "la_code",
    "gss_code",
    "ofsted_urn",
    "region",
    "authority_type",
    "start_date",
    "end_date",
    "aliases",
)
# mySociety's type codes for the upper tier, which holds the children's services duties.
UPPER_TIER_TYPES = frozenset({"CTY", "UA", "MD", "LBO", "CC"})

# Ofsted writes "Yorkshire and the Humber", mySociety and the ONS "Yorkshire and The Humber".
REGION_SPELLINGS = {"yorkshire and the humber": "Yorkshire and The Humber"}

# mySociety's register was loaded between these dates in 2005 and stamps that load date as
# the start of many councils that are far older (Liverpool, Bristol...). No English
# upper-tier council began in 2005, so such a date is not when the council began: we leave
# it empty rather than let the date-aware matcher believe, say, Bournemouth began in 2005.
REGISTER_LOAD_WINDOW = (dt.date(2005, 5, 1), dt.date(2005, 7, 31))

# The short name mySociety gives is "City of Bristol"; letters, Ofsted and our folders say
# "Bristol", which also gives the nicer slug.
NAME_OVERRIDES = {"BST": "Bristol"}

# Names in use that no source file lists. Keep each one explained.
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    # Ofsted files the City of London's letters under "london corporation".
    "LND": ("London Corporation", "Corporation of London", "City of London Council"),
    # The council's own short name, as on its letterhead.
    "BPC": ("BCP Council",),
    # Southend and Milton Keynes became cities in 2022, after the sources' snapshots.
    "SOS": ("Southend", "Southend-on-Sea City Council", "Southend City Council"),
    "MIK": ("Milton Keynes City Council",),
    # The usual short form, in letters and on the council's own site.
    "ERY": ("East Riding", "East Riding Council"),
    # Children's services letters mean Newcastle upon Tyne; "Newcastle-under-Lyme" is a
    # district, listed in other_authorities.csv, so it still claims its own words.
    "NET": ("Newcastle",),
}

CITY_OR_COUNTY_INVERSION = re.compile(r"^(?P<place>.+),\s*(?P<kind>city|county) of$", re.I)
AND_OR_AMPERSAND = re.compile(r"\s+(?:and|&)\s+", re.I)
SAINT_ABBREVIATION = re.compile(r"\bSt\.?(?=\s)")


@dataclass
class CouncilRow:
    """One council being assembled; written out as a row of councils.csv."""

    code: str
    name: str
    official_name: str
    authority_type: str
    type_code: str
    gss_code: str
    la_code: str = ""
    ofsted_urn: str = ""
    region: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    replaced_by: tuple[str, ...] = ()
    # Names the sources give for this council, then names we generate from them. Kept
    # apart because a generated name must never take a name the sources give another.
    source_aliases: list[str] = field(default_factory=list)
    generated_aliases: list[str] = field(default_factory=list)


def read_csv(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: the Ofsted lookup starts with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def tidy(name: str) -> str:
    return " ".join(name.split())


def normalise(name: str) -> str:
    """Names compare as the matcher compares them: "Telford & Wrekin" is "telford and wrekin"."""
    return " ".join(name_words(name))


def split_alt_names(value: str) -> list[str]:
    # alt-names is comma separated, but names contain commas too ("Bristol, City of"):
    # only a comma not followed by a space separates two names.
    return [tidy(part) for part in re.split(r",(?! )", value) if part.strip()]


def uninvert(name: str) -> list[str]:
    """ "Bristol, City of" -> ["Bristol, City of", "City of Bristol", "Bristol"]."""
    match = CITY_OR_COUNTY_INVERSION.match(name)
    if not match:
        return [name]
    place, kind = match["place"].strip(), match["kind"].capitalize()
    return [name, f"{kind} of {place}", place]


def short_name(row: dict[str, str]) -> str:
    code = row["local-authority-code"]
    if code in NAME_OVERRIDES:
        return NAME_OVERRIDES[code]
    # mySociety tells namesakes apart with a suffix ("Dorset County" / "Dorset Council");
    # we tell them apart by their dates and slugs instead, and keep the plain name.
    return re.sub(r"\s+(?:County|Council)$", "", tidy(row["nice-name"]))


def council_from_register(row: dict[str, str]) -> CouncilRow:
    start = parse_date(row["start-date"])
    if start and REGISTER_LOAD_WINDOW[0] <= start <= REGISTER_LOAD_WINDOW[1]:
        start = None
    council = CouncilRow(
        code=row["local-authority-code"],
        name=short_name(row),
        official_name=tidy(row["official-name"]),
        authority_type=row["local-authority-type-name"],
        type_code=row["local-authority-type"],
        gss_code=row["gss-code"],
        la_code=row["old-ons-la-code"] if re.fullmatch(r"\d{3}", row["old-ons-la-code"]) else "",
        region=row["region"],
        start_date=start,
        end_date=parse_date(row["end-date"]),
        replaced_by=tuple(code for code in row["replaced-by"].split(",") if code),
    )
    council.source_aliases += [council.name, tidy(row["nice-name"]), council.official_name]
    council.source_aliases += split_alt_names(row["alt-names"])
    return council


def make_end_dates_exclusive(councils: dict[str, CouncilRow]) -> None:
    """Make every end_date the first day the council no longer existed.

    mySociety writes some end dates as the last day (Bournemouth: 2019-03-31) and some as
    the successor's first day (Cumbria: 2023-04-01). The matcher tests
    ``start_date <= day < end_date``, so we use the successor's first day throughout.
    """
    for council in councils.values():
        successors = [councils[code] for code in council.replaced_by if code in councils]
        starts = [s.start_date for s in successors if s.start_date]
        if council.end_date and starts and min(starts) == council.end_date + dt.timedelta(days=1):
            council.end_date = min(starts)


def add_ofsted_rows(councils: dict[str, CouncilRow], ofsted_rows: list[dict[str, str]]) -> None:
    """Take Ofsted's URN, DfE code, GSS code, region and names for each council it lists.

    Ofsted is matched on the GSS code first: DfE kept the old county's LA code for some new
    unitaries (North Yorkshire 815, Somerset 933, Buckinghamshire 825), so the LA code alone
    would pick the abolished county. The LA code is the fallback for councils whose GSS code
    changed after mySociety's snapshot (Barnsley and Sheffield were recoded in 2021).
    """
    by_gss = {c.gss_code: c for c in councils.values()}
    # Current councils last, so that they win a shared LA code.
    by_la_code = {c.la_code: c for c in councils.values() if c.la_code and c.end_date}
    by_la_code |= {c.la_code: c for c in councils.values() if c.la_code and not c.end_date}
    for row in ofsted_rows:
        council = by_gss.get(row["la_code_new"]) or by_la_code.get(row["la_code"])
        if council is None:
            sys.exit(f"Ofsted row matches no council: {row['local_authority_ons_name']}")
        council.ofsted_urn = row["urn"]
        council.la_code = row["la_code"]
        council.gss_code = row["la_code_new"]
        council.region = row["region_name"]
        names = [row["local_authority_ons_name"], row["utla23nm"], row["ltla23nm"]]
        for name in filter(None, map(tidy, names)):
            council.source_aliases += uninvert(name)
        council.source_aliases += split_also_known_as(row["also_known_as"], council)
        share_urn_with_predecessors(council, councils)


def split_also_known_as(value: str, council: CouncilRow) -> list[str]:
    """Split Ofsted's "[BCP, Bournemouth, Christchurch & Poole]" into its names.

    The list is joined with ", " and its names contain ", " too, so pieces are joined back
    whenever together they spell a name we already have for the council.
    """
    parts = [part.strip() for part in value.strip("[]").split(", ") if part.strip()]
    known = {normalise(name) for name in council.source_aliases}
    names, start = [], 0
    while start < len(parts):
        end = next(
            (
                end
                for end in range(len(parts), start + 1, -1)
                if normalise(", ".join(parts[start:end])) in known
            ),
            start + 1,
        )
        names.append(", ".join(parts[start:end]))
        start = end
    return names


def share_urn_with_predecessors(council: CouncilRow, councils: dict[str, CouncilRow]) -> None:
    # Where the new unitary kept the county's DfE code, Ofsted kept the county's URN too
    # (80530 North Yorkshire): the URN names both, and council_by_urn picks by date.
    for predecessor in councils.values():
        if council.code in predecessor.replaced_by and predecessor.la_code == council.la_code:
            predecessor.ofsted_urn = council.ofsted_urn


def fill_missing_regions(councils: dict[str, CouncilRow]) -> None:
    # mySociety leaves some abolished councils without a region (Bournemouth, Poole,
    # Buckinghamshire County): they had their successor's.
    for council in councils.values():
        for code in council.replaced_by:
            if not council.region and code in councils:
                council.region = councils[code].region
        council.region = REGION_SPELLINGS.get(council.region.casefold(), council.region)


def add_lookup_names(councils: dict[str, CouncilRow], lookup_rows: list[dict[str, str]]) -> None:
    for row in lookup_rows:
        council = councils.get(row["local-authority-code"])
        if council:
            council.source_aliases.append(tidy(row["la-name"]))


def styled_names(council: CouncilRow) -> list[str]:
    """The ways letters name a council: "X Council", "London Borough of X", "City of X"..."""
    if council.type_code == "CC":
        return []  # the City of London's forms are all in the sources
    place = re.sub(r"^County\s+", "", council.name)  # "County Durham" -> "Durham County Council"
    words = set(council.official_name.split())
    names = [place, f"{place} Council"]
    if council.type_code == "CTY" or (council.type_code == "UA" and "County" in words):
        names += [f"{place} County Council", f"{place} County"]
    if "City" in words:
        names += [f"{place} City Council", f"City of {place}"]
    if "Borough" in words and council.type_code == "UA":
        names += [f"{place} Borough Council", f"Borough of {place}"]
    if council.type_code == "MD" and "City" not in words:
        names += [
            f"{place} Metropolitan Borough Council",
            f"Metropolitan Borough of {place}",
            f"{place} Borough Council",
        ]
    if council.type_code == "MD" and "District" in words:
        names += [f"{place} Metropolitan District Council", f"{place} District Council"]
    if council.type_code == "LBO":
        names += [f"London Borough of {place}", f"{place} London Borough Council"]
    if council.official_name.startswith("Royal Borough of"):
        names.append(f"Royal Borough of {place}")
    return names


def spelling_variants(name: str) -> list[str]:
    """ "&" for "and" and back; "St" for "St." and back."""
    variants = [name]
    if AND_OR_AMPERSAND.search(name):
        variants += [AND_OR_AMPERSAND.sub(" and ", name), AND_OR_AMPERSAND.sub(" & ", name)]
    for variant in list(variants):
        if SAINT_ABBREVIATION.search(variant):
            variants += [SAINT_ABBREVIATION.sub(form, variant) for form in ("St", "St.")]
    return variants


def generate_aliases(councils: dict[str, CouncilRow]) -> None:
    for council in councils.values():
        council.source_aliases += EXTRA_ALIASES.get(council.code, ())
        council.generated_aliases = styled_names(council)
    # A generated name never takes a name the sources give another council: "Dorset
    # Council" is the new unitary's own name, so it must not become the old county's too.
    owners: dict[str, set[str]] = defaultdict(set)
    for council in councils.values():
        for name in council.source_aliases:
            owners[normalise(name)].add(council.code)
    for council in councils.values():
        council.generated_aliases = [
            name
            for name in council.generated_aliases
            if owners.get(normalise(name), {council.code}) == {council.code}
        ]


def final_aliases(council: CouncilRow) -> list[str]:
    """Every spelling, deduplicated ignoring case, in a stable order."""
    seen: dict[str, str] = {}
    for name in council.source_aliases + council.generated_aliases:
        for variant in spelling_variants(tidy(name)):
            # The first spelling wins, and sources list the capitalised form first.
            seen.setdefault(variant.casefold(), variant)
    return sorted(seen.values(), key=lambda name: (normalise(name), name))


def load_councils(reference_dir: Path) -> dict[str, CouncilRow]:
    register = read_csv(reference_dir / "uk_local_authorities.csv")
    councils = {
        row["local-authority-code"]: council_from_register(row)
        for row in register
        if row["nation"] == "England" and row["local-authority-type"] in UPPER_TIER_TYPES
    }
    make_end_dates_exclusive(councils)
    add_ofsted_rows(councils, read_csv(reference_dir / "ofsted_provider_lookup.csv"))
    fill_missing_regions(councils)
    add_lookup_names(councils, read_csv(reference_dir / "lookup_name_to_registry.csv"))
    generate_aliases(councils)
    return councils


def other_authority_names(
    reference_dir: Path, councils: dict[str, CouncilRow]
) -> list[dict[str, str]]:
    """Names of authorities without children's services duties that contain a council's name.

    Only those matter to the matcher: "West Lancashire" would otherwise read as Lancashire.
    A name that is itself some council's name stays the council's.
    """
    council_names = {normalise(a) for c in councils.values() for a in final_aliases(c)}
    lookup: dict[str, list[str]] = defaultdict(list)
    for row in read_csv(reference_dir / "lookup_name_to_registry.csv"):
        lookup[row["local-authority-code"]].append(row["la-name"])
    found: dict[str, dict[str, str]] = {}
    for row in read_csv(reference_dir / "uk_local_authorities.csv"):
        if row["local-authority-code"] in councils:
            continue
        names = [row["nice-name"], row["official-name"], *split_alt_names(row["alt-names"])]
        for name in map(tidy, names + lookup[row["local-authority-code"]]):
            key = normalise(name)
            if key in council_names or key in found:
                continue
            if any(contains_words(key, council) for council in council_names):
                found[key] = {
                    "name": name,
                    "code": row["local-authority-code"],
                    "authority_type": row["local-authority-type-name"],
                }
    return sorted(found.values(), key=lambda row: (row["code"], normalise(row["name"])))


def contains_words(text: str, words: str) -> bool:
    return f" {words} " in f" {text} "


def check_unique_aliases(councils: dict[str, CouncilRow]) -> list[str]:
    """Names more than one council goes by: there should only be abolished namesakes'."""
    owners: dict[str, set[str]] = defaultdict(set)
    for council in councils.values():
        for name in final_aliases(council):
            owners[normalise(name)].add(council.code)
    return [
        f"{name!r}: {sorted(codes)}" for name, codes in sorted(owners.items()) if len(codes) > 1
    ]


def council_record(council: CouncilRow) -> dict[str, str]:
    return {
        "code": council.code,
        "name": council.name,
        "official_name": council.official_name,
        "la_code": council.la_code,
        "gss_code": council.gss_code,
        "ofsted_urn": council.ofsted_urn,
        "region": council.region,
        "authority_type": council.authority_type,
        "start_date": council.start_date.isoformat() if council.start_date else "",
        "end_date": council.end_date.isoformat() if council.end_date else "",
        "aliases": ALIAS_SEPARATOR.join(final_aliases(council)),
    }


def write_csv(path: Path, columns: Iterable[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference_dir", nargs="?", type=Path, default=DEFAULT_REFERENCE_DIR)
    parser.add_argument("--output-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)

    councils = load_councils(args.reference_dir)
    ordered = sorted(councils.values(), key=lambda c: (c.name, c.end_date is None, c.code))
    write_csv(args.output_dir / "councils.csv", COUNCIL_COLUMNS, map(council_record, ordered))
    others = other_authority_names(args.reference_dir, councils)
    write_csv(args.output_dir / "other_authorities.csv", ("name", "code", "authority_type"), others)

    current = sum(1 for c in councils.values() if c.end_date is None)
    print(f"councils: {len(councils)} ({current} current, {len(councils) - current} abolished)")
    print(f"other authorities' names containing a council's name: {len(others)}")
    for warning in check_unique_aliases(councils):
        print(f"shared name {warning}")


if __name__ == "__main__":
    main()
