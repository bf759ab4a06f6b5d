#!/usr/bin/env python
"""Generalization bench: Korean lines that no korocr code rendered, in fonts and texts training never saw.

What differs from training, by construction:
  * renderer: Chromium headless (Skia + HarfBuzz, browser layout), driven through Selenium/ChromeDriver; training
    renders with Pillow/FreeType and skia-python, never a browser;
  * fonts: faces excluded from every korocr training recipe (``HELD_OUT`` below: IBM Plex Sans KR, Gowun Batang,
    Gowun Dodum, Song Myung, Sunflower, Orbit, D2Coding, Un Dotum, Un Graphic, Nanum Square Round, Nanum Barun Pen);
  * texts: Korean documentation prose (Debian's ``debian-faq-ko`` and ``gimp-help-ko`` HTML), a domain the training
    corpus (NSMC reviews, chatbot Q/A, word lists, Faker/Babel) lacks; digit lines from this file's own formats;
  * geometry: crops from the browser's own text boxes (DOM client rects), at margins 0-0.5 of the font size,
    tight to the ink, and at font sizes 16-64 px.
Not used (reserved for the project's own evaluation): fonts-baekmuk, xfonts-baekmuk, fonts-unfonts-extra, konlpy
corpora, Debian's Korean gettext catalogs, ../shared/data/real.

Sets: clean (dark on light, 18-40 px), degraded (the same kind of lines with blur, down-scaling, JPEG, noise, low
contrast, slight rotation), vertical (``writing-mode: vertical-rl``, upright syllables), digits (prices, dates,
phone numbers), margins (the clean lines' first ``--sweep-n`` re-cropped at margins 0/0.1/0.2/0.35/0.5 em and
tight to the ink) and sizes (``--sweep-n`` lines, each in one font, weight and colour, at 16/24/32/48/64 px). The
two sweeps report worst / best CER with a 95 % paired bootstrap interval over lines. With ``--hanja-texts`` (the ``hanja_heldout.txt`` that
scripts/build_corpus.py writes: NSMC reviews with Hanja, kept out of the training corpus), also hanja: those lines
(up to 60 characters) in the held-out fonts that have their glyphs; training renders Hanja only in
korocr.synth.domains.hanja_text's random compounds, never these texts.

Each engine reads the same PNG crops in one run: korocr models (``--rec-model``, repeatable; default: the bundled
one) and Tesseract 5 ``kor+eng --psm 7`` (``kor_vert --psm 5`` for vertical). Reported per set: CER with and without
spaces, exact-line accuracy, error rates by the reference character's class (hangul, digit, latin, symbol, space),
lines/s.

    apt-get install chromium chromium-driver tesseract-ocr tesseract-ocr-kor tesseract-ocr-kor-vert \
        debian-faq-ko gimp-help-ko ; pip install selenium ; bash scripts/fetch_fonts.sh cache/fonts/npm
    python bench/bench_general.py --out cache/bench_general --rec-model default --rec-model runs/X/model.onnx
"""

from __future__ import annotations

import argparse
import base64
import glob
import html
import json
import os
import random
import re
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

HELD_OUT = ["IBMPlexSansKR*", "GowunBatang*", "GowunDodum*", "SongMyung*", "Sunflower*", "Orbit*", "D2Coding*",
            "UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*"]
TEXT_SOURCES = ["/usr/share/doc/debian/FAQ/ko/*.html", "/usr/share/gimp/2.0/help/ko/*.html"]
MARGINS = (0.0, 0.1, 0.2, 0.35, 0.5)
SIZES = (16, 24, 32, 48, 64)
STD_MARGIN = 0.15  # em on each side for the clean/degraded/digits crops


