"""Text detection with onnxruntime (numpy only; torch is never imported here)."""

from __future__ import annotations

import json
import os
from itertools import combinations
from pathlib import Path

import cv2
import numpy as np

from ..errors import ModelLoadError
from ..hub import execution_providers
from .postprocess import (TextRegion, _inter, boxes_from_prob, bullets_before_rows, ink_beside_rows,
                          merge_column_fragments, merge_line_fragments, split_merged_lines, split_straddling,
                          stacked_cells)

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
        refine_zoom: a third pass for type too small or too faint for the first: where the first pass's
            probability map has line-shaped activity (above ``refine_thresh``) that no region covers, that part
            of the image is detected again enlarged to ``refine_zoom`` times the first pass's scale (0 turns it
            off; see :meth:`refine_weak`). Pages without such activity cost nothing extra.

    Raises:
        DetectorLoadError: missing file or not a korocr detector.
    """

    crop_pad = 0.5  # DB boxes hug the ink; the recogniser reads lines with a margin (see Reader)
    whole_image_fallback = False

    def __init__(self, model_path: str | Path, max_side: int = 1280, threads: int | None = None,
                 bin_thresh: float | str = "auto", box_thresh: float | str = "auto",
                 unclip_ratio: float | None | str = "auto", merge_fragments: bool = True, device: str = "cpu",
                 coarse_side: int = 512, weak_thresh: float | str = "auto", refine_zoom: float = 2.0,
                 refine_thresh: float = 0.08):
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
        self.refine_zoom, self.refine_thresh = refine_zoom, refine_thresh
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
        # (1, 3, nh, nw) float32 in [-1, 1], contiguous (onnxruntime would copy a transposed view): the uint8
        # planes first, then one conversion and in-place scaling (3× faster than the float expression)
        x = np.ascontiguousarray(x.transpose(2, 0, 1)).astype(np.float32)[None]
        x *= 1 / 127.5
        x -= 1.0
        prob = self.session.run(None, {"images": x})[0][0, 0]
        return prob, (w / nw, h / nh)

    def detect(self, img: np.ndarray) -> list[TextRegion]:
        """Text regions of an RGB image (H, W, 3) uint8, in input px, top to bottom."""
        h, w = img.shape[:2]
        prob, scale = self.probability_map(img)
        gray = _gray(img)
        regions = self.regions_from_prob(prob, scale, (w, h), gray=gray)
        if self.refine_zoom:
            regions = regions + self.refine_weak(img, prob, scale, regions)
        side = int(self.coarse_side)
        if side and max(h, w) > 1.5 * side:
            prob, scale = self.probability_map(img, side)
            coarse = self.regions_from_prob(prob, scale, (w, h))
            first = min(1.0, self.max_side / max(h, w))  # the first pass's scale
            regions = _add_large(regions, coarse, min_height=64 / first)
        if any(r.vertical for r in regions):
            regions = split_straddling(regions, gray)
        regions = _split_stacked_cells(regions, img)
        regions = regions + ink_beside_rows(regions, gray)
        regions = bullets_before_rows(regions, gray)
        return sorted(regions, key=lambda r: (r.box[1], r.box[0]))

    def regions_from_prob(self, prob: np.ndarray, scale: tuple[float, float], image_size: tuple[int, int],
                          gray: np.ndarray | None = None, **overrides) -> list[TextRegion]:
        """The post-processing of :meth:`detect` on one probability map: DB boxes, then (with the grey page
        ``gray``, (H, W) uint8 in input px) weak blobs of two melted lines cut at their ink's row gap, then
        pieces of vertical columns joined, then line fragments joined with the box threshold as a hysteresis.
        ``overrides`` replace ``bin_thresh``, ``box_thresh``, ``unclip_ratio`` or ``weak_thresh`` (for
        calibration)."""
        params = {**self.params, "weak_thresh": self.weak_thresh, **overrides}
        weak_thresh = params.pop("weak_thresh")
        weak = min(weak_thresh, params["box_thresh"]) if self.merge_fragments else params["box_thresh"]
        box_thresh = params.pop("box_thresh")
        regions = boxes_from_prob(prob, scale=scale, image_size=image_size, box_thresh=weak, **params)
        if gray is not None and self.merge_fragments:
            regions = split_merged_lines(regions, gray, box_thresh)
        if self.merge_fragments:
            regions = merge_line_fragments(merge_column_fragments(regions), min_score=box_thresh)
        return regions


    def refine_weak(self, img: np.ndarray, prob: np.ndarray, scale: tuple[float, float],
                    regions: list[TextRegion]) -> list[TextRegion]:
        """Regions missed by one pass, found again at a larger scale.

        Connected components of ``prob > refine_thresh`` that no region of ``regions`` touches, and that look
        like text (at least 6 map px, wider than tall or a column), are grouped into windows (the component
        plus a margin of its height, at least 8 map px); each window of ``img`` is enlarged to ``refine_zoom``
        times the map's scale and detected again with the same post-processing. Horizontal regions found there
        that overlap no region of ``regions`` (less than 30 % of their area) and are at least twice as wide as
        high, or share a row with a region of ``regions`` (a table cell), are returned, in input px. Small type
        (8-12 px at 150 dpi on a page shrunk to ``max_side``) and faint receipt lines score below the box
        threshold at the first scale and above it when enlarged.
        Vertical regions of this pass are taken only as the table cells they are made of
        (:func:`~korocr.detection.postprocess.stacked_cells`): enlarged, the faint one-digit cells of a
        receipt's quantity column join into a "column".

        Args:
            img: the RGB image (H, W, 3) uint8 the map was computed on.
            prob: (h, w) probability map of :meth:`probability_map`; scale: its (sx, sy) factors to input px.
            regions: regions already found, in input px.
        """
        sx, sy = scale
        ph, pw = prob.shape
        cover = np.zeros((ph, pw), np.uint8)
        for r in regions:
            x0, y0, x1, y1 = r.box
            cover[max(0, int(y0 / sy) - 1):int(np.ceil(y1 / sy)) + 2,
                  max(0, int(x0 / sx) - 1):int(np.ceil(x1 / sx)) + 2] = 1
        weak = ((prob > self.refine_thresh) & (cover == 0)).astype(np.uint8)
        if not weak.any():
            return []
        n, _, st, _ = cv2.connectedComponentsWithStats(weak, connectivity=8)
        windows = []
        for x, y, bw, bh, area in st[1:]:
            if area < 6 or (bw < 2 * bh and bh < 2 * bw):
                continue
            m = max(8, int(min(bw, bh)))
            windows.append([max(0, x - m), max(0, y - m), min(pw, x + bw + m), min(ph, y + bh + m)])
        windows = _merge_windows(windows)
        if not windows:
            return []
        h, w = img.shape[:2]
        gray = None  # the grey page, made once if a window holds a "column"
        found: list[TextRegion] = []
        for x0, y0, x1, y1 in windows:
            ix0, iy0 = int(x0 * sx), int(y0 * sy)
            ix1, iy1 = min(w, int(np.ceil(x1 * sx))), min(h, int(np.ceil(y1 * sy)))
            crop = img[iy0:iy1, ix0:ix1]
            z = self.refine_zoom / max(sx, sy)  # crop px -> refine px
            cw, ch = crop.shape[1], crop.shape[0]
            big = cv2.resize(crop, (max(32, int(round(cw * z))), max(32, int(round(ch * z)))),
                             interpolation=cv2.INTER_CUBIC if z > 1 else cv2.INTER_AREA)
            p2, (s2x, s2y) = self.probability_map(big, max_side=max(big.shape[:2]))
            fx, fy = cw / big.shape[1], ch / big.shape[0]
            for r in self.regions_from_prob(p2, (s2x * fx, s2y * fy), (cw, ch)):
                if r.vertical:  # faint digits stacked in a column (receipt quantities): kept only as cells
                    shifted = TextRegion(r.quad + np.array([ix0, iy0], np.float32),
                                         (r.box[0] + ix0, r.box[1] + iy0, r.box[2] + ix0, r.box[3] + iy0),
                                         r.score, True)
                    gray = _gray(img) if gray is None else gray
                    cells = stacked_cells(shifted, regions, gray)
                    found += [c for c in cells or [] if not any(_inter(c.box, q.box) > 0.3 * max(1.0, _area(c.box))
                                                                 for q in regions + found)]
                    continue
                b = (r.box[0] + ix0, r.box[1] + iy0, r.box[2] + ix0, r.box[3] + iy0)
                if b[2] - b[0] < 2 * (b[3] - b[1]) and not _on_a_row(b, regions):
                    continue  # a blob alone (drawings make these), not a cell of a table row or small type
                if any(_inter(b, q.box) > 0.3 * max(1.0, _area(b)) for q in regions + found):
                    continue
                found.append(TextRegion(r.quad + np.array([ix0, iy0], np.float32), b, r.score, r.vertical))
        return found


def _on_a_row(b, regions: list[TextRegion]) -> bool:
    """Does box ``b`` share a row with a horizontal region beside it (half its height overlapping)?"""
    return any(not r.vertical and (r.box[2] <= b[0] or r.box[0] >= b[2])
               and min(r.box[3], b[3]) - max(r.box[1], b[1]) >= 0.5 * (b[3] - b[1]) for r in regions)


def _gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)


def _split_stacked_cells(regions: list[TextRegion], img: np.ndarray) -> list[TextRegion]:
    """Vertical regions that are stacks of table cells beside horizontal rows, replaced by their cells
    (:func:`~korocr.detection.postprocess.stacked_cells`)."""
    if not any(r.vertical for r in regions) or all(r.vertical for r in regions):
        return regions
    gray, out = _gray(img), []
    for r in regions:
        cells = stacked_cells(r, regions, gray) if r.vertical else None
        out += cells if cells else [r]
    return out


def _merge_windows(windows: list[list[int]]) -> list[tuple[int, int, int, int]]:
    """Union of overlapping boxes (x0, y0, x1, y1), repeated until none overlap."""
    merged = True
    while merged:
        merged = False
        out: list[list[int]] = []
        for b in windows:
            for o in out:
                if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3]:
                    o[:] = [min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])]
                    merged = True
                    break
            else:
                out.append(list(b))
        windows = out
    return [tuple(b) for b in windows]


def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _add_large(fine: list[TextRegion], coarse: list[TextRegion], min_height: float = 64.0) -> list[TextRegion]:
    """First-pass regions plus the coarse pass's regions that the first pass missed (``coarse_side`` of
    :class:`OnnxDetector`). A coarse horizontal region is added when it is at least ``min_height`` px high (type
    too large for the first pass), cuts through no first-pass region, and the first-pass regions inside it are
    at most pieces of it: centred in its middle third and, if as wide as 0.6 of it, under half its height or
    0.8 of it and more (its own line, found in part); or narrower and at least a quarter of its height (the
    first pass cuts large type into pieces of a few syllables, upper and lower halves apart). A first-pass
    region at least 0.8 as high as the coarse one counts by the middle half of its height (its boxes of large
    type run past the ink). At coarse scale several small lines melt into one blob, which
    holds small lines above and below its middle, or two lines of like height stacked (each 0.25-0.55 of its
    height): this refuses it. First-pass pieces inside an added region
    are dropped."""
    big = []
    for c in coarse:
        x0, y0, x1, y1 = c.box
        hgt = y1 - y0
        if c.vertical or hgt < min_height:
            continue
        # a first-pass box of type as large (0.8 of c's height or more) runs past the ink by more than the coarse
        # one does: its middle half (the ink's core) is what must lie inside
        touch = [(_inter(_core(f.box, hgt), c.box), f) for f in fine]
        if any(0 < a < 0.7 * _area(_core(f.box, hgt)) for a, f in touch):
            continue  # it cuts through a first-pass line
        inside = [f for a, f in touch if a > 0]
        def melted(f: TextRegion) -> bool:  # f is a line of its own inside c, not a piece of c
            fh, off = f.box[3] - f.box[1], abs((f.box[1] + f.box[3]) / 2 - (y0 + y1) / 2)
            if f.box[2] - f.box[0] >= 0.6 * (x1 - x0):
                # as high as c (0.8 or more) and centred, it is c's own line, found in part
                return hgt / 2 <= fh < 0.8 * hgt or off > hgt / 6
            return off > hgt / 6 and fh < 0.25 * hgt

        def stacked(f: TextRegion, g: TextRegion) -> bool:  # two lines of like height, one above the other
            fh, gh = f.box[3] - f.box[1], g.box[3] - g.box[1]
            return (min(f.box[3], g.box[3]) <= max(f.box[1], g.box[1]) and 0.25 * hgt <= min(fh, gh)
                    and max(fh, gh) <= 0.55 * hgt and fh + gh >= 0.7 * hgt)

        if any(melted(f) for f in inside) or any(stacked(f, g) for f, g in combinations(inside, 2)):
            continue  # small lines melted together
        big.append(c)
    if not big:
        return fine
    kept = [f for f in fine if not any(_inter(_core(f.box, c.box[3] - c.box[1]), c.box)
                                       >= 0.7 * _area(_core(f.box, c.box[3] - c.box[1])) for c in big)]
    return kept + big


def _core(box: tuple[int, int, int, int], height: float) -> tuple[float, float, float, float]:
    """A first-pass box (x0, y0, x1, y1) as :func:`_add_large` weighs it against a coarse region ``height`` px
    high: the middle half of its height (full width) when it is at least 0.8 of that high, else the box."""
    x0, y0, x1, y1 = box
    if y1 - y0 < 0.8 * height:
        return box
    q = (y1 - y0) / 4
    return (x0, y0 + q, x1, y1 - q)
