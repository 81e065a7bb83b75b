"""A third sample to label (150): findings of build councils only, none already labelled.

Run after split.py (which writes /tmp/split/all_findings.jsonl), like sample_extra.py: one
finding a letter, seeded, cut to SIZE at random. Writes extra_part_04.jsonl (texts, in the
format of extra_part_NN.jsonl); extra_labels_04.jsonl was then labelled blind from the
theme descriptions and docs/labelling_guide.md, by one person, without running the tagger.
"""

import collections
import json
import random
from pathlib import Path

SIZE = 150
HERE = Path(__file__).resolve().parent.parent
random.seed(20261130 + 4)
labelled = [json.loads(line) for line in open(HERE / "to_label.jsonl")]
test_councils = {row["council"] for row in labelled if row["split"] == "test"}
done = {row["id"] for row in labelled}
done |= {json.loads(line)["id"] for line in open(HERE / "to_label_extra.jsonl")}
rows = [json.loads(line) for line in open("/tmp/split/all_findings.jsonl")]
by_letter = collections.defaultdict(list)
for row in rows:
    if row["council"] in test_councils or row["id"] in done:
        continue
    by_letter[row["id"].split("#")[0]].append(row)
sample = []
for stem in sorted(by_letter):
    sample += random.sample(by_letter[stem], 1)
random.shuffle(sample)
sample = sample[:SIZE]
sample.sort(key=lambda r: (r["type"], r["council"], r["year"], int(r["id"].split("#")[1])))
with open(HERE / "extra_part_04.jsonl", "w") as out:
    for row in sample:
        fields = ("id", "council", "year", "type", "text")
        out.write(json.dumps({**{k: row[k] for k in fields}, "split": "build"}) + "\n")
print(len(sample), "findings of", len({r["council"] for r in sample}), "councils")
