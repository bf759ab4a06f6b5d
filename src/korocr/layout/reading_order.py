"""Reading order and blocks for detected lines: recursive XY-cut (Nagy & Seth, "Hierarchical representation of
optically scanned documents", ICPR 1984).

The set of line boxes is split at the widest gap of its projection on the y axis (rows: read top to bottom)
or on the x axis (columns: read left to right for horizontal text, right to left when the columns hold
vertical Korean text), recursively, until no gap is left. A gutter whose two sides line up row by row with short
lines (a table, a receipt's item and price columns) is not a column break: such regions are cut into rows, and so
is a region crossed by a table's ruling line (:mod:`.rules`). Consecutive lines in that order form a block
(paragraph) unless they are more than ``para_gap`` line heights apart, do not overlap (a new column), or
change direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..io.elements import Box


@dataclass
class LayoutBlock:
    """A group found by layout analysis: indices into the ordered line list, and the union box (px); the
    reader turns it into a :class:`~korocr.io.elements.Block` holding the lines themselves."""

    lines: list[int]
    box: Box


def _gaps(lo: np.ndarray, hi: np.ndarray, min_gap: float) -> list[tuple[float, float]]:
    """Empty intervals of the union of [lo_i, hi_i] wider than ``min_gap``."""
    order = np.argsort(lo)
    gaps = []
    reach = hi[order[0]]
    for i in order[1:]:
        if lo[i] - reach > min_gap:
            gaps.append((float(reach), float(lo[i])))
        reach = max(reach, hi[i])
    return gaps


def _ruled_gap(row_gaps: list[tuple[float, float]], b: np.ndarray, rules: Sequence[tuple[float, float, float]]
               ) -> tuple[float, float] | None:
    """The widest row gap holding a ruling line that spans at least 80 % of the lines' horizontal extent."""
    if not rules or not row_gaps:
        return None
    x0, x1 = float(b[:, 0].min()), float(b[:, 2].max())
    need = 0.8 * (x1 - x0)
    ruled = [g for g in row_gaps
             if any(g[0] <= y <= g[1] and min(x1, rb) - max(x0, ra) >= need for y, ra, rb in rules)]
    return max(ruled, key=lambda g: g[1] - g[0]) if ruled else None


def _xy_cut(idx: list[int], boxes: np.ndarray, vertical: np.ndarray, unit: float, region: int = 0,
            counter: list[int] | None = None, rules: Sequence[tuple[float, float, float]] = ()
            ) -> list[tuple[list[int], int]]:
    """Leaves (lists of line indices) in reading order, each with its region id: every side of a column cut
    is a new region, so lines of different columns never share a block. A row gap crossed by a ruling line
    (``rules``: (y, x0, x1) px) is cut first: a ruled table is read row by row."""
    counter = counter if counter is not None else [0]
    if len(idx) <= 1:
        return [(idx, region)]
    b = boxes[idx]
    row_gaps = _gaps(b[:, 1], b[:, 3], 0.0)
    ruled = _ruled_gap(row_gaps, b, rules) if not vertical[idx].all() else None
    if ruled is not None:
        mid = (ruled[0] + ruled[1]) / 2
        top = [i for i in idx if (boxes[i, 1] + boxes[i, 3]) / 2 < mid]
        bottom = [i for i in idx if (boxes[i, 1] + boxes[i, 3]) / 2 >= mid]
        if top and bottom:
            counter[0] += 1
            first = _xy_cut(top, boxes, vertical, unit, counter[0], counter, rules)
            counter[0] += 1
            return first + _xy_cut(bottom, boxes, vertical, unit, counter[0], counter, rules)
    col_gaps = _gaps(b[:, 0], b[:, 2], 0.2 * unit)
    mostly_vertical = vertical[idx].mean() > 0.5
    widest_row = max((g[1] - g[0] for g in row_gaps), default=-1)
    widest_col = max((g[1] - g[0] for g in col_gaps), default=-1)
    gutter = max(col_gaps, key=lambda g: g[1] - g[0]) if col_gaps else (0.0, 0.0)
    if widest_row < 0 and widest_col < 0:
        return [(_leaf_order(idx, boxes, mostly_vertical), region)]
    # vertical text is cut into columns first; horizontal text into columns only when a clear gutter (wider
    # than 1.5 line heights and than every row gap) runs through the whole region, else into rows
    prefer_cols = mostly_vertical or widest_row < 0 or widest_col > max(1.5 * unit, widest_row)
    if prefer_cols and not mostly_vertical and widest_row >= 0 and widest_col >= 0 and \
            (_table_rows(idx, boxes, gutter)
             or any(_table_rows(idx, boxes, g, nearest=True) for g in col_gaps)):
        # a table or receipt: item, quantity and price belong to one row, read row by row (another gutter than
        # the widest may show it: between a receipt's item names and its one-digit quantities the space is
        # narrow, between the quantities and the prices it is not)
        prefer_cols = False
    if prefer_cols and not mostly_vertical and widest_row >= 0 and widest_col >= 0 and \
            not _sides_share_rows(idx, boxes, gutter):
        prefer_cols = False  # one side wholly above the other (a left-aligned line under a centred title)
    if prefer_cols and widest_col >= 0:
        cut = gutter
        left, right = _sides(idx, boxes, cut)
        parts = [right, left] if mostly_vertical else [left, right]
    else:
        cut = max(row_gaps, key=lambda g: g[1] - g[0])
        mid = (cut[0] + cut[1]) / 2
        parts = [[i for i in idx if (boxes[i, 1] + boxes[i, 3]) / 2 < mid],
                 [i for i in idx if (boxes[i, 1] + boxes[i, 3]) / 2 >= mid]]
    if not parts[0] or not parts[1]:
        return [(_leaf_order(idx, boxes, mostly_vertical), region)]
    out: list[tuple[list[int], int]] = []
    for p in parts:
        sub = region
        if prefer_cols and widest_col >= 0:
            counter[0] += 1
            sub = counter[0]
        out += _xy_cut(p, boxes, vertical, unit, sub, counter, rules)
    return out


