import collections
import json
import random

random.seed(20261130)
rows = [json.loads(l) for l in open("/tmp/split/all_findings.jsonl")]
by = collections.defaultdict(list)
for r in rows:
    by[r["id"].split("#")[0]].append(r)
sample = []
for stem in sorted(by):
    fs = by[stem]
    k = 3 if fs[0]["type"] == "jtai" else 2
    sample += random.sample(fs, min(k, len(fs)))
# top up to 700 from focused visits of years with fewer picks, one per letter not yet at 3
need = 700 - len(sample)
chosen = {r["id"] for r in sample}
stems = [s for s in sorted(by) if by[s][0]["type"] == "focused_visit"]
random.shuffle(stems)
for s in stems[: max(need, 0)]:
    extra = [r for r in by[s] if r["id"] not in chosen]
    sample.append(random.choice(extra))
sample = sample[:700]
cc = collections.Counter(r["council"] for r in sample)
assert max(cc.values()) <= 28, cc.most_common(3)
# split by council: about 25% of findings in test, checked for type and year spread
councils = sorted(cc)
best = None
for trial in range(2000):
    random.shuffle(councils)
    test, n = set(), 0
    for c in councils:
        if n + cc[c] <= 175:
            test.add(c)
            n += cc[c]
        if n >= 173:
            break
    tj = sum(1 for r in sample if r["council"] in test and r["type"] == "jtai")
    aj = sum(1 for r in sample if r["type"] == "jtai")
    ty = collections.Counter(r["year"] for r in sample if r["council"] in test)
    ay = collections.Counter(r["year"] for r in sample)
    score = abs(n - 175) + abs(tj - aj * n / 700) + sum(abs(ty[y] - ay[y] * n / 700) for y in ay)
    if best is None or score < best[0]:
        best = (score, set(test))
test = best[1]
sample.sort(key=lambda r: (r["type"], r["council"], r["year"], int(r["id"].split("#")[1])))
import os

os.makedirs("/work/main/tests/theme_labels", exist_ok=True)
with open("/work/main/tests/theme_labels/to_label.jsonl", "w") as f:
    for r in sample:
        o = {
            "id": r["id"],
            "council": r["council"],
            "year": r["year"],
            "type": r["type"],
            "text": r["text"],
            "split": "test" if r["council"] in test else "build",
        }
        f.write(json.dumps(o, ensure_ascii=False) + "\n")
print(len(sample), "score", best[0], "councils", len(cc), "max per council", cc.most_common(3))
