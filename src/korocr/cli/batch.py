"""``korocr batch``: read many images and PDF pages with worker processes, or on a Ray cluster."""

from __future__ import annotations

import argparse

from .common import err


def run(args: argparse.Namespace) -> int:
    from ..batch import run_local, run_ray
    from ..io.inputs import list_pages
    from ..io.pdf import parse_pages

    items, problems = list_pages(args.inputs, pages=parse_pages(args.pages))
    for why in problems:
        err(why)
    read_kwargs = {"dpi": args.dpi, "rec_model": None if args.rec_model == "default" else args.rec_model,
                   "det_model": args.detect_model, "min_confidence": args.min_confidence,
                   "rotate": args.rotate if args.rotate == "auto" else int(args.rotate), "deskew": args.deskew}
    if args.ray is not None:
        if args.resume:
            err("--resume is for local runs (-o FILE.jsonl); a Ray job writes a new directory")
            return 2
        report = run_ray(items, args.output, address=args.ray or None, actors=args.workers,
                         batch_size=args.batch_size, fmt=args.format, **read_kwargs)
    else:
        if args.format != "jsonl":
            err("without --ray the output is one JSON-lines file (--format jsonl)")
            return 2
        report = run_local(items, args.output, workers=args.workers, resume=args.resume,
                           progress=not args.no_progress, on_error=err, **read_kwargs)
    if args.ray is not None:
        for e in report.errors:
            err(e)
    err(f"{report.items} item(s): {report.done} read, {report.failed} failed, {report.skipped} already done"
        + (f"; {len(problems)} input(s) gave nothing" if problems else ""))
    return 1 if report.failed or problems else 0


def add(sub) -> None:
    p = sub.add_parser("batch", help="read many files with worker processes or on Ray", description=(
        "Read every image, PDF page and TIFF frame of the inputs. Locally: --workers processes, one JSON line per "
        "page appended to -o FILE as results arrive (the objects of korocr read --format jsonl), --resume "
        "skips pages already in FILE. With --ray: Ray Data with an actor pool of --workers readers, writing "
        "JSON lines or Parquet files into the directory -o DIR (columns image, text, confidence, result, "
        "error); input paths must be readable on every node. Pages that cannot be read are reported and "
        "counted; the summary line says items = read + failed + already done."))
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="image or PDF files, directories, glob patterns or @LIST (a file of paths)")
    p.add_argument("-o", "--output", required=True, help="FILE.jsonl (local) or a directory (--ray)")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on Ray Data: a cluster address (ray://host:10001, auto) or, with no address, a "
                        "local Ray instance (needs korocr[ray])")
    p.add_argument("--workers", type=int, default=2, help="worker processes or Ray actors, one Reader each")
    p.add_argument("--batch-size", type=int, default=4, help="--ray: pages per map_batches call")
    p.add_argument("--format", choices=["jsonl", "parquet"], default="jsonl", help="--ray: output files")
    p.add_argument("--resume", action="store_true", help="local: skip the pages already in -o FILE")
    p.add_argument("--no-progress", action="store_true", help="local: no progress bar")
    p.add_argument("--rec-model", default="default", help="recognition model (default: the bundled one)")
    p.add_argument("--detect-model", default="default", help="text detector (default: the bundled one)")
    p.add_argument("--min-confidence", type=float, default=0.5, help="drop lines below this confidence")
    p.add_argument("--rotate", choices=["0", "90", "180", "270", "auto"], default="0",
                   help="turn pages first, or 'auto' (see korocr read)")
    p.add_argument("--deskew", type=float, default=0.5, metavar="DEG",
                   help="straighten pages tilted by at least DEG degrees (see korocr read); 0: off")
    p.add_argument("--dpi", type=float, default=150, help="PDF pages are rendered at this resolution")
    p.add_argument("--pages", help="PDF pages to read, e.g. 1-3,5 (default: all)")
    p.set_defaults(func=run)