def _sides(idx: list[int], boxes: np.ndarray, gutter: tuple[float, float]) -> tuple[list[int], list[int]]:
    """The lines whose centres are left of the gutter's middle, and the others."""
    mid = (gutter[0] + gutter[1]) / 2
    left = [i for i in idx if (boxes[i, 0] + boxes[i, 2]) / 2 < mid]
    return left, [i for i in idx if (boxes[i, 0] + boxes[i, 2]) / 2 >= mid]


def _sides_share_rows(idx: list[int], boxes: np.ndarray, gutter: tuple[float, float]) -> bool:
    """Do the lines left of the gutter and those right of it overlap in height at all?"""
    left, right = _sides(idx, boxes, gutter)
    if not left or not right:
        return False
    return bool(boxes[left, 1].min() < boxes[right, 3].max() and boxes[right, 1].min() < boxes[left, 3].max())


def _table_rows(idx: list[int], boxes: np.ndarray, gutter: tuple[float, float], min_aligned: float = 0.6,
                nearest: bool = False) -> bool:
    """Do the lines on the two sides of a gutter form table rows rather than text columns?

    Yes when most lines of the side with fewer lines have a partner across the gutter on the same row (vertical
    overlap of at least half the lower line height: the most overlapping line, or with ``nearest`` the nearest
    such line) and, typically (median), the space between partners is wider than the longer of the two: an item
    name and its price are short next to the space between them, while two lines of side-by-side text columns
    (or panels) are long next to theirs.
    """
    left, right = _sides(idx, boxes, gutter)
    if not left or not right:
        return False
    few, many = (left, right) if len(left) <= len(right) else (right, left)
    ratios = []
    for i in few:
        ov = np.minimum(boxes[many, 3], boxes[i, 3]) - np.maximum(boxes[many, 1], boxes[i, 1])
        h = np.minimum(boxes[many, 3] - boxes[many, 1], boxes[i, 3] - boxes[i, 1])
        if nearest:
            row = [k for k in range(len(many)) if ov[k] >= 0.5 * h[k]]
            if not row:
                continue
            k = min(row, key=lambda k: max(boxes[many[k], 0] - boxes[i, 2], boxes[i, 0] - boxes[many[k], 2]))
        else:
            k = int(np.argmax(ov / np.maximum(h, 1e-6)))
            if ov[k] < 0.5 * h[k]:
                continue
        j = many[k]
        a, b = (i, j) if boxes[i, 0] < boxes[j, 0] else (j, i)
        gap = boxes[b, 0] - boxes[a, 2]
        ratios.append(gap / max(1.0, boxes[a, 2] - boxes[a, 0], boxes[b, 2] - boxes[b, 0]))
    return len(ratios) >= min_aligned * len(few) and float(np.median(ratios)) > 1.0


def _leaf_order(idx: list[int], boxes: np.ndarray, vertical: bool) -> list[int]:
    if vertical:
        return sorted(idx, key=lambda i: (-boxes[i, 2], boxes[i, 1]))
    return sorted(idx, key=lambda i: (boxes[i, 1], boxes[i, 0]))


