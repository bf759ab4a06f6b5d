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


def resize_line(img: np.ndarray, height: int = 32, max_width: int | None = None, min_width: int = 8) -> np.ndarray:
    """Resize a line image to ``height`` px keeping its aspect ratio.

    Args:
        img: (H, W) or (H, W, C) uint8.
        height: output height in px.
        max_width: if set, wider lines are squeezed horizontally to this width (px).
        min_width: lower bound on the output width (px).

    Returns:
        float32 array (height, W) with values in [0, 1].

    Raises:
        ValueError: an empty image.
    """
    gray = to_gray(img)
    h, w = gray.shape[:2]
    if h == 0 or w == 0:
        raise ValueError(f"empty line image of shape {img.shape}")
    new_w = max(min_width, int(round(w * height / h)))
    if max_width is not None:
        new_w = min(new_w, max_width)
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    out = cv2.resize(gray, (new_w, height), interpolation=interp)
    return out.astype(np.float32) / 255.0


def pad_batch(lines: Sequence[np.ndarray], multiple: int = 8, min_width: int = 16) -> np.ndarray:
    """Stack resized lines (each (H, W_i) float in [0, 1]) into a model batch.

    Lines are right-padded with their own last column up to the widest (rounded up to ``multiple``).

    Returns:
        float32 array (N, 1, H, W) normalised to [-1, 1].
    """
    if not lines:
        raise ValueError("empty batch")
    hgt = lines[0].shape[0]
    width = max(min_width, max(x.shape[1] for x in lines))
    width = int(np.ceil(width / multiple) * multiple)
    out = np.empty((len(lines), 1, hgt, width), np.float32)
    for i, x in enumerate(lines):
        w = x.shape[1]
        out[i, 0, :, :w] = x
        if w < width:
            out[i, 0, :, w:] = x[:, -1:]
    return (out - 0.5) / 0.5


def unstack_vertical(img: np.ndarray) -> np.ndarray:
    """Turn a vertical (top-to-bottom) column of Korean text into a horizontal line for a horizontal recogniser.

    The column is cut into character cells at the gaps of its horizontal ink profile (or, where no gap is
    found, into squares of the column's width) and the cells are laid side by side, upright, left to right.
    Rotating the column instead would turn every glyph on its side.

    Args:
        img: (H, W) or (H, W, C) uint8 with H > W.

    Returns:
        (W', H'') uint8 image of the same channel layout: cells concatenated horizontally.
    """
    gray = to_gray(img)
    h, w = gray.shape[:2]
    if h <= w:
        return img
    _, ink = cv2.threshold(gray, 0, 1, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if ink.mean() > 0.5:  # dark text on light: ink is the minority
        ink = 1 - ink
    rows = ink.sum(1) > max(1, 0.02 * w)
    cells: list[tuple[int, int]] = []
    y = 0
    while y < h:
        if not rows[y]:
            y += 1
            continue
        start = y
        while y < h and (rows[y] or (y - start) < 0.45 * w):  # jamo of one syllable stay together
            y += 1
        cells.append((start, y))
    merged: list[tuple[int, int]] = []
    for a, b in cells:  # split over-tall runs (touching syllables) into squares
        n = max(1, int(round((b - a) / (1.05 * w))))
        step = (b - a) / n
        merged += [(int(a + i * step), int(a + (i + 1) * step)) for i in range(n)]
    if not merged:
        n = max(1, int(round(h / w)))
        merged = [(int(i * h / n), int((i + 1) * h / n)) for i in range(n)]
    pad = max(1, w // 10)
    pieces = []
    for a, b in merged:
        cell = img[max(0, a - pad // 2):min(h, b + pad // 2)]
        ch = cell.shape[0]
        if ch < w:  # centre shorter cells vertically in a w × w box using edge padding
            top = (w - ch) // 2
            cell = cv2.copyMakeBorder(cell, top, w - ch - top, 0, 0, cv2.BORDER_REPLICATE)
        else:
            cell = cv2.resize(cell, (w, w), interpolation=cv2.INTER_AREA) if ch > w else cell
        pieces.append(cell[:w])
    return np.concatenate(pieces, axis=1)
