#!/usr/bin/env python
"""Sanity check for TrOCR training: can a from-scratch model memorise a handful of rendered lines?

If it cannot, the training path (labels, special tokens, loss, generation) is broken; if it can but a real run
stays at the language-model prior, the run is short of data or steps, not buggy.

    python scripts/trocr_overfit.py --encoder swin --ctc-weight 0.3 --corpus cache/text/corpus.txt

Prints, every 50 steps: step, training loss, lines read back exactly (greedy), seconds.
"""

from __future__ import annotations

import argparse
import time
from types import SimpleNamespace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encoder", choices=["vit", "swin"], default="vit")
    ap.add_argument("--ctc-weight", type=float, default=0.0)
    ap.add_argument("--corpus", default="cache/text/corpus.txt")
    ap.add_argument("--words", default="cache/text/words.txt")
    ap.add_argument("--font", default="NanumGothic")
    ap.add_argument("--lines", type=int, default=16)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()

    import torch

    from korocr.data.synthetic import collate_lines, render_fixed_set
    from korocr.models.recognition.trocr.model import ScratchConfig, build_from_scratch
    from korocr.models.recognition.trocr.tokenizer import build_char_tokenizer
    from korocr.synth.fonts import discover_fonts
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import Charset
    from korocr.training.lit_trocr import TrOCRLitModule

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tok = build_char_tokenizer(Charset.default())
    sc = ScratchConfig.for_encoder(args.encoder)  # as korocr train --scratch-encoder
    lit = TrOCRLitModule(build_from_scratch(tok, sc), tok, (sc.image_height, sc.image_width),
                         ctc_weight=args.ctc_weight)
    lit.log = lambda *a, **k: None  # outside a Trainer
    lit.optimizers = lambda: SimpleNamespace(param_groups=[{"lr": args.lr}])
    sampler = TextSampler.from_files([args.corpus], [args.words], max_chars=12)
    lines = render_fixed_set(discover_fonts(include=[args.font]), sampler, args.lines, seed=7)
    batch = collate_lines([v[0] for v in lines], [v[1] for v in lines])
    opt = torch.optim.AdamW(lit.parameters(), lr=args.lr)
    t0 = time.time()
    for step in range(args.steps + 1):
        lit.train()
        opt.zero_grad()
        loss = lit.training_step(batch, step)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(lit.parameters(), 1.0)
        opt.step()
        if step % 50 == 0:
            lit.eval()
            read = lit.decode(batch.images)
            exact = sum(r == t for r, t in zip(read, batch.texts))
            print(f"step {step}: loss {loss.item():.3f}, {exact}/{len(read)} lines exact, {time.time() - t0:.0f} s",
                  flush=True)


if __name__ == "__main__":
    main()
