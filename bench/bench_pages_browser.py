#!/usr/bin/env python
"""Page bench korocr cannot fit by construction: HTML pages laid out and rendered by Chromium, read by korocr and by
Tesseract 5 (``kor+eng --psm 3``) in one run.

What differs from training: the renderer and layout engine (Chromium, not korocr's page synthesiser), the fonts
and texts (held out, as in ``bench_general.py``: documentation prose from debian-faq-ko / gimp-help-ko, bench-own
prices, dates and phone numbers), and the page kinds: 1- and 2-column prose, forms/tables, receipts (monospace,
narrow, totals in large type), slides on coloured backgrounds, mixed sizes (8-40 pt), vertical columns, low
contrast, a size sweep (one line each at 8 to 200 px, with the lines found per size), plus degraded copies (blur,
JPEG, noise, small rotation, perspective).

Ground truth comes from the layout engine: every character's client rect (DOM ``Range``) is grouped into lines;
a line's box is the union of its characters' rects and its text their concatenation, in DOM order (the reading
order of the page: columns one after the other, tables row by row).

Reported per kind and engine: page CER without spaces (lines joined in reading order), line detection
precision / recall / H-mean at IoU 0.5 (korocr: the boxes of the lines it returns, as for Tesseract; before
session 12, the detector's regions), pages that came back empty, and s/page. The layout engine's boxes are
the fonts' content areas (ascent to descent, about 1.5 em for Korean faces), twice the height of the ink of a
line of Hangul, so a detector that boxes the ink (as ICDAR-style ground truth does) matches them at IoU near 0.5
by chance. The H-mean is therefore also reported against the same boxes tightened to the ink inside them
(:func:`ink_box`; "H ink").

    python bench/bench_pages_browser.py --out cache/bench_pages_browser [--pages-per-kind 6]
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_general import _driver, _face_css, digit_lines, held_out_fonts, held_out_texts  # noqa: E402

KINDS = ("prose1", "prose2", "table", "receipt", "slide", "mixed", "vertical", "lowcontrast", "sizes")
SWEEP_PX = (8, 10, 12, 16, 24, 32, 48, 64, 96, 128, 160, 200)  # the "sizes" page: one line per font size
DEGRADED_FROM = ("prose1", "table", "receipt", "mixed")
PAGE_W = 1240  # px, A4 at 150 dpi

CHAR_RECTS_JS = """
const out = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
let node, block = 0, lastParent = null;
while ((node = walker.nextNode())) {
  const el = node.parentElement.closest('p,li,td,th,h1,h2,h3,div.ln,div.col,div.v');
  if (el !== lastParent) { block += 1; lastParent = el; }
  const vertical = getComputedStyle(node.parentElement).writingMode.startsWith('vertical');
  const t = node.textContent;
  for (let i = 0; i < t.length; i++) {
    const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
    const b = r.getBoundingClientRect();
    out.push([t[i], b.left + scrollX, b.top + scrollY, b.right + scrollX, b.bottom + scrollY, block, vertical]);
  }
}
return out;
"""


def group_lines(chars: list) -> list[dict]:
    """Characters (ch, x0, y0, x1, y1, block, vertical) in DOM order → lines {text, box, vertical}."""
    lines: list[dict] = []
    cur = None
    for ch, x0, y0, x1, y1, block, vertical in chars:
        if x1 - x0 <= 0 and y1 - y0 <= 0:
            if cur is not None and ch.isspace():
                cur["text"] += " "
            continue
        new = cur is None or cur["block"] != block or cur["vertical"] != vertical
        gap = False
        if not new:
            bx0, by0, bx1, by1 = cur["box"]
            if vertical:  # next column when the character is left of the current column
                new = x1 <= bx0 + 0.3 * (bx1 - bx0)
            else:  # next line when the character starts below the current line's middle
                new = y0 >= (by0 + by1) / 2
                gap = not new and x0 - cur["last_x1"] > 0.3 * (by1 - by0)
                new = new or x0 - cur["last_x1"] > 1.5 * (by1 - by0)  # a separate segment (table/receipt column)
        if gap:
            cur["text"] += " "
        if new:
            if cur is not None:
                lines.append(cur)
            cur = {"text": "", "box": [x0, y0, x1, y1], "block": block, "vertical": vertical}
        cur["text"] += ch
        cur["last_x1"] = x1
        b = cur["box"]
        cur["box"] = [min(b[0], x0), min(b[1], y0), max(b[2], x1), max(b[3], y1)]
    if cur is not None:
        lines.append(cur)
    out = []
    for ln in lines:
        t = " ".join(ln["text"].split())
        if t:
            out.append({"text": t, "box": [int(v) for v in ln["box"]], "vertical": ln["vertical"]})
    return out


def page_html(kind: str, rng: random.Random, texts, fams: list[str], css: str, mono: str | None) -> str:
    def take(n_chars: int) -> str:
        out = ""
        while len(out) < n_chars:
            out += next(texts) + " "
        return html.escape(out.strip())

    fam = rng.choice(fams)
    fg, bg = "#111", rng.choice(["#ffffff", "#fbfaf5", "#f4f4f4"])
    body = ""
    width = PAGE_W
    style = ""
    if kind in ("prose1", "prose2", "lowcontrast"):
        size = rng.randint(15, 22)
        cols = 2 if kind == "prose2" else 1
        if kind == "lowcontrast":
            v = rng.randint(110, 150)
            fg, bg = f"rgb({v},{v},{v})", f"rgb({v + 70},{v + 70},{v + 66})"
            size = rng.randint(12, 16)
        body = f"<h1 style='font-size:{size * 2}px'>{take(20)}</h1>"
        body += f"<div style='column-count:{cols}; column-gap:60px'>"
        body += "".join(f"<p>{take(rng.randint(120, 300))}</p>" for _ in range(rng.randint(3, 5)))
        body += "</div>"
        style = f"font-size:{size}px; line-height:1.6"
    elif kind == "table":
        size = rng.randint(14, 18)
        rows = "".join(f"<tr><th>{take(6)}</th><td>{take(rng.randint(8, 24))}</td><td>{html.escape(d)}</td></tr>"
                       for d in digit_lines(rng, rng.randint(8, 14)))
        body = (f"<h2>{take(14)}</h2><table style='border-collapse:collapse' border='1' cellpadding='8'>"
                f"{rows}</table><p>{take(150)}</p>")
        style = f"font-size:{size}px"
    elif kind == "receipt":
        width = 560
        fam = mono or fam
        size = rng.randint(14, 18)
        items = "".join(
            f"<div class='ln' style='display:flex; justify-content:space-between'><span>{take(6)[:10]}</span>"
            f"<span>{rng.randint(1, 9)}</span><span>{rng.randint(5, 300) * 100:,}</span></div>"
            for _ in range(rng.randint(6, 12)))
        total = rng.randint(10, 900) * 100
        body = (f"<div class='ln' style='text-align:center; font-size:{size * 2}px; font-weight:700'>영수증</div>"
                f"<div class='ln' style='text-align:center'>{take(10)[:14]}</div>"
                f"<div class='ln'>{html.escape(digit_lines(rng, 1)[0])}</div><hr style='border-top:2px dashed #333'>"
                f"{items}<hr style='border-top:2px dashed #333'>"
                f"<div class='ln' style='display:flex; justify-content:space-between; font-size:{int(size * 1.5)}px;"
                f" font-weight:700'><span>합계</span><span>{total:,}원</span></div>"
                f"<div class='ln' style='display:flex; justify-content:space-between'><span>카드</span>"
                f"<span>{total:,}</span></div>")
        style = f"font-size:{size}px; line-height:1.5"
    elif kind == "slide":
        width = 1280
        bg = rng.choice(["#1e3a5f", "#2d2d2d", "#0b6e4f", "#7b2d26", "linear-gradient(135deg,#283c86,#45a247)"])
        fg = "#ffffff"
        # the bullets are text, not list markers, so that the ground truth (text nodes) holds what the page shows
        body = (f"<h1 style='font-size:{rng.randint(44, 60)}px'>{take(16)}</h1><ul style='list-style:none'>"
                + "".join(f"<li>• {take(rng.randint(14, 30))}</li>" for _ in range(rng.randint(3, 5))) + "</ul>")
        style = f"font-size:{rng.randint(26, 34)}px; min-height:700px"
    elif kind == "mixed":
        body = "".join(f"<div class='ln' style='font-size:{s}px; margin:{s // 2}px 0'>{take(rng.randint(10, 40))}</div>"
                       for s in (rng.choice([11, 13, 16, 20, 27, 36, 44, 53]) for _ in range(rng.randint(8, 12))))
    elif kind == "sizes":  # a size sweep on one page: 8 px to 200 px type
        width = 1600
        body = "".join(f"<div class='ln' style='font-size:{s}px; line-height:1.3; margin:{max(4, s // 4)}px 0'>"
                       f"{take(max(3, min(40, 1300 // s)))[: max(3, min(40, 1300 // s))]}</div>" for s in SWEEP_PX)
    elif kind == "vertical":
        size = rng.randint(24, 40)
        cols = "".join(f"<div class='v' style='writing-mode:vertical-rl; text-orientation:upright; "
                       f"display:inline-block; margin:0 {size}px; vertical-align:top'>"
                       f"{html.escape(''.join(next(texts).split())[: rng.randint(4, 12)])}</div>"
                       for _ in range(rng.randint(3, 6)))
        body = f"<div style='direction:rtl'>{cols}</div>"
        style = f"font-size:{size}px"
    return (f"<!doctype html><html><head><meta charset='utf-8'><style>{css}\n"
            f"body{{margin:0; background:{bg}; color:{fg}}} .page{{width:{width - 120}px; padding:60px; "
            f"font-family:'{fam}'; {style}}} h1,h2{{font-weight:700}}</style></head>"
            f"<body><div class='page'>{body}</div></body></html>")


def degrade_page(img: np.ndarray, lines: list[dict], rng: random.Random) -> tuple[np.ndarray, list[dict]]:
    """Blur, JPEG, noise, a small rotation or a perspective tilt; GT boxes follow the geometry."""
    import cv2

    h, w = img.shape[:2]
    if rng.random() < 0.5:
        M = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-2.5, 2.5), 1.0)
        H = np.vstack([M, [0, 0, 1]])
    else:
        d = 0.03 * min(w, h)
        src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        dst = src + np.float32([[rng.uniform(0, d), rng.uniform(0, d)] for _ in range(4)]) * np.float32(
            [[1, 1], [-1, 1], [-1, -1], [1, -1]])
        H = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(img, H, (w, h), borderMode=cv2.BORDER_REPLICATE)
    new_lines = []
    for ln in lines:
        x0, y0, x1, y1 = ln["box"]
        q = cv2.perspectiveTransform(np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]]), H)[0]
        new_lines.append(dict(ln, box=[int(q[:, 0].min()), int(q[:, 1].min()), int(q[:, 0].max()),
                                       int(q[:, 1].max())]))
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.2))
    g = np.random.default_rng(rng.getrandbits(32))
    out = np.clip(out.astype(np.float32) + g.normal(0, rng.uniform(3, 10), out.shape), 0, 255).astype(np.uint8)
    ok, enc = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 60)])
    return cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1], new_lines


def build(out: Path, font_dir: str, per_kind: int, seed: int = 11) -> None:
    import cv2

    from korocr.text.charsets import Charset

    rng = random.Random(seed)
    texts_all = held_out_texts(Charset.default(), seed)
    texts = iter(texts_all[len(texts_all) // 2:] * 3)  # the half bench_general's line sets use least
    fonts = held_out_fonts(font_dir)
    css, fams = _face_css(fonts)
    mono = next((fam for fam, f in zip(fams, fonts) if "D2Coding" in f.spec.key), None)
    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    driver = _driver()
    index = []
    try:
        for kind in KINDS:
            for k in range(per_kind):
                page = page_html(kind, rng, texts, fams, css, mono)
                path = work / "p.html"
                path.write_text(page, encoding="utf-8")
                driver.get(path.resolve().as_uri())
                driver.execute_async_script("const done = arguments[0]; document.fonts.ready.then(() => done(1));")
                chars = driver.execute_script(CHAR_RECTS_JS)
                wh = driver.execute_script("return [document.documentElement.scrollWidth, "
                                           "document.documentElement.scrollHeight]")
                shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": wh[0], "height": wh[1], "scale": 1}})
                img = cv2.imdecode(np.frombuffer(base64.b64decode(shot["data"]), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
                lines = group_lines(chars)
                variants = [(kind, img, lines)]
                if kind in DEGRADED_FROM:
                    variants.append(("degraded", *degrade_page(img, lines, rng)))
                for vkind, vimg, vlines in variants:
                    name = f"{vkind}_{kind}_{k:02d}.png"
                    cv2.imwrite(str(out / name), np.ascontiguousarray(vimg[..., ::-1]))
                    index.append({"image": name, "kind": vkind, "lines": vlines})
            print(f"rendered {kind}: {per_kind}", flush=True)
    finally:
        driver.quit()
    (out / "pages.json").write_text(json.dumps(index, ensure_ascii=False))


def ink_box(gray: np.ndarray, box, min_contrast: float = 40.0) -> tuple[int, int, int, int]:
    """``box`` (x0, y0, x1, y1) px tightened to the ink inside it: pixels differing from the box's median (its
    background) by more than ``min_contrast`` grey levels, in rows and columns with at least 2 of them. A box
    with no ink stays as it is."""
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    win = gray[y0:y1, x0:x1].astype(np.float32)
    if win.size == 0:
        return (x0, y0, x1, y1)
    ink = np.abs(win - np.median(win)) > min_contrast
    rows, cols = np.nonzero(ink.sum(1) >= 2)[0], np.nonzero(ink.sum(0) >= 2)[0]
    if not len(rows) or not len(cols):
        return (x0, y0, x1, y1)
    return (x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1)


def tesseract_page(path: Path) -> tuple[str, list[tuple[int, int, int, int]], float]:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t = time.perf_counter()
    tsv = subprocess.run(["tesseract", str(path), "stdout", "-l", "kor+eng", "--psm", "3", "tsv"],
                         capture_output=True, env=env, check=False).stdout.decode("utf-8", "replace")
    dt = time.perf_counter() - t
    words: dict[tuple, list[str]] = {}
    boxes = []
    for row in tsv.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12:
            continue
        key = tuple(f[1:5])
        if f[0] == "4":
            x, y, w, h = map(int, f[6:10])
            boxes.append((x, y, x + w, y + h))
        if f[0] == "5" and f[11].strip():
            words.setdefault(key, []).append(f[11])
    text = "\n".join(" ".join(v) for v in words.values())
    return text, boxes, dt


def evaluate(out: Path, rec_model: str, det_model: str = "default", tesseract: bool = True,
             kinds: list[str] | None = None, max_side: int = 1280) -> dict:
    from korocr.evaluation.detection import DetectionCounts, iou_matrix, match_boxes
    from korocr.evaluation.metrics import CERAccumulator
    from korocr.io.image import load_image
    from korocr.reader import Reader

    index = json.loads((out / "pages.json").read_text(encoding="utf-8"))
    reader = Reader(rec_model, det_model=det_model, threads=2, max_side=max_side)
    res: dict = {}
    for item in index:
        if kinds and item["kind"] not in kinds:
            continue
        img = load_image(out / item["image"])
        ref = "\n".join(ln["text"] for ln in item["lines"])
        gt = [tuple(ln["box"]) for ln in item["lines"]]
        gray = img.mean(2) if img.ndim == 3 else img
        gt_ink = [ink_box(gray, b) for b in gt]
        t = time.perf_counter()
        page = reader.read(img, name=item["image"])
        dt_k = time.perf_counter() - t
        regions = [ln.box for ln in page.lines]  # the lines korocr returns (a skewed page's after straightening)
        engines = [("korocr", page.text, regions, dt_k)]
        if tesseract:
            t_text, t_boxes, dt_t = tesseract_page(out / item["image"])
            engines.append(("tesseract psm3", t_text, t_boxes, dt_t))
        for eng, text, boxes, dt in engines:
            r = res.setdefault(item["kind"], {}).setdefault(eng, {"cer": CERAccumulator(), "det": DetectionCounts(),
                                                                   "det_ink": DetectionCounts(), "empty": 0,
                                                                   "s": 0.0, "n": 0})
            r["cer"].update(text, ref)
            if item["kind"] == "sizes" and boxes:  # recall per ground-truth line height
                ious = iou_matrix([tuple(b) for b in gt], [tuple(b) for b in boxes])
                for g, best in zip(gt, ious.max(1)):
                    hgt = str(int(g[3] - g[1]))
                    hit = r.setdefault("by_height", {}).setdefault(hgt, [0, 0])
                    hit[0] += int(best >= 0.5)
                    hit[1] += 1
            c = match_boxes(boxes, gt)
            r["det"].tp, r["det"].det, r["det"].gt = r["det"].tp + c.tp, r["det"].det + c.det, r["det"].gt + c.gt
            c = match_boxes(boxes, gt_ink)
            d_ink = r["det_ink"]
            d_ink.tp, d_ink.det, d_ink.gt = d_ink.tp + c.tp, d_ink.det + c.det, d_ink.gt + c.gt
            r["empty"] += not text.strip()
            r["s"] += dt
            r["n"] += 1
    table = {}
    for kind, engines in res.items():
        for eng, r in engines.items():
            d = r["det"].as_dict()
            table.setdefault(kind, {})[eng] = {
                "pages": r["n"], "cer_nospace": round(r["cer"].cer_nospace, 4), "precision": round(d["precision"], 3),
                "recall": round(d["recall"], 3), "hmean": round(d["hmean"], 3),
                "hmean_ink": round(r["det_ink"].as_dict()["hmean"], 3), "empty": r["empty"],
                "s_per_page": round(r["s"] / r["n"], 2)}
            if "by_height" in r:  # line box height (px) -> [found, lines]
                table[kind][eng]["found_by_line_height"] = dict(sorted(r["by_height"].items(), key=lambda kv: int(kv[0])))
    return table


def evaluate_rotations(out: Path, rec_model: str, det_model: str, kinds: list[str] | None,
                       angles: list[int]) -> dict:
    """Page CER (no spaces) of each kind read upright and turned clockwise by each of ``angles`` with
    ``Reader(rotate="auto")``, and how often the detected rotation was the right one."""
    import cv2

    from korocr.evaluation.metrics import CERAccumulator
    from korocr.io.image import load_image
    from korocr.reader import Reader

    turn = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    index = json.loads((out / "pages.json").read_text(encoding="utf-8"))
    reader = Reader(rec_model, det_model=det_model, threads=2, rotate="auto")
    res: dict = {}
    for item in index:
        if kinds and item["kind"] not in kinds:
            continue
        img = load_image(out / item["image"])
        ref = "\n".join(ln["text"] for ln in item["lines"])
        for angle in (0, *angles):
            arr = img if angle == 0 else cv2.rotate(img, turn[angle])
            t = time.perf_counter()
            page = reader.read(arr, name=item["image"])
            r = res.setdefault(item["kind"], {}).setdefault(str(angle), {"cer": CERAccumulator(), "right": 0,
                                                                         "n": 0, "s": 0.0})
            r["s"] += time.perf_counter() - t
            r["cer"].update(page.text, ref)
            # a page turned clockwise by `angle` is read upright after turning it counter-clockwise by `angle`
            r["right"] += int(page.rotation == angle)
            r["n"] += 1
    return {kind: {a: {"pages": r["n"], "cer_nospace": round(r["cer"].cer_nospace, 4),
                       "rotation_found": r["right"], "s_per_page": round(r["s"] / r["n"], 2)}
                   for a, r in by.items()} for kind, by in res.items()}


def rotations_markdown(table: dict) -> str:
    lines = ["| kind | turned by | pages | page CER (no spaces) | rotation found | s/page |", "|---|---|---|---|---|---|"]
    for kind, by in table.items():
        for a, r in by.items():
            lines.append(f"| {kind} | {a}° | {r['pages']} | {r['cer_nospace']:.3f} | {r['rotation_found']} | "
                         f"{r['s_per_page']} |")
    return "\n".join(lines) + "\n"


def to_markdown(table: dict) -> str:
    lines = ["| kind | engine | pages | page CER (no spaces) | P | R | H-mean (IoU 0.5) | H ink | empty | s/page |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for kind, engines in table.items():
        for eng, r in engines.items():
            lines.append(f"| {kind} | {eng} | {r['pages']} | {r['cer_nospace']:.3f} | {r['precision']:.3f} | "
                         f"{r['recall']:.3f} | {r['hmean']:.3f} | {r.get('hmean_ink', float('nan')):.3f} | "
                         f"{r['empty']} | {r['s_per_page']} |")
    sweep = [(eng, r["found_by_line_height"]) for eng, r in table.get("sizes", {}).items() if "found_by_line_height" in r]
    if sweep:
        lines += ["", "Size sweep: lines found (IoU 0.5) / lines, by line box height (px)", ""]
        for eng, by in sweep:
            lines.append(f"- {eng}: " + ", ".join(f"{h} px {a}/{b}" for h, (a, b) in by.items()))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="cache/bench_pages_browser")
    ap.add_argument("--font-dir", default="cache/fonts/npm")
    ap.add_argument("--pages-per-kind", type=int, default=6)
    ap.add_argument("--rec-model", default="default")
    ap.add_argument("--rerender", action="store_true")
    ap.add_argument("--seed", type=int, default=11, help="page generator seed (another seed: a fresh set of pages)")
    ap.add_argument("--det-model", default="default")
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--max-side", type=int, default=1280,
                    help="korocr's detector analyses pages with their longer side at most this many px")
    ap.add_argument("--results", default="results")
    ap.add_argument("--kinds", nargs="+", default=None, help="evaluate only these kinds (all are rendered)")
    ap.add_argument("--rotations", type=int, nargs="+", choices=(90, 180, 270), default=None,
                    help="instead of the main table: read each page upright and turned by these angles with "
                         "korocr's --rotate auto, and compare page CER")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.rerender or not (out / "pages.json").exists():
        build(out, args.font_dir, args.pages_per_kind, seed=args.seed)
    if args.rotations:
        table = evaluate_rotations(out, args.rec_model, args.det_model, args.kinds, args.rotations)
        (out / f"{args.results}.json").write_text(json.dumps(table, indent=1))
        md = rotations_markdown(table)
        (out / f"{args.results}.md").write_text(md)
        print(md)
        return
    table = evaluate(out, args.rec_model, args.det_model, not args.no_tesseract, kinds=args.kinds,
                     max_side=args.max_side)
    (out / f"{args.results}.json").write_text(json.dumps(table, indent=1))
    md = to_markdown(table)
    (out / f"{args.results}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
