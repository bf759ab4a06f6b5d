#!/usr/bin/env python
"""Whole-page reading: korocr (text detector + recogniser) vs Tesseract 5 (kor+eng) on the same images, one run.

1. Detection P / R / H-mean (IoU 0.5, one-to-one; :mod:`korocr.evaluation.detection`) on ``--det-pages``
   held-out synthetic scene pages (``korocr.synth.scene``: line blocks, tables, vertical columns, warp,
   degradation) rendered with fonts never used in training (UnDotum*, UnGraphic*, NanumSquareRound*,
   NanumBarunpen*) and a seed the trainer never uses; korocr's detector vs the classical line finder vs
   Tesseract's line boxes (``--psm 3``, TSV).  Then the two real photos with boxes in
   ``bench/real_photo_boxes.json``, with visualisations written to ``--vis-dir``.
2. End-to-end page CER (whitespace-insensitive; prediction = the page's text in korocr's / Tesseract's reading
   order, reference = the page's lines in reading order) on A4 document pages (1240×1754 px, 150 dpi, held-out
   fonts, running text): clean in one and in two columns, and one-column pages degraded by blur, JPEG, low
   contrast or small text.  Seconds per
   page: korocr with 1 and 2 onnxruntime threads, Tesseract with OMP_THREAD_LIMIT=1 (one process over all
   pages, model loaded once).
3. Vertical text: synthetic vertical columns (held-out fonts) and ``inverse_dalle_samples/vertical-*.png``:
   korocr ``--vertical`` (columns cut into upright character cells) vs Tesseract ``kor_vert --psm 5``.

    python bench/bench_pages.py --shared ../shared --out bench/out_pages --vis-dir docs/images
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from korocr.evaluation.detection import DetectionCounts, match_boxes
from korocr.evaluation.metrics import CERAccumulator
from korocr.io.datasets import open_dataset
from korocr.io.image import load_image
from korocr.reader import Reader

HELD_OUT_FONTS = ["UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*"]
HERE = Path(__file__).resolve().parent


# --- Tesseract -------------------------------------------------------------------------------------------
def _tess(paths: list[Path], args: list[str]) -> tuple[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(str(p.resolve()) for p in paths) + "\n")
        lst = fh.name
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t = time.perf_counter()
    out = subprocess.run(["tesseract", lst, "stdout", *args], capture_output=True, env=env, check=False)
    dt = time.perf_counter() - t
    os.unlink(lst)
    return out.stdout.decode("utf-8", "replace"), dt


def tesseract_text(paths: list[Path], psm: int, lang: str = "kor+eng") -> tuple[list[str], float]:
    """Page texts (lines joined by newlines) and the total seconds."""
    out, dt = _tess(paths, ["-l", lang, "--psm", str(psm)])
    pages = out.split("\f")[: len(paths)]
    pages = ["\n".join(ln.strip() for ln in p.splitlines() if ln.strip()) for p in pages]
    return pages + [""] * (len(paths) - len(pages)), dt


def tesseract_line_boxes(paths: list[Path], psm: int = 3) -> tuple[list[list[tuple]], float]:
    """Per image, Tesseract's text-line boxes (union of the non-empty words of each TSV line)."""
    out, dt = _tess(paths, ["-l", "kor+eng", "--psm", str(psm), "tsv"])
    lines: list[dict] = [{} for _ in paths]
    for row in out.splitlines()[1:]:
        f = row.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        page = int(f[1]) - 1
        key = (f[2], f[3], f[4])
        x, y, w, h = map(int, f[6:10])
        if 0 <= page < len(paths):
            b = lines[page].get(key)
            lines[page][key] = (x, y, x + w, y + h) if b is None else (min(b[0], x), min(b[1], y),
                                                                      max(b[2], x + w), max(b[3], y + h))
    return [list(d.values()) for d in lines], dt


# --- data --------------------------------------------------------------------------------------------------
def text_sources(out: Path, shared: Path) -> Path:
    text_dir = out / "text"
    if not (text_dir / "corpus.txt").is_file():
        subprocess.run([sys.executable, str(HERE.parent / "scripts" / "build_corpus.py"), "--shared", str(shared),
                        "--out", str(text_dir)], check=True)
    return text_dir