# --- texts --------------------------------------------------------------------------------------------------
class _Text(HTMLParser):
    BLOCK = {"p", "li", "td", "th", "h1", "h2", "h3", "h4", "dt", "dd", "title", "div", "br", "tr"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "pre", "code"):
            self.skip += 1
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "pre", "code"):
            self.skip = max(0, self.skip - 1)
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def held_out_texts(charset, seed: int = 0) -> list[str]:
    """Korean prose lines (4-60 characters, mostly Hangul) from the Debian FAQ and GIMP help in Korean."""
    from korocr.text.charsets import nfc

    files = sorted(f for pat in TEXT_SOURCES for f in glob.glob(pat))
    if not files:
        raise SystemExit("bench_general: no held-out texts; apt-get install debian-faq-ko gimp-help-ko")
    segs: set[str] = set()
    for f in files:
        p = _Text()
        p.feed(Path(f).read_text(encoding="utf-8", errors="replace"))
        for block in "".join(p.parts).split("\n"):
            block = nfc(" ".join(html.unescape(block).split()))
            for sent in re.split(r"(?<=[.?!])\s+", block):
                hangul = sum("\uac00" <= c <= "\ud7a3" for c in sent)
                if len(sent) < 4 or hangul < 0.4 * len(sent) or charset.missing(sent):
                    continue
                while len(sent) > 60:  # cut long sentences at a space
                    cut = sent.rfind(" ", 20, 60)
                    cut = cut if cut > 0 else 60
                    segs.add(sent[:cut].strip())
                    sent = sent[cut:].strip()
                if len(sent) >= 4:
                    segs.add(sent)
    out = sorted(segs)
    random.Random(seed).shuffle(out)
    return out


def digit_lines(rng: random.Random, n: int) -> list[str]:
    """Prices, dates and phone numbers in formats common on Korean receipts, forms and signs."""
    out = []
    for _ in range(n):
        k = rng.randrange(9)
        v = rng.randint(1, 9999) * rng.choice((10, 100, 1000))
        if k == 0:
            out.append(f"{v:,}원")
        elif k == 1:
            out.append(f"₩{v:,}")
        elif k == 2:
            out.append(f"{rng.choice(['합계', '결제금액', '판매가', '정가', '할인'])} {v:,}원")
        elif k == 3:
            out.append(f"{rng.randint(1990, 2035)}년 {rng.randint(1, 12)}월 {rng.randint(1, 31)}일")
        elif k == 4:
            out.append(f"{rng.randint(1990, 2035)}.{rng.randint(1, 12):02d}.{rng.randint(1, 31):02d}"
                       + (f" {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}" if rng.random() < 0.5 else ""))
        elif k == 5:
            out.append(f"010-{rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}")
        elif k == 6:
            out.append(f"0{rng.choice([2, 31, 32, 51, 53, 62, 64])}-{rng.randint(100, 9999)}-{rng.randint(0, 9999):04d}")
        elif k == 7:
            out.append(f"TEL. {rng.choice(['1588', '1577', '1644'])}-{rng.randint(0, 9999):04d}")
        else:
            out.append(f"{rng.randint(1, 99)}개 x {rng.randint(1, 999) * 10:,} = {v:,}")
    return out


# --- fonts ----------------------------------------------------------------------------------------------------
def held_out_fonts(font_dir: str | None) -> list:
    from korocr.synth.fonts import discover_fonts

    fonts = discover_fonts(extra=[font_dir] if font_dir and os.path.isdir(font_dir) else [], include=HELD_OUT)
    if not fonts:
        raise SystemExit("bench_general: no held-out fonts found (bash scripts/fetch_fonts.sh cache/fonts/npm)")
    return fonts


def _face_css(fonts) -> tuple[str, list[str]]:
    css, fams = [], []
    for i, f in enumerate(fonts):
        fam = f"bf{i}"
        src = Path(f.spec.path).resolve().as_uri()
        # a collection face: Chromium takes the first face of a TTC; D2Coding's first face is its regular
        css.append(f"@font-face {{ font-family: '{fam}'; src: url('{src}'); }}")
        fams.append(fam)
    return "\n".join(css), fams


