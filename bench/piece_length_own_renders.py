#!/usr/bin/env python
"""Piece length of an Inverse DALL-E reading, chosen on korocr's own renders in TRAINING fonts and texts (not a
generalization bench).

An Inverse DALL-E model trained on short renders (``--max-chars 3``) reads a long line in pieces cut at gaps in its
ink (:meth:`InverseDalle.read`, :func:`korocr.preprocessing.line.split_at_gaps`); by default a piece may be as long
as the image budget allows at the model's code rows (3.9 line heights at 256 tokens and 8 rows), which holds more
characters than training ever showed. This script reads the same lines and columns with each cap on a piece's
length (``piece_aspect``, in heights of the line's ink: about one syllable each) and reports edit errors, so the cap written into the model
(``GPTConfig.piece_aspect``, ``--set``) is chosen without looking at the benches.

Lines: the training text sampler over ``--text`` (corpus and words, up to 40 characters, ``default-jamo``: no
Hanja), drawn by the training renderer with the Inverse DALL-E's clean-render settings (dark on light, no
degradations) in every discovered face except the benches' held-out ones; columns: up to 12 characters of the
same texts stacked by ``render_vertical``. One thread.

    python bench/piece_length_own_renders.py --model models/inverse-dalle --font-dir cache/fonts/npm \\
        --text cache/text [--n 120] [--columns 40] [--aspects 0 4 3.5 3 2.5] [--set 3]

``--set A`` writes ``piece_aspect`` A into the model's ``korocr_inverse_dalle.json`` after measuring.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

sys.path.insert(0, str(Path(__file__).resolve().parent))
from own_renders import add_source_args  # noqa: E402


def own_items(args: argparse.Namespace) -> list[tuple[str, object, bool]]:
    """(text, image, vertical): ``args.n`` lines and ``args.columns`` columns, seeded by ``args.seed``."""
    from bench_general import HELD_OUT

    from korocr.synth.fonts import discover_fonts
    from korocr.synth.render import LineRenderer, RenderConfig, render_vertical
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import Charset
    from korocr.training.train_inverse_dalle import CLEAN_RENDERS, _dark_on_light

    held = tuple(h.rstrip("*") for h in HELD_OUT)
    fonts = [f for f in discover_fonts(extra=args.font_dir) if not f.spec.key.startswith(held)]
    text = Path(args.text)
    sampler = TextSampler.from_files([text / "corpus.txt"], [text / "words.txt"],
                                     charset=Charset.resolve("default-jamo"), max_chars=40,
                                     weights=tuple(args.weights))
    renderer = LineRenderer(fonts, RenderConfig(**CLEAN_RENDERS), seed=args.seed)
    rng = random.Random(args.seed)
    items: list[tuple[str, object, bool]] = []
    while len(items) < args.n + args.columns:
        vertical = len(items) >= args.n
        t = sampler.sample(rng)
        if vertical:
            t = "".join(t.split())[:12]
        font = renderer.pick_font(t, rng) if t else None
        if font is None:
            continue
        img = render_vertical(t, font, rng) if vertical else renderer.render(t, rng, font)
        img = _dark_on_light(img)
        if img is not None and (vertical or len(t) > 3):  # short lines are read whole at any cap
            items.append((t, img, vertical))
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.set_defaults(weights=[0.8, 0.2, 0, 0, 0])
    ap.add_argument("--model", required=True, help="an Inverse DALL-E model directory")
    ap.add_argument("--n", type=int, default=120, help="horizontal lines (longer than 3 characters)")
    ap.add_argument("--columns", type=int, default=40, help="vertical columns")
    ap.add_argument("--aspects", type=float, nargs="+", default=[0, 4, 3.5, 3, 2.5],
                    help="caps on a piece's length in ink heights (0: none, the budget's limit)")
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--set", type=float, default=None, help="write this piece_aspect into the model after measuring")
    args = ap.parse_args()

    import torch

    from korocr.models.recognition.inverse_dalle import InverseDalle
    from korocr.models.recognition.inverse_dalle.model import MARKER
    from korocr.text.charsets import nfc

    torch.set_num_threads(1)
    model = InverseDalle.load(args.model)
    items = own_items(args)
    print(f"{args.n} lines ({sum(len(t) for t, _, v in items if not v)} characters), {args.columns} columns "
          f"({sum(len(t) for t, _, v in items if v)}); budget limit {model.gpt_config.max_aspect():.2f} line heights",
          flush=True)
    print("| piece cap (ink heights) | line errors | line errors, no spaces | lines exact | column errors | "
          "columns exact | s |")
    print("|---|---|---|---|---|---|---|")
    for a in args.aspects:
        t0 = time.perf_counter()
        got = [nfc(t) for t, _ in model.read([img for _, img, _ in items], piece_aspect=a)]
        dt = time.perf_counter() - t0
        lines = [(g, t) for g, (t, _, v) in zip(got, items) if not v]
        cols = [(g, t) for g, (t, _, v) in zip(got, items) if v]
        print(f"| {a or 'budget'} | {sum(Levenshtein.distance(g, t) for g, t in lines)} | "
              f"{sum(Levenshtein.distance(g.replace(' ', ''), t.replace(' ', '')) for g, t in lines)} | "
              f"{sum(g == t for g, t in lines)} | {sum(Levenshtein.distance(g, t) for g, t in cols)} | "
              f"{sum(g == t for g, t in cols)} | {dt:.0f} |", flush=True)
    if args.set is not None:
        path = Path(args.model) / MARKER
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta["gpt"]["piece_aspect"] = args.set
        path.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"wrote piece_aspect {args.set} into {path}")


if __name__ == "__main__":
    main()
