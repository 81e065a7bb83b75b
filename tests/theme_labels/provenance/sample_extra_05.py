"""A third sample to label (extra_part_05): findings of build councils only, none labelled yet.

Like sample_extra.py, from split.py's findings of the real letters (pass the path of its
all_findings.jsonl), excluding every letter of a test council and every finding already
in part_NN or extra_part_NN; five findings a letter (seven a JTAI), seeded, shuffled.
Writes the shuffled sample with its text to OUT; it was labelled blind in that order (by
the second reader of second_reader/, from the text, the descriptions and the guide), all
1,292 of it, and written to extra_part_05.jsonl / extra_labels_05.jsonl sorted as
sample_extra.py sorts them.
"""

import collections
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ALL_FINDINGS = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/split/all_findings.jsonl")
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/agree10/to_label_05.jsonl")
random.seed(20261130 + 5)

labelled = [
    json.loads(line)
    for pattern in ("part_*.jsonl", "extra_part_*.jsonl")
    for path in sorted(HERE.glob(pattern))
    for line in open(path)
]
test_councils = {row["council"] for row in labelled if row["split"] == "test"}
done = {row["id"] for row in labelled}
by_letter = collections.defaultdict(list)
for row in map(json.loads, open(ALL_FINDINGS)):
    if row["council"] in test_councils or row["id"] in done:
        continue
    by_letter[row["id"].split("#")[0]].append(row)
sample = []
for stem in sorted(by_letter):
    findings = by_letter[stem]
    k = 7 if findings[0]["type"] == "jtai" else 5
    sample += random.sample(findings, min(k, len(findings)))
random.shuffle(sample)
with open(OUT, "w") as out:
    for row in sample:
        fields = ("id", "council", "year", "type", "text")
        out.write(json.dumps({**{k: row[k] for k in fields}, "split": "build"}) + "\n")
print(len(sample), "findings of", len({r["council"] for r in sample}), "councils")
