"""From a text probability map to boxes (DBNet post-processing, Liao et al. AAAI 2020), numpy + OpenCV.

1. binarise the probability map at ``bin_thresh``;
2. each connected region → its minimum-area rectangle; a region that fills too little of it (lines joined by a
   faint bridge) is first split around its high-probability cores; regions whose mean probability is below
   ``box_thresh`` or whose short side is below ``min_size`` px are dropped;
3. the rectangle, which covers a *shrunk* text region, is expanded ("unclipped") back: by default the exact
   inverse of the training shrink (see :func:`unclip_rect`), or DB's D = A · r / L with r = ``unclip_ratio``.

Regions come out as quadrilaterals (4 × 2 corner points, clockwise from top-left) plus their axis-aligned
bounding box, with a ``vertical`` flag for tall, narrow regions (vertical Korean columns).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .base import TextRegion


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Order 4 points clockwise starting at the top-left one."""
    pts = np.asarray(pts, np.float32).reshape(4, 2)
    s = pts.sum(1)
    d = np.diff(pts, axis=1)[:, 0]
    return np.array([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32)


def unclip_rect(w: float, h: float, ratio: float | None = None, shrink_ratio: float = 0.4) -> tuple[float, float]:
    """Expand a w × h rectangle found on the shrunk-region map back to the text's size.

    With ``ratio`` set: DB's rule, D = A · ratio / L on each side.  With ``ratio=None`` (korocr's default):
    the exact inverse of the training shrink D = A (1 − r²) / L (:mod:`korocr.detection.targets`), i.e. the D
    with (w + 2D, h + 2D) shrinking back to (w, h); DB's rule with r = 1.5 leaves long text lines at about half
    their height.
    """
    if ratio is not None:
        d = w * h * ratio / max(2 * (w + h), 1e-6)
        return w + 2 * d, h + 2 * d
    k = 1 - shrink_ratio ** 2
    a, b, c = 8 - 4 * k, (2 - 2 * k) * (w + h), -k * w * h
    d = (-b + (b * b - 4 * a * c) ** 0.5) / (2 * a)
    return w + 2 * d, h + 2 * d


def boxes_from_prob(prob: np.ndarray, bin_thresh: float = 0.3, box_thresh: float = 0.5,
                    unclip_ratio: float | None = None,
                    min_size: float = 3.0, scale: tuple[float, float] = (1.0, 1.0), max_regions: int = 1000,
                    image_size: tuple[int, int] | None = None, split_fill: float = 0.5) -> list[TextRegion]:
    """Text regions from a probability map.

    Args:
        prob: (H, W) float probabilities.
        scale: (sx, sy) multiplying map coordinates into input-image px.
        image_size: (width, height) px to clip boxes to.
        split_fill: a connected region that fills less than this share of its minimum-area rectangle is not one
            line but several joined by a faint bridge (a column of list bullets touching every line's start, a
            descender reaching the next line): it is split (:func:`split_region`) before scoring. 0 turns
            splitting off.

    Returns:
        Regions sorted top to bottom.
    """
    mask = (prob > bin_thresh).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=4)
    regions = []
    sx, sy = scale
    for k in range(1, min(n, max_regions + 1)):
        x, y, w, h, area = stats[k]
        if min(w, h) < 2:
            continue
        comp = labels[y:y + h, x:x + w] == k
        sub = prob[y:y + h, x:x + w]
        parts = split_region(sub, comp, bin_thresh, split_fill) if split_fill > 0 else [comp]
        for part in parts:
            score = float(sub[part].mean())
            if score < box_thresh:
                continue
            if np.count_nonzero(part) < 4:
                continue
            pts = _outline(part) + np.array([x, y], np.float32)
            region = _region(pts, score, unclip_ratio, min_size, scale, image_size)
            if region is not None:
                regions.append(region)
    regions.sort(key=lambda r: (r.box[1], r.box[0]))
    return regions


def _outline(mask: np.ndarray) -> np.ndarray:
    """(N, 2) float32 x, y of the pixels on the outer boundary of a boolean mask's pieces: the same convex hull,
    so the same ``cv2.minAreaRect``, as all its pixels, from far fewer points (the rectangle's cost grows with
    the points; a page's regions hold thousands of pixels each)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return np.concatenate([c.reshape(-1, 2) for c in contours]).astype(np.float32)


def _fill(comp: np.ndarray) -> float:
    """Share of a region's minimum-area rectangle that its pixels cover."""
    (_, _), (rw, rh), _ = cv2.minAreaRect(_outline(comp))
    return np.count_nonzero(comp) / max((rw + 1) * (rh + 1), 1.0)


