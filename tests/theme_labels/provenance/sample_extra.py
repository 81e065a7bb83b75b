"""A second, larger sample to label: findings of councils outside the test split only.

Run after split.py (which writes /tmp/split/all_findings.jsonl). Excludes every finding
already in to_label.jsonl and every letter of a test council, so that training on these
never sees the test split. Five findings a letter (seven a JTAI), seeded, then cut to
SIZE at random, so years and types are spread as the letters are.
"""

import collections
import json
import random
from pathlib import Path

SIZE = 1200
HERE = Path(__file__).resolve().parent.parent
random.seed(20261130 + 1)
labelled = [json.loads(line) for line in open(HERE / "to_label.jsonl")]
test_councils = {row["council"] for row in labelled if row["split"] == "test"}
done = {row["id"] for row in labelled}
rows = [json.loads(line) for line in open("/tmp/split/all_findings.jsonl")]
by_letter = collections.defaultdict(list)
for row in rows:
    if row["council"] in test_councils or row["id"] in done:
        continue
    by_letter[row["id"].split("#")[0]].append(row)
sample = []
for stem in sorted(by_letter):
    findings = by_letter[stem]
    k = 7 if findings[0]["type"] == "jtai" else 5
    sample += random.sample(findings, min(k, len(findings)))
random.shuffle(sample)
sample = sample[:SIZE]
sample.sort(key=lambda r: (r["type"], r["council"], r["year"], int(r["id"].split("#")[1])))
with open(HERE / "to_label_extra.jsonl", "w") as out:
    for row in sample:
        fields = ("id", "council", "year", "type", "text")
        out.write(json.dumps({**{k: row[k] for k in fields}, "split": "build"}) + "\n")
print(len(sample), "findings of", len({r["council"] for r in sample}), "councils")
