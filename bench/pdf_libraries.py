"""How well and how fast each pip-installable PDF library reads Ofsted's letters.

    .venv/bin/pip install pdfminer.six pypdf   # the two we compare against (not dependencies)
    .venv/bin/python bench/pdf_libraries.py [--files 60]

For each library: the share of hand-read findings (tests/ground_truth/, 32 letters) whose
whole text appears in the library's plain text of the letter (whitespace collapsed, a
line-end hyphen joined to the next line, footnote markers aside), whether it gives the
positions and fonts that layout reading needs, and its speed over the first N letters of
../shared/real/ (same files for each). PyMuPDF is left out: its AGPL licence rules it out.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def text_pypdfium2(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    pages = []
    for page in document:
        textpage = page.get_textpage()
        pages.append(textpage.get_text_range().replace("\ufffe", "-\n"))
    return "\n".join(pages)


def text_pdfminer(data: bytes) -> str:
    from pdfminer.high_level import extract_text

    return extract_text(io.BytesIO(data))


def text_pypdf(data: bytes) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


LIBRARIES = {
    "pypdfium2 (PDFium; BSD-3/Apache-2.0)": (
        text_pypdfium2,
        "char boxes, baselines, font size, weight",
    ),
    "pdfminer.six (MIT; pdfplumber builds on it)": (
        text_pdfminer,
        "char boxes, font name and size",
    ),
    "pypdf (BSD-3)": (text_pypdf, "text only (a visitor gives positions, no layout)"),
}


def flatten(text: str) -> str:
    text = re.sub(r"-\s*\n\s*", "-", text)
    return " ".join(text.split())


def fidelity(extract) -> float:
    found = total = 0
    for path in sorted((ROOT / "tests" / "ground_truth").glob("*/*.json")):
        if path.parent.name == "reports":
            continue
        truth = json.loads(path.read_text(encoding="utf-8"))
        text = flatten(extract((SHARED / "real" / truth["file"]).read_bytes()))
        text = re.sub(r"(?<=[a-z.,)’])\d{1,2}\b", "", text)  # footnote markers
        for finding in truth["findings"]:
            total += 1
            found += " ".join(finding["text"].split()) in text
    return found / total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=60)
    args = parser.parse_args()
    files = sorted(SHARED.glob("real/**/*.pdf"))[: args.files]
    datas = [path.read_bytes() for path in files]
    pages = 0
    print(f"{'library':45} {'findings whole':>15} {'letters/s':>10} {'ms/page':>8}  layout")
    for name, (extract, layout) in LIBRARIES.items():
        try:
            started = time.perf_counter()
            for data in datas:
                extract(data)
            seconds = time.perf_counter() - started
        except ImportError:
            print(f"{name:45} not installed")
            continue
        if not pages:
            import pypdfium2 as pdfium

            pages = sum(len(pdfium.PdfDocument(data)) for data in datas)
        share = fidelity(extract)
        print(
            f"{name:45} {share:>15.3f} {len(datas) / seconds:>10.1f} "
            f"{1000 * seconds / pages:>8.1f}  {layout}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
