"""Flag helpers shared by the ``korocr`` commands, so a flag means the same thing everywhere."""

from __future__ import annotations

import argparse
import sys


def err(msg: str) -> None:
    """Report a problem on stderr as ``korocr: msg``."""
    print(f"korocr: {msg}", file=sys.stderr, flush=True)


class DeprecatedAlias(argparse.Action):
    """Store like the flag's new spelling, with a note on stderr that the old spelling is deprecated."""

    def __init__(self, option_strings, dest, new: str = "", **kw):
        self.new = new
        super().__init__(option_strings, dest, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        err(f"{option_string} is deprecated; use {self.new}")
        setattr(namespace, self.dest, values)


def add_fonts(p: argparse.ArgumentParser) -> None:
    """--fonts / --exclude-fonts / --font-dir (font key globs are file stems, e.g. 'Nanum*')."""
    p.add_argument("--fonts", nargs="*", default=["*"], help="font key globs to use (file stems, e.g. 'Nanum*')")
    p.add_argument("--exclude-fonts", nargs="*", default=[], help="font key globs to hold out")
    p.add_argument("--font-dir", nargs="*", default=[], help="extra font files or folders")


def add_texts(p: argparse.ArgumentParser) -> None:
    """--corpus FILES and --words FILES: the text sources of synthetic lines (``--dict`` is an old spelling)."""
    p.add_argument("--corpus", nargs="*", default=[], help="text files, one sentence/phrase per line (.gz ok)")
    p.add_argument("--words", nargs="*", default=[], help="word-list files, one word per line")
    p.add_argument("--dict", nargs="*", dest="words", action=DeprecatedAlias, new="--words",
                   help=argparse.SUPPRESS)


def add_charset(p: argparse.ArgumentParser, flag: str = "--charset", default: str | None = "default",
                help: str = "") -> None:
    p.add_argument(flag, default=default, help=help or "'default' (space, ASCII, symbols, jamo, 11,172 syllables), "
                   "'default-jamo' (syllables as conjoining jamo), 'default-jamo-hanja' (plus the 1,800 basic Hanja) "
                   "or a charset file (JSON list or one per line)")


def add_threads(p: argparse.ArgumentParser) -> None:
    p.add_argument("--threads", type=int, default=None, help="CPU threads for inference")


def resolve_charset(spec: str | None):
    """``None`` stays ``None``; otherwise :meth:`korocr.text.charsets.Charset.resolve`."""
    if not spec:
        return None
    from ..text.charsets import Charset

    return Charset.resolve(spec)


def progress(items, enabled: bool, total: int | None = None, unit: str = "item"):
    """``items`` with a tqdm progress bar on stderr when ``enabled`` (``--progress``), else unchanged."""
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, unit=unit, file=sys.stderr)


def add_progress(p: argparse.ArgumentParser) -> None:
    p.add_argument("--progress", action="store_true", help="a progress bar on stderr")
