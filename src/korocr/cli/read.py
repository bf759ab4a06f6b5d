"""``korocr read``: read text from images (page mode with detection, or single lines)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from .common import add_threads, err


def run(args: argparse.Namespace) -> int:
    from ..formatters import format_hocr, format_page
    from ..io.image import ImageLoadError
    from ..reader import Reader

    rec_options = {k: v for k, v in (("processor", args.processor), ("num_beams", args.num_beams),
                                      ("max_length", args.max_length), ("allowlist", args.allowlist),
                                      ("blocklist", args.blocklist), ("ctc_weight", args.ctc_weight),
                                      ("decoder", args.decoder), ("beam_width", args.beam_width),
                                      ("lm_weight", args.lm_weight)) if v is not None}
    from ..io.inputs import expand_inputs
    from ..io.pdf import parse_pages

    sources, names, problems = expand_inputs(args.images, dpi=args.dpi, pages=parse_pages(args.pages))
    for why in problems:
        err(why)
    failed = len(problems)
    if args.resume:
        if args.format != "jsonl" or not args.output:
            err("--resume needs --format jsonl and -o FILE (the images already in FILE are skipped)")
            return 2
        from ..batch import done_names

        done = done_names(Path(args.output))
        keep = [i for i, n in enumerate(names) if n not in done]
        err(f"--resume: {len(names) - len(keep)} of {len(names)} image(s) already in {args.output}")
        sources, names = [sources[i] for i in keep], [names[i] for i in keep]
    reader = Reader(args.rec_model, det_model=args.detect_model, threads=args.threads, batch_size=args.batch_size,
                    max_side=args.max_side, rec_options=rec_options, min_confidence=args.min_confidence,
                    rotate=args.rotate if args.rotate == "auto" else int(args.rotate), device=args.device,
                    deskew=args.deskew)
    multi = len(names) > 1
    printed_header = False
    shown = 0
    pdf_pages: list = []  # --format pdf: (image, page) pairs, written at the end
    hocr_pages: list = []  # several pages in hOCR: one document at the end
    if args.format == "pdf" and not args.output:
        err("--format pdf needs -o/--output FILE.pdf")
        return 2
    sink = (open(args.output, "a" if args.resume else "w", encoding="utf-8")
            if args.output and args.format != "pdf" else None)
    if args.resume and sink is not None and sink.tell() > 0:
        with open(args.output, "rb") as fh:
            fh.seek(-1, 2)
            if fh.read(1) != b"\n":  # a torn last line: start on a new one
                sink.write("\n")
    loaded: dict[str, np.ndarray] = {}  # --visualize / pdf: each image is decoded once, here

    def once(items):
        from ..io.image import ImageLoadError as _Err, load_image

        for src, name in zip(items, names):
            try:
                arr = load_image(src, name=name)
            except _Err:
                yield src  # the reader reports it
                continue
            loaded.clear()
            loaded[name] = arr
            yield arr

    keep = (args.visualize or args.format == "pdf") and not (args.line or args.vertical)
    results = reader.read_many(once(sources) if keep else sources, line=args.line or args.vertical,
                               vertical=args.vertical, names=names)
    if args.progress:
        from tqdm import tqdm

        results = tqdm(results, total=len(names), unit="image", file=sys.stderr)
    for result in results:
        if isinstance(result, ImageLoadError):
            err(str(result))
            failed += 1
            continue
        if args.visualize or args.format == "pdf":
            from ..io.image import load_image

            img = loaded.get(result.image)
            if img is None:  # line mode reads all images together
                img = load_image(sources[names.index(result.image)], name=result.image)
            if args.format == "pdf":
                pdf_pages.append((np.rot90(img, k=result.rotation // 90) if result.rotation else img, result))
        if args.visualize:
            from ..visualize import draw_page

            vis = Path(args.visualize)
            if multi:
                vis = vis.with_name(f"{vis.stem}_{shown}{vis.suffix or '.png'}")
            draw_page(img, result).save(vis)
        shown += 1
        if not result.lines and not (args.line or args.vertical):
            err(f"{result.image}: no text found (one line or word? try --line; a turned page? --rotate auto)")
        if args.format == "hocr" and multi:
            hocr_pages.append(result)
        if args.format == "pdf" or (args.format == "hocr" and multi):
            continue
        out = format_page(result, args.format, page_num=shown)
        if args.format == "tsv" and printed_header:
            out = out.split("\n", 1)[1]
        printed_header = True
        if args.format == "text" and multi:
            print(f"==> {result.image} <==")
        print(out, flush=True, file=sink)
    if hocr_pages and args.format == "hocr":
        print(format_hocr(hocr_pages), file=sink)
    if sink is not None:
        sink.close()
    if pdf_pages:
        from ..searchable_pdf import write_searchable_pdf

        print(write_searchable_pdf(pdf_pages, args.output, dpi=args.dpi))
    if failed:
        err(f"{failed} of {len(args.images)} image(s) could not be read")
        return 1
    return 0


def add(sub) -> None:
    p = sub.add_parser("read", help="read text from images", description=(
        "Read Korean/Latin text from images. By default each image may hold many lines: a text detector finds "
        "them (horizontal lines and vertical columns), they are recognised and put in reading order (columns "
        "left to right; vertical columns right to left, each top to bottom). With --line each image is one "
        "text line (like tesseract --psm 7) and many images are recognised together in batches. "
        "Inputs: PNG, JPEG, BMP, TIFF, WebP (EXIF orientation applied) and PDF (each page rendered at --dpi; "
        "needs korocr[pdf]). Unreadable files are reported on stderr; the exit status is then 1."))
    p.add_argument("images", nargs="+", metavar="IMAGE",
                   help="image or PDF files, directories, glob patterns, @LIST (a file of paths) or - (stdin)")
    p.add_argument("--line", action="store_true", help="each image is a single text line")
    p.add_argument("--format", choices=["text", "jsonl", "tsv", "hocr", "alto", "pdf"], default="text",
                   help="text: the lines; jsonl: one JSON object per image with lines, boxes, confidences; "
                        "tsv: Tesseract's TSV columns (words with boxes); hocr: hOCR XHTML; alto: ALTO XML v4; "
                        "pdf: the images with "
                        "an invisible, searchable text layer (needs -o and korocr[pdf])")
    p.add_argument("-o", "--output", help="write the output to this file instead of stdout (required for pdf)")
    p.add_argument("--resume", action="store_true",
                   help="with --format jsonl -o FILE: skip the images already in FILE and append the others")
    p.add_argument("--progress", action="store_true", help="a progress bar on stderr")
    p.add_argument("--visualize", metavar="OUT.png",
                   help="draw boxes and recognised text on the image (several images: OUT_0.png, OUT_1.png, ...)")
    p.add_argument("--vertical", action="store_true",
                   help="each image is a single vertical line (Korean written top to bottom)")
    p.add_argument("--rec-model", default="default",
                   help="recognition model: 'default' (the bundled one), an .onnx from korocr export, or a "
                        "VisionEncoderDecoder (TrOCR) directory or hub name")
    p.add_argument("--processor", help="TrOCR: image processor source if not the model's "
                                       "(e.g. microsoft/trocr-base-handwritten)")
    p.add_argument("--num-beams", type=int, default=None,
                   help="TrOCR and Inverse DALL-E: beam search width (1 = greedy; TrOCR default 4 with joint "
                        "decoding, else 1; Inverse DALL-E: the model's num_beams)")
    p.add_argument("--lm-weight", type=float, default=None,
                   help="Inverse DALL-E: weight of the model's character language model (text_lm.npz) in the "
                        "decoding (shallow fusion; default: the model's own; 0: off)")
    p.add_argument("--ctc-weight", type=float, default=None,
                   help="TrOCR with a CTC head on its encoder (korocr's hybrid): joint CTC/attention beam search "
                        "with this weight on CTC (default: 0.8 with 4 beams for such a model, 0 = attention only)")
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
    p.add_argument("--rotate", choices=["0", "90", "180", "270", "auto"], default="0",
                   help="page mode: turn the page counter-clockwise by this many degrees first, or 'auto': when "
                        "the upright reading is weak, also read it turned 90/180/270 and keep the best (jsonl "
                        "then says 'rotation')")
    p.add_argument("--deskew", type=float, default=0.5, metavar="DEG",
                   help="page mode: straighten a page whose lines are tilted by at least DEG degrees and detect "
                        "again (boxes stay in the input's px); 0 turns it off (default 0.5)")
    p.add_argument("--dpi", type=float, default=150, help="PDF input: render pages at this resolution (default 150)")
    p.add_argument("--pages", help="PDF input: pages to read, e.g. 1-3,5 (default: all)")
    p.add_argument("--allowlist", help="characters the recogniser may output, nothing else (e.g. 0123456789,원)")
    p.add_argument("--blocklist", help="characters the recogniser never outputs")
    p.add_argument("--decoder", choices=["greedy", "beam"], default=None,
                   help="CTC models: 'greedy' (best path) or 'beam' (prefix beam search for the most probable "
                        "labelling, no language model); default: the recogniser's")
    p.add_argument("--beam-width", type=int, default=None, help="CTC models with --decoder beam: prefixes kept "
                                                                "per frame (default 8)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="onnxruntime execution provider (cuda needs onnxruntime-gpu)")
    p.add_argument("--batch-size", type=int, default=32, help="lines per recognition batch")
    add_threads(p)
    p.set_defaults(func=run)
