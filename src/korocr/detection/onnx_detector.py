"""Text detection with onnxruntime (numpy only; torch is never imported here)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelLoadError
from ..hub import execution_providers
from .postprocess import TextRegion, boxes_from_prob, merge_column_fragments, merge_line_fragments

"""The detector shipped with korocr (trained by us on synthetic pages; see docs/model_card.md)."""


class DetectorLoadError(ModelLoadError):
    """A detection model file is missing or is not a korocr ONNX detector."""


class OnnxDetector:
    """Finds text regions with an exported DBNet-style detector.

    Args:
        model_path: ``.onnx`` written by ``korocr train --task det --export``.
        max_side: images are resized so their longer side is at most this many px (and padded to a multiple of
            32); boxes are returned in the original image's px.
        threads: onnxruntime threads.
        bin_thresh, box_thresh, unclip_ratio: DB post-processing (:func:`~korocr.detection.postprocess.boxes_from_prob`);
            ``"auto"`` takes the values calibrated for the model (``korocr.postprocess`` metadata, written by
            ``scripts/calibrate_detector.py``), else 0.3, 0.5 and the exact inverse of the training shrink.
        weak_thresh: pieces of a line scoring from ``weak_thresh`` up to ``box_thresh`` are kept when they join a
            piece scoring ``box_thresh`` or more (hysteresis;
            :func:`~korocr.detection.postprocess.merge_line_fragments`); ``"auto"``: the calibrated value, else
            ``box_thresh`` (no hysteresis). Needs ``merge_fragments``.
        merge_fragments: join pieces of one horizontal line (:func:`~korocr.detection.postprocess.merge_line_fragments`).
        coarse_side: a second, cheap pass on the image shrunk to this longer side (px; 0 turns it off) finds
            type too large for the first pass (the detector was trained on text up to about 120 px high; a 200 px
            title comes out in pieces or not at all): its boxes that hold no first-pass line, only pieces of
            one, are added in their place (:func:`_add_large`).

    Raises:
        DetectorLoadError: missing file or not a korocr detector.
    """

    crop_pad = 0.5  # DB boxes hug the ink; the recogniser reads lines with a margin (see Reader)
    whole_image_fallback = False

    def __init__(self, model_path: str | Path, max_side: int = 1280, threads: int | None = None,
                 bin_thresh: float | str = "auto", box_thresh: float | str = "auto",
                 unclip_ratio: float | None | str = "auto", merge_fragments: bool = True, device: str = "cpu",
                 coarse_side: int = 512, weak_thresh: float | str = "auto"):
        import onnxruntime as ort

        path = Path(model_path)
        if not path.is_file():
            raise DetectorLoadError(f"{path}: detection model not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        opts.log_severity_level = 3
        providers = execution_providers(device)  # raises a clear ModelLoadError for a missing CUDA
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=providers)
        except Exception as e:  # noqa: BLE001
            raise DetectorLoadError(f"{path}: not a loadable ONNX model ({e})") from e
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get("korocr.kind") != "detector":
            raise DetectorLoadError(f"{path}: not a korocr detector (no korocr.kind=detector metadata)")
        self.path, self.max_side, self.merge_fragments = path, max_side, merge_fragments
        self.coarse_side = coarse_side
        calibrated = json.loads(meta.get("korocr.postprocess", "{}"))
        given = dict(bin_thresh=bin_thresh, box_thresh=box_thresh, unclip_ratio=unclip_ratio)
        defaults = dict(bin_thresh=0.3, box_thresh=0.5, unclip_ratio=None)
        self.params = {k: (calibrated.get(k, defaults[k]) if v == "auto" else v) for k, v in given.items()}
        self.weak_thresh = float(calibrated.get("weak_thresh", self.params["box_thresh"]) if weak_thresh == "auto"
                                 else weak_thresh)
        # margin the reader adds around a region, as a fraction of its height: the model's own when it says
        # (boxes that are already unclipped generously need none), else the class default
        self.crop_pad = float(calibrated.get("crop_pad", type(self).crop_pad))

    def probability_map(self, img: np.ndarray, max_side: int | None = None) -> tuple[np.ndarray, tuple[float, float]]:
        """(prob (h, w) at the analysis scale, (sx, sy) factors back to input px)."""
        h, w = img.shape[:2]
        s = min(1.0, (max_side or self.max_side) / max(h, w))
        nh, nw = max(32, int(round(h * s / 32)) * 32), max(32, int(round(w * s / 32)) * 32)
        rgb = img if img.ndim == 3 else np.repeat(img[..., None], 3, 2)
        x = cv2.resize(rgb[..., :3], (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        x = (x.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
        prob = self.session.run(None, {"images": x})[0][0, 0]
        return prob, (w / nw, h / nh)

    def detect(self, img: np.ndarray) -> list[TextRegion]:
        """Text regions of an RGB image (H, W, 3) uint8, in input px, top to bottom."""
        h, w = img.shape[:2]
        prob, scale = self.probability_map(img)
        regions = self.regions_from_prob(prob, scale, (w, h))
        side = int(self.coarse_side)
        if side and max(h, w) > 1.5 * side:
            prob, scale = self.probability_map(img, side)
            coarse = self.regions_from_prob(prob, scale, (w, h))
            first = min(1.0, self.max_side / max(h, w))  # the first pass's scale
            regions = _add_large(regions, coarse, min_height=64 / first)
        return sorted(regions, key=lambda r: (r.box[1], r.box[0]))

    def regions_from_prob(self, prob: np.ndarray, scale: tuple[float, float], image_size: tuple[int, int],
                          **overrides) -> list[TextRegion]:
        """The post-processing of :meth:`detect` on one probability map: DB boxes, then pieces of vertical
        columns joined, then line fragments joined with the box threshold as a hysteresis. ``overrides``
        replace ``bin_thresh``, ``box_thresh``, ``unclip_ratio`` or ``weak_thresh`` (for calibration)."""
        params = {**self.params, "weak_thresh": self.weak_thresh, **overrides}
        weak = min(params.pop("weak_thresh"), params["box_thresh"]) if self.merge_fragments else params["box_thresh"]
        box_thresh = params.pop("box_thresh")
        regions = boxes_from_prob(prob, scale=scale, image_size=image_size, box_thresh=weak, **params)
        if self.merge_fragments:
            regions = merge_line_fragments(merge_column_fragments(regions), min_score=box_thresh)
        return regions


def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _inter(a, b) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _add_large(fine: list[TextRegion], coarse: list[TextRegion], min_height: float = 64.0) -> list[TextRegion]:
    """First-pass regions plus the coarse pass's regions that the first pass missed (``coarse_side`` of
    :class:`OnnxDetector`). A coarse horizontal region is added when it is at least ``min_height`` px high (type
    too large for the first pass), cuts through no first-pass region, and the first-pass regions inside it are
    at most pieces of it (each under half its height, their centres in its middle third): at coarse scale,
    several small lines melt into one blob, which this refuses. First-pass pieces inside an added region are
    dropped."""
    big = []
    for c in coarse:
        x0, y0, x1, y1 = c.box
        hgt = y1 - y0
        if c.vertical or hgt < min_height:
            continue
        touch = [(_inter(f.box, c.box), f) for f in fine]
        if any(0 < a < 0.7 * _area(f.box) for a, f in touch):
            continue  # it cuts through a first-pass line
        inside = [f for a, f in touch if a > 0]
        if any(f.box[3] - f.box[1] >= hgt / 2 or abs((f.box[1] + f.box[3]) / 2 - (y0 + y1) / 2) > hgt / 6
               for f in inside):
            continue
        big.append(c)
    if not big:
        return fine
    kept = [f for f in fine if not any(_inter(f.box, c.box) >= 0.7 * _area(f.box) for c in big)]
    return kept + big
