#!/usr/bin/env python
"""korocr vs Tesseract (kor+eng) on the same images in one run: accuracy, CER and speed.

Sets:
  * ../shared/data/real: kocrnn_test (typed words), signboard crops (greengarnets_dtrb_demo, inverse_dalle
    horizontal-*, easyocr crops, paddleocr word_1), trocr_trdg_synthetic_3rdparty, hangul_db handwritten
    syllables (a fixed sample of --handwritten-n);
  * 1,000 synthetic lines rendered with fonts NOT used to train the default model (held out);
  * A4-like pages (1240×1754 px) rendered with a held-out font: page CER (whitespace-insensitive) and s/page.

Tesseract runs once per set over a file list (its model loads once), with OMP_THREAD_LIMIT=1 and --psm 7 for
line crops, kor_vert --psm 5 for vertical crops (korocr: --vertical, columns cut into cells), --psm 3 and
--psm 6 for pages.  korocr runs its bundled ONNX model (or --rec-model), with 1 and
2 threads.

    python bench/bench_read.py --shared ../shared --out bench/out
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

from korocr.evaluation.metrics import CERAccumulator
from korocr.io.datasets import Sample, open_dataset
from korocr.io.image import load_image
from korocr.reader import Reader

VERTICAL = "vertical signboard crops (inverse_dalle vertical-*)"
HELD_OUT_FONTS = ["UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*"]


def tesseract_lines(paths: list[Path], psm: int, lang: str = "kor+eng") -> tuple[list[str], float]:
    if psm == 5:  # a vertical block: one column per image here
        texts, dt = _tesseract(paths, psm, lang)
        return ["".join(t.split()) for t in texts], dt
    return _tesseract(paths, psm, lang)


def _tesseract(paths: list[Path], psm: int, lang: str) -> tuple[list[str], float]:
    """Run one tesseract process over all images; returns (texts, seconds)."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(str(p.resolve()) for p in paths) + "\n")
        lst = fh.name
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    t = time.perf_counter()
    out = subprocess.run(["tesseract", lst, "stdout", "-l", lang, "--psm", str(psm)], capture_output=True,
                         env=env, check=False).stdout.decode("utf-8", "replace")
    dt = time.perf_counter() - t
    os.unlink(lst)
    pages = out.split("\f")
    pages = [" ".join(p.split()) if psm == 7 else "\n".join(l.strip() for l in p.splitlines() if l.strip())
             for p in pages[: len(paths)]]
    pages += [""] * (len(paths) - len(pages))
    return pages, dt


def materialise(samples: list[Sample], tmp: Path) -> list[Path]:
    """Image paths for samples (LMDB bytes are written to files so Tesseract can read them)."""
    paths = []
    for i, s in enumerate(samples):
        if isinstance(s.image, Path):
            paths.append(s.image)
        else:
            p = tmp / f"{i}.jpg"
            p.write_bytes(s.image)
            paths.append(p)
    return paths


def score(preds: list[str], refs: list[str]) -> dict:
    acc = CERAccumulator()
    acc.update_many(preds, refs)
    return acc.as_dict()


def run_korocr_lines(reader: Reader, paths: list[Path], vertical: bool = False) -> tuple[list[str], float]:
    imgs = [load_image(p) for p in paths]
    t = time.perf_counter()
    pages = list(reader.read_many(imgs, line=True, vertical=vertical))
    return [p.text for p in pages], time.perf_counter() - t


