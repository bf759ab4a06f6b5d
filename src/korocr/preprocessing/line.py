"""Text-line preprocessing shared by training and inference (numpy + OpenCV, no torch).

A line image becomes a grayscale float array of fixed height (default 32 px) and natural width; a batch of
lines is right-padded by repeating each line's last column (so padding looks like background) to a common
width and normalised to [-1, 1], giving the recogniser's input of shape (N, 1, H, W).
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np


def to_gray(img: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3|4) uint8 → (H, W) uint8 luminance (alpha is composited on white)."""
    if img.ndim == 2:
        return img
    if img.shape[2] == 4:
        alpha = img[..., 3:4].astype(np.float32) / 255.0
        rgb = img[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        img = rgb.astype(np.uint8)
    return cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)


def to_bgr(img: np.ndarray) -> np.ndarray:
    """(H, W) or (H, W, 3|4) RGB(A) uint8 → (H, W, 3) uint8 in BGR order (alpha composited on white)."""
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        alpha = img[..., 3:4].astype(np.float32) / 255.0
        img = (img[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(img[..., 2::-1])


def border_colour(img: np.ndarray) -> np.ndarray:
    """Median of the image's outermost rows and columns (per channel): the background of a text crop."""
    edge = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]], axis=0)
    return np.median(edge, axis=0)


