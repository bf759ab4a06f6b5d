#!/usr/bin/env python
"""Build the character n-gram language model that Inverse DALL-E fuses into its decoding
(:class:`korocr.text.char_lm.CharNgramLM`, ``text_lm.npz`` in a model directory).

Texts: the training corpus and word list (``scripts/build_corpus.py``: NSMC reviews, chatbot Q/A, Tesseract's
word list, hunspell-ko stems; never a bench's or an evaluation set's texts). ``--spaceless`` of the corpus lines
are counted with their spaces removed: korocr writes vertical columns without spaces, and a model of spaced text
alone backs off to single jamo inside them. Every ``--holdout``-th corpus line is left out of the counts and
written to ``--holdout-dir``/corpus.txt, so the fusion weight can be chosen on texts the model never counted
(``bench/inverse_dalle_text_lm.py``).

    python scripts/build_text_lm.py --text cache/text --charset default-jamo --order 6 --min-count 3 \
        --weight 0.3 --bonus 0.4 --out models/inverse-dalle/text_lm.npz --holdout 20 --holdout-dir cache/text_lm_heldout
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--text", default="cache/text", help="folder with corpus.txt and words.txt")
    ap.add_argument("--charset", default="default-jamo", help="the reading model's charset")
    ap.add_argument("--order", type=int, default=6)
    ap.add_argument("--min-count", type=int, default=3, help="drop n-grams of order >= 3 seen fewer times")
    ap.add_argument("--weight", type=float, default=0.3, help="the fusion weight stored as the model's default")
    ap.add_argument("--bonus", type=float, default=0.4, help="the per-character bonus stored as the default")
    ap.add_argument("--spaceless", type=float, default=0.5,
                    help="share of the corpus lines counted with their spaces removed, as korocr writes vertical "
                         "columns (training and reading), so the model knows text run together too")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--holdout", type=int, default=20, help="leave out every N-th corpus line (0: none)")
    ap.add_argument("--holdout-dir", default=None, help="write the left-out lines here (corpus.txt, words.txt)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    from korocr.text.char_lm import CharNgramLM
    from korocr.text.charsets import Charset

    text = Path(args.text)
    corpus = (text / "corpus.txt").read_text(encoding="utf-8").splitlines()
    words = (text / "words.txt").read_text(encoding="utf-8").splitlines()
    keep = [t for i, t in enumerate(corpus) if not args.holdout or i % args.holdout]
    held = [t for i, t in enumerate(corpus) if args.holdout and not i % args.holdout]
    rng = random.Random(args.seed)
    keep = ["".join(t.split()) if rng.random() < args.spaceless else t for t in keep]
    t0 = time.perf_counter()
    lm = CharNgramLM(Charset.resolve(args.charset).chars, args.order, args.weight, args.bonus)
    lm.fit(keep + words, min_count=args.min_count)
    out = lm.save(args.out)
    print(f"{len(corpus)} corpus lines ({len(held)} held out) + {len(words)} words -> {out} "
          f"({out.stat().st_size / 1e6:.1f} MB; n-grams per order {[len(k) for k in lm.keys]}; "
          f"{time.perf_counter() - t0:.0f} s)")
    if args.holdout_dir:
        d = Path(args.holdout_dir)
        d.mkdir(parents=True, exist_ok=True)
        (d / "corpus.txt").write_text("\n".join(held) + "\n", encoding="utf-8")
        (d / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
        print(f"held-out lines: {d / 'corpus.txt'}")


if __name__ == "__main__":
    main()