# --- rendering with Chromium ----------------------------------------------------------------------------------
def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--force-device-scale-factor=1", "--hide-scrollbars", "--allow-file-access-from-files",
              "--font-render-hinting=none"):
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}")
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def render_items(driver, items: list[dict], css: str, work: Path) -> list[tuple[np.ndarray, dict]]:
    """Lay out items (text, family, size, color, bg, vertical, weight) in one page and return, per item, the
    screenshot of its padded cell (RGB) and the text box of its span within that cell (x, y, w, h px)."""
    import cv2

    cells = []
    for i, it in enumerate(items):
        style = (f"font-family: '{it['family']}'; font-size: {it['size']}px; color: {it['color']}; "
                 f"font-weight: {it.get('weight', 400)}; letter-spacing: {it.get('spacing', 0)}em;")
        if it.get("vertical"):
            style += " writing-mode: vertical-rl; text-orientation: upright;"
        pad = int(it["size"] * 1.2) + 8
        cells.append(f"<div class='c' style='padding:{pad}px; background:{it['bg']}'>"
                     f"<span id='s{i}' style=\"{style}\">{html.escape(it['text'])}</span></div>")
    page = (f"<!doctype html><html><head><meta charset='utf-8'><style>{css}\n"
            "body{margin:0} .c{display:block; width:max-content; white-space:pre; line-height:1.5}</style></head>"
            f"<body>{''.join(cells)}</body></html>")
    path = work / "page.html"
    path.write_text(page, encoding="utf-8")
    driver.get(path.resolve().as_uri())
    driver.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done(1));")
    boxes = driver.execute_script("""
        const out = [];
        document.querySelectorAll('.c').forEach((c, i) => {
          const s = c.firstElementChild; const r = s.getBoundingClientRect(); const cr = c.getBoundingClientRect();
          out.push([cr.left + scrollX, cr.top + scrollY, cr.width, cr.height, r.left - cr.left, r.top - cr.top,
                    r.width, r.height]);
        });
        return out;""")
    width = int(max(b[0] + b[2] for b in boxes)) + 1
    height = int(max(b[1] + b[3] for b in boxes)) + 1
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
    img = cv2.imdecode(np.frombuffer(base64.b64decode(shot["data"]), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    out = []
    for it, b in zip(items, boxes):
        x, y, w, h = (int(round(v)) for v in b[:4])
        cell = np.ascontiguousarray(img[y:y + h, x:x + w])
        out.append((cell, {"x": b[4], "y": b[5], "w": b[6], "h": b[7]}))
    return out


def crop(cell: np.ndarray, box: dict, size: int, margin: float | None) -> np.ndarray:
    """The text box (``margin`` × font size px added on each side), or, with ``margin=None``, the ink."""
    if margin is None:
        g = cell.astype(np.int16).mean(-1)
        bg = np.median(np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]]))
        ys, xs = np.nonzero(np.abs(g - bg) > 40)
        if len(xs) == 0:
            return cell
        return cell[ys.min(): ys.max() + 1, xs.min(): xs.max() + 1]
    m = margin * size
    x0, y0 = int(np.floor(box["x"] - m)), int(np.floor(box["y"] - m))
    x1, y1 = int(np.ceil(box["x"] + box["w"] + m)), int(np.ceil(box["y"] + box["h"] + m))
    h, w = cell.shape[:2]
    return cell[max(0, y0):min(h, y1), max(0, x0):min(w, x1)]


def degrade(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """Blur, down-scaling, JPEG, noise and a small rotation (OpenCV; not the training augmentation code)."""
    import cv2

    out = img.copy()
    g = np.random.default_rng(rng.getrandbits(32))
    if rng.random() < 0.5:
        h, w = out.shape[:2]
        a = rng.uniform(-1, 1) * min(2.0, float(np.degrees(np.arctan(0.25 * h / w))))  # ends stay in the crop
        M = cv2.getRotationMatrix2D((w / 2, h / 2), a, 1.0)
        out = cv2.warpAffine(out, M, (w, h), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.6:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 1.4))
    if rng.random() < 0.5:
        f = rng.uniform(0.45, 0.75)
        h, w = out.shape[:2]
        small = cv2.resize(out, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
        out = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.6:
        out = np.clip(out.astype(np.float32) + g.normal(0, rng.uniform(4, 14), out.shape), 0, 255).astype(np.uint8)
    if rng.random() < 0.7:
        ok, enc = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, rng.randint(15, 45)])
        out = cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