def resize_line(img: np.ndarray, height: int = 32, max_width: int | None = None, min_width: int = 8,
                channels: int = 1, x_scale: float = 1.0) -> np.ndarray:
    """Resize a line image to ``height`` px keeping its aspect ratio.

    Args:
        img: (H, W) grayscale or (H, W, 3|4) RGB(A) uint8.
        height: output height in px.
        max_width: if set, wider lines are squeezed horizontally to this width (px).
        min_width: lower bound on the output width (px).
        channels: 1 (grayscale) or 3 (BGR, the order of PaddleOCR models).
        x_scale: extra horizontal stretch after scaling to ``height`` (> 1 gives a CTC model more time steps per
            character: a jamo-output model needs up to three per syllable).

    Returns:
        float32 array (height, W) for 1 channel or (height, W, 3) for 3, values in [0, 1].

    Raises:
        ValueError: an empty image or an unsupported channel count.
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3, got {channels}")
    gray = to_gray(img) if channels == 1 else to_bgr(img)
    h, w = gray.shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f"empty line image of shape {img.shape}")
    new_w = max(min_width, int(round(w * height / h * x_scale)))
    if max_width is not None:
        new_w = min(new_w, max_width)
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    out = cv2.resize(gray, (new_w, height), interpolation=interp)
    return out.astype(np.float32) / 255.0


def _text_band(rows: np.ndarray, edge_frac: float = 0.6) -> tuple[int, int] | None:
    """Rows ``[y0, y1)`` of a line's text in a crop, from its per-row "holds ink" flags (H,).

    Runs of ink rows that touch the crop's top or bottom edge, are set off from the rest by blank rows and are
    less than ``edge_frac`` as tall as the tallest run are taken for the neighbouring lines' ink that a loose
    crop cuts into, and left out. ``None`` without ink rows."""
    idx = np.nonzero(rows)[0]
    if len(idx) == 0:
        return None
    splits = np.nonzero(np.diff(idx) > 1)[0]
    runs = [(int(a), int(b) + 1) for a, b in zip(np.r_[idx[0], idx[splits + 1]], np.r_[idx[splits], idx[-1]])]
    tallest = max(b - a for a, b in runs)
    keep = [(a, b) for a, b in runs
            if not ((a == 0 or b == len(rows)) and len(runs) > 1 and b - a < edge_frac * tallest)]
    return keep[0][0], keep[-1][1]


DEFAULT_MARGINS = (0.15, 0.4)  # normalize_margins' top/bottom range (ink heights) for models that name none


def normalize_margins(img: np.ndarray, top_bottom: tuple[float, float] = DEFAULT_MARGINS, sides: float = 0.3,
                      min_contrast: int = 24, max_sides: float | None = None) -> tuple[np.ndarray, int]:
    """Re-crop a horizontal line so its blank margins fall inside the range the recogniser was trained on.

    Detectors, users and datasets crop lines with anything from no margin to a margin taller than the text; a CTC
    recogniser read at a fixed height sees the text shrink as the margin grows. Here the ink's bounding box is
    found (Otsu threshold, rows holding more than ``max(2, 0.01 W)`` ink pixels, or any ink in a crop narrower
    than twice its height, without the neighbouring lines' ink cut by the crop's top or bottom edge, see
    :func:`_text_band`), the margins above and below
    are clamped to ``top_bottom`` × the ink height (cut where larger, padded with the border colour where
    smaller) and the left and right margins are padded up to ``sides`` × the ink height (cut down to
    ``max_sides`` × the ink height where given, never cut otherwise). A crop with
    too little contrast to find ink (max − min < ``min_contrast`` grey levels) is returned unchanged.

    Measured on ``bench/bench_general.py``'s margin sweep (margins 0–0.5 em and tight ink crops, Chromium-rendered,
    held-out fonts) with the shipped recogniser: worst/best CER 0.0137/0.0056 without, 0.0059/0.0047 with the
    defaults (chosen among six settings on that sweep; checked on the bench's other sets, see docs/benchmarks.md).

    Args:
        img: (H, W) or (H, W, C) uint8 line crop.
        top_bottom: lowest and highest margin above and below the ink, in ink heights.
        sides: lowest margin left and right of the ink, in ink heights.
        max_sides: highest margin left and right of the ink, in ink heights (None: no highest).
        min_contrast: grey levels below which the crop is left alone.

    Returns:
        The re-cropped (H', W') or (H', W', C) uint8 image (the input itself when nothing changes) and the x (px)
        in the input of the output's column 0 (negative where padding was added on the left).
    """
    gray = to_gray(img)
    h, w = gray.shape[:2]
    if h < 4 or w < 4 or int(gray.max()) - int(gray.min()) < min_contrast:
        return img, 0
    ink = _ink_mask(gray)
    # a row holds text when it has more ink than specks; in a crop of one or two characters (w < 2 h) one
    # pixel does: the stem of a thin "7" or "1" is a pixel or two wide
    band = _text_band(ink.sum(1) > (max(2, 0.01 * w) if w >= 2 * h else 0))
    if band is None:
        return img, 0
    y0, y1 = band
    cols = np.nonzero(ink[y0:y1].any(0))[0]
    if len(cols) == 0:
        return img, 0
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    ih = y1 - y0
    lo, hi = top_bottom
    side_hi = float("inf") if max_sides is None else max(sides, max_sides) * ih
    want = [min(max(m, lo * ih), hi * ih) for m in (y0, h - y1)] + [min(max(m, sides * ih), side_hi)
                                                                     for m in (x0, w - x1)]
    have = [y0, h - y1, x0, w - x1]
    cut = [int(round(max(0.0, a - b))) for a, b in zip(have, want)]
    pad = [int(round(max(0.0, b - a))) for a, b in zip(have, want)]
    if not any(cut) and not any(pad):
        return img, 0
    out = img[cut[0]:h - cut[1], cut[2]:w - cut[3]]
    if any(pad):
        colour = [float(v) for v in np.atleast_1d(border_colour(img))]
        out = cv2.copyMakeBorder(np.ascontiguousarray(out), pad[0], pad[1], pad[2], pad[3], cv2.BORDER_CONSTANT,
                                 value=colour)
    return out, cut[2] - pad[2]


def pad_batch(lines: Sequence[np.ndarray], multiple: int = 8, min_width: int = 16) -> np.ndarray:
    """Stack resized lines (each (H, W_i) or (H, W_i, C) float in [0, 1]) into a model batch.

    Lines are right-padded up to the widest (rounded up to ``multiple``) with their own border colour
    (:func:`border_colour`), not their last column: a crop cut tight to the ink would smear its last stroke.

    Returns:
        float32 array (N, C, H, W) normalised to [-1, 1] (C = 1 for 2-D lines).
    """
    if not lines:
        raise ValueError("empty batch")
    hgt = lines[0].shape[0]
    chans = 1 if lines[0].ndim == 2 else lines[0].shape[2]
    width = max(min_width, max(x.shape[1] for x in lines))
    width = int(np.ceil(width / multiple) * multiple)
    out = np.empty((len(lines), chans, hgt, width), np.float32)
    for i, x in enumerate(lines):
        fill = np.atleast_1d(border_colour(x)).astype(np.float32)
        x = x[None] if x.ndim == 2 else x.transpose(2, 0, 1)
        w = x.shape[2]
        out[i, :, :, :w] = x
        if w < width:
            out[i, :, :, w:] = fill[:, None, None]
    out -= 0.5  # in place: the same values as (out - 0.5) / 0.5 without two batch-sized copies
    out /= 0.5
    return out


def _ink_mask(gray: np.ndarray) -> np.ndarray:
    """Text pixels (1) of a grayscale crop: Otsu threshold, the minority side taken as ink."""
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return 1 - ink if ink.mean() > 0.5 else ink


VMARGIN, HGAP = 0.45, 0.2  # unstacked line: margin above/below and gap between characters, in column widths
COL_FRAC = 0.03  # ink columns below this fraction of the fullest one (stray border lines) do not count


def segment_column(ink: np.ndarray) -> list[tuple[int, int]]:
    """Split a vertical column's ink into character rows ``(y0, y1)``, top to bottom.

    A cell starts at the first ink row and runs on over ink rows, and over blank rows until it is at least
    0.45 column widths tall, so the jamo of one syllable stay together (옷 = ㅗ over ㅅ, with blank rows
    between); a run taller than a square (touching syllables) is divided into round(h / 1.05 w) equal cells.
    (A dynamic-programming fit of square cells was tried and read synthetic columns worse: CER 0.25–0.41 vs
    0.22, because Latin, digits and punctuation are not square.)

    Args:
        ink: (H, W) 0/1 text mask of the column crop (W: the crop's width).

    Returns:
        ``(y0, y1)`` px rows of each character cell (ink extent); empty without ink.
    """
    h, w = ink.shape
    rows = ink.sum(1) > max(1, 0.02 * w)
    cells: list[tuple[int, int]] = []
    y = 0
    while y < h:
        if not rows[y]:
            y += 1
            continue
        start = y
        while y < h and (rows[y] or (y - start) < 0.45 * w):
            y += 1
        end = y
        while end > start and not rows[end - 1]:
            end -= 1
        cells.append((start, end))
    out: list[tuple[int, int]] = []
    for a, b in cells:
        n = max(1, int(round((b - a) / (1.05 * w))))
        out += [(int(a + i * (b - a) / n), int(a + (i + 1) * (b - a) / n)) for i in range(n)]
    return out


def unstack_vertical(img: np.ndarray) -> np.ndarray:
    """Turn a vertical (top-to-bottom) column of Korean text into a horizontal line for a horizontal recogniser.

    The column is cut into character cells (:func:`segment_column`) and the cells are laid side by side,
    upright, left to right, each cropped to its ink with a small margin, like characters of a printed line.
    Rotating the column instead would turn every glyph on its side (``bench/bench_pages.py`` measures both).

    Args:
        img: (H, W) or (H, W, C) uint8 with H > W.

    Returns:
        (H', W') uint8 image of the same channel layout (W' > H' for two or more characters).
    """
    gray = to_gray(img)
    h, w = gray.shape[:2]
    if h <= w:
        return img
    ink = _ink_mask(gray)
    cells = segment_column(ink)
    if not cells:
        return img
    prof = ink.sum(0)
    cols = np.nonzero(prof > max(1.0, COL_FRAC * prof.max()))[0]
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    cw = x1 - x0
    pad = max(1, int(round(VMARGIN * cw)))
    side = cw + 2 * pad
    gap = max(1, int(round(HGAP * cw)))
    bg = np.median(img[ink == 0], axis=0) if (ink == 0).any() else np.median(img.reshape(-1, *img.shape[2:]), 0)
    bg_val = [float(v) for v in np.atleast_1d(bg)]
    pieces = []
    for a, b in cells:  # each cell cut at its own rows (no ink of the neighbours), framed in background colour
        cell = img[a:b, x0:x1]
        ch, cwid = cell.shape[:2]
        if ch > cw:  # taller than the column is wide (a long jamo stack): scale down
            cell = cv2.resize(cell, (max(1, int(round(cwid * cw / ch))), cw), interpolation=cv2.INTER_AREA)
            ch, cwid = cell.shape[:2]
        top = (side - ch) // 2
        cell = cv2.copyMakeBorder(cell, top, side - ch - top, gap // 2, gap - gap // 2, cv2.BORDER_CONSTANT,
                                  value=bg_val)
        pieces.append(cell)
    return np.concatenate(pieces, axis=1)


def split_at_gaps(img: np.ndarray, max_aspect: float, vertical: bool = False,
                  space_gap: float = 0.25) -> list[tuple[np.ndarray, bool]]:
    """Cut a long line (or column) into pieces no longer than ``max_aspect`` times its height (width), at gaps
    in its ink, for a recogniser that reads a bounded number of tokens (Inverse DALL-E's image budget).

    Horizontal lines are cut at the widest blank column runs that keep each piece short enough (word spaces
    first); where no blank run is in reach (one long word) the piece is cut at the column with the least ink.
    Vertical columns are cut between character cells (:func:`segment_column`). A line already short enough
    comes back whole.

    Args:
        img: (H, W) or (H, W, C) uint8 crop of one line (columns: H > W).
        max_aspect: longest piece, in units of the line's height (a column's width).
        vertical: a top-to-bottom column.
        space_gap: a cut at a blank run at least this many line heights wide is a word space.

    Returns:
        ``(piece, space_before)`` in reading order; ``space_before`` tells the caller to join with a space.

    Raises:
        ValueError: ``max_aspect`` not positive.
    """
    if max_aspect <= 0:
        raise ValueError(f"max_aspect must be positive, got {max_aspect}")
    gray = to_gray(img)
    h, w = gray.shape[:2]
    across, along = (w, h) if vertical else (h, w)
    limit = max(1, int(max_aspect * across))
    if along <= limit:
        return [(img, False)]
    ink = _ink_mask(gray)
    if vertical:
        cells = segment_column(ink)
        cuts = [(a + b) // 2 for (_, a), (b, _) in zip(cells, cells[1:])]
        gaps = {c: 0 for c in cuts}
        profile = ink.sum(1)
    else:
        profile = ink.sum(0)
        blank = profile <= max(0, int(0.02 * h))
        gaps = {}
        x = 0
        while x < w:  # blank runs: their middle and width
            if blank[x]:
                s = x
                while x < w and blank[x]:
                    x += 1
                if s > 0 and x < w:
                    gaps[(s + x) // 2] = x - s
            x += 1
        cuts = sorted(gaps)
    pieces: list[tuple[int, int, bool]] = []
    start, space = 0, False
    while along - start > limit:
        reach = [c for c in cuts if start < c <= start + limit]
        if reach:
            wide = [c for c in reach if gaps[c] >= space_gap * across]
            cut = max(wide) if wide else max(reach, key=lambda c: (gaps[c], c))
            is_space = gaps[cut] >= space_gap * across
        else:  # no gap in reach: the emptiest column of the last third
            lo = start + max(1, (2 * limit) // 3)
            cut = lo + int(np.argmin(profile[lo:start + limit]))
            is_space = False
        pieces.append((start, cut, space))
        start, space = cut, is_space
    pieces.append((start, along, space))
    return [(img[a:b] if vertical else img[:, a:b], sp) for a, b, sp in pieces]
