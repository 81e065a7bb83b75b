"""Independent splitter of the real letters' text into findings (not the project's parser)."""

import glob
import json
import os
import re
import statistics

ROOT = "/work/shared/real"
BULLETS = "◼\uf06e\x83•\uf0b7▪"
TERM = re.compile(r"[.?!:;][’”\')]*$")
NUMBERED = re.compile(r"^\d{1,2}\.\s+[A-Z‘]")
PAGE = re.compile(r"^\s*\d{1,2}\s*$")

SKIP_START = re.compile(
    r"^(This letter summarises|This letter (to all|outlines)|Inspectors looked at|This visit was carried out|"
    r"The methodology|This visit looked at|Her Majesty’s Chief Inspector|Ofsted’s work into|"
    r"This inspection (took place|was carried|included)|It was carried out by|Between \d|"
    r"Ofsted will take|We (are|were) grateful|Thank you|Yours (sincerely|faithfully)|"
    r"Ofsted, the Care Quality|The inspection was|Inspectors (evaluated|considered|were)|"
    r"His Majesty’s Inspectors? for this|Her Majesty’s Inspectors? for this|The inspectors were|"
    r"The lead inspector and|Inspectors used video|This (inspection|visit) (evaluated|considered|focused|reviewed)|"
    r"The focus of this|In accordance with|(A|The) written statement|Within 70 working days|"
    r"The lead agency|A range of evidence|Inspectors considered|The visit (considered|looked|focused)|We will|This letter,|This joint targeted area inspection|This (JTAI|joint inspection|focused visit)\b|Inspectors (gathered|reviewed|spoke|met|also|examined|undertook|tracked|scrutinised)|Practice study|Case study|All names|Throughout this letter|During (this|the) (visit|inspection), inspectors|Copy of this letter|cc\b|Dear |Joint targeted area inspection of|Focused visit to|Joint area review)",
    re.I,
)
SKIP_ANY = re.compile(
    r"written statement of (proposed )?action|will take the findings from this|"
    r"Children Act 2004|cross-referenced with the outcomes|section 20 of the Children Act|summarises the findings",
    re.I,
)


def year_of(text, stem):
    m = re.search(r"_(\d{4})-\d\d-\d\d_", stem)
    return int(m.group(1))


def body_lines(text):
    lines = [l.replace("\f", "").rstrip() for l in text.split("\n")]
    # start after the salutation (and the title line after it)
    start = 0
    for i, l in enumerate(lines):
        if l.strip().startswith("Dear "):
            start = i + 2  # skip salutation and title line
            break
    # the title can wrap onto a second line (no terminal punctuation, lower-case start)
    while start < len(lines) and lines[start].strip() and lines[start].strip()[0].islower():
        start += 1
    end = len(lines)
    for i in range(start, len(lines)):
        if re.match(r"\s*Yours (sincerely|faithfully)", lines[i]):
            end = i
            break
    return lines[start:end]


def split_paragraphs(lines):
    body = [l for l in lines if not PAGE.match(l)]
    lens = [len(l) for l in body if len(l) > 40]
    W = statistics.quantiles(lens, n=10)[8] if len(lens) > 10 else 85
    paras, cur = [], []

    def flush():
        if cur:
            paras.append(" ".join(x.strip() for x in cur))
            cur.clear()

    for i, raw in enumerate(body):
        s = raw.strip()
        if not s:
            # page breaks and stray blank lines: keep a wrapped paragraph together
            nb = next((b.strip() for b in body[i + 1 :] if b.strip()), "")
            last = cur[-1] if cur else ""
            if cur and nb and (nb[0].islower() or (not TERM.search(last) and len(last) > 0.75 * W)):
                continue
            flush()
            continue
        if s[0] in BULLETS or NUMBERED.match(s):
            flush()
            s = s.lstrip(BULLETS).strip()
            if not s:
                continue
        cur.append(s)
        nxt = next((b.strip() for b in body[i + 1 : i + 2]), "")
        if not nxt:
            continue
        first = nxt.lstrip(BULLETS).strip()
        starts_cap = bool(first) and (first[0].isupper() or first[0] in "‘“(" or first[0].isdigit())
        nextword = first.split(" ")[0] if first else ""
        room = len(s) + 1 + len(nextword) <= W - 2  # next word would have fitted: a real break
        if TERM.search(s) and starts_cap and (room or len(s) < 0.8 * W):
            flush()
        elif not TERM.search(s) and starts_cap and room and len(s) < 0.75 * W:
            flush()  # a heading, or a bullet or list line ending without punctuation
    flush()
    return paras


