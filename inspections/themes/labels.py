"""The labelled findings in tests/theme_labels/: what the model learns from and is measured on.

`part_NN.jsonl` (700 real findings: id, council, year, type, split, text) and
`labels_NN.jsonl` (the same lines in the same order: id, themes, note), split by council
into `build` (525) and `test` (175, never tuned on); `extra_part_NN.jsonl` and
`extra_labels_NN.jsonl`, 2,594 more findings of build councils only (1,200 sampled by
provenance/sample_extra.py after the split, 150 by provenance/sample_extra_04.py, 1,244 by
provenance/sample_extra_05.py: its 48 findings that extra_04 also drew are kept there
only). All labelled blind from the theme descriptions and docs/labelling_guide.md. (A second
reader's labels of 350 of the first 700, in second_reader/, are for bench/theme_agreement.py
only: nothing here reads them.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

LABELS_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "theme_labels"
TEXT_FILES = ("part_*.jsonl", "extra_part_*.jsonl")


@dataclass(frozen=True)
class Label:
    id: str  # letter and position: 80486_barking-and-dagenham_2018-04-03_fv#3
    council: str
    split: str  # build or test
    text: str
    themes: frozenset[str]
    note: str = ""


def label_files(folder: Path = LABELS_DIR) -> list[tuple[Path, Path]]:
    """(texts, labels) file pairs, in a fixed order."""
    parts = [part for pattern in TEXT_FILES for part in sorted(folder.glob(pattern))]
    return [(part, part.with_name(part.name.replace("part_", "labels_"))) for part in parts]


def load_labels(*, split: str | None = None, folder: Path = LABELS_DIR) -> list[Label]:
    """The labelled findings, of one split or both, in file order."""
    labels = []
    for part, answers in label_files(folder):
        texts = part.read_text(encoding="utf-8").splitlines()
        themes = answers.read_text(encoding="utf-8").splitlines()
        if len(texts) != len(themes):
            raise ValueError(f"{part.name} and {answers.name} differ in length")
        for text_line, theme_line in zip(texts, themes, strict=True):
            finding, answer = json.loads(text_line), json.loads(theme_line)
            if finding["id"] != answer["id"]:
                raise ValueError(f"{answers.name}: {answer['id']} is not {finding['id']}")
            labels.append(
                Label(
                    id=finding["id"],
                    council=finding["council"],
                    split=finding["split"],
                    text=finding["text"],
                    themes=frozenset(answer["themes"]),
                    note=answer.get("note", ""),
                )
            )
    return [label for label in labels if split is None or label.split == split]