def build(out: Path, font_dir: str | None, n: int, seed: int = 7, only: tuple[str, ...] = (),
          sweep_n: int | None = None) -> None:
    """Render every set (or those in ``only``; the others' files are left as they are, and all sets' texts, fonts and
    degradations are drawn as in a full render) into ``out/<set>/NNNN.png`` + ``out/<set>/labels.tsv`` (file, text,
    font, size). The margins and sizes sweeps take ``sweep_n`` lines (default ``n // 3``)."""
    import cv2

    from korocr.text.charsets import Charset

    rng = random.Random(seed)
    sweep_n = min(sweep_n or n // 3, n)
    charset = Charset.default()
    texts = held_out_texts(charset, seed)
    fonts = held_out_fonts(font_dir)
    css, fams = _face_css(fonts)
    keys = [f.spec.key for f in fonts]
    print(f"held-out texts: {len(texts)} lines; fonts: {len(fonts)} ({', '.join(keys)})", flush=True)
    pool = iter(texts)

    def pick_font(text: str, r: random.Random) -> int:
        cands = [i for i, f in enumerate(fonts) if f.covers(text)]
        return r.choice(cands)

    def light(r: random.Random) -> tuple[str, str]:
        bg = r.choice(["#ffffff", "#ffffff", "#f7f7f2", "#fdf6e3", "#eef2f7", "#f0f0f0"])
        fg = r.choice(["#000000", "#111111", "#222222", "#333333", "#1a237e", "#3e2723"])
        return fg, bg

    def items_for(lines, sizes, vertical=False, low_contrast=False, r=rng):
        items = []
        for t, s in zip(lines, sizes):
            fi = pick_font(t, r)
            fg, bg = light(r)
            if low_contrast:
                v = r.randint(90, 140)
                fg = f"rgb({v},{v},{v})"
                bg = f"rgb({v + r.randint(60, 100)},{v + r.randint(60, 100)},{v + r.randint(60, 100)})"
            items.append({"text": t, "family": fams[fi], "font": keys[fi], "size": s, "color": fg, "bg": bg,
                          "vertical": vertical, "weight": r.choice([400, 400, 400, 700]),
                          "spacing": r.choice([0, 0, 0, 0, 0.05, 0.15])})
        return items

    sets: dict[str, list[dict]] = {}
    clean = [next(pool) for _ in range(n)]
    sets["clean"] = items_for(clean, [rng.randint(18, 40) for _ in clean])
    deg = [next(pool) for _ in range(n)]
    sets["degraded"] = items_for(deg, [rng.randint(14, 32) for _ in deg],
                                 low_contrast=False)
    for it in sets["degraded"][: n // 3]:  # a third also in low contrast
        v = rng.randint(90, 140)
        it["color"], it["bg"] = f"rgb({v},{v},{v})", f"rgb({v + 80},{v + 80},{v + 75})"
    vert = []
    while len(vert) < n // 3:
        t = "".join(next(pool).split())[: rng.randint(2, 10)]
        if all("\uac00" <= c <= "\ud7a3" or c.isdigit() for c in t) and len(t) >= 2:
            vert.append(t)
    sets["vertical"] = items_for(vert, [rng.randint(24, 48) for _ in vert], vertical=True)
    digits = digit_lines(rng, n // 2)
    sets["digits"] = items_for(digits, [rng.randint(18, 40) for _ in digits])
    size_lines = [next(pool) for _ in range(n // 3)]
    # The sweep holds everything but the size fixed: each line keeps one font, weight, spacing and colours at every
    # size. (Until session 8 every size drew its own; the draws are still made so the other sets render unchanged.)
    # ``sweep_n`` lines in all: the first n // 3 as drawn before, the rest from a separate generator.
    drawn = [items_for(size_lines, [s] * len(size_lines)) for s in SIZES]
    more = [next(pool) for _ in range(max(0, sweep_n - len(size_lines)))]
    sweep = (drawn[0] + items_for(more, [SIZES[0]] * len(more), r=random.Random(seed + 3)))[:sweep_n]
    sets["sizes"] = [dict(it, size=s) for s in SIZES for it in sweep]

    work = Path(tempfile.mkdtemp(prefix="bench-general-"))
    driver = _driver()
    try:
        for name, items in sets.items():
            if only and name not in only:
                continue
            d = out / name
            d.mkdir(parents=True, exist_ok=True)
            rows = []
            rendered = []
            for k in range(0, len(items), 60):
                rendered += render_items(driver, items[k:k + 60], css, work)
            if name == "clean":  # margins: the first sweep_n clean lines at every margin and tight to the ink
                md = out / "margins"
                md.mkdir(parents=True, exist_ok=True)
                mrows = []
                for i, ((cell, box), it) in enumerate(list(zip(rendered, items))[:sweep_n]):
                    for m in (*MARGINS, None):
                        tag = "ink" if m is None else f"m{m:.2f}"
                        fn = f"{i:04d}_{tag}.png"
                        cv2.imwrite(str(md / fn), crop(cell, box, it["size"], m)[..., ::-1])
                        mrows.append(f"{fn}\t{it['text']}\t{it['font']}\t{it['size']}\t{tag}")
                (md / "labels.tsv").write_text("\n".join(mrows) + "\n", encoding="utf-8")
            for i, ((cell, box), it) in enumerate(zip(rendered, items)):
                img = crop(cell, box, it["size"], STD_MARGIN)
                if name == "degraded":
                    img = degrade(img, rng)
                fn = f"{i:04d}.png"
                cv2.imwrite(str(d / fn), img[..., ::-1])
                tag = f"{it['size']}px" if name == "sizes" else ""
                rows.append(f"{fn}\t{it['text']}\t{it['font']}\t{it['size']}\t{tag}")
            (d / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
            print(f"rendered {name}: {len(rows)}", flush=True)
    finally:
        driver.quit()
    (out / "DONE").write_text(json.dumps({"n": n, "seed": seed, "sweep_n": sweep_n}))


def build_hanja(out: Path, font_dir: str | None, texts_file: Path, n: int, seed: int = 7) -> None:
    """Render the ``hanja`` set into ``out/hanja``: lines of ``texts_file`` with at least one basic Hanja, cut to
    60 characters at a space, in the held-out fonts that cover them (dark on light, 18-40 px)."""
    import cv2

    from korocr.text.charsets import Charset, nfc

    rng = random.Random(seed + 1)
    charset = Charset.default_jamo_hanja()
    fonts = held_out_fonts(font_dir)
    lines = []
    for t in texts_file.read_text(encoding="utf-8").splitlines():
        t = nfc(" ".join(t.split()))
        while len(t) > 60:
            cut = t.rfind(" ", 20, 60)
            t = t[:cut if cut > 0 else 60].strip()
        if (len(t) >= 2 and not charset.missing(t) and any("\u4e00" <= c <= "\u9fff" for c in t)
                and any(f.covers(t) for f in fonts)):
            lines.append(t)
    rng.shuffle(lines)
    lines = lines[:n]
    css, fams = _face_css(fonts)
    items = []
    for t in lines:
        fi = rng.choice([i for i, f in enumerate(fonts) if f.covers(t)])
        items.append({"text": t, "family": fams[fi], "font": fonts[fi].spec.key, "size": rng.randint(18, 40),
                      "color": rng.choice(["#000000", "#222222", "#1a237e"]),
                      "bg": rng.choice(["#ffffff", "#f7f7f2", "#eef2f7"]), "vertical": False,
                      "weight": rng.choice([400, 400, 700]), "spacing": 0})
    work = Path(tempfile.mkdtemp(prefix="bench-general-hanja-"))
    driver = _driver()
    try:
        rendered = []
        for k in range(0, len(items), 60):
            rendered += render_items(driver, items[k:k + 60], css, work)
    finally:
        driver.quit()
    d = out / "hanja"
    d.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, ((cell, box), it) in enumerate(zip(rendered, items)):
        fn = f"{i:04d}.png"
        cv2.imwrite(str(d / fn), crop(cell, box, it["size"], STD_MARGIN)[..., ::-1])
        rows.append(f"{fn}\t{it['text']}\t{it['font']}\t{it['size']}\t")
    (d / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"rendered hanja: {len(rows)} (of {len(lines)} lines from {texts_file})", flush=True)


# --- scoring --------------------------------------------------------------------------------------------------
def char_class(c: str) -> str:
    if "\uac00" <= c <= "\ud7a3" or "\u3131" <= c <= "\u318e":
        return "hangul"
    if "\u4e00" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff":
        return "hanja"
    if c.isdigit():
        return "digit"
    if c.isascii() and c.isalpha():
        return "latin"
    if c.isspace():
        return "space"
    return "symbol"


class Score:
    def __init__(self) -> None:
        from korocr.evaluation.metrics import CERAccumulator

        self.acc = CERAccumulator()
        self.cls_err: dict[str, int] = {}
        self.cls_n: dict[str, int] = {}

    def add(self, pred: str, ref: str) -> None:
        from rapidfuzz.distance import Levenshtein

        from korocr.text.charsets import nfc

        self.acc.update(pred, ref)
        p, r = " ".join(nfc(pred).split()), " ".join(nfc(ref).split())
        for c in r:
            self.cls_n[char_class(c)] = self.cls_n.get(char_class(c), 0) + 1
        for op in Levenshtein.editops(r, p):  # edits attributed to the reference character they touch
            c = r[op.src_pos] if op.src_pos < len(r) else r[-1:] or " "
            k = char_class(c)
            self.cls_err[k] = self.cls_err.get(k, 0) + 1

    def row(self) -> dict:
        d = self.acc.as_dict()
        d["by_class"] = {k: round(self.cls_err.get(k, 0) / n, 4) for k, n in sorted(self.cls_n.items())}
        return d


def read_set(d: Path) -> list[tuple[Path, str, str, int, str]]:
    rows = []
    for ln in (d / "labels.tsv").read_text(encoding="utf-8").splitlines():
        fn, text, font, size, tag = ln.split("\t")
        rows.append((d / fn, text, font, int(size), tag))
    return rows


def tesseract(paths: list[Path], psm: int, lang: str) -> tuple[list[str], float]:
    """One tesseract process over all crops (bench_read's runner): texts and seconds."""
    from bench_read import tesseract_lines

    return tesseract_lines(paths, psm, lang)


def korocr_reader(model: str, rec_options: dict | None = None, decoder: str | None = None):
    """A Reader of ``model``; ``rec_options`` go to TrOCR and Inverse DALL-E models (``num_beams``; ``lm_weight``
    to Inverse DALL-E only), ``decoder`` ("greedy"/"beam") to CTC models."""
    from korocr.hub import resolve_rec_model
    from korocr.reader import Reader

    family = "onnx-ctc" if model == "default" else resolve_rec_model(model).family
    if rec_options and family == "inverse-dalle":
        rec_options = {k: v for k, v in rec_options.items() if k in ("num_beams", "lm_weight")}
    elif rec_options:
        rec_options = {k: v for k, v in rec_options.items() if k != "lm_weight"}
    opts = rec_options if rec_options and family in ("trocr", "inverse-dalle") else None
    if decoder and family == "onnx-ctc":
        opts = {"decoder": decoder}
    return Reader(rec_model=None if model == "default" else model, threads=2, rec_options=opts)


def run_engine(name: str, rows, vertical: bool, engine) -> tuple[list[str], float]:
    from korocr.io.image import load_image

    if name == "tesseract":
        return tesseract([r[0] for r in rows], 5 if vertical else 7, "kor_vert" if vertical else "kor+eng")
    imgs = [load_image(r[0]) for r in rows]
    t = time.perf_counter()
    pages = list(engine.read_many(imgs, line=True, vertical=vertical))
    dt = time.perf_counter() - t
    texts = [p.text for p in pages]
    if vertical:
        texts = ["".join(t.split()) for t in texts]
    return texts, dt


ALL_SETS = ("clean", "degraded", "vertical", "digits", "margins", "sizes", "hanja")


def evaluate(out: Path, models: list[str], with_tesseract: bool, log_dir: Path | None,
             sets: tuple[str, ...] = ALL_SETS, rec_options: dict | None = None, max_lines: int | None = None,
             decoders: list[str] | None = None) -> dict:
    engines = {f"korocr:{m}" + (f"@{d}" if d else ""): korocr_reader(m, rec_options, d)
               for m in models for d in (decoders or [None])}
    if with_tesseract:
        engines["tesseract"] = None
    results: dict = {}
    for set_name in sets:
        if not (out / set_name / "labels.tsv").exists():
            print(f"{set_name}: not rendered, skipped", flush=True)
            continue
        rows = read_set(out / set_name)[:max_lines]
        vertical = set_name == "vertical"
        for ename, eng in engines.items():
            preds, dt = run_engine("tesseract" if eng is None else ename, rows, vertical, eng)
            groups: dict[str, Score] = {}
            for r, p in zip(rows, preds):
                key = r[4] if set_name in ("margins", "sizes") else "all"
                groups.setdefault(key, Score()).add(p, r[1])
            res = {k: v.row() for k, v in groups.items()}
            if set_name in ("margins", "sizes"):
                res["spread"] = sweep_spread(rows, preds)
            res["lines_per_s"] = round(len(rows) / max(dt, 1e-9), 1)
            results.setdefault(set_name, {})[ename] = res
            if log_dir is not None:
                log_dir.mkdir(parents=True, exist_ok=True)
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", ename)
                with open(log_dir / f"{set_name}.{safe}.tsv", "w", encoding="utf-8") as fh:
                    fh.write("image\tground_truth\tprediction\tfont\tsize\ttag\n")
                    for r, p in zip(rows, preds):
                        fh.write(f"{r[0].name}\t{r[1]}\t{p}\t{r[2]}\t{r[3]}\t{r[4]}\n")
            a = res.get("all") or next(iter(res.values()))
            print(f"{set_name:9s} {ename:40s} CER {a['cer']:.3f} (no sp {a['cer_nospace']:.3f}) "
                  f"exact {a['accuracy']:.3f}  {res['lines_per_s']} lines/s", flush=True)
    return results


def sweep_spread(rows, preds, n_boot: int = 2000, seed: int = 0) -> dict:
    """Worst / best CER over a sweep's conditions (margins or sizes), with a 95 % paired bootstrap interval.

    The same lines (keyed by text and font) appear under every condition; each bootstrap sample redraws lines with
    replacement and keeps all their conditions, so the interval shows how much of the ratio is the luck of which
    lines were drawn. CER here is edit distance over reference length, spaces collapsed to one.
    """
    from rapidfuzz.distance import Levenshtein

    from korocr.text.charsets import nfc

    per: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
    for r, p in zip(rows, preds):
        ref, hyp = " ".join(nfc(r[1]).split()), " ".join(nfc(p).split())
        per.setdefault(r[4], {})[(r[1], r[2])] = (Levenshtein.distance(hyp, ref), max(len(ref), 1))
    tags = sorted(per)
    keys = sorted(set.intersection(*(set(v) for v in per.values())))
    if len(tags) < 2 or not keys:
        return {}
    err = np.array([[per[t][k][0] for t in tags] for k in keys], float)
    ln = np.array([[per[t][k][1] for t in tags] for k in keys], float)

    def ratio(idx):
        cer = err[idx].sum(0) / ln[idx].sum(0)
        return cer.max() / max(cer.min(), 1e-9), cer

    r0, cer0 = ratio(np.arange(len(keys)))
    g = np.random.default_rng(seed)
    boots = [ratio(g.integers(0, len(keys), len(keys)))[0] for _ in range(n_boot)]
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return {"worst": tags[int(cer0.argmax())], "best": tags[int(cer0.argmin())], "ratio": round(float(r0), 2),
            "ci95": [round(float(lo), 2), round(float(hi), 2)], "errors": {t: int(e) for t, e in zip(tags, err.sum(0))},
            "lines": len(keys)}


def to_markdown(results: dict) -> str:
    lines = []
    for set_name, engines in results.items():
        lines.append(f"\n### {set_name}\n")
        keys = sorted({k for e in engines.values() for k in e if k not in ("lines_per_s", "spread")},
                      key=lambda k: (k != "all", [float(x) if x.replace('.', '', 1).isdigit() else x
                                                  for x in re.findall(r"[\d.]+|\D+", k)]))
        lines.append("| engine | subset | CER | CER (no spaces) | exact lines | errors by class | lines/s |")
        lines.append("|---|---|---|---|---|---|---|")
        for ename, res in engines.items():
            for k in keys:
                if k not in res:
                    continue
                r = res[k]
                bc = ", ".join(f"{c} {v:.3f}" for c, v in r["by_class"].items())
                lines.append(f"| {ename} | {k} | {r['cer']:.3f} | {r['cer_nospace']:.3f} | {r['accuracy']:.3f} | "
                             f"{bc} | {res['lines_per_s']} |")
        for ename, res in engines.items():
            sp = res.get("spread")
            if sp:
                lines.append(f"\n{ename}: worst / best = {sp['worst']} / {sp['best']} = {sp['ratio']}× (95 % bootstrap "
                             f"over {sp['lines']} lines: {sp['ci95'][0]}-{sp['ci95'][1]}×; errors "
                             + ", ".join(f"{t} {e}" for t, e in sp["errors"].items()) + ")")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="cache/bench_general", help="rendered sets and results")
    ap.add_argument("--font-dir", default="cache/fonts/npm", help="npm fonts (scripts/fetch_fonts.sh)")
    ap.add_argument("--n", type=int, default=300, help="clean and degraded lines (others scale from it)")
    ap.add_argument("--rec-model", action="append", default=None,
                    help="korocr recogniser(s) to score: 'default' or an .onnx (repeatable)")
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--rerender", action="store_true", help="render the sets again")
    ap.add_argument("--sweep-n", type=int, default=None,
                    help="lines in the margins and sizes sweeps (default n // 3; at most n)")
    ap.add_argument("--rerender-sets", nargs="+", choices=("clean", "degraded", "vertical", "digits", "sizes"),
                    default=None, help="render only these sets again, the others stay as rendered (clean includes margins)")
    ap.add_argument("--render-only", action="store_true")
    ap.add_argument("--num-beams", type=int, default=None, help="TrOCR and Inverse DALL-E models: beam width")
    ap.add_argument("--lm-weight", type=float, default=None,
                    help="Inverse DALL-E models: weight of the model's text_lm.npz (default: its own; 0: off)")
    ap.add_argument("--max-lines", type=int, default=None, help="score only the first N lines of each set")
    ap.add_argument("--decoder", nargs="+", choices=("greedy", "beam"), default=None,
                    help="CTC models: score each with these decoders (engine names get @greedy / @beam); default: "
                         "the recogniser's own")
    ap.add_argument("--ctc-weight", type=float, default=None,
                    help="TrOCR models with an encoder CTC head: joint CTC/attention decoding weight")
    ap.add_argument("--hanja-texts", type=Path, default=None,
                    help="held-out lines with Hanja (hanja_heldout.txt of scripts/build_corpus.py): adds the hanja set")
    ap.add_argument("--sets", nargs="+", choices=ALL_SETS, default=list(ALL_SETS), help="sets to score")
    ap.add_argument("--results", default="results", help="name of the results files (.json, .md) in --out")
    args = ap.parse_args()
    out = Path(args.out)
    done = out / "DONE"
    if args.rerender or not done.exists() or json.loads(done.read_text()).get("n") != args.n:
        build(out, args.font_dir, args.n, sweep_n=args.sweep_n)
    elif args.rerender_sets:
        build(out, args.font_dir, args.n, only=tuple(args.rerender_sets), sweep_n=args.sweep_n)
    if args.hanja_texts and (args.rerender or not (out / "hanja" / "labels.tsv").exists()):
        build_hanja(out, args.font_dir, args.hanja_texts, args.n)
    if args.render_only:
        return
    trocr = {k: v for k, v in (("num_beams", args.num_beams), ("ctc_weight", args.ctc_weight),
                               ("lm_weight", args.lm_weight)) if v is not None}
    results = evaluate(out, args.rec_model or ["default"], not args.no_tesseract, out / "logs", tuple(args.sets),
                       trocr, args.max_lines, args.decoder)
    (out / f"{args.results}.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    md = to_markdown(results)
    (out / f"{args.results}.md").write_text(md, encoding="utf-8")
    print(md)


if __name__ == "__main__":
    main()
