"""The findings the second reader labelled: text only, so no label or tag is seen.

All 175 test findings, and 175 build findings of part_NN.jsonl drawn with a fixed seed.
Writes id and text only (to /tmp/agree10 by default); the labels are then written by
hand, in the same order, to second_reader/labels_test.jsonl and labels_build_sample.jsonl.
"""

import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/agree10")
SEED = 20261130 + 10

rows = [json.loads(line) for part in sorted(HERE.glob("part_*.jsonl")) for line in open(part)]
test = [row for row in rows if row["split"] == "test"]
build_sample = random.Random(SEED).sample([row for row in rows if row["split"] == "build"], 175)
OUT.mkdir(parents=True, exist_ok=True)
for name, chosen in (("test", test), ("build_sample", build_sample)):
    with open(OUT / f"{name}.jsonl", "w") as out:
        for row in chosen:
            out.write(json.dumps({"id": row["id"], "text": row["text"]}, ensure_ascii=False) + "\n")
print(len(test), "test and", len(build_sample), "build findings")
