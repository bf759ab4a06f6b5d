"""The ``korocr`` command line: one module per command, a thin layer over the Python API.

    korocr read IMAGE|PDF [...] [--line] [--format text|jsonl|tsv|hocr]     (korocr.cli.read)
    korocr batch INPUT... -o OUT [--workers N] [--ray [ADDRESS]]              (korocr.cli.batch; Ray: korocr[ray])
    korocr serve [--port 8000]                                              (korocr.cli.serve; korocr[serve])
    korocr synth --count N --output DIR [...]                               (korocr.cli.synth)
    korocr train [...]                                                      (korocr.cli.train; korocr[train])
    korocr eval MODEL DATASET [--log LOG.tsv]                               (korocr.cli.eval)
    korocr export WEIGHTS OUT.onnx                                          (korocr.cli.export)
    korocr dataset convert|split|merge|stats|charset ...                    (korocr.cli.dataset)
    korocr corpus INPUT... -o corpus.txt                                    (korocr.cli.corpus)
    korocr generate ["텍스트"] -o out.png --model DIR                        (korocr.cli.generate)

User errors (a :class:`~korocr.errors.KorocrError`: bad file, model, dataset, missing extra) are reported here
once, as ``korocr: message`` with exit status 2, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys

from . import batch, corpus, dataset, export, generate, read, serve, synth, train
from . import eval as eval_cmd  # the module is named after its command
from .common import err

COMMANDS = (read, batch, serve, synth, eval_cmd, dataset, corpus, export, train, generate)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    p = argparse.ArgumentParser(prog="korocr", description="Korean-first OCR: read, synthesise, train, evaluate.")
    p.add_argument("--version", action="version", version=f"korocr {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for cmd in COMMANDS:
        cmd.add(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    from ..errors import KorocrError

    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except KorocrError as e:
        err(str(e))
        code = 2
    except BrokenPipeError:  # output piped into head & co.
        sys.stderr.close()
        code = 0
    sys.exit(code)
