"""The ``korocr`` command line: a thin layer over the Python API.

    korocr read IMAGE [IMAGE ...] [--line] [--format text|jsonl] [--rec-model MODEL.onnx]
    korocr synth --count N --output DIR [...]           # synthetic text lines (TRDG-like)
    korocr train [...]                                   # train / fine-tune a recogniser (needs korocr[train])
    korocr eval MODEL DATASET [--log LOG.tsv]            # accuracy, CER, confidence, per-sample log
    korocr export WEIGHTS OUT.onnx                       # weights / checkpoint → ONNX
    korocr dataset convert|split|merge|stats|charset ... # labelled datasets in many formats
    korocr corpus INPUT... -o corpus.txt                 # sentences for synthesis (Kiwi)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def _err(msg: str) -> None:
    print(f"korocr: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------
def cmd_read(args: argparse.Namespace) -> int:
    from .formatters import format_page
    from .io.image import ImageLoadError
    from .reader import Reader
    from .recognition.onnx_recognizer import ModelLoadError

    from .detection.onnx_detector import DetectorLoadError

    try:
        rec_options = {k: v for k, v in (("processor", args.processor), ("num_beams", args.num_beams),
                                          ("max_length", args.max_length)) if v is not None}
        reader = Reader(args.rec_model, det_model=args.detect_model, threads=args.threads,
                        batch_size=args.batch_size, max_side=args.max_side, rec_options=rec_options,
                        min_confidence=args.min_confidence)
    except (ModelLoadError, DetectorLoadError, OSError) as e:
        _err(str(e))
        return 2
    failed = 0
    multi = len(args.images) > 1
    printed_header = False
    shown = 0
    for result in reader.read_many(args.images, line=args.line or args.vertical, vertical=args.vertical):
        if isinstance(result, ImageLoadError):
            _err(str(result))
            failed += 1
            continue
        if args.visualize:
            from .io.image import load_image
            from .visualize import draw_page

            vis = Path(args.visualize)
            if len(args.images) > 1:
                vis = vis.with_name(f"{vis.stem}_{shown}{vis.suffix or '.png'}")
            draw_page(load_image(result.image), result).save(vis)
        shown += 1
        out = format_page(result, args.format)
        if args.format == "tsv" and printed_header:
            out = out.split("\n", 1)[1]
        printed_header = True
        if args.format == "text" and multi:
            print(f"==> {result.image} <==")
        print(out, flush=True)
    if failed:
        _err(f"{failed} of {len(args.images)} image(s) could not be read")
        return 1
    return 0


def add_read(sub) -> None:
    p = sub.add_parser("read", help="read text from images", description=(
        "Read Korean/Latin text from images. By default each image may hold many lines: a text detector finds "
        "them (horizontal lines and vertical columns), they are recognised and put in reading order (columns "
        "left to right; vertical columns right to left, each top to bottom). With --line each image is one "
        "text line (like tesseract --psm 7) and many images are recognised together in batches. "
        "Inputs: PNG, JPEG, BMP, TIFF, WebP (EXIF "
        "orientation applied). Unreadable files are reported on stderr; the exit status is then 1."))
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--line", action="store_true", help="each image is a single text line")
    p.add_argument("--format", choices=["text", "jsonl", "tsv", "hocr"], default="text",
                   help="text: the lines; jsonl: one JSON object per image with lines, boxes, confidences; "
                        "tsv: Tesseract's TSV columns (words with boxes); hocr: hOCR XHTML")
    p.add_argument("--visualize", metavar="OUT.png",
                   help="draw boxes and recognised text on the image (several images: OUT_0.png, OUT_1.png, ...)")
    p.add_argument("--vertical", action="store_true",
                   help="each image is a single vertical line (Korean written top to bottom)")
    p.add_argument("--rec-model", help="recognition model: .onnx from korocr export (default: the bundled one), or "
                                       "a VisionEncoderDecoder (TrOCR) directory or hub name")
    p.add_argument("--processor", help="TrOCR: image processor source if not the model's "
                                       "(e.g. microsoft/trocr-base-handwritten)")
    p.add_argument("--num-beams", type=int, default=None, help="TrOCR: beam search width (1 = greedy)")
    p.add_argument("--max-length", type=int, default=None, help="TrOCR: longest output in tokens")
    p.add_argument("--detect-model", default="default",
                   help="text detector: .onnx from korocr train --task det --export, 'default' (the bundled "
                        "DBNet-style detector) or 'classical' (projection-profile line finder, no model)")
    p.add_argument("--max-side", type=int, default=1280,
                   help="the detector sees the image resized so its longer side is at most this many px (boxes "
                        "are mapped back and lines are cut from the full-size image, each read at its natural "
                        "width, never squashed); default 1280")
    p.add_argument("--min-confidence", type=float, default=0.5,
                   help="page mode: drop recognised lines below this confidence (default 0.5, PaddleOCR's "
                        "drop_score; 0 keeps everything)")
    p.add_argument("--batch-size", type=int, default=32, help="lines per recognition batch")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for inference")
    p.set_defaults(func=cmd_read)


# ---------------------------------------------------------------------------------------------------
def cmd_synth(args: argparse.Namespace) -> int:
    from .synth.fonts import discover_fonts
    from .synth.generate import generate
    from .synth.render import RenderConfig
    from .synth.text import TextSampler
    from .text.charsets import Charset

    fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
    if not fonts:
        _err("no Korean fonts found; install fonts-nanum/fonts-noto-cjk or pass --font-dir")
        return 2
    charset = Charset.default() if args.charset == "default" else Charset.load(args.charset)
    sampler = TextSampler.from_files(args.corpus, args.dict, charset=charset, max_chars=args.max_chars)
    if args.pages:
        from .synth.generate import generate_pages

        print(json.dumps(generate_pages(args.output, fonts, sampler, args.count, seed=args.seed), ensure_ascii=False))
        return 0
    lo, hi = args.font_size
    cfg = RenderConfig(font_size=(lo, hi), augment=not args.no_augment)
    info = generate(args.output, fonts, sampler, args.count, seed=args.seed, workers=args.workers, fmt=args.format,
                    config=cfg, words=args.words, height=args.height)
    print(json.dumps({"count": info["count"], "out_dir": info["out_dir"], "fonts_used": len(info["fonts"])},
                     ensure_ascii=False))
    return 0


def add_synth(sub) -> None:
    p = sub.add_parser("synth", help="render synthetic Korean text-line images",
                       description="Render text lines like TextRecognitionDataGenerator, for Korean: "
                                   "images/N.jpg + labels.txt ('N.jpg text'), and/or an LMDB.")
    p.add_argument("-c", "--count", type=int, default=1000, help="lines to render")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("-w", "--words", type=int, default=0, help="words per line from --dict (0: mixed sources)")
    p.add_argument("-f", "--font-size", type=int, nargs=2, default=[22, 56], metavar=("MIN", "MAX"),
                   help="font size range in px")
    p.add_argument("--height", type=int, default=None, help="resize every line to this height (px)")
    p.add_argument("--corpus", nargs="*", default=[], help="text files, one sentence/phrase per line")
    p.add_argument("--dict", nargs="*", default=[], help="word lists, one word per line")
    p.add_argument("--fonts", nargs="*", default=["*"], help="font key globs to use (file stems)")
    p.add_argument("--exclude-fonts", nargs="*", default=[], help="font key globs to leave out")
    p.add_argument("--font-dir", nargs="*", default=[], help="extra font files or folders")
    p.add_argument("--charset", default="default", help="charset file limiting the text (default: korocr's)")
    p.add_argument("--max-chars", type=int, default=12)
    p.add_argument("--no-augment", action="store_true", help="no blur/noise/JPEG/perspective degradations")
    p.add_argument("--format", choices=["files", "lmdb", "both"], default="files")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pages", action="store_true",
                   help="render --count detector pages (images/ + HierText-style annotations.jsonl) instead of lines")
    p.set_defaults(func=cmd_synth)


# ---------------------------------------------------------------------------------------------------
def cmd_eval_det(args: argparse.Namespace) -> int:
    """Detection P / R / H-mean at IoU 0.5 on a HierText-style annotation file (line level)."""
    import time

    from .detection.lines import find_lines
    from .detection.onnx_detector import DetectorLoadError, OnnxDetector
    from .evaluation.detection import DetectionCounts, match_boxes
    from .io.datasets import DatasetError, read_hiertext_pages
    from .io.image import ImageLoadError, load_image

    ann_path = Path(args.dataset)
    if ann_path.is_dir():
        ann_path = next(iter(sorted(ann_path.glob("*.json*"))), ann_path / "annotations.jsonl")
    try:
        detector = None if args.model == "classical" else OnnxDetector(args.model, max_side=args.max_side,
                                                                       threads=args.threads)
        anns = list(read_hiertext_pages(ann_path))
    except (DetectorLoadError, DatasetError, OSError) as e:
        _err(str(e))
        return 2
    total, bad, t0 = DetectionCounts(), 0, time.perf_counter()
    for ann in anns:
        if ann.error:
            _err(ann.error)
            bad += 1
            continue
        try:
            img = load_image(ann.image)
        except ImageLoadError as e:
            _err(str(e))
            bad += 1
            continue
        gt = [(float(v[:, 0].min()), float(v[:, 1].min()), float(v[:, 0].max()), float(v[:, 1].max()))
              for v in ann.polygons]
        dc = [not ok for ok in ann.legible]
        det = [r.box for r in detector.detect(img)] if detector else [b.as_tuple() for b in find_lines(img)]
        c = match_boxes(det, gt, dont_care=dc)
        total.tp, total.det, total.gt = total.tp + c.tp, total.det + c.det, total.gt + c.gt
    dt = time.perf_counter() - t0
    d = total.as_dict()
    print(f"images {len(anns) - bad}  precision {d['precision']:.4f}  recall {d['recall']:.4f}  "
          f"H-mean {d['hmean']:.4f}  (IoU 0.5)  s/image {dt / max(1, len(anns) - bad):.3f}  unreadable {bad}")
    if args.json:
        print(json.dumps(d))
    return 1 if bad else 0


def cmd_eval(args: argparse.Namespace) -> int:
    if args.task == "det":
        return cmd_eval_det(args)
    from .evaluation.evaluate import evaluate, format_aligned, write_log
    from .io.datasets import DatasetError, open_dataset
    from .reader import Reader
    from .recognition.onnx_recognizer import ModelLoadError

    try:
        reader = Reader(args.model, threads=args.threads)
        samples = list(open_dataset(args.dataset))
    except (ModelLoadError, DatasetError) as e:
        _err(str(e))
        return 2
    res = evaluate(reader, samples, line=not args.page)
    if args.log:
        write_log(res, args.log)
        Path(args.log).with_suffix(".txt").write_text(format_aligned(res), encoding="utf-8")
    if args.show:
        print(format_aligned(res, args.show), end="")
    for key, why in res.unreadable:
        _err(f"{key}: {why}")
    s = res.summary()
    if not args.show:
        print(f"samples {s['n']}  accuracy {s['accuracy']:.4f}  CER {s['cer']:.4f} (spaces count)  "
              f"CER {s['cer_nospace']:.4f} (spaces ignored)  mean confidence {s['mean_confidence']:.4f}  "
              f"unreadable {s['unreadable']}")
    if args.json:
        print(json.dumps(s))
    return 1 if res.unreadable else 0


def add_eval(sub) -> None:
    p = sub.add_parser("eval", help="accuracy / CER of a recogniser, or P / R / H-mean of a detector")
    p.add_argument("model", help="rec: a recognition .onnx ('default': the bundled one); det: a detector .onnx "
                                 "or 'classical' (the built-in line finder)")
    p.add_argument("dataset", help="rec: folder with labels.tsv, gt*.txt, labels.txt or an LMDB, or a label file; "
                                   "det: HierText-style annotations (.json/.jsonl) or a folder holding one")
    p.add_argument("--task", choices=["rec", "det"], default="rec")
    p.add_argument("--max-side", type=int, default=1280, help="det: longer image side for analysis (px)")
    p.add_argument("--log", help="write the per-sample TSV log here (and an aligned copy for people, .txt)")
    p.add_argument("--show", type=int, default=0, metavar="N", help="print the first N rows of the aligned log")
    p.add_argument("--page", action="store_true", help="images hold several lines: find them first")
    p.add_argument("--json", action="store_true", help="also print the summary as JSON")
    p.add_argument("--threads", type=int, default=None)
    p.set_defaults(func=lambda a: cmd_eval(_default_model(a)))


def _default_model(a: argparse.Namespace) -> argparse.Namespace:
    if a.model == "default":
        a.model = None
    return a


# ---------------------------------------------------------------------------------------------------
def _open_sources(args: argparse.Namespace):
    from itertools import chain

    from .io.datasets import open_dataset

    return chain.from_iterable(open_dataset(src, fmt=args.format, images=args.images, level=args.level)
                               for src in args.sources)


def cmd_dataset(args: argparse.Namespace) -> int:
    from .io.convert import dataset_stats, derive_charset, split_samples, write_dataset
    from .io.datasets import DatasetError
    from .text.charsets import Charset

    try:
        if args.action in ("convert", "merge"):
            rep = write_dataset(_open_sources(args), args.output, to=args.to)
            print(rep.summary())
            for key, why in rep.rejected[:20]:
                _err(f"rejected {key}: {why}")
            if len(rep.rejected) > 20:
                _err(f"... {len(rep.rejected) - 20} more rejections in {args.output}/report.json")
            return 0
        if args.action == "split":
            samples = list(_open_sources(args))
            names = args.names or [f"part{i}" for i in range(len(args.ratios))]
            if len(names) != len(args.ratios):
                _err("--names must give one name per ratio")
                return 2
            parts = split_samples(samples, args.ratios, seed=args.seed)
            for name, part in zip(names, parts):
                print(write_dataset(part, Path(args.output) / name, to=args.to).summary())
            return 0
        if args.action == "stats":
            base = None if not args.charset else (Charset.default() if args.charset == "default"
                                                   else Charset.load(args.charset))
            st = dataset_stats(_open_sources(args), base, images=not args.no_images)
            print(json.dumps(st.to_dict(args.top), ensure_ascii=False, indent=1))
            return 0
        if args.action == "charset":
            base = None if not args.base else (Charset.default() if args.base == "default" else Charset.load(args.base))
            cs = derive_charset(_open_sources(args), base)
            out = Path(args.output)
            if out.suffix == ".txt":
                out.write_text("\n".join(cs.chars) + "\n", encoding="utf-8")
            else:
                cs.save(out)
            added = len(cs) - (len(base) if base else 0)
            print(f"{out}: {len(cs)} characters ({added} from the data)")
            return 0
    except DatasetError as e:
        _err(str(e))
        return 2
    return 2


def add_dataset(sub) -> None:
    from .io.datasets import FORMATS

    p = sub.add_parser("dataset", help="convert, split, merge, inspect labelled datasets",
                       description="Datasets in: labels.tsv, gt*.txt, labels.txt (TRDG/kocrnn), AI Hub JSON, "
                                   "image+.txt folders, HierText JSON(L), LMDB. Out: LMDB "
                                   "(deep-text-recognition-benchmark layout) or a folder (images/ + labels.tsv). "
                                   "Every write prints 'read N, written M, rejected K' and saves report.json.")
    dsub = p.add_subparsers(dest="action", required=True)

    def common(q, out=True):
        q.add_argument("sources", nargs="+", metavar="SOURCE", help="dataset folders or label files")
        q.add_argument("--format", choices=FORMATS, default="auto", help="input format (default: detect)")
        q.add_argument("--images", help="image folder for label files that name images (default: beside them)")
        q.add_argument("--level", choices=["line", "word"], default="line", help="HierText crops")
        if out:
            q.add_argument("-o", "--output", required=True)
            q.add_argument("--to", choices=["lmdb", "folder"], default="lmdb")

    common(dsub.add_parser("convert", help="any reader -> LMDB or folder"))
    common(dsub.add_parser("merge", help="several datasets -> one LMDB or folder"))
    sp = dsub.add_parser("split", help="deterministic train/validation/test split by ratio and seed")
    common(sp)
    sp.add_argument("--ratios", type=float, nargs="+", default=[0.8, 0.1, 0.1])
    sp.add_argument("--names", nargs="+", default=["train", "validation", "test"])
    sp.add_argument("--seed", type=int, default=0)
    st = dsub.add_parser("stats", help="counts, charset with frequencies, characters outside a charset, sizes")
    common(st, out=False)
    st.add_argument("--charset", help="'default' or a charset file: list the characters outside it")
    st.add_argument("--top", type=int, default=50, help="most frequent characters to list")
    st.add_argument("--no-images", action="store_true", help="do not open images (no size histograms)")
    cs = dsub.add_parser("charset", help="derive a charset file from the labels (.json, or .txt one per line)")
    common(cs, out=False)
    cs.add_argument("-o", "--output", required=True)
    cs.add_argument("--base", help="start from 'default' or a charset file (its order is kept)")
    p.set_defaults(func=cmd_dataset)


# ---------------------------------------------------------------------------------------------------
def cmd_corpus(args: argparse.Namespace) -> int:
    from itertools import chain

    from .text.charsets import Charset
    from .text.corpus import CorpusError, CorpusReport, build_corpus, load_source

    charset = None
    if args.charset:
        charset = Charset.default() if args.charset == "default" else Charset.load(args.charset)
    rep = CorpusReport()
    try:
        docs = chain.from_iterable(load_source(src, args.source, args.column) for src in args.inputs)
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8") as fh:
            for sent in build_corpus(docs, split=not args.no_split, min_chars=args.min_chars,
                                     max_chars=args.max_chars, charset=charset, outside=args.outside,
                                     replacement=args.replacement, report=rep):
                fh.write(sent + "\n")
    except CorpusError as e:
        _err(str(e))
        return 2
    print(f"{args.output}: {rep.summary()}")
    return 0


def add_corpus(sub) -> None:
    from .text.corpus import SOURCES

    p = sub.add_parser("corpus", help="build a sentence corpus (Kiwi splitting, cleaning, dedup)",
                       description="Read texts (plain lines, CSV/TSV columns, NSMC, chatbot Q/A, naver news via "
                                   "'datasets'), split sentences with Kiwi, NFC, length bounds, charset policy, "
                                   "deduplicate, write one sentence per line.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files (or a hub name for --source naver-news)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--source", choices=SOURCES, default="auto",
                   help="input kind (auto: nsmc*/ratings* → nsmc, *chatbot* → chatbot, --column → table, else text)")
    p.add_argument("--column", nargs="*", default=[], help="CSV/TSV columns to read")
    p.add_argument("--no-split", action="store_true", help="keep each input line whole (no sentence splitting)")
    p.add_argument("--min-chars", type=int, default=2)
    p.add_argument("--max-chars", type=int, default=100)
    p.add_argument("--charset", help="'default' or a charset file: apply --outside to other characters")
    p.add_argument("--outside", choices=["drop", "replace"], default="drop",
                   help="drop sentences with characters outside the charset, or replace those characters")
    p.add_argument("--replacement", default="", help="replacement for --outside replace (default: remove)")
    p.set_defaults(func=cmd_corpus)


# ---------------------------------------------------------------------------------------------------
def cmd_export(args: argparse.Namespace) -> int:
    from .export.onnx import export_onnx
    from .models.recognition.weights import load_weights

    model, charset, meta = load_weights(args.weights)
    print(export_onnx(model, charset, args.output, meta=meta))
    return 0


def add_export(sub) -> None:
    p = sub.add_parser("export", help="export weights (.pt) or a training checkpoint (.ckpt) to ONNX")
    p.add_argument("weights")
    p.add_argument("output")
    p.set_defaults(func=cmd_export)


def add_train(sub) -> None:
    from .training.train import add_arguments

    p = sub.add_parser("train", help="train or fine-tune a recogniser (needs korocr[train])")
    add_arguments(p)

    def _run(a):
        from .training.train import run

        run(a)
        return 0

    p.set_defaults(func=_run)


# ---------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="korocr", description="Korean-first OCR: read, synthesise, train, evaluate.")
    p.add_argument("--version", action="version", version=f"korocr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    add_read(sub)
    add_synth(sub)
    add_eval(sub)
    add_dataset(sub)
    add_corpus(sub)
    add_export(sub)
    add_train(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        sys.exit(args.func(args))
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
