#!/usr/bin/env python
"""Reading settings of an Inverse DALL-E model — piece length and margin normalisation — chosen on korocr's own
renders in TRAINING fonts and texts (not a generalization bench).

* Piece length: a model trained on short renders (``--max-chars 3``) reads a long line in pieces cut at gaps in
  its ink (:meth:`InverseDalle.read`, :func:`korocr.preprocessing.line.split_at_gaps`); by default a piece may be
  as long as the image budget allows at the model's code rows (3.9 crop heights at 256 tokens and 8 rows), which
  holds more characters than training ever showed. ``--aspects`` caps a piece's length (``piece_aspect``, in
  heights of the line's ink: about one syllable each).
* Margins: ``--margins`` re-crops every input to ``lo,hi`` × its ink height of blank above and below
  (``GPTConfig.margins``, :meth:`InverseDalle.normalize`; ``none``: as given).

Every combination reads the same items in three geometries: as rendered, cropped tight to the ink, and tight with
half an ink height of background on every side (``wide``), and reports edit errors, so the settings written into
the model (``--set-aspect``, ``--set-margins``) are chosen without looking at the benches.

Items: the training text sampler over ``--text`` (corpus and words, up to 40 characters, ``default-jamo``: no
Hanja), drawn by the training renderer with the Inverse DALL-E's clean-render settings (dark on light, no
degradations) in every discovered face except the benches' held-out ones; columns: up to 12 characters of the
same texts stacked by ``render_vertical``. One thread.

    python bench/inverse_dalle_reading_own_renders.py --model models/inverse-dalle --font-dir cache/fonts/npm \
        --text cache/text [--n 120] [--columns 40] [--aspects 0 4 3] [--margins none 0.15,0.4] \
        [--geometries rendered tight wide] [--set-aspect 4.5] [--set-margins 0.15,0.4]
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
from own_renders import add_source_args, training_fonts_and_sampler  # noqa: E402


def own_items(args: argparse.Namespace) -> list[tuple[str, object, bool]]:
    """(text, image, vertical): ``args.n`` lines and ``args.columns`` columns, seeded by ``args.seed``, then
    ``args.words`` (if given) single words of 4-5 Hangul syllables from the word list (``words.txt``), drawn by
    the same renderer (seed + 1)."""
    from korocr.synth.render import LineRenderer, RenderConfig, render_vertical
    from korocr.training.train_inverse_dalle import CLEAN_RENDERS, _dark_on_light

    fonts, sampler = training_fonts_and_sampler(args, charset="default-jamo")  # the model reads no Hanja
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
    n_words = getattr(args, "words", 0) or 0
    if n_words:
        words = [w for w in (Path(args.text) / "words.txt").read_text(encoding="utf-8").split()
                 if len(w) in (4, 5) and all("가" <= c <= "힣" for c in w)]
        rng = random.Random(args.seed + 1)
        renderer = LineRenderer(fonts, RenderConfig(**CLEAN_RENDERS), seed=args.seed + 1)
        found: list[tuple[str, object, bool]] = []
        while words and len(found) < n_words:
            w = rng.choice(words)
            font = renderer.pick_font(w, rng)
            img = _dark_on_light(renderer.render(w, rng, font)) if font is not None else None
            if img is not None:
                found.append((w, img, False))
        items += found
    return items


def geometry(img, kind: str):
    """``img`` as rendered, cropped ``tight`` to its ink, or tight with half an ink height (a column: width) of its
    background on every side (``wide``)."""
    import numpy as np

    from korocr.models.recognition.inverse_dalle.model import to_gray
    from korocr.preprocessing.line import _ink_mask

    if kind == "rendered":
        return img
    g = to_gray(img)
    ys, xs = np.nonzero(_ink_mask(g))
    if not len(ys):
        return img
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    tight = np.ascontiguousarray(img[y0:y1, x0:x1])
    if kind == "tight":
        return tight
    p = max(1, int(0.5 * min(y1 - y0, x1 - x0)))
    pad = ((p, p), (p, p)) + (((0, 0),) if img.ndim == 3 else ())
    return np.pad(tight, pad, constant_values=int(np.median(g)))


def _margins(spec: str) -> tuple[float, float] | None:
    if spec == "none":
        return None
    lo, hi = (float(x) for x in spec.split(","))
    return lo, hi


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_source_args(ap)
    ap.set_defaults(weights=[0.8, 0.2, 0, 0, 0])
    ap.add_argument("--model", required=True, help="an Inverse DALL-E model directory")
    ap.add_argument("--n", type=int, default=120, help="horizontal lines (longer than 3 characters)")
    ap.add_argument("--columns", type=int, default=40, help="vertical columns")
    ap.add_argument("--words", type=int, default=0, help="single words of 4-5 syllables (counted with the lines)")
    ap.add_argument("--aspects", type=float, nargs="+", default=None,
                    help="caps on a piece's length in ink heights (0: none, the budget's limit); default: the model's")
    ap.add_argument("--margins", nargs="+", default=None,
                    help="margin settings 'lo,hi' (ink heights above/below) or 'none'; default: the model's")
    ap.add_argument("--geometries", nargs="+", default=["rendered", "tight", "wide"],
                    choices=("rendered", "tight", "wide"))
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--set-aspect", type=float, default=None,
                    help="write this piece_aspect into the model after measuring")
    ap.add_argument("--set-margins", default=None, help="write these margins ('lo,hi' or 'none') into the model")
    args = ap.parse_args()

    import torch

    from korocr.models.recognition.inverse_dalle import InverseDalle
    from korocr.models.recognition.inverse_dalle.model import MARKER
    from korocr.text.charsets import nfc

    torch.set_num_threads(1)
    model = InverseDalle.load(args.model)
    g = model.gpt_config
    aspects = args.aspects if args.aspects is not None else [g.piece_aspect]
    margins = [_margins(m) for m in args.margins] if args.margins else [g.margins]
    items = own_items(args)
    print(f"{args.n} lines + {args.words} words ({sum(len(t) for t, _, v in items if not v)} characters), "
          f"{args.columns} columns "
          f"({sum(len(t) for t, _, v in items if v)}); budget limit {g.max_aspect():.2f} crop heights", flush=True)
    print("| margins | piece cap (ink heights) | geometry | line errors | line errors, no spaces | lines exact | "
          "column errors | columns exact | s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in margins:
        g.margins = m
        for a in aspects:
            for kind in args.geometries:
                imgs = [geometry(img, kind) for _, img, _ in items]
                t0 = time.perf_counter()
                got = [nfc(t) for t, _ in model.read(imgs, piece_aspect=a)]
                dt = time.perf_counter() - t0
                lines = [(o, t) for o, (t, _, v) in zip(got, items) if not v]
                cols = [(o, t) for o, (t, _, v) in zip(got, items) if v]
                print(f"| {'none' if m is None else f'{m[0]},{m[1]}'} | {a or 'none'} | {kind} | "
                      f"{sum(Levenshtein.distance(o, t) for o, t in lines)} | "
                      f"{sum(Levenshtein.distance(o.replace(' ', ''), t.replace(' ', '')) for o, t in lines)} | "
                      f"{sum(o == t for o, t in lines)} | {sum(Levenshtein.distance(o, t) for o, t in cols)} | "
                      f"{sum(o == t for o, t in cols)} | {dt:.0f} |", flush=True)
    if args.set_aspect is not None or args.set_margins is not None:
        path = Path(args.model) / MARKER
        meta = json.loads(path.read_text(encoding="utf-8"))
        if args.set_aspect is not None:
            meta["gpt"]["piece_aspect"] = args.set_aspect
        if args.set_margins is not None:
            meta["gpt"]["margins"] = _margins(args.set_margins)
        path.write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"wrote piece_aspect {meta['gpt'].get('piece_aspect')}, margins {meta['gpt'].get('margins')} into {path}")


if __name__ == "__main__":
    main()