def line_sets(shared: Path, handwritten_n: int) -> dict[str, list[Sample]]:
    real = shared / "data" / "real"
    sets: dict[str, list[Sample]] = {}
    if not real.is_dir():
        return sets
    sets["kocrnn_test (typed words)"] = list(open_dataset(real / "kocrnn_test"))
    sign: list[Sample] = list(open_dataset(real / "greengarnets_dtrb_demo"))
    sign += [s for s in open_dataset(real / "inverse_dalle_samples") if "horizontal" in s.key]
    sign += [s for s in open_dataset(real / "easyocr_examples") if s.key.startswith("crops/")]
    sign += list(open_dataset(real / "paddleocr_examples"))
    sets["signboard/photo crops (horizontal)"] = sign
    sets[VERTICAL] = [s for s in open_dataset(real / "inverse_dalle_samples") if "vertical" in s.key]
    sets["trocr_trdg_synthetic_3rdparty (lines)"] = list(open_dataset(real / "trocr_trdg_synthetic_3rdparty"))
    hw = list(open_dataset(real / "hangul_db_handwritten_chars"))
    random.Random(0).shuffle(hw)
    sets[f"hangul_db handwritten syllables ({handwritten_n} sampled)"] = hw[:handwritten_n]
    return sets


def heldout_synth(out: Path, shared: Path, n: int) -> list[Sample]:
    from korocr.synth.fonts import discover_fonts
    from korocr.synth.generate import generate
    from korocr.synth.text import TextSampler
    from korocr.text import Charset

    d = out / f"heldout_synth_{n}"  # keyed by n: a set made for a quick run is never reused for a full one
    if not (d / "labels.txt").is_file():
        corp = shared / "data" / "corpora"
        fonts = discover_fonts(include=HELD_OUT_FONTS)
        text_dir = out / "text"
        if not (text_dir / "corpus.txt").is_file():
            subprocess.run([sys.executable, str(Path(__file__).parents[1] / "scripts" / "build_corpus.py"),
                            "--shared", str(shared), "--out", str(text_dir)], check=True)
        sampler = TextSampler.from_files([text_dir / "corpus.txt"], [text_dir / "words.txt"],
                                         charset=Charset.default())
        generate(d, fonts, sampler, n, seed=2024, workers=2)
        del corp
    samples = list(open_dataset(d / "labels.txt"))
    if len(samples) != n:
        raise RuntimeError(f"{d}: {len(samples)} lines, expected {n}; delete the folder to re-render it")
    return samples


