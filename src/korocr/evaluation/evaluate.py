"""``korocr eval``: accuracy, CER and confidence of a recogniser on a labelled dataset, with a per-sample log.

The log is TSV with the columns ``image, ground_truth, prediction, confidence, cer`` (the demo log of
deep-text-recognition-benchmark: "Image Name | Real Text | Predicted Text | Confidence | CER").  Images that cannot be read are listed in the summary as
``unreadable`` and left out of the metrics.
"""

from __future__ import annotations

import csv
import unicodedata
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
            if s.error or s.image is None:
                bad.append((s.key, s.error or "no image"))
                continue
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


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * max(0, width - _width(s))


def format_aligned(result: EvalResult, max_rows: int | None = None) -> str:
    """The log for people: columns aligned by display width (Hangul counts 2), then a summary line, like
    deep-text-recognition-benchmark's demo output (Image Name | Real Text | Predicted Text | Confidence | CER)."""
    header = ("Image Name", "Real Text", "Predicted Text", "Confidence", "CER")
    rows = [(k, g.replace("\n", "\\n"), p.replace("\n", "\\n"), f"{c:.4f}", f"{e:.4f}")
            for k, g, p, c, e in result.rows[:max_rows]]
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(5)]
    lines = [" | ".join(_pad(h, w) for h, w in zip(header, widths)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(_pad(c, w) for c, w in zip(r, widths)) for r in rows]
    s = result.summary()
    lines.append(f"samples {s['n']}, accuracy {s['accuracy']:.4f}, CER {s['cer']:.4f} (spaces count), "
                 f"CER {s['cer_nospace']:.4f} (spaces ignored), mean confidence {s['mean_confidence']:.4f}, "
                 f"unreadable {s['unreadable']}")
    return "\n".join(lines) + "\n"


def write_log(result: EvalResult, path: str | Path) -> None:
    """Write the per-sample TSV log (header: image, ground_truth, prediction, confidence, cer)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        w.writerow(["image", "ground_truth", "prediction", "confidence", "cer"])
        for key, gt, pred, conf, c in result.rows:
            w.writerow([key, gt.replace("\n", "\\n"), pred.replace("\n", "\\n"), f"{conf:.4f}", f"{c:.4f}"])
        s = result.summary()
        fh.write(f"# summary\tn={s['n']}\taccuracy={s['accuracy']:.4f}\tcer={s['cer']:.4f}\t"
                 f"cer_nospace={s['cer_nospace']:.4f}\tmean_confidence={s['mean_confidence']:.4f}\t"
                 f"unreadable={s['unreadable']}\n")
