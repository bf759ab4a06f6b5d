"""``korocr eval``: accuracy, CER and confidence of a recogniser on a labelled dataset, with a per-sample log.

The log is TSV with the columns ``image, ground_truth, prediction, confidence, cer`` (seed 002's "Image Name |
Real Text | Predicted Text | Confidence | CER").  Images that cannot be read are listed in the summary as
``unreadable`` and left out of the metrics.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..io.datasets import Sample
from ..io.image import ImageLoadError, load_image
from ..reader import Reader
from .metrics import CERAccumulator, cer


@dataclass
class EvalResult:
    metrics: CERAccumulator
    mean_confidence: float
    rows: list[tuple[str, str, str, float, float]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> dict:
        d = self.metrics.as_dict()
        d["mean_confidence"] = self.mean_confidence
        d["unreadable"] = len(self.unreadable)
        return d


def evaluate(reader: Reader, samples: Iterable[Sample], line: bool = True, batch: int = 256) -> EvalResult:
    """Run ``reader`` over ``samples`` and score it.

    Args:
        line: treat each image as one text line (crops); otherwise lines are found and joined with newlines
            (compare against multi-line references).
    """
    acc = CERAccumulator()
    rows: list[tuple[str, str, str, float, float]] = []
    bad: list[tuple[str, str]] = []
    confs: list[float] = []
    pending: list[Sample] = []

    def flush() -> None:
        imgs, keep = [], []
        for s in pending:
            try:
                imgs.append(load_image(s.image, name=s.key))
                keep.append(s)
            except ImageLoadError as e:
                bad.append((s.key, e.problem))
        if line:
            pages = list(reader.read_many(imgs, line=True)) if imgs else []
        else:
            pages = [reader.read(im, name=s.key) for im, s in zip(imgs, keep)]
        for s, page in zip(keep, pages):
            pred = page.text
            acc.update(pred, s.text)
            confs.append(page.confidence)
            rows.append((s.key, s.text, pred, page.confidence, cer(pred, s.text)))
        pending.clear()

    for s in samples:
        pending.append(s)
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return EvalResult(acc, sum(confs) / max(1, len(confs)), rows, bad)


def write_log(result: EvalResult, path: str | Path) -> None:
    """Write the per-sample TSV log (header: image, ground_truth, prediction, confidence, cer)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["image", "ground_truth", "prediction", "confidence", "cer"])
        for key, gt, pred, conf, c in result.rows:
            w.writerow([key, gt.replace("\n", "\\n"), pred.replace("\n", "\\n"), f"{conf:.4f}", f"{c:.4f}"])