def split_region(prob: np.ndarray, comp: np.ndarray, bin_thresh: float, min_fill: float = 0.5,
                 depth: int = 2) -> list[np.ndarray]:
    """Split a connected region of the binarised map that is several lines joined by a faint bridge.

    A line's shrunk region is close to a rectangle; a region filling less than ``min_fill`` of its minimum-area
    rectangle (an L, a comb) is cut: its cores above a higher threshold (``bin_thresh`` + 0.2, then + 0.4) are
    seeds, and every pixel of the region near a seed goes to the nearest one (a seeded region growing, as in
    watershed segmentation); the bridge itself, far from every seed, is left out. Only lines stacked one above
    the other are cut apart: a region stays whole unless two of its cores are line-like (twice as wide as high)
    and vertically apart, so large type breaking into glyph blobs and vertical columns of syllables keep their
    one region. Each part is checked again, ``depth`` levels deep, and a threshold at which the cores are not
    yet apart gives way to the next.

    Args:
        prob: (h, w) probabilities of the region's bounding box.
        comp: (h, w) bool, the region's pixels.

    Returns:
        Boolean masks (h, w), one per part.
    """
    if depth <= 0 or comp.sum() < 16 or _fill(comp) >= min_fill:
        return [comp]
    for t in (bin_thresh + 0.2, bin_thresh + 0.4):
        if t >= 0.95:
            break
        seeds = (comp & (prob > t)).astype(np.uint8)
        n, lab, st, _ = cv2.connectedComponentsWithStats(seeds, connectivity=4)
        min_area = max(4.0, 0.02 * comp.sum())  # specks at a region's edge are not lines
        keep = [i for i in range(1, n) if st[i, cv2.CC_STAT_AREA] >= min_area]
        if len(keep) < 2 or not _stacked_lines(st[keep]):
            continue  # pieces side by side (large type) or a column of syllables: not (yet) lines apart
        seeds = np.isin(lab, keep)
        dist, nearest = cv2.distanceTransformWithLabels((~seeds).astype(np.uint8), cv2.DIST_L2, 3,
                                                        labelType=cv2.DIST_LABEL_CCOMP)
        parts = []
        for v in np.unique(nearest[seeds]):
            core = seeds & (nearest == v)
            short = min(cv2.minAreaRect(_outline(core))[1]) + 1
            # grow back to the region's edge, but not along the bridge: as far as the threshold step shrank it
            part = comp & (nearest == v) & (dist <= max(1.5, 0.2 * short))
            if part.any():
                parts += split_region(prob, part, t, min_fill, depth - 1)
        return parts
    return [comp]


def _stacked_lines(stats: np.ndarray) -> bool:
    """Whether connected-component stats (x, y, w, h, area rows) hold two line-like cores (at least twice as wide
    as high) one above the other (overlapping vertically by less than half the lower one's height)."""
    lines = [(y, y + h) for x, y, w, h, _ in stats if w >= 2 * h]
    for i, (a0, a1) in enumerate(lines):
        for b0, b1 in lines[i + 1:]:
            if min(a1, b1) - max(a0, b0) < 0.5 * min(a1 - a0, b1 - b0):
                return True
    return False


