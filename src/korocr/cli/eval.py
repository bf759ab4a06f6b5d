"""``korocr eval``: accuracy / CER of a recogniser, or precision / recall / H-mean of a detector."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_progress, add_threads, err, progress


def run_det(args: argparse.Namespace) -> int:
    from ..detection import make_detector
    from ..evaluation.detection import evaluate_detector

    ann_path = Path(args.dataset)
    if ann_path.is_dir():
        ann_path = next(iter(sorted(ann_path.glob("*.json*"))), ann_path / "annotations.jsonl")
    detector = make_detector(args.model, max_side=args.max_side, threads=args.threads)
    rep = evaluate_detector(detector, ann_path)
    for _, why in rep.unreadable:
        err(why)
    d = rep.counts.as_dict()
    print(f"images {rep.pages}  precision {d['precision']:.4f}  recall {d['recall']:.4f}  "
          f"H-mean {d['hmean']:.4f}  (IoU 0.5)  s/image {rep.seconds / max(1, rep.pages):.3f}  "
          f"unreadable {len(rep.unreadable)}")
    if args.json:
        print(json.dumps(d))
    return 1 if rep.unreadable else 0


def run(args: argparse.Namespace) -> int:
    if args.task == "det":
        return run_det(args)
    from ..evaluation.evaluate import evaluate, format_aligned, write_log
    from ..io.datasets import open_dataset
    from ..reader import Reader

    reader = Reader(args.model, threads=args.threads,
                    rec_options={"decoder": args.decoder} if args.decoder else None)
    samples = list(open_dataset(args.dataset))
    res = evaluate(reader, progress(samples, args.progress, total=len(samples), unit="sample"), line=not args.page)
    if args.log:
        write_log(res, args.log)
        Path(args.log).with_suffix(".txt").write_text(format_aligned(res), encoding="utf-8")
    if args.show:
        print(format_aligned(res, args.show), end="")
    for key, why in res.unreadable:
        err(f"{key}: {why}")
    s = res.summary()
    if not args.show:
        print(f"samples {s['n']}  accuracy {s['accuracy']:.4f}  CER {s['cer']:.4f} (spaces count)  "
              f"CER {s['cer_nospace']:.4f} (spaces ignored)  mean confidence {s['mean_confidence']:.4f}  "
              f"unreadable {s['unreadable']}")
    if args.json:
        print(json.dumps(s))
    return 1 if res.unreadable else 0


def add(sub) -> None:
    p = sub.add_parser("eval", help="accuracy / CER of a recogniser, or P / R / H-mean of a detector")
    p.add_argument("model", help="rec: a recognition .onnx or TrOCR directory ('default': the bundled one); det: a "
                                 "detector .onnx, 'default' or 'classical' (the built-in line finder)")
    p.add_argument("dataset", help="rec: folder with labels.tsv, gt*.txt, labels.txt or an LMDB, or a label file; "
                                   "det: HierText-style annotations (.json/.jsonl) or a folder holding one")
    p.add_argument("--task", choices=["rec", "det"], default="rec")
    p.add_argument("--max-side", type=int, default=1280, help="det: longer image side for analysis (px)")
    p.add_argument("--log", help="write the per-sample TSV log here (and an aligned copy for people, .txt)")
    p.add_argument("--show", type=int, default=0, metavar="N", help="print the first N rows of the aligned log")
    p.add_argument("--page", action="store_true", help="images hold several lines: find them first")
    p.add_argument("--json", action="store_true", help="also print the summary as JSON")
    p.add_argument("--decoder", choices=["greedy", "beam"], default=None,
                   help="rec, CTC models: 'greedy' (best path) or 'beam' (prefix beam search); default: beam")
    add_threads(p)
    add_progress(p)
    p.set_defaults(func=run)
