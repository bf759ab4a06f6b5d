"""Text-detection metrics: precision, recall and H-mean with ICDAR-style one-to-one matching.

A detected box matches a ground-truth box when their IoU ≥ ``iou_threshold`` (0.5, as in the ICDAR 2013/2015
robust-reading protocols); each box matches at most once, pairs are taken greedily in decreasing IoU order.
Ground-truth boxes marked "don't care" (e.g. illegible text) are removed together with the detections that
overlap them by more than half, as in ICDAR 2015.  H-mean is the harmonic mean of precision and recall.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

Box = Sequence[float]  # x0, y0, x1, y1 (px); float here, unlike korocr.io.elements.Box, for scaled boxes


def iou_matrix(a: Sequence[Box], b: Sequence[Box]) -> np.ndarray:
    """IoU of every box in ``a`` (N) with every box in ``b`` (M): an (N, M) array."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float64)
    A = np.asarray(a, np.float64)[:, None, :]
    B = np.asarray(b, np.float64)[None, :, :]
    iw = np.clip(np.minimum(A[..., 2], B[..., 2]) - np.maximum(A[..., 0], B[..., 0]), 0, None)
    ih = np.clip(np.minimum(A[..., 3], B[..., 3]) - np.maximum(A[..., 1], B[..., 1]), 0, None)
    inter = iw * ih
    area_a = (A[..., 2] - A[..., 0]) * (A[..., 3] - A[..., 1])
    area_b = (B[..., 2] - B[..., 0]) * (B[..., 3] - B[..., 1])
    return inter / np.maximum(area_a + area_b - inter, 1e-9)


@dataclass
class DetectionCounts:
    """Accumulated over images: true positives, detections and ground-truth boxes considered."""

    tp: int = 0
    det: int = 0
    gt: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.det if self.det else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gt if self.gt else 0.0

    @property
    def hmean(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"tp": self.tp, "detections": self.det, "ground_truth": self.gt, "precision": self.precision,
                "recall": self.recall, "hmean": self.hmean}


def match_boxes(det: Sequence[Box], gt: Sequence[Box], iou_threshold: float = 0.5,
                dont_care: Sequence[bool] | None = None) -> DetectionCounts:
    """Score one image's detections against its ground truth (see the module docstring)."""
    dont_care = list(dont_care) if dont_care is not None else [False] * len(gt)
    care_gt = [g for g, dc in zip(gt, dont_care) if not dc]
    dc_gt = [g for g, dc in zip(gt, dont_care) if dc]
    dets = list(det)
    if dc_gt and dets:
        # drop detections lying mostly inside a don't-care region
        D = np.asarray(dets, np.float64)
        keep = []
        for i, d in enumerate(D):
            area = max((d[2] - d[0]) * (d[3] - d[1]), 1e-9)
            inside = 0.0
            for g in dc_gt:
                iw = max(0.0, min(d[2], g[2]) - max(d[0], g[0]))
                ih = max(0.0, min(d[3], g[3]) - max(d[1], g[1]))
                inside = max(inside, iw * ih / area)
            keep.append(inside <= 0.5)
        dets = [d for d, k in zip(dets, keep) if k]
    ious = iou_matrix(dets, care_gt)
    tp = 0
    if ious.size:
        pairs = np.argwhere(ious >= iou_threshold)
        order = np.argsort(-ious[pairs[:, 0], pairs[:, 1]])
        used_d, used_g = set(), set()
        for k in order:
            i, j = pairs[k]
            if i not in used_d and j not in used_g:
                used_d.add(i)
                used_g.add(j)
                tp += 1
    return DetectionCounts(tp, len(dets), len(care_gt))


def evaluate_detection(pairs: Sequence[tuple[Sequence[Box], Sequence[Box]]], iou_threshold: float = 0.5
                       ) -> DetectionCounts:
    """Sum :func:`match_boxes` over (detections, ground truth) pairs, one per image."""
    total = DetectionCounts()
    for det, gt in pairs:
        c = match_boxes(det, gt, iou_threshold)
        total.tp += c.tp
        total.det += c.det
        total.gt += c.gt
    return total


@dataclass
class DetectorReport:
    """What :func:`evaluate_detector` found: summed counts, unreadable pages (``(page, reason)``) and seconds."""

    counts: DetectionCounts
    unreadable: list[tuple[str, str]]
    seconds: float

    @property
    def pages(self) -> int:
        return self.n - len(self.unreadable)

    n: int = 0


def evaluate_detector(detector, annotation_file, iou_threshold: float = 0.5) -> DetectorReport:
    """Run ``detector`` (:class:`korocr.detection.base.Detector`) over the pages of a HierText-style annotation
    file and match its boxes with the line boxes (illegible lines are "don't care").

    Pages whose image is missing or unreadable are skipped and listed in ``unreadable``.

    Raises:
        korocr.io.datasets.DatasetError: the annotation file cannot be read.
    """
    import time

    from ..io.datasets import read_hiertext_pages
    from ..io.image import ImageLoadError, load_image

    anns = list(read_hiertext_pages(annotation_file))
    total, bad, t0 = DetectionCounts(), [], time.perf_counter()
    for ann in anns:
        if ann.error:
            bad.append((str(ann.image), ann.error))
            continue
        try:
            img = load_image(ann.image)
        except ImageLoadError as e:
            bad.append((str(ann.image), str(e)))
            continue
        gt = [(float(v[:, 0].min()), float(v[:, 1].min()), float(v[:, 0].max()), float(v[:, 1].max()))
              for v in ann.polygons]
        dc = [not ok for ok in ann.legible]
        c = match_boxes([r.box for r in detector.detect(img)], gt, iou_threshold, dont_care=dc)
        total.tp, total.det, total.gt = total.tp + c.tp, total.det + c.det, total.gt + c.gt
    return DetectorReport(total, bad, time.perf_counter() - t0, n=len(anns))