def pages(out: Path, n: int) -> list[tuple[Path, str]]:
    from korocr.synth.fonts import discover_fonts
    from korocr.synth.page import render_page
    from korocr.synth.text import TextSampler
    from PIL import Image

    d = out / "pages"
    d.mkdir(parents=True, exist_ok=True)
    text_dir = out / "text"
    sampler = TextSampler.from_files([text_dir / "corpus.txt"], [text_dir / "words.txt"], weights=(0.9, 0.05, 0, 0.05),
                                     max_chars=40)
    fonts = discover_fonts(include=["UnDotum", "NanumBarunpenR", "UnGraphic"])
    res = []
    for i in range(n):
        img, lines = render_page(sampler, fonts[i % len(fonts)], random.Random(100 + i))
        p = d / f"page_{i}.png"
        Image.fromarray(img).save(p)
        res.append((p, "\n".join(l.text for l in lines)))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--rec-model", default=None)
    ap.add_argument("--synth-n", type=int, default=1000)
    ap.add_argument("--pages", type=int, default=3)
    ap.add_argument("--handwritten-n", type=int, default=640)
    ap.add_argument("--no-tesseract", action="store_true")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="korocr thread counts to time")
    ap.add_argument("--num-beams", type=int, default=None, help="a TrOCR --rec-model: beams")
    ap.add_argument("--ctc-weight", type=float, default=None,
                    help="a TrOCR --rec-model with a CTC head: joint CTC/attention decoding with this λ")
    ap.add_argument("--lm-weight", type=float, default=None,
                    help="an Inverse DALL-E --rec-model: weight of its text_lm.npz (default: its own; 0: off)")
    args = ap.parse_args()
    rec_options = {k: v for k, v in (("num_beams", args.num_beams), ("ctc_weight", args.ctc_weight),
                                     ("lm_weight", args.lm_weight)) if v is not None}
    shared, out = Path(args.shared), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    have_tess = shutil.which("tesseract") is not None and not args.no_tesseract
    readers = {t: Reader(args.rec_model, threads=t, batch_size=64, rec_options=rec_options or None)
               for t in args.threads}
    first = args.threads[0]
    results: dict = {"model": str(readers[first].recognizer.path), "rec_options": rec_options, "sets": {},
                     "pages": {}}

    sets = line_sets(shared, args.handwritten_n)
    if (shared / "data" / "corpora").is_dir():
        sets[f"held-out-font synthetic lines ({args.synth_n})"] = heldout_synth(out, shared, args.synth_n)
    tmp = Path(tempfile.mkdtemp())
    for name, samples in sets.items():
        paths = materialise(samples, tmp)
        refs = [s.text for s in samples]
        row: dict = {"n": len(samples)}
        vertical = name == VERTICAL
        for t, rd in readers.items():
            run_korocr_lines(rd, paths[:8], vertical)  # warm-up
            preds, dt = run_korocr_lines(rd, paths, vertical)
            row[f"korocr_{t}t"] = {**score(preds, refs), "lines_per_s": len(paths) / dt}
            if t == first:
                row["korocr_examples"] = [(s.key, r, p) for s, r, p in zip(samples, refs, preds)][:5]
                errors = [(s.key, r, p) for s, r, p in zip(samples, refs, preds) if r != p]
                row["korocr_errors"] = errors[:15]
        if have_tess:
            preds, dt = (tesseract_lines(paths, psm=5, lang="kor_vert") if vertical else tesseract_lines(paths, psm=7))
            row["tesseract"] = {**score(preds, refs), "lines_per_s": len(paths) / dt}
        results["sets"][name] = row
        print(name, json.dumps({k: v for k, v in row.items() if not k.endswith(("examples", "errors"))}),
              flush=True)

    if (out / "text" / "corpus.txt").is_file() and args.pages:
        pg = pages(out, args.pages)
        paths, refs = [p for p, _ in pg], [r for _, r in pg]
        for t, rd in readers.items():
            t0 = time.perf_counter()
            preds = [rd.read(p).text for p in paths]
            dt = time.perf_counter() - t0
            m = score(preds, refs)
            results["pages"][f"korocr_{t}t"] = {"cer_nospace": m["cer_nospace"], "s_per_page": dt / len(paths)}
        if have_tess:
            for psm in (3, 6):
                preds, dt = tesseract_lines(paths, psm=psm)
                m = score(preds, refs)
                results["pages"][f"tesseract_psm{psm}"] = {"cer_nospace": m["cer_nospace"],
                                                           "s_per_page": dt / len(paths)}
        print("pages", json.dumps(results["pages"]), flush=True)

    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    md = ["| set | n | korocr CER | korocr CER (no spaces) | korocr acc | Tesseract CER | Tesseract CER (no spaces) "
          f"| Tesseract acc | korocr lines/s ({' / '.join(f'{t} thr.' for t in args.threads)}) "
          "| Tesseract lines/s (1 thread) |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in results["sets"].items():
        k, ts = row[f"korocr_{first}t"], row.get("tesseract")
        speeds = " / ".join(f"{row[f'korocr_{t}t']['lines_per_s']:.0f}" for t in args.threads)
        tcells = (f"{ts['cer']:.3f} | {ts['cer_nospace']:.3f} | {ts['accuracy']:.3f}" if ts else "– | – | –")
        tspeed = f"{ts['lines_per_s']:.1f}" if ts else "–"
        md.append(f"| {name} | {row['n']} | {k['cer']:.3f} | {k['cer_nospace']:.3f} | {k['accuracy']:.3f} | "
                  f"{tcells} | {speeds} | {tspeed} |")
    if results["pages"]:
        md += ["", "| pages (A4-like, 1240×1754) | CER (no spaces) | s/page |", "|---|---|---|"]
        for k, v in results["pages"].items():
            md.append(f"| {k} | {v['cer_nospace']:.3f} | {v['s_per_page']:.2f} |")
    (out / "results.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