def scene_pages(n: int, fonts, sampler, seed: int = 90210):
    from korocr.synth.scene import ScenePageRenderer

    renderer = ScenePageRenderer(fonts, sampler)
    rng = random.Random(seed)
    return [renderer.render(rng) for _ in range(n)]


def doc_pages(out: Path, n_clean: int, n_per_kind: int, fonts, sampler) -> list[tuple[str, Path, str]]:
    """(kind, image path, reference text): clean pages in one and in two columns, and one-column pages with
    each degradation; saved as PNG with 150 dpi in the file (A4 at 150 dpi), as a scanner would."""
    from korocr.synth.page import DEGRADATIONS, render_degraded_page

    d = out / "doc_pages"
    d.mkdir(parents=True, exist_ok=True)
    jobs = ([("clean", None, 1)] * n_clean + [("clean, 2 columns", None, 2)] * n_clean
            + [(k, k, 1) for k in DEGRADATIONS for _ in range(n_per_kind)])
    res = []
    for i, (name, kind, cols) in enumerate(jobs):
        rng = random.Random(5000 + i)
        img, lines = render_degraded_page(sampler, fonts[i % len(fonts)], rng, kind, columns=cols)
        p = d / f"{i:03d}_{name.replace(', ', '_').replace(' ', '')}.png"
        Image.fromarray(img).save(p, dpi=(150, 150))
        res.append((name, p, "\n".join(ln.text for ln in lines)))
    return res


def vertical_columns(out: Path, n: int, fonts, sampler) -> list[tuple[Path, str]]:
    from korocr.synth.render import render_vertical

    d = out / "vertical"
    d.mkdir(parents=True, exist_ok=True)
    rng = random.Random(777)
    res = []
    while len(res) < n:
        t = "".join(sampler.sample(rng).split())[: rng.randint(2, 10)]
        cands = [f for f in fonts if f.covers(t)]
        if len(t) < 2 or not cands:
            continue
        img = render_vertical(t, rng.choice(cands), rng)
        p = d / f"{len(res):04d}.png"
        Image.fromarray(img).save(p)
        res.append((p, t))
    return res


# --- scoring -----------------------------------------------------------------------------------------------
def page_label(real: Path, rel: str) -> str | None:
    """The whole-image transcription of ``real/rel`` in its dataset's ``labels.tsv`` (``\\n`` between lines),
    if there is one."""
    path = Path(rel)
    for root in path.parents:
        tsv = real / root / "labels.tsv"
        if root != Path(".") and tsv.is_file():
            key = path.relative_to(root).as_posix()
            for row in tsv.read_text(encoding="utf-8").splitlines():
                name, _, text = row.partition("\t")
                if name == key:
                    return text.replace("\\n", "\n")
    return None


def cer(preds: list[str], refs: list[str]) -> dict:
    acc = CERAccumulator()
    acc.update_many(preds, refs)
    return acc.as_dict()


def det_counts(dets: list[list[tuple]], gts: list[list[tuple]]) -> dict:
    total = DetectionCounts()
    for d, g in zip(dets, gts):
        c = match_boxes(d, g)
        total.tp, total.det, total.gt = total.tp + c.tp, total.det + c.det, total.gt + c.gt
    return total.as_dict()


def visualise(img: np.ndarray, page, gt: list[tuple], path: Path) -> None:
    from korocr.visualize import draw_page

    vis = draw_page(img, page)
    draw = ImageDraw.Draw(vis)
    for b in gt:  # ground truth in blue, drawn 2 px outside so both stay visible
        draw.rectangle((b[0] - 2, b[1] - 2, b[2] + 2, b[3] + 2), outline=(0, 90, 255), width=2)
    vis.save(path)


