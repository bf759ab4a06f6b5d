"""Synthetic pages for training the text detector: many lines per image with their quadrilaterals.

Each page mixes blocks of horizontal lines in several sizes, fonts, weights and colours, some vertical columns
(Korean written top to bottom, columns right to left), tables with ruled cells and underlined lines, on plain,
gradient, noisy or textured backgrounds; the whole page is then slightly rotated and warped in perspective
(the quads follow) and degraded (blur, noise, JPEG).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np
from PIL import ImageDraw

from .fonts import Font
from .render import _contrasting, _load_font, _luma, _rand_color, make_background
from .text import TextSampler


@dataclass
class SceneText:
    """One text line (or vertical column) on a page: quad (4, 2) px clockwise from top-left."""

    quad: np.ndarray
    text: str
    vertical: bool = False

    @property
    def box(self) -> tuple[int, int, int, int]:
        x0, y0 = np.floor(self.quad.min(0)).astype(int)
        x1, y1 = np.ceil(self.quad.max(0)).astype(int)
        return int(x0), int(y0), int(x1), int(y1)


def _line_gap(rng: random.Random) -> float:
    """Leading of a generated page, as ``render_page``'s ``line_gap``: usually 0.15-1.0 of the font's line height,
    one page in four set tight (-0.2 to 0.15; pitch down to 1.1 em), as tables, terminals and slides are."""
    return rng.uniform(-0.2, 0.15) if rng.random() < 0.25 else rng.uniform(0.15, 1.0)


def _pick_font(fonts: Sequence[Font], rng: random.Random) -> Font:
    """A font for a page block; one block in four is set in a monospace face when there is one."""
    mono = [f for f in fonts if f.monospace]
    return rng.choice(mono) if mono and rng.random() < 0.25 else rng.choice(fonts)


def _letter_spacing(rng: random.Random) -> float:
    """Extra letter spacing (em) of a page block: none for most, 0.05-0.5 em for one in four."""
    return rng.uniform(0.05, 0.5) if rng.random() < 0.25 else 0.0


def _rect_quad(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


class ScenePageRenderer:
    """Renders detector training pages.

    Args:
        fonts: Korean fonts.
        sampler: text source.
        size_range: page side lengths (px) of scenes.
        document_prob: share of dense document pages (:meth:`render_document`) among the pages.
    """

    def __init__(self, fonts: Sequence[Font], sampler: TextSampler, size_range: tuple[int, int] = (448, 896),
                 document_prob: float = 0.0):
        self.fonts = list(fonts)
        self.sampler = sampler
        self.size_range = size_range
        self.document_prob = document_prob

    def _font(self, text: str, rng: random.Random) -> Font | None:
        c = [f for f in self.fonts if f.covers(text)]
        return rng.choice(c) if c else None

    def _text(self, rng: random.Random, max_chars: int) -> str:
        old = self.sampler.max_chars
        self.sampler.max_chars = max_chars
        try:
            return self.sampler.sample(rng)
        finally:
            self.sampler.max_chars = old

    def render(self, rng: random.Random) -> tuple[np.ndarray, list[SceneText]]:
        """One page: RGB (H, W, 3) uint8 and its text regions; with probability ``document_prob`` a dense
        document page (:meth:`render_document`), otherwise a scene of scattered blocks."""
        if rng.random() < self.document_prob:
            return self.render_document(rng)
        return self.render_scene(rng)

    def render_document(self, rng: random.Random) -> tuple[np.ndarray, list[SceneText]]:
        """A dense document page: 1-3 columns of left-aligned prose lines, 10-34 px type set close together,
        dark on light (sometimes low contrast, sometimes light on dark), then warped and degraded like a scene;
        one page in four is a slide (:meth:`render_slide`)."""
        if rng.random() < 0.25:
            return self.render_slide(rng)
        from .page import render_page

        fonts = [f for f in self.fonts if f.covers("가나다 abc 123")] or self.fonts
        font = _pick_font(fonts, rng)
        font_px = rng.choice([rng.randint(10, 16), rng.randint(14, 24), rng.randint(20, 34)])
        look = rng.random()
        if look < 0.65:
            fg, bg = (rng.randint(0, 70),) * 3, tuple(rng.randint(215, 255) for _ in range(3))
        elif look < 0.85:  # low contrast
            t = rng.randint(110, 170)
            fg, bg = (t, t, t), (min(255, t + rng.randint(45, 80)),) * 3
        else:  # light on dark or on colour
            bg = _rand_color(rng)
            fg = _contrasting(rng, bg, 90)
        W, H = rng.randint(500, 1240), rng.randint(500, 1400)
        columns = rng.choice([1, 1, 2, 2, 3]) if W > 900 else rng.choice([1, 1, 2])
        img, lines = render_page(self.sampler, font, rng, size=(W, H), font_px=font_px,
                                 margin=rng.randint(8, 60), line_gap=_line_gap(rng), max_lines=90,
                                 words_per_line=(1, 12), columns=columns,
                                 gutter=rng.randint(max(8, font_px), max(9, 4 * font_px)),
                                 text_color=fg, background=bg, letter_spacing=_letter_spacing(rng))
        regions = [SceneText(_rect_quad(*ln.box), ln.text) for ln in lines]
        arr, regions = _warp(np.asarray(img).copy(), regions, rng)
        return _degrade(arr, rng), regions

    def render_slide(self, rng: random.Random) -> tuple[np.ndarray, list[SceneText]]:
        """A presentation slide or screenshot: a title of 1-2 lines in large type (36-72 px) over a block of
        closely set lines (16-34 px, line gap -0.15 to 0.6 of the line height, often bulleted), light or dark
        text on a gradient, textured or two-panel background (a hard colour edge crossing the lines), then warped
        and degraded.

        The text is drawn on a plain background first; its coverage (the difference from that background) is
        then composited in the text colour onto the real background, so anti-aliasing is kept."""
        from .page import render_page

        fonts = [f for f in self.fonts if f.covers("가나다 abc 123")] or self.fonts
        W, H = rng.randint(640, 1400), rng.randint(400, 900)
        dark_bg = rng.random() < 0.6
        base = _rand_color(rng) if dark_bg else tuple(rng.randint(190, 255) for _ in range(3))
        fg_c = _contrasting(rng, base, 110)
        bg_img = np.asarray(make_background(rng, W, H, base), np.float32)
        if rng.random() < 0.5:  # two panels with a hard edge between them, both in contrast with the text
            for _ in range(10):
                alt = tuple(int(np.clip(c + rng.randint(-90, 90), 0, 255)) for c in base)
                if abs(_luma(alt) - _luma(fg_c)) >= 90:
                    other = np.asarray(make_background(rng, W, H, alt), np.float32)
                    cut = rng.randint(W // 4, 3 * W // 4)
                    bg_img = bg_img.copy()
                    bg_img[:, cut:] = other[:, cut:]
                    break
        fg = np.array(fg_c, np.float32)
        margin = rng.randint(20, 80)
        cover = np.zeros((H, W), np.float32)
        regions: list[SceneText] = []
        y = margin
        title_px = rng.randint(36, 72)
        body_px = rng.randint(16, 34)
        for part, (px, gap, n) in enumerate(((title_px, rng.uniform(0.1, 0.4), rng.randint(1, 2)),
                                              (body_px, rng.uniform(-0.15, 0.6), rng.randint(3, 12)))):
            font = _pick_font(fonts, rng)
            bullet = part == 1 and rng.random() < 0.6
            indent = int(body_px * 1.5) if bullet else 0
            h_avail = H - y - margin
            if h_avail < 2 * px:
                break
            img, lines = render_page(self.sampler, font, rng, size=(W - 2 * margin - indent, h_avail), font_px=px,
                                     margin=0, line_gap=gap, max_lines=n, words_per_line=(2, 14), columns=1,
                                     text_color=(255, 255, 255), background=(0, 0, 0),
                                     letter_spacing=_letter_spacing(rng))
            block = np.asarray(img, np.float32).max(axis=2) / 255.0
            cover[y:y + block.shape[0], margin + indent:margin + indent + block.shape[1]] = block
            for ln in lines:
                x0, y0, x1, y1 = ln.box
                regions.append(SceneText(_rect_quad(x0 + margin + indent, y0 + y, x1 + margin + indent, y1 + y),
                                         ln.text))
                if bullet:
                    r = max(2, body_px // 7)
                    cx, cy = margin + indent // 2, y + (y0 + y1) // 2
                    cv2.circle(cover, (cx, cy), r, 1.0, -1, lineType=cv2.LINE_AA)
            y += (max((ln.box[3] for ln in lines), default=0) + int(px * rng.uniform(0.6, 1.5)))
        a = cover[..., None]
        arr = np.clip(bg_img * (1 - a) + fg * a, 0, 255).astype(np.uint8)
        arr, regions = _warp(arr, regions, rng)
        return _degrade(arr, rng), regions

    def render_scene(self, rng: random.Random) -> tuple[np.ndarray, list[SceneText]]:
        """A scene: 4-14 blocks of lines, vertical columns and ruled tables scattered on a background."""
        W = rng.randint(*self.size_range)
        H = rng.randint(*self.size_range)
        dark_text = rng.random() < 0.7
        bg = tuple(rng.randint(180, 255) for _ in range(3)) if dark_text else _rand_color(rng)
        img = make_background(rng, W, H, bg)
        draw = ImageDraw.Draw(img)
        occupied = np.zeros((H, W), bool)
        regions: list[SceneText] = []

        def free(x0, y0, x1, y1) -> bool:
            if x0 < 0 or y0 < 0 or x1 > W or y1 > H:
                return False
            return not occupied[max(0, y0 - 4):y1 + 4, max(0, x0 - 4):x1 + 4].any()

        for _ in range(rng.randint(4, 14)):
            kind = rng.random()
            size = int(rng.choice([rng.uniform(12, 24), rng.uniform(18, 40), rng.uniform(30, 72),
                                   rng.uniform(30, 72), rng.uniform(60, 120)]))
            fg = _contrasting(rng, bg, 90)
            if kind < 0.15:
                self._vertical_block(rng, draw, size, fg, W, H, free, occupied, regions)
            elif kind < 0.27:
                self._table(rng, draw, size, fg, W, H, free, occupied, regions)
            elif kind < 0.39:
                self._receipt_rows(rng, draw, min(size, 32), fg, W, H, free, occupied, regions)
            else:
                self._line_block(rng, draw, size, fg, W, H, free, occupied, regions)

        arr = np.asarray(img).copy()
        arr, regions = _warp(arr, regions, rng)
        return _degrade(arr, rng), regions

    # --- blocks -------------------------------------------------------------------------------------
    def _line_block(self, rng, draw, size, fg, W, H, free, occupied, regions) -> None:
        n_lines = rng.randint(1, 6)
        max_chars = max(2, min(30, int((W * 0.8) / size)))
        texts = [self._text(rng, max_chars) for _ in range(n_lines)]
        font = self._font("".join(texts), rng)
        if font is None:
            return
        pf = _load_font(font.spec.path, font.spec.index, size)
        asc, desc = pf.getmetrics()
        gap = int((asc + desc) * rng.uniform(0.3, 1.0))
        widths = [int(pf.getlength(t)) for t in texts]
        bw, bh = max(widths), n_lines * (asc + desc) + (n_lines - 1) * gap
        # letter-spaced lines, as on signboards: each character drawn on its own, spacing in em
        spacing = int(size * rng.uniform(0.2, 0.9)) if rng.random() < 0.15 else 0
        if spacing:
            widths = [int(sum(pf.getlength(c) for c in t) + spacing * (len(t) - 1)) for t in texts]
            bw = max(widths)
        spot = _place(rng, bw, bh, W, H, free)
        if spot is None:
            return
        x0, y0 = spot
        underline = rng.random() < 0.12
        y = y0
        for t, w in zip(texts, widths):
            if spacing:
                x, boxes = x0, []
                for c in t:
                    draw.text((x, y + asc), c, font=pf, fill=fg, anchor="ls")
                    if c.strip():
                        boxes.append(draw.textbbox((x, y + asc), c, font=pf, anchor="ls"))
                    x += pf.getlength(c) + spacing
                bx = (int(min(b[0] for b in boxes)), int(min(b[1] for b in boxes)),
                      int(np.ceil(max(b[2] for b in boxes))), int(np.ceil(max(b[3] for b in boxes)))) \
                    if boxes else (0, 0, 0, 0)
            else:
                draw.text((x0, y + asc), t, font=pf, fill=fg, anchor="ls")
                bx = draw.textbbox((x0, y + asc), t, font=pf, anchor="ls")
            if underline:
                draw.line([(bx[0], bx[3] + 2), (bx[2], bx[3] + 2)], fill=fg, width=max(1, size // 16))
            if bx[2] > bx[0] and bx[3] > bx[1] and t.strip():
                regions.append(SceneText(_rect_quad(*bx), t))
                occupied[bx[1]:bx[3], bx[0]:bx[2]] = True
            y += asc + desc + gap
        occupied[y0:y0 + bh, x0:x0 + bw] = True

    def _vertical_block(self, rng, draw, size, fg, W, H, free, occupied, regions) -> None:
        n_cols = rng.randint(1, 4)
        max_chars = max(2, min(15, int((H * 0.8) / (size * 1.5))))
        texts = ["".join(self._text(rng, max_chars).split()) for _ in range(n_cols)]
        texts = [t for t in texts if t]
        font = self._font("".join(texts), rng)
        if font is None or not texts:
            return
        pf = _load_font(font.spec.path, font.spec.index, size)
        # character pitch: set solid, or spaced out as in vertical writing with a loose line height
        step = int(size * (rng.uniform(1.0, 1.25) if rng.random() < 0.6 else rng.uniform(1.25, 1.9)))
        col_gap = int(size * rng.uniform(0.5, 2.0))
        bw = len(texts) * size + (len(texts) - 1) * col_gap
        bh = max(len(t) for t in texts) * step
        spot = _place(rng, bw, bh, W, H, free)
        if spot is None:
            return
        x0, y0 = spot
        for c, t in enumerate(texts):  # first column on the right
            cx = x0 + bw - (c + 1) * size - c * col_gap + size / 2
            ys = []
            for i, ch in enumerate(t):
                cy = y0 + i * step + step / 2
                draw.text((cx, cy), ch, font=pf, fill=fg, anchor="mm")
                ys.append(draw.textbbox((cx, cy), ch, font=pf, anchor="mm"))
            x_lo, x_hi = min(b[0] for b in ys), max(b[2] for b in ys)
            y_lo, y_hi = min(b[1] for b in ys), max(b[3] for b in ys)
            regions.append(SceneText(_rect_quad(x_lo, y_lo, x_hi, y_hi), t, vertical=True))
        occupied[y0:y0 + bh, x0:x0 + bw] = True

    def _receipt_rows(self, rng, draw, size, fg, W, H, free, occupied, regions) -> None:
        """Receipt or form rows: an item name, a quantity of one or two digits and a right-aligned price, spread
        over the row with wide gaps, each its own region (a detector must find a lone "6" as well as a line)."""
        rows = rng.randint(2, 10)
        bw = int(size * rng.uniform(10, 18))
        step = int(size * rng.uniform(1.3, 1.8))
        spot = _place(rng, bw, rows * step, W, H, free)
        if spot is None:
            return
        x0, y0 = spot
        qty_x = x0 + int(bw * rng.uniform(0.45, 0.65))
        for r in range(rows):
            y = y0 + r * step
            price = f"{rng.randint(1, 999) * 10 ** rng.randint(1, 3):,}" + ("원" if rng.random() < 0.3 else "")
            qty = str(rng.randint(1, 20 if rng.random() < 0.3 else 9))
            cells = [(self._text(rng, 8), x0, "ls"), (qty, qty_x, "ls"), (price, x0 + bw, "rs")]
            for t, x, anchor in cells:
                if not t.strip():
                    continue
                font = self._font(t, rng)
                if font is None:
                    continue
                pf = _load_font(font.spec.path, font.spec.index, size)
                if anchor == "ls" and x + pf.getlength(t) > qty_x - size // 2 and x == x0:
                    t = t[: max(1, int((qty_x - x0 - size) / size))]
                draw.text((x, y + size), t, font=pf, fill=fg, anchor=anchor)
                bx = draw.textbbox((x, y + size), t, font=pf, anchor=anchor)
                if bx[2] > bx[0] and bx[3] > bx[1] and t.strip():
                    regions.append(SceneText(_rect_quad(*bx), t))
        occupied[y0:y0 + rows * step, x0:x0 + bw] = True

    def _table(self, rng, draw, size, fg, W, H, free, occupied, regions) -> None:
        size = min(size, 28)
        rows, cols = rng.randint(2, 5), rng.randint(2, 4)
        cell_w, cell_h = int(size * rng.uniform(4, 7)), int(size * rng.uniform(1.6, 2.2))
        bw, bh = cols * cell_w, rows * cell_h
        spot = _place(rng, bw, bh, W, H, free)
        if spot is None:
            return
        x0, y0 = spot
        lw = max(1, size // 14)
        for r in range(rows + 1):
            draw.line([(x0, y0 + r * cell_h), (x0 + bw, y0 + r * cell_h)], fill=fg, width=lw)
        for c in range(cols + 1):
            draw.line([(x0 + c * cell_w, y0), (x0 + c * cell_w, y0 + bh)], fill=fg, width=lw)
        max_chars = max(1, int(cell_w * 0.8 / size))
        for r in range(rows):
            for c in range(cols):
                if rng.random() < 0.15:
                    continue
                t = self._text(rng, max_chars)
                font = self._font(t, rng)
                if font is None or not t.strip():
                    continue
                pf = _load_font(font.spec.path, font.spec.index, size)
                if pf.getlength(t) > cell_w - 2 * lw - 4:
                    continue
                cx, cy = x0 + c * cell_w + cell_w / 2, y0 + r * cell_h + cell_h / 2
                draw.text((cx, cy), t, font=pf, fill=fg, anchor="mm")
                bx = draw.textbbox((cx, cy), t, font=pf, anchor="mm")
                regions.append(SceneText(_rect_quad(*bx), t))
        occupied[y0:y0 + bh, x0:x0 + bw] = True


def _place(rng: random.Random, bw: int, bh: int, W: int, H: int, free, tries: int = 25) -> tuple[int, int] | None:
    """A random free top-left corner for a bw × bh block, or None after ``tries`` attempts."""
    for _ in range(tries):
        x0, y0 = rng.randint(0, max(0, W - bw)), rng.randint(0, max(0, H - bh))
        if free(x0, y0, x0 + bw, y0 + bh):
            return x0, y0
    return None


def _warp(arr: np.ndarray, regions: list[SceneText], rng: random.Random) -> tuple[np.ndarray, list[SceneText]]:
    """Slight rotation (±3°) and perspective; quads are transformed with the image."""
    if rng.random() < 0.4:
        return arr, regions
    h, w = arr.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    j = 0.03
    dst = src + np.array([[rng.uniform(-j, j) * w, rng.uniform(-j, j) * h] for _ in range(4)], np.float32)
    ang = np.deg2rad(rng.uniform(-3, 3))
    c = np.array([w / 2, h / 2], np.float32)
    R = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]], np.float32)
    dst = (dst - c) @ R.T + c
    M = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    out = cv2.warpPerspective(arr, M, (w, h), borderMode=cv2.BORDER_REPLICATE)
    moved = []
    for r in regions:
        q = cv2.perspectiveTransform(r.quad[None].astype(np.float32), M)[0]
        moved.append(SceneText(q, r.text, r.vertical))
    return out, moved


def _degrade(arr: np.ndarray, rng: random.Random) -> np.ndarray:
    if rng.random() < 0.3:
        k = rng.choice([3, 5])
        arr = cv2.GaussianBlur(arr, (k, k), 0)
    if rng.random() < 0.3:
        noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(3, 12), arr.shape)
        arr = np.clip(arr.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        ok, enc = cv2.imencode(".jpg", arr[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 85)])
        if ok:
            arr = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(arr)

