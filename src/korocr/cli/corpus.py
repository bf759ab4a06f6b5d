"""``korocr corpus``: build a sentence corpus for synthesis (Kiwi splitting, cleaning, dedup)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import add_charset, resolve_charset


def run(args: argparse.Namespace) -> int:
    from itertools import chain

    from ..text.corpus import CorpusReport, build_corpus, load_source

    charset = resolve_charset(args.charset)
    rep = CorpusReport()
    docs = chain.from_iterable(load_source(src, args.source, args.column) for src in args.inputs)
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for sent in build_corpus(docs, split=not args.no_split, min_chars=args.min_chars,
                                 max_chars=args.max_chars, charset=charset, outside=args.outside,
                                 replacement=args.replacement, report=rep):
            fh.write(sent + "\n")
    print(f"{args.output}: {rep.summary()}")
    return 0


def add(sub) -> None:
    from ..text.corpus import SOURCES

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
    add_charset(p, default=None, help="'default' or a charset file: apply --outside to other characters")
    p.add_argument("--outside", choices=["drop", "replace"], default="drop",
                   help="drop sentences with characters outside the charset, or replace those characters")
    p.add_argument("--replacement", default="", help="replacement for --outside replace (default: remove)")
    p.set_defaults(func=run)
