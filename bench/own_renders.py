"""Lines of korocr's own renders in TRAINING fonts and texts, for the scripts that choose a setting without looking
at a generalization bench (``margins_own_renders.py``, ``decoders_own_renders.py``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_general import HELD_OUT  # noqa: E402


def add_source_args(ap: argparse.ArgumentParser) -> None:
    """``--font-dir``, ``--text`` and ``--weights``: where the training fonts and texts come from."""
    ap.add_argument("--font-dir", default="cache/fonts/npm")
    ap.add_argument("--text", default="cache/text", help="folder with corpus.txt and words.txt (build_corpus.py)")
    ap.add_argument("--weights", type=float, nargs="+", default=[0.6, 0.1, 0, 0.15, 0.15],
                    help="TextSampler source weights (corpus, words, syllables, mixed/numeric, domain); "
                         "0 0 0 0 1 for domain lines alone (prices, dates, phone numbers, receipt rows)")


def training_fonts_and_sampler(args: argparse.Namespace, charset: str = "default-jamo-hanja"):
    """(fonts, sampler): every discovered face except the benches' held-out ones, and the training text sampler
    over ``args.text`` with ``args.weights`` (lines up to 40 characters, ``charset``)."""
    from korocr.synth.fonts import discover_fonts
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import Charset

    held = tuple(h.rstrip("*") for h in HELD_OUT)
    fonts = [f for f in discover_fonts(extra=args.font_dir) if not f.spec.key.startswith(held)]
    text = Path(args.text)
    sampler = TextSampler.from_files([text / "corpus.txt"], [text / "words.txt"],
                                     charset=Charset.resolve(charset), max_chars=40,
                                     weights=tuple(args.weights))
    return fonts, sampler


def rendered_lines(args: argparse.Namespace, config=None) -> list:
    """``args.n`` (text, image) pairs: lines of the training text sampler drawn by the training renderer
    (``config``: its :class:`~korocr.synth.render.RenderConfig`, augmentation included by default), seeded by
    ``args.seed``."""
    import random

    from korocr.synth.render import LineRenderer, RenderConfig

    fonts, sampler = training_fonts_and_sampler(args)
    renderer, rng = LineRenderer(fonts, config or RenderConfig(), seed=args.seed), random.Random(args.seed)
    items = []
    while len(items) < args.n:
        t = sampler.sample(rng)
        font = renderer.pick_font(t, rng)
        if font is not None:
            items.append((t, renderer.render(t, rng, font)))
    return items


def error_counts(outputs: list[str], items: list) -> tuple[int, int, int]:
    """(edit errors, edit errors with spaces ignored, lines exactly right) of ``outputs`` against ``items``'
    texts."""
    from rapidfuzz.distance import Levenshtein

    pairs = list(zip(outputs, (t for t, _ in items)))
    return (sum(Levenshtein.distance(o, t) for o, t in pairs),
            sum(Levenshtein.distance(o.replace(" ", ""), t.replace(" ", "")) for o, t in pairs),
            sum(o == t for o, t in pairs))
