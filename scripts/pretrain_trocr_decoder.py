#!/usr/bin/env python
"""Pretrain TrOCR's character-level text decoder as a causal language model on Korean text, before it is
attached to an image encoder (issue 16: a warm-started decoder instead of a from-scratch one).

The decoder is a ``TrOCRForCausalLM`` (the decoder of Hugging Face's TrOCR) over korocr's character tokenizer
(one token per character of the charset, :func:`korocr.models.recognition.trocr.tokenizer.build_char_tokenizer`),
with cross-attention layers that stay unused here (no encoder states) and are trained once the decoder sits in a
``VisionEncoderDecoderModel``. Texts come from korocr's training sampler (corpus sentences, words, mixed strings,
Faker/Babel domain texts; not the reserved sources of DEVELOPERS.md), each as ``<s> text </s>``.

    python scripts/pretrain_trocr_decoder.py --corpus cache/text/corpus.txt --words cache/text/words.txt \\
        --out runs/trocr-decoder-lm --minutes 10

Writes ``OUT/`` (``save_pretrained`` decoder + tokenizer) and ``OUT/metrics.jsonl`` (step, s, loss, bits per token
on a fixed held-out batch of 256 texts).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch


def batch_ids(tokenizer, texts: list[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, labels): ``<s> text`` → ``text </s>``, padding ignored (-100)."""
    enc = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")["input_ids"]
    bos = torch.full((enc.shape[0], 1), tokenizer.bos_token_id, dtype=torch.long)
    inputs = torch.cat([bos, enc[:, :-1]], 1)
    labels = enc.masked_fill(enc == tokenizer.pad_token_id, -100)
    inputs = inputs.masked_fill(inputs == tokenizer.eos_token_id, tokenizer.pad_token_id)
    return inputs, labels


def main() -> None:
    from korocr.models.recognition.trocr.model import build_char_decoder
    from korocr.models.recognition.trocr.tokenizer import build_char_tokenizer
    from korocr.synth.text import TextSampler
    from korocr.text.charsets import Charset

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", nargs="+", required=True)
    ap.add_argument("--words", nargs="*", default=[])
    ap.add_argument("--out", required=True)
    ap.add_argument("--charset", default="default-jamo",
                    help="default-jamo: one token per conjoining jamo (vocabulary ~360); default: per syllable")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--max-chars", type=int, default=40, help="longest text in characters")
    ap.add_argument("--max-length", type=int, default=128, help="longest text in tokens")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    charset = Charset.resolve(args.charset)
    tok = build_char_tokenizer(charset)
    # corpus, words, random syllables (none: noise for a language model), mixed, domain texts
    sampler = TextSampler.from_files(args.corpus, args.words, charset=charset, max_chars=args.max_chars,
                                     weights=(0.5, 0.1, 0.0, 0.15, 0.25))
    rng = random.Random(args.seed)
    held = batch_ids(tok, [sampler.sample(random.Random(10 ** 6 + i)) for i in range(256)], args.max_length)
    model = build_char_decoder(tok, args.d_model, args.layers, max_length=args.max_length)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = 200
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "metrics.jsonl").open("w")
    t0, step = time.time(), 0
    print(f"decoder: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M params, vocabulary {len(tok)}",
          flush=True)
    while step < args.max_steps and time.time() - t0 < 60 * args.minutes:
        model.train()
        inputs, labels = batch_ids(tok, [sampler.sample(rng) for _ in range(args.batch_size)], args.max_length)
        loss = model(input_ids=inputs, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        if step % 100 == 0:
            model.eval()
            with torch.no_grad():
                hl = model(input_ids=held[0], labels=held[1]).loss.item()
            rec = {"step": step, "s": round(time.time() - t0, 1), "loss": round(loss.item(), 4),
                   "heldout_bits_per_token": round(hl / math.log(2), 4)}
            log.write(json.dumps(rec) + "\n")
            log.flush()
            print(rec, flush=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    print(f"decoder: {out} ({step} steps, {time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
