"""``korocr synth``: render synthetic Korean text lines (TRDG-style) or detector pages."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import add_charset, add_fonts, add_progress, add_texts, err, progress, resolve_charset


def run(args: argparse.Namespace) -> int:
    from ..synth.fonts import discover_fonts
    from ..synth.generate import generate
    from ..synth.render import RenderConfig
    from ..synth.text import TextSampler

    if len(args.words) == 1 and args.words[0].isdigit() and not Path(args.words[0]).exists():
        err(f"--words {args.words[0]} as a count is deprecated (--words now takes word-list files, as in "
            f"korocr train); use --words-per-line {args.words[0]}")
        args.words_per_line, args.words = int(args.words[0]), []
    fonts = discover_fonts(extra=args.font_dir, include=args.fonts, exclude=args.exclude_fonts)
    if not fonts:
        err("no Korean fonts found; install fonts-nanum/fonts-noto-cjk or pass --font-dir")
        return 2
    sampler = TextSampler.from_files(args.corpus, args.words, charset=resolve_charset(args.charset),
                                     max_chars=args.max_chars)
    if args.pages:
        from ..synth.generate import generate_pages

        print(json.dumps(generate_pages(args.output, fonts, sampler, args.count, seed=args.seed), ensure_ascii=False))
        return 0
    lo, hi = args.font_size
    cfg = RenderConfig(font_size=(lo, hi), augment=not args.no_augment)
    info = generate(args.output, fonts, sampler, args.count, seed=args.seed, workers=args.workers, fmt=args.format,
                    config=cfg, words=args.words_per_line, height=args.height,
                    wrap=lambda jobs, n: progress(jobs, args.progress, total=n, unit="chunk"))
    print(json.dumps({"count": info["count"], "out_dir": info["out_dir"], "fonts_used": len(info["fonts"])},
                     ensure_ascii=False))
    return 0


def add(sub) -> None:
    p = sub.add_parser("synth", help="render synthetic Korean text-line images",
                       description="Render text lines like TextRecognitionDataGenerator, for Korean: "
                                   "images/N.jpg + labels.txt ('N.jpg text'), and/or an LMDB.")
    p.add_argument("-c", "--count", type=int, default=1000, help="lines to render")
    p.add_argument("-o", "--output", required=True, help="output folder")
    p.add_argument("-w", "--words-per-line", type=int, default=0,
                   help="words per line from --words files (0: mixed sources)")
    p.add_argument("-f", "--font-size", type=int, nargs=2, default=[22, 56], metavar=("MIN", "MAX"),
                   help="font size range in px")
    p.add_argument("--height", type=int, default=None, help="resize every line to this height (px)")
    add_texts(p)
    add_fonts(p)
    add_charset(p, help="charset limiting the text: 'default', 'default-jamo' or a charset file")
    p.add_argument("--max-chars", type=int, default=12)
    p.add_argument("--no-augment", action="store_true", help="no blur/noise/JPEG/perspective degradations")
    p.add_argument("--format", choices=["files", "lmdb", "both"], default="files")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pages", action="store_true",
                   help="render --count detector pages (images/ + HierText-style annotations.jsonl) instead of lines")
    add_progress(p)
    p.set_defaults(func=run)