# --- main --------------------------------------------------------------------------------------------------
def real_photos(shared: Path, reader: Reader, det, tess: bool, vis_dir: str | None) -> dict:
    """Detection (IoU 0.5 against ``bench/real_photo_boxes.json``), korocr's and Tesseract's text, and page CER
    where the dataset transcribes the whole image, for the real photos in ``shared/data/real``."""
    from korocr.detection.lines import find_lines

    boxes = json.loads((HERE / "real_photo_boxes.json").read_text(encoding="utf-8"))
    real = shared / "data" / "real"
    out: dict = {}
    for rel, info in boxes.items():
        if rel.startswith("_") or not (real / rel).is_file():
            continue
        img = load_image(real / rel)
        gt = [tuple(b) for b in info["boxes"]]
        page = reader.read(img, name=rel)
        # the detector's own regions (as on the synthetic pages), before recognition drops low-confidence lines
        r = {"level": info["level"], "korocr_dbnet": det_counts([[d.box for d in det.detect(img)]], [gt]),
             "classical": det_counts([[b.as_tuple() for b in find_lines(img)]], [gt]),
             "korocr_text": page.text}
        if tess:
            tb, _ = tesseract_line_boxes([real / rel], 3)
            r["tesseract_psm3"] = det_counts(tb, [gt])
            r["tesseract_text"] = tesseract_text([real / rel], 3)[0][0]
        label = page_label(real, rel)
        if label is not None:  # a third-party transcription of the whole image: page CER, in its line order
            r["label"] = label
            r["korocr_cer"] = cer([page.text], [label])["cer_nospace"]
            if tess:
                r["tesseract_cer"] = cer([r["tesseract_text"]], [label])["cer_nospace"]
        if vis_dir:
            vd = Path(vis_dir)
            vd.mkdir(parents=True, exist_ok=True)
            visualise(img, page, gt, vd / f"read_{Path(rel).stem}.png")
        out[rel] = r
        print("detection (real)", rel, json.dumps(r, ensure_ascii=False), flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="bench/out_pages")
    ap.add_argument("--vis-dir", default=None, help="write the real-photo visualisations here (e.g. docs/images)")
    ap.add_argument("--det-model", default="default")
    ap.add_argument("--rec-model", default=None)
    ap.add_argument("--det-pages", type=int, default=200)
    ap.add_argument("--clean-pages", type=int, default=8, help="clean pages in one column, and as many in two")
    ap.add_argument("--degraded-pages", type=int, default=6, help="pages per degradation kind")
    ap.add_argument("--vertical-n", type=int, default=200)
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--only-real", action="store_true", help="only the real photos (detection, page CER, images)")
    args = ap.parse_args()
    shared, out = Path(args.shared), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tess = shutil.which("tesseract") is not None and not args.no_tesseract
    from korocr.synth.fonts import discover_fonts
    from korocr.synth.text import TextSampler

    fonts = discover_fonts(include=HELD_OUT_FONTS)
    if not fonts:
        raise SystemExit("bench_pages: the held-out fonts (fonts-unfonts-core, fonts-nanum-extra) are not installed")
    text_dir = text_sources(out, shared)
    # scene pages: the detector's training text mix (incl. random syllables, symbols)
    sampler = TextSampler.from_files([text_dir / "corpus.txt"], [text_dir / "words.txt"], max_chars=30)
    # document pages: running text (90 % corpus sentences, 5 % words, 5 % numbers/Latin/symbols), as in
    # bench_read.py's pages
    doc_sampler = TextSampler.from_files([text_dir / "corpus.txt"], [text_dir / "words.txt"],
                                         weights=(0.9, 0.05, 0, 0.05), max_chars=40)
    readers = {t: Reader(args.rec_model, det_model=args.det_model, threads=t, batch_size=64) for t in (1, 2)}
    classical = Reader(args.rec_model, det_model="classical", threads=2, batch_size=64)
    det = readers[2].detector
    res: dict = {"det_model": str(det.path), "rec_model": str(readers[1].recognizer.path)}
    if args.only_real:
        res["detection_real"] = real_photos(shared, readers[2], det, tess, args.vis_dir)
        print(json.dumps(res, ensure_ascii=False, indent=1))
        print("\n".join(markdown_real(res["detection_real"])))
        return

    # 1. detection on held-out synthetic scene pages
    pages = scene_pages(args.det_pages, fonts, sampler)
    gts = [[r.box for r in regions] for _, regions in pages]
    t0 = time.perf_counter()
    dets = [[r.box for r in det.detect(img)] for img, _ in pages]
    t_det = (time.perf_counter() - t0) / len(pages)
    from korocr.detection.lines import find_lines

    t0 = time.perf_counter()
    cls = [[b.as_tuple() for b in find_lines(img)] for img, _ in pages]
    t_cls = (time.perf_counter() - t0) / len(pages)
    row = {"n_pages": len(pages), "n_regions": sum(map(len, gts)),
           "korocr_dbnet": det_counts(dets, gts) | {"s_per_page": t_det},
           "classical": det_counts(cls, gts) | {"s_per_page": t_cls}}
    if tess:
        sd = out / "scene"
        sd.mkdir(exist_ok=True)
        paths = []
        for i, (img, _) in enumerate(pages):
            Image.fromarray(img).save(sd / f"{i:03d}.png")
            paths.append(sd / f"{i:03d}.png")
        tb, dt = tesseract_line_boxes(paths, 3)
        row["tesseract_psm3"] = det_counts(tb, gts) | {"s_per_page": dt / len(paths)}
    res["detection_synthetic"] = row
    print("detection (synthetic)", json.dumps(row), flush=True)

    # 1b. real photos
    res["detection_real"] = real_photos(shared, readers[2], det, tess, args.vis_dir)

    # 2. page CER, clean and degraded
    docs = doc_pages(out, args.clean_pages, args.degraded_pages, fonts, doc_sampler)
    kinds = list(dict.fromkeys(k for k, _, _ in docs))
    systems: dict[str, dict[str, list]] = {}
    timing: dict[str, float] = {}
    for t, rd in readers.items():
        rd.read(docs[0][1])  # warm-up
        t0 = time.perf_counter()
        systems[f"korocr_{t}t"] = {"pred": [rd.read(p).text for _, p, _ in docs]}
        timing[f"korocr_{t}t"] = (time.perf_counter() - t0) / len(docs)
    t0 = time.perf_counter()
    systems["korocr_classical_2t"] = {"pred": [classical.read(p).text for _, p, _ in docs]}
    timing["korocr_classical_2t"] = (time.perf_counter() - t0) / len(docs)
    if tess:
        for psm in (3, 6):
            preds, dt = tesseract_text([p for _, p, _ in docs], psm)
            systems[f"tesseract_psm{psm}"] = {"pred": preds}
            timing[f"tesseract_psm{psm}"] = dt / len(docs)
    table: dict = {}
    for name, s in systems.items():
        table[name] = {"s_per_page": timing[name]}
        for k in kinds + ["degraded (all)"]:
            idx = [i for i, (kk, _, _) in enumerate(docs)
                   if kk == k or (k == "degraded (all)" and not kk.startswith("clean"))]
            table[name][k] = cer([s["pred"][i] for i in idx], [docs[i][2] for i in idx])["cer_nospace"]
    res["page_cer"] = {"n": {k: sum(kk == k for kk, _, _ in docs) for k in kinds}, "systems": table}
    print("page CER", json.dumps(res["page_cer"]), flush=True)

    # 3. vertical text
    vert = vertical_columns(out, args.vertical_n, fonts, sampler)
    vsets = {f"synthetic vertical columns ({len(vert)})": vert}
    vdir = real / "inverse_dalle_samples"
    if vdir.is_dir():
        vsets["inverse_dalle vertical-*.png (5)"] = [(s.image, s.text) for s in open_dataset(vdir)
                                                     if "vertical" in s.key]
    res["vertical"] = {}
    for name, items in vsets.items():
        paths, refs = [p for p, _ in items], [t for _, t in items]
        t0 = time.perf_counter()
        preds = [p.text for p in readers[1].read_many(paths, line=True, vertical=True)]
        r = {"n": len(items), "korocr": cer(preds, refs) | {"lines_per_s": len(items) / (time.perf_counter() - t0)},
             "korocr_errors": [(r_, p_) for r_, p_ in zip(refs, preds) if "".join(p_.split()) != r_][:10]}
        # the alternative korocr does not use: rotate the column 90° counter-clockwise and read it as a line
        rot = [np.ascontiguousarray(np.rot90(load_image(p))) for p in paths]
        r["korocr_rotated"] = cer([p.text for p in readers[1].read_many(rot, line=True)], refs)
        if tess:
            tp, dt = tesseract_text(paths, 5, "kor_vert")
            tp = ["".join(t.split()) for t in tp]
            r["tesseract_kor_vert"] = cer(tp, refs) | {"lines_per_s": len(items) / dt}
        res["vertical"][name] = r
        print("vertical", name, json.dumps({k: v for k, v in r.items() if k != "korocr_errors"}), flush=True)

    (out / "results.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "results.md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))