def page_skew(quads: Sequence[np.ndarray], vertical: Sequence[bool] | None = None, min_lines: int = 3) -> float:
    """The page's skew (degrees, positive when lines fall to the right, i.e. clockwise in image coordinates):
    the width-weighted median tilt of its long horizontal lines (at least 3 times as wide as high), 0 with
    fewer than ``min_lines`` of them. ``quads``: (4, 2) corners px, clockwise from top-left."""
    tilts, weights = [], []
    for k, q in enumerate(quads):
        if vertical is not None and vertical[k]:
            continue
        q = np.asarray(q, np.float64).reshape(4, 2)
        top, side = q[1] - q[0], q[3] - q[0]
        w, h = float(np.hypot(*top)), float(np.hypot(*side))
        if w < 3 * h or w <= 0:
            continue
        tilts.append(float(np.degrees(np.arctan2(top[1], top[0]))))
        weights.append(w)
    if len(tilts) < min_lines:
        return 0.0
    order = np.argsort(tilts)
    cum = np.cumsum(np.asarray(weights)[order])
    return float(np.asarray(tilts)[order][np.searchsorted(cum, cum[-1] / 2)])


def deskewed_boxes(quads: Sequence[np.ndarray], angle: float, center: tuple[float, float]) -> list[Box]:
    """Axis-aligned boxes (x0, y0, x1, y1) of ``quads`` turned by ``-angle`` degrees about ``center`` (px): the
    boxes the lines would have on the page scanned straight."""
    t = np.radians(-angle)
    c, s = np.cos(t), np.sin(t)
    cx, cy = center
    out = []
    for q in quads:
        q = np.asarray(q, np.float64).reshape(4, 2) - (cx, cy)
        r = np.stack([q[:, 0] * c - q[:, 1] * s, q[:, 0] * s + q[:, 1] * c], 1) + (cx, cy)
        out.append((float(r[:, 0].min()), float(r[:, 1].min()), float(r[:, 0].max()), float(r[:, 1].max())))
    return out


def reading_order(boxes: Sequence[Box], vertical: Sequence[bool] | None = None, para_gap: float = 1.2,
                  rules: Sequence[tuple[float, float, float]] = ()) -> tuple[list[int], list[LayoutBlock]]:
    """Order lines and group them into blocks.

    Args:
        boxes: line boxes (x0, y0, x1, y1) px.
        vertical: per line, True for a vertical (top-to-bottom) column.
        para_gap: a vertical gap larger than this many median line heights starts a new block.
        rules: horizontal ruling lines (y, x0, x1) px (:func:`korocr.layout.rules.horizontal_rules`); a row gap
            crossed by one that spans the lines around it separates rows before any column cut, so a ruled
            table reads row by row and its rows are separate blocks.

    Returns:
        (order, blocks): ``order[k]`` is the index (into ``boxes``) of the k-th line to read; blocks index into
        that order.
    """
    n = len(boxes)
    if n == 0:
        return [], []
    B = np.asarray(boxes, np.float64)
    V = np.asarray(vertical if vertical is not None else [False] * n, bool)
    thickness = np.where(V, B[:, 2] - B[:, 0], B[:, 3] - B[:, 1])
    unit = float(np.median(thickness)) if n else 1.0
    leaves = _xy_cut(list(range(n)), B, V, max(unit, 1.0), rules=rules)
    order = [i for leaf, _ in leaves for i in leaf]
    region = {i: r for leaf, r in leaves for i in leaf}
    blocks: list[LayoutBlock] = []
    cur = [0]
    for k in range(1, n):
        prev, this = B[order[k - 1]], B[order[k]]
        if V[order[k]] and V[order[k - 1]]:  # columns: next one to the left, overlapping vertically
            gap = prev[0] - this[2]
            overlap = min(prev[3], this[3]) - max(prev[1], this[1])
        else:  # lines: next one below, overlapping horizontally
            gap = this[1] - prev[3]
            overlap = min(prev[2], this[2]) - max(prev[0], this[0])
        if (gap > para_gap * unit or gap < -0.5 * unit or overlap <= 0 or V[order[k]] != V[order[k - 1]]
                or region[order[k]] != region[order[k - 1]]):
            blocks.append(_block(cur, order, B))
            cur = []
        cur.append(k)
    blocks.append(_block(cur, order, B))
    return order, blocks


def _block(members: list[int], order: list[int], B: np.ndarray) -> LayoutBlock:
    bb = B[[order[k] for k in members]]
    return LayoutBlock(list(members), (int(bb[:, 0].min()), int(bb[:, 1].min()), int(bb[:, 2].max()),
                                       int(bb[:, 3].max())))