def _region(pts: np.ndarray, score: float, unclip_ratio: float | None, min_size: float,
            scale: tuple[float, float], image_size: tuple[int, int] | None) -> TextRegion | None:
    """The unclipped minimum-area rectangle of map points (N, 2) as a region in input px, or None if too small."""
    sx, sy = scale
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts)
    rw, rh = rw + 1, rh + 1  # pixel extents
    if min(rw, rh) < min_size / max(sx, sy):
        return None
    rw, rh = unclip_rect(rw, rh, unclip_ratio)
    quad = cv2.boxPoints(((cx, cy), (rw, rh), angle))
    quad[:, 0] *= sx
    quad[:, 1] *= sy
    quad = order_quad(quad)
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int)
    if image_size is not None:
        W, H = image_size
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(W, x1), min(H, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    side_w = float(np.linalg.norm(quad[1] - quad[0]))
    side_h = float(np.linalg.norm(quad[3] - quad[0]))
    vertical = side_h > 1.5 * side_w
    return TextRegion(quad, (int(x0), int(y0), int(x1), int(y1)), score, vertical)


def merge_line_fragments(regions: list[TextRegion], max_gap: float = 1.0, min_overlap: float = 0.6,
                         max_height_ratio: float = 1.6, max_tilt: float = 8.0,
                         min_score: float = 0.0) -> list[TextRegion]:
    """Join horizontal regions that are pieces of one line: letter-spaced or monospace text, and large type,
    often come out of DB post-processing as one region per word or syllable, each then read without context.

    Two regions are joined when both are horizontal and tilted less than ``max_tilt`` degrees, their heights
    differ by less than ``max_height_ratio``, they overlap vertically by at least ``min_overlap`` of the lower
    one, and the horizontal gap between them is below ``max_gap`` × that height. The joined region is the
    minimum-area rectangle around the pieces; its score is their mean.

    ``min_score`` makes the box threshold a hysteresis (as in Canny's edge linking): a joined region is kept
    only if one of its pieces scores at least ``min_score``, so weaker pieces (an unfamiliar letter-spaced face,
    a faint word) survive when they continue a confident line and are dropped when alone.
    """
    def tilt(r: TextRegion) -> float:
        d = r.quad[1] - r.quad[0]
        return abs(float(np.degrees(np.arctan2(d[1], d[0]))))

    def joinable(a: TextRegion, b: TextRegion) -> bool:
        if a.vertical or b.vertical or tilt(a) > max_tilt or tilt(b) > max_tilt:
            return False
        ha, hb = a.box[3] - a.box[1], b.box[3] - b.box[1]
        lo, hi = min(ha, hb), max(ha, hb)
        if lo <= 0 or hi > max_height_ratio * lo:
            return False
        overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
        gap = max(a.box[0], b.box[0]) - min(a.box[2], b.box[2])
        return overlap >= min_overlap * lo and gap < max_gap * lo

    items = sorted(((r, r.score) for r in regions), key=lambda it: it[0].box[0])  # (region, best piece score)
    merged = True
    while merged:
        merged = False
        out: list[tuple[TextRegion, float]] = []
        for r, rbest in items:
            for k, (o, obest) in enumerate(out):
                if joinable(o, r):
                    pts = np.concatenate([o.quad, r.quad]).astype(np.float32)
                    quad = order_quad(cv2.boxPoints(cv2.minAreaRect(pts)))
                    box = (min(o.box[0], r.box[0]), min(o.box[1], r.box[1]), max(o.box[2], r.box[2]),
                           max(o.box[3], r.box[3]))
                    out[k] = (TextRegion(quad, box, (o.score + r.score) / 2, False), max(obest, rbest))
                    merged = True
                    break
            else:
                out.append((r, rbest))
        items = sorted(out, key=lambda it: it[0].box[0])
    return sorted((r for r, best in items if best >= min_score), key=lambda r: (r.box[1], r.box[0]))


def _join_into_columns(items: list[TextRegion], joinable) -> list[TextRegion]:
    """Replace a pair (a, b) with ``joinable(a, b)`` by their union box (vertical, the better score), first
    pair first, until no pair is joinable."""
    merged = True
    while merged:
        merged = False
        for i, a in enumerate(items):
            for j, b in enumerate(items):
                if j == i or not joinable(a, b):
                    continue
                box = (min(a.box[0], b.box[0]), min(a.box[1], b.box[1]), max(a.box[2], b.box[2]),
                       max(a.box[3], b.box[3]))
                joined = TextRegion.from_box(box, max(a.score, b.score))
                joined.vertical = True
                items = [r for k, r in enumerate(items) if k not in (i, j)] + [joined]
                merged = True
                break
            if merged:
                break
    return items


def merge_column_fragments(regions: list[TextRegion], max_gap: float = 0.6, min_overlap: float = 0.6,
                           max_width_ratio: float = 1.5) -> list[TextRegion]:
    """Join the pieces of a vertical column: a column of Korean syllables often comes out of DB post-processing
    as a tall region plus single syllables (or shorter runs) above and below it.

    A vertical region at least twice as tall as wide absorbs a region above or below it that is no wider than
    ``max_width_ratio`` times its own
    width (a syllable or another piece of column, not a horizontal line), overlaps it horizontally by at least
    ``min_overlap`` of the narrower width, and is less than ``max_gap`` column widths away. Only vertical
    regions absorb: square pieces alone (a receipt's quantity column, one-syllable labels) stay as they are.
    The joined region is the union box, vertical, with the best score of its pieces.
    """
    def joinable(a: TextRegion, b: TextRegion) -> bool:
        wa, wb, hb = a.box[2] - a.box[0], b.box[2] - b.box[0], b.box[3] - b.box[1]
        if not a.vertical or a.box[3] - a.box[1] < 2 * wa:
            return False  # a column holds two syllables or more (a single tall digit is not one)
        if wb > max_width_ratio * wa or wa > max_width_ratio * wb or (not b.vertical and wb > 1.5 * hb):
            return False
        overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
        gap = max(a.box[1], b.box[1]) - min(a.box[3], b.box[3])
        return overlap >= min_overlap * min(wa, wb) and gap < max_gap * wa

    items = _join_into_columns(sorted(regions, key=lambda r: (r.box[0], r.box[1])), joinable)
    return sorted(items, key=lambda r: (r.box[1], r.box[0]))


def crop_region(img: np.ndarray, region: TextRegion, pad: float = 0.0,
                others: Sequence[tuple[int, int, int, int]] = ()) -> np.ndarray:
    """Perspective-rectified crop of a region; vertical regions stay upright (H > W), for a vertical reader.

    Args:
        img: (H, W) or (H, W, C) page image.
        pad: margin added on every side, as a fraction of the region's short side (the line height), so the
            recogniser sees the small margin it was trained with.
        others: boxes (x0, y0, x1, y1) px of the page's other text regions. Where the margin reaches into one
            of them (lines set close together), those pixels are painted with the page's background colour
            (the median of the margin pixels outside every box), so the crop holds only its own line.

    Returns:
        The crop, (h, w) or (h, w, C), same dtype as ``img``.
    """
    x0, y0, x1, y1 = region.box
    if pad <= 0 and np.array_equal(region.quad, TextRegion.from_box(region.box).quad):
        return img[y0:y1, x0:x1]  # an axis-aligned box: an exact slice, no resampling
    q = region.quad.astype(np.float32)
    if pad > 0:
        ux, uy = q[1] - q[0], q[3] - q[0]
        lx, ly = float(np.linalg.norm(ux)), float(np.linalg.norm(uy))
        m = pad * min(lx, ly)
        ux, uy = ux / max(lx, 1e-6) * m, uy / max(ly, 1e-6) * m
        q = q + np.array([-ux - uy, ux - uy, ux + uy, -ux + uy], np.float32)
    if others:
        img, q = _mask_neighbours(img, q, region.box, others)
    w = int(round(max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3]))))
    h = int(round(max(np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1]))))
    w, h = max(w, 2), max(h, 2)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    M = cv2.getPerspectiveTransform(q, dst)
    return cv2.warpPerspective(img, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _mask_neighbours(img: np.ndarray, q: np.ndarray, own: tuple[int, int, int, int],
                     others: Sequence[tuple[int, int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The window of ``img`` under quad ``q`` (a copy) with the parts of ``others`` outside ``own`` painted in
    the background colour, and ``q`` in the window's coordinates. Returns (img, q) unchanged when no other box
    reaches into the window."""
    H, W = img.shape[:2]
    wx0, wy0 = max(0, int(np.floor(q[:, 0].min()))), max(0, int(np.floor(q[:, 1].min())))
    wx1, wy1 = min(W, int(np.ceil(q[:, 0].max())) + 1), min(H, int(np.ceil(q[:, 1].max())) + 1)
    hits = [b for b in others if b[0] < wx1 and b[2] > wx0 and b[1] < wy1 and b[3] > wy0 and tuple(b) != tuple(own)]
    if not hits or wx1 <= wx0 or wy1 <= wy0:
        return img, q
    win = img[wy0:wy1, wx0:wx1].copy()
    mask = np.zeros(win.shape[:2], bool)
    for b in hits:
        mask[max(0, b[1] - wy0):max(0, b[3] - wy0), max(0, b[0] - wx0):max(0, b[2] - wx0)] = True
    ox0, oy0, ox1, oy1 = own
    inside_own = np.zeros_like(mask)
    inside_own[max(0, oy0 - wy0):max(0, oy1 - wy0), max(0, ox0 - wx0):max(0, ox1 - wx0)] = True
    mask &= ~inside_own
    free = ~(mask | inside_own)
    if not mask.any() or not free.any():
        return img, q
    win[mask] = np.median(win[free], axis=0).astype(win.dtype)
    return win, q - np.array([wx0, wy0], np.float32)


def stacked_cells(region: TextRegion, others: Sequence[TextRegion], gray: np.ndarray,
                  min_rows: int = 2) -> list[TextRegion] | None:
    """A "vertical column" that is really a stack of table cells, cut into its cells; else None.

    On receipts and tables, a column of short cells (the quantity digits of each item row) can melt into one
    tall region on the probability map. It is a stack of cells, not vertical text, when horizontal regions of
    ``others`` run beside it (at least ``min_rows`` of them, not overlapping it in x, overlapping it in y) and
    every ink run of the region's crop (rows of ``gray`` holding ink, Otsu-binarised, the minority class being
    ink) is centred within the height of one of those rows, one run per row. Each ink run then becomes a
    horizontal region around its ink.

    Args:
        region: a vertical region (input px). others: the page's other regions.
        gray: (H, W) uint8 grey page in input px.
    """
    x0, y0, x1, y1 = (int(v) for v in region.box)
    rows = [o for o in others if o is not region and not o.vertical
            and (o.box[2] <= x0 or o.box[0] >= x1) and o.box[1] < y1 and o.box[3] > y0]
    if len(rows) < min_rows:
        return None
    ink = _ink(gray, region.box, float(np.median(gray)))
    if ink is None:
        return None
    runs = _runs(ink.sum(1) > 0, 2)
    runs = [(a, b) for a, b in runs if b - a >= 2]
    if len(runs) < 2:
        return None
    oy = max(0, y0)
    bands = sorted({(o.box[1], o.box[3]) for o in rows})
    used = set()
    for a, b in runs:
        c = oy + (a + b) / 2
        hit = [k for k, (t, u) in enumerate(bands) if t - 0.25 * (u - t) <= c <= u + 0.25 * (u - t)]
        if not hit or hit[0] in used:
            return None
        used.add(hit[0])
    cells = []
    for a, b in runs:
        cols = np.nonzero(ink[a:b].any(0))[0]
        pad = max(1.0, 0.1 * (b - a))
        cx0, cx1 = max(0.0, max(0, x0) + cols[0] - pad), min(gray.shape[1], max(0, x0) + cols[-1] + 1 + pad)
        cy0, cy1 = max(0.0, oy + a - pad), min(gray.shape[0], oy + b + pad)
        quad = np.array([[cx0, cy0], [cx1, cy0], [cx1, cy1], [cx0, cy1]], np.float32)
        cells.append(TextRegion(quad, (int(cx0), int(cy0), int(np.ceil(cx1)), int(np.ceil(cy1))), region.score, False))
    return cells


def _ink(gray: np.ndarray, box: tuple[int, int, int, int], background: float) -> np.ndarray | None:
    """Ink mask (1 = ink) of ``gray`` inside ``box``: Otsu, ink being the class away from the page's
    ``background`` grey level; None if the box is blank."""
    x0, y0, x1, y1 = (max(0, int(v)) for v in box)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0 or int(crop.max()) - int(crop.min()) < 30:
        return None
    t, bw = cv2.threshold(crop, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 1 - bw if background > t else bw


def _runs(on: np.ndarray, min_gap: int) -> list[tuple[int, int]]:
    """[start, end) runs of True in ``on``, runs closer than ``min_gap`` joined."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, v in enumerate(list(on) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if runs and start - runs[-1][1] < min_gap:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((start, i))
            start = None
    return runs


def split_merged_lines(regions: list[TextRegion], gray: np.ndarray, min_score: float,
                       min_ratio: float = 1.7, max_ratio: float = 5.5) -> list[TextRegion]:
    """Regions that are two lines or more melted together, cut at the row gaps of their ink.

    In a table cell of bold or tightly led text, the map of a wrapped line and its continuation below runs
    together into one blob scored under the box threshold, between confident pieces of the first line; the
    hysteresis of :func:`merge_line_fragments` then drops the blob and the second line with it. On a slide's
    gradient, the map can bleed across the leading of several bulleted lines into one confident blob, which
    reads as garbage. Each horizontal region ``min_ratio`` to ``max_ratio`` times as high as a line (h: the
    median height of the confident horizontal regions on its rows, scoring at least ``min_score`` and
    overlapping it vertically by half their height or more; with none there, of all the page's confident
    horizontal regions, when it has three or more) and at least 4 h wide (in a word of a few syllables,
    initials and finals can stand on rows of their own) is cut at the rows of ``gray`` without ink into bands (a gap
    row: under a tenth of the median inked row, a descender's bridge; failing that, at most 2 ink px, for a
    short line of a few syllables among full ones). When there are two bands or more and each is 0.6 to
    1.6 h high, the bands replace it, each as wide as its ink, scored ``min_score`` or the region's own score if
    higher: the map saw text there, and the lines beside it say it is text. (A single line of large type has no
    gap row; a blob cutting through a line leaves a band too low: both stay as they are.)

    Args:
        regions: DB regions in input px, before :func:`merge_line_fragments`.
        gray: (H, W) uint8 grey page in input px. min_score: the box threshold.
    """
    strong = [r for r in regions if not r.vertical and r.score >= min_score]
    if not strong:
        return regions
    background = float(np.median(gray))
    page_h = float(np.median([q.box[3] - q.box[1] for q in strong])) if len(strong) >= 3 else 0.0
    out = []
    for r in regions:
        x0, y0, x1, y1 = r.box
        beside = [] if r.vertical else [q.box[3] - q.box[1] for q in strong if q is not r and min(
            y1, q.box[3]) - max(y0, q.box[1]) >= 0.5 * (q.box[3] - q.box[1])]
        h = float(np.median(beside)) if beside else (0.0 if r.vertical else page_h)
        # at least 4 h wide: in a word of a few syllables, initials and finals can stand on rows of their own
        tall = h > 0 and min_ratio * h <= y1 - y0 <= max_ratio * h and x1 - x0 >= 4 * h
        ink = _ink(gray, r.box, background) if tall else None
        if ink is None:
            out.append(r)
            continue
        rows = ink.sum(1)
        inked = rows[rows > 0]
        # row gaps: rows under a tenth of the median inked row (a descender's bridge), or else nearly blank
        # rows (a short line, a few syllables, beside full ones)
        tries = [_runs(rows > t, 1) for t in (0.1 * float(np.median(inked)), 2)] if inked.size else []
        bands = next((b for b in tries if len(b) >= 2 and all(0.6 * h <= e - a <= 1.6 * h for a, e in b)), None)
        if bands is None:
            out.append(r)
            continue
        for a, b in bands:
            cols = np.nonzero(ink[a:b].any(0))[0]
            out.append(TextRegion.from_box((x0 + int(cols[0]), y0 + a, x0 + int(cols[-1]) + 1, y0 + b),
                                           max(min_score, r.score)))
    return out


def split_straddling(regions: list[TextRegion], gray: np.ndarray, max_gap: float = 0.8) -> list[TextRegion]:
    """On a page of vertical columns, short "horizontal lines" across two columns are syllables of both.

    When a column wraps into a short next column set close beside it, the detector joins their side-by-side
    syllables into short horizontal regions, or both columns into one wide "column". On a page whose regions
    are mostly vertical (by area), each horizontal region at most 4 column widths high and wide (a column
    width: the median width of the vertical regions), and each vertical region wider than 1.6 column widths,
    is cut at the gaps of its ink (columns of ``gray`` without ink, at least 0.15 column widths wide) into
    pieces of column; the pieces and the vertical regions are then joined into columns: same track (horizontal
    overlap of at least half the narrower), less than ``max_gap`` column widths apart. Other pages are
    returned unchanged.

    Args:
        regions: the page's regions (input px). gray: (H, W) uint8 grey page in input px.
    """
    cols = [r for r in regions if r.vertical]
    if len(cols) < 2:
        return regions
    area = lambda r: max(0, r.box[2] - r.box[0]) * max(0, r.box[3] - r.box[1])  # noqa: E731
    if sum(map(area, cols)) < 0.5 * sum(map(area, regions)):
        return regions
    cw = float(np.median([r.box[2] - r.box[0] for r in cols]))
    background = float(np.median(gray))
    cells, keep = [], []
    for r in regions:
        x0, y0, x1, y1 = r.box
        short = not r.vertical and y1 - y0 <= 4 * cw and x1 - x0 <= 4 * cw  # a few syllables side by side
        wide = r.vertical and x1 - x0 > 1.6 * cw  # two columns taken as one
        ink = _ink(gray, r.box, background) if short or wide else None
        if ink is None:
            keep.append(r)
            continue
        for a, b in _runs(ink.any(0), max(2, int(0.15 * cw))):
            rows = np.nonzero(ink[:, a:b].any(1))[0]
            cell = TextRegion.from_box((x0 + a, y0 + int(rows[0]), x0 + b, y0 + int(rows[-1]) + 1), r.score)
            cell.vertical = True
            cells.append(cell)
    if not cells:
        return regions
    items = [r for r in keep if r.vertical] + cells
    others = [r for r in keep if not r.vertical]

    def same_track(a: TextRegion, b: TextRegion) -> bool:
        overlap = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
        gap = max(a.box[1], b.box[1]) - min(a.box[3], b.box[3])
        return overlap >= 0.5 * min(a.box[2] - a.box[0], b.box[2] - b.box[0]) and gap < max_gap * cw

    items = _join_into_columns(sorted(items, key=lambda r: (r.box[0], r.box[1])), same_track)
    return sorted(others + items, key=lambda r: (r.box[1], r.box[0]))


def _inter(a, b) -> float:
    """Intersection area (px²) of boxes (x0, y0, x1, y1)."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _rows(regions: Sequence[TextRegion]) -> list[list[TextRegion]]:
    """Horizontal regions grouped into rows: each overlaps the row's first region vertically by half the
    lower of the two heights or more. Rows come top to bottom."""
    rows: list[list[TextRegion]] = []
    for r in sorted((r for r in regions if not r.vertical), key=lambda r: (r.box[1] + r.box[3]) / 2):
        for row in rows:
            a = row[0].box
            if min(a[3], r.box[3]) - max(a[1], r.box[1]) >= 0.5 * min(a[3] - a[1], r.box[3] - r.box[1]):
                row.append(r)
                break
        else:
            rows.append([r])
    return rows


def _hist(gray: np.ndarray) -> np.ndarray:
    """(256,) int64 counts of the grey levels of a uint8 array (empty: zeros)."""
    if gray.size == 0:
        return np.zeros(256, np.int64)
    return np.bincount(np.ascontiguousarray(gray).ravel(), minlength=256)


def _hist_quantile(counts: np.ndarray, q: float, values: np.ndarray | None = None) -> float:
    """The ``q`` quantile (0-1) of pixels given as ``counts`` (256,) of grey levels whose values are ``values``
    (256,; default the levels themselves), with ``np.quantile``'s linear interpolation between order statistics."""
    values = np.arange(256, dtype=np.float64) if values is None else values
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(counts[order])
    pos = q * (cum[-1] - 1)
    lo = int(np.floor(pos))
    a = float(values[order][np.searchsorted(cum, lo, side="right")])
    if pos == lo:
        return a
    b = float(values[order][np.searchsorted(cum, lo + 1, side="right")])
    return float(np.quantile(np.array([a, b]), pos - lo))  # numpy's own lerp between the two


def ink_beside_rows(regions: list[TextRegion], gray: np.ndarray, min_rows: int = 3, max_gap: float = 0.5,
                    min_height: float = 0.4, max_height: float = 1.4, min_gap: float = 1.0) -> list[TextRegion]:
    """Text on a row of the page that no region covers: the one-digit quantity cells of a receipt or a table.

    A DBNet map answers weakly to a single character standing alone between table cells, and on a receipt
    whose quantities stand at staggered x it joins them into a slanting "column" that no pass keeps. Where the
    page has at least ``min_rows`` rows of horizontal regions (:func:`_rows`), each row's band (its regions'
    top to bottom, line height h = their median height) is searched, within the x extent of the page's
    horizontal regions and outside every region (widened by h / 4 on each side), for ink: pixels of ``gray``
    differing from the band's median grey by more than half the contrast of the row's own text (the 90th
    percentile of that difference inside its regions; either polarity). Connected ink components at least
    ``min_height`` h high, joined when less than ``max_gap`` h apart, whose joined height is at most
    ``max_height`` h, that lie in the band and stand at least ``min_gap`` h apart from every region on it, become
    horizontal regions around their ink, scored as the row's weakest region. Lower components (dashes, specks
    of noise) and ink running on past the band (a table's rules, the next line of a cell) are not taken.

    Args:
        regions: the page's regions (input px). gray: (H, W) uint8 grey page in input px.

    Returns:
        The new regions only (input px); none when the page has fewer rows.
    """
    rows = _rows(regions)
    if len(rows) < min_rows:
        return []
    H, W = gray.shape[:2]
    flat = [r for r in regions if not r.vertical]
    left, right = max(0, min(r.box[0] for r in flat)), min(W, max(r.box[2] for r in flat))
    found: list[TextRegion] = []
    for row in rows:
        h = float(np.median([r.box[3] - r.box[1] for r in row]))
        y0, y1 = max(0, min(r.box[1] for r in row)), min(H, max(r.box[3] for r in row))
        if h < 6 or y1 - y0 < 6:
            continue
        # ink is looked for a line height above and below the band too, so that whatever runs on past the band
        # (a table's rule, the next line of a cell) is seen whole and left out
        ey0, ey1 = max(0, int(y0 - h)), min(H, int(np.ceil(y1 + h)))
        # statistics of grey levels from 256-bin histograms (the same values as np.median / np.percentile of
        # the pixels, several times faster on wide bands)
        bg = _hist_quantile(_hist(gray[y0:y1, left:right]), 0.5)
        own = sum(_hist(gray[max(0, r.box[1]):r.box[3], max(0, r.box[0]):r.box[2]]) for r in row)
        levels = np.abs(np.arange(256) - bg)  # |grey - bg| of each grey level
        contrast = _hist_quantile(own, 0.9, levels) if own.sum() else 0.0
        if contrast < 30:
            continue
        ink = (levels > 0.5 * contrast).astype(np.uint8)[gray[ey0:ey1, left:right]]
        for q in regions:  # everything already found, widened, is not searched again
            if q.box[3] <= ey0 or q.box[1] >= ey1:
                continue
            qy0, qy1 = max(0, int(q.box[1] - ey0)), max(0, int(np.ceil(q.box[3] - ey0)))
            qx0 = int(max(0, q.box[0] - 0.25 * h - left))
            qx1 = int(max(0, min(right - left, q.box[2] + 0.25 * h - left)))
            ink[qy0:qy1, qx0:qx1] = 0
        if not ink.any():  # every ink pixel of the band is in a region already (most rows of prose)
            continue
        _, _, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        lo, hi = y0 - ey0 - 0.25 * h, y1 - ey0 + 0.25 * h  # the band, in ``ink`` rows, with some slack
        comps = sorted((int(x), int(y), int(x + bw), int(y + bh)) for x, y, bw, bh, _ in st[1:]
                       if bh >= min_height * h and y >= lo and y + bh <= hi and y > 0 and y + bh < ink.shape[0])
        groups: list[list[int]] = []
        for c in comps:
            if groups and c[0] - groups[-1][2] < max_gap * h:
                g = groups[-1]
                groups[-1] = [g[0], min(g[1], c[1]), max(g[2], c[2]), max(g[3], c[3])]
            else:
                groups.append(list(c))
        score = min(r.score for r in row)
        beside = [q.box for q in regions if q.box[3] > y0 and q.box[1] < y1]
        for gx0, gy0, gx1, gy1 in groups:
            if gy1 - gy0 > max_height * h:
                continue
            box = (left + gx0, ey0 + gy0, left + gx1, ey0 + gy1)  # the ink's box: the reader adds its margin
            # a cell stands apart; ink just beside a region is the rest of a word the map half saw
            if any(max(q[0] - box[2], box[0] - q[2]) < min_gap * h for q in beside):
                continue
            if any(_inter(box, f.box) > 0 for f in found):
                continue
            found.append(TextRegion.from_box(box, score))
    return found


def bullets_before_rows(regions: list[TextRegion], gray: np.ndarray, max_gap: float = 2.5,
                        max_size: float = 0.6, min_size: float = 0.1) -> list[TextRegion]:
    """A list bullet (•, ·, ▪, a dash) set apart before a line, joined to the line's region.

    A DBNet map hardly answers to a lone dot a word space or more before its line (the item markers of slides
    and lists), so the line is read without it. For each row of horizontal regions (:func:`_rows`), the stretch
    up to ``max_gap`` line heights (h: the height of the row's first region) left of its first region is looked
    at over that region's rows: when all the ink there (pixels of ``gray`` differing from the stretch's median
    grey by more than half the contrast of the region's first 4 h of text, the 90th percentile of that difference; ink
    of other regions, and ink touching the region, do not count) is one solid connected component (filling half
    its box or more) at least ``min_size`` h (and 3 px) and at most ``max_size`` h high and wide, in the middle
    half of the region's height and clear of the stretch's edges, the region is widened to take it in.

    Args:
        regions: the page's regions (input px). gray: (H, W) uint8 grey page in input px.

    Returns:
        The regions, those with a bullet widened (new axis-aligned regions; tilted lines are left as they are).
    """
    H, W = gray.shape[:2]
    out = list(regions)
    for row in _rows(regions):
        first = min(row, key=lambda r: r.box[0])
        x0, y0, x1, y1 = first.box
        h = y1 - y0
        dx, dy = first.quad[1] - first.quad[0]  # its top edge
        if h < 8 or first.vertical or abs(dy) > 0.03 * max(1.0, abs(dx)):  # level lines only
            continue
        sx0, sy0, sy1 = max(0, int(x0 - max_gap * h)), max(0, y0), min(H, y1)
        if x0 - sx0 < 2 or sy1 - sy0 < 8:
            continue
        own = gray[sy0:sy1, max(0, x0):min(W, x1, x0 + 4 * h)].astype(np.int16)  # the line's first few glyphs
        stretch = gray[sy0:sy1, sx0:x0].astype(np.int16)
        bg = float(np.median(stretch))
        contrast = float(np.percentile(np.abs(own - bg), 90)) if own.size else 0.0
        if contrast < 30:
            continue
        ink = (np.abs(stretch - bg) > 0.5 * contrast).astype(np.uint8)
        for q in regions:
            if q is not first:
                a, b = max(0, q.box[1] - sy0), max(0, q.box[3] - sy0)
                c, d = max(0, q.box[0] - sx0), max(0, q.box[2] - sx0)
                ink[a:b, c:d] = 0
        _, _, st, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
        # ink touching the stretch's right edge is the line's own first glyph, cut by the region's box
        blobs = [tuple(int(v) for v in c) for c in st[1:] if c[0] + c[2] < ink.shape[1]]
        if len(blobs) != 1:  # exactly one blob
            continue
        bx, by, bw, bh, area = blobs[0]
        lo, hi = max(3.0, min_size * h), max_size * h
        middle = 0.25 * h <= by + bh / 2 <= 0.75 * h
        clear = bx > 0 and by > 0 and by + bh < ink.shape[0]
        if not (middle and clear and lo <= bh <= hi and lo <= bw <= hi and area >= 0.5 * bw * bh):
            continue
        wide = TextRegion.from_box((sx0 + bx, y0, x1, y1), first.score)
        out[next(i for i, r in enumerate(out) if r is first)] = wide
    return out