def markdown_real(real: dict) -> list[str]:
    def prh(d: dict) -> str:
        return f"{d['precision']:.3f} | {d['recall']:.3f} | {d['hmean']:.3f}"

    md = ["Detection on real photos (IoU 0.5), and page CER (no spaces) where the dataset transcribes the whole "
          "image:", "", "| image | GT level | korocr_dbnet P / R / H | classical P / R / H | tesseract_psm3 P / R / H "
          "| page CER korocr / Tesseract |", "|---|---|---|---|---|---|"]
    for rel, r in real.items():
        cells = [prh(r[k]).replace(" | ", " / ") if k in r else "–" for k in ("korocr_dbnet", "classical",
                                                                            "tesseract_psm3")]
        pc = (f"{r['korocr_cer']:.3f} / " + (f"{r['tesseract_cer']:.3f}" if "tesseract_cer" in r else "–")
              if "korocr_cer" in r else "no label")
        md.append(f"| {rel} | {r['level']} | " + " | ".join(cells) + f" | {pc} |")
    return md


def markdown(res: dict) -> str:
    def prh(d: dict) -> str:
        return f"{d['precision']:.3f} | {d['recall']:.3f} | {d['hmean']:.3f}"

    row = res["detection_synthetic"]
    md = [f"Detection on {row['n_pages']} held-out synthetic pages ({row['n_regions']} text regions), IoU 0.5:", "",
          "| detector | precision | recall | H-mean | s/page |", "|---|---|---|---|---|"]
    for k in ("korocr_dbnet", "classical", "tesseract_psm3"):
        if k in row:
            md.append(f"| {k} | {prh(row[k])} | {row[k]['s_per_page']:.3f} |")
    md += [""] + markdown_real(res["detection_real"])
    pc = res["page_cer"]
    kinds = list(next(iter(pc["systems"].values())).keys())[1:]
    md += ["", "Page CER (whitespace-insensitive) on A4 pages; pages per kind: "
           + ", ".join(f"{k} {v}" for k, v in pc["n"].items()) + ":", "",
           "| system | " + " | ".join(kinds) + " | s/page |", "|---|" + "---|" * (len(kinds) + 1)]
    for name, t in pc["systems"].items():
        md.append(f"| {name} | " + " | ".join(f"{t[k]:.3f}" for k in kinds) + f" | {t['s_per_page']:.2f} |")
    md += ["", "Vertical text (CER without spaces; korocr cuts the column into upright character cells; "
           "'rotated' = the column turned 90° and read as a line, for comparison):", "",
           "| set | korocr | korocr rotated | Tesseract kor_vert | korocr lines/s | Tesseract lines/s |",
           "|---|---|---|---|---|---|"]
    for name, r in res["vertical"].items():
        t = r.get("tesseract_kor_vert")
        md.append(f"| {name} | {r['korocr']['cer_nospace']:.3f} | {r['korocr_rotated']['cer_nospace']:.3f} | "
                  + (f"{t['cer_nospace']:.3f} | " if t else "– | ") + f"{r['korocr']['lines_per_s']:.0f} | "
                  + (f"{t['lines_per_s']:.0f} |" if t else "– |"))
    return "\n".join(md) + "\n"


if __name__ == "__main__":
    main()