def fix(t):
    t = re.sub(r"\s+", " ", t).strip()
    t = re.sub(r"^\d{1,2}\.\s+(?=[A-Z‘])", "", t)
    t = re.sub(r"(\w)- (?=[a-z])", r"\1-", t)  # keep hyphenated breaks joined
    return t


def pdf_paragraphs(pdf):
    import html
    import subprocess

    x = subprocess.run(
        ["pdftotext", "-bbox-layout", pdf, "-"], capture_output=True, text=True
    ).stdout
    units = []  # list of (text, page_index, starts_with_bullet)
    for pi, page in enumerate(re.findall(r"<page[^>]*>(.*?)</page>", x, re.S)):
        for b in re.findall(r"<block[^>]*>(.*?)</block>", page, re.S):
            lines = [
                " ".join(html.unescape(w) for w in re.findall(r"<word[^>]*>(.*?)</word>", l, re.S))
                for l in re.findall(r"<line[^>]*>(.*?)</line>", b, re.S)
            ]
            lines = [l.strip() for l in lines if l.strip()]
            cur = []
            for l in lines:
                if (l[0] in BULLETS or NUMBERED.match(l)) and cur:
                    units.append([" ".join(cur), pi])
                    cur = []
                cur.append(l)
            if cur:
                units.append([" ".join(cur), pi])
    units = [u for u in units if not PAGE.match(u[0])]
    # body: after the salutation, before the sign-off
    start = next((i + 1 for i, u in enumerate(units) if u[0].startswith("Dear ")), 0)
    end = next(
        (
            i
            for i, u in enumerate(units)
            if i >= start and re.match(r"Yours (sincerely|faithfully)", u[0])
        ),
        len(units),
    )
    units = units[start:end]
    paras = []
    for t, pi in units:
        t0 = t.lstrip(BULLETS).strip()
        if not t0:
            continue
        if paras and (
            t0[0].islower()
            or (not TERM.search(paras[-1][0]) and len(paras[-1][0]) > 100 and pi != paras[-1][1])
        ):
            paras[-1][0] += " " + t0
            paras[-1][1] = pi
        else:
            paras.append([t0, pi])
    return [p for p, _ in paras]


def findings(path):
    pdf = path[:-4] + ".pdf"
    out = []
    for p in pdf_paragraphs(pdf):
        p = fix(p)
        if len(p) < 60:
            continue
        if SKIP_START.match(p) or SKIP_ANY.search(p):
            continue
        if (
            re.match(
                r"^(What needs to improve|Areas for (improvement|development)|Headline findings|Main findings|Overview|Findings)\b",
                p,
            )
            and len(p) < 90
        ):
            continue
        out.append(p)
    return out


def main():
    rows = []
    for folder, typ in (("focused_visits", "focused_visit"), ("jtai", "jtai")):
        for path in sorted(glob.glob(f"{ROOT}/{folder}/*.txt")):
            stem = os.path.basename(path)[:-4]
            parts = stem.split("_")
            if parts[-1] == "jar":
                continue  # 2009 joint area review progress letter: not a JTAI
            council = parts[1]
            year = int(parts[2][:4])
            for n, t in enumerate(findings(path), 1):
                rows.append(
                    {"id": f"{stem}#{n}", "council": council, "year": year, "type": typ, "text": t}
                )
    with open("/tmp/split/all_findings.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(len(rows), "findings")


if __name__ == "__main__":
    main()
