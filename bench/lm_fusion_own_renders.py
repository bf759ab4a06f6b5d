#!/usr/bin/env python
"""EXPERIMENT (not used by korocr): a character n-gram language model fused into the CTC prefix beam search,
measured on korocr's own renders in TRAINING fonts and texts (as bench/decoders_own_renders.py), so no
generalization bench is looked at while choosing it.

The LM is an interpolated Witten-Bell n-gram (Witten & Bell 1991; Chen & Goodman 1998, §2.4) over the
recogniser's classes (conjoining jamo, Latin, digits, symbols, space; line start/end as class 0), counted on
``--lm-lines`` lines of the training text sampler (another seed than the lines read). In the beam search of
``korocr.recognition.decoding`` every extension of a prefix by class c is weighted by P_lm(c | last n-1
classes)^alpha · e^beta (shallow fusion as in Hannun et al. 2014, §3.1); pieces read greedily (every frame
certain) are left as they are. The network runs once; each setting decodes the same posteriors.

    python bench/lm_fusion_own_renders.py --n 400 --lm-lines 40000 --alphas 0.2 0.4
    python bench/lm_fusion_own_renders.py --bench-dir cache/bench_general/digits --n 1000 --alphas 0.2
"""
import sys, random, time, pickle, math, collections
sys.path.insert(0, '/work/main/bench')
import numpy as np
from rapidfuzz.distance import Levenshtein
from own_renders import training_fonts_and_sampler
import argparse
import korocr.recognition.decoding as D
import korocr.recognition.onnx_recognizer as OR
from korocr.text.charsets import Charset, nfc as _nfc

ap = argparse.ArgumentParser()
ap.add_argument('--font-dir', default='/work/cache/fonts/npm'); ap.add_argument('--text', default='/work/cache/text')
ap.add_argument('--weights', type=float, nargs='+', default=[0.6, 0.1, 0, 0.15, 0.15])
ap.add_argument('--n', type=int, default=600); ap.add_argument('--lm-lines', type=int, default=60000)
ap.add_argument('--order', type=int, default=5); ap.add_argument('--rec-model', default='/work/main/src/korocr/weights/korocr-rec-ppocr-jamo.onnx')
ap.add_argument('--alphas', type=float, nargs='+', default=[0.1, 0.2, 0.3, 0.5]); ap.add_argument('--beta', type=float, default=0.0)
ap.add_argument('--bench-dir', default=None, help='read this rendered generalization-bench set (labels.tsv + PNGs) '
                'instead of own renders: a measurement of an alpha already chosen on own renders, never a choice')
args = ap.parse_args()

fonts, sampler = training_fonts_and_sampler(args)
rec = OR.OnnxRecognizer(args.rec_model, threads=2, normalize_margins='pad')
cs = Charset(rec.chars)
# LM training texts: the training sampler with the training weights (a different seed from the eval lines)
lm_sampler = training_fonts_and_sampler(argparse.Namespace(font_dir=args.font_dir, text=args.text, weights=[0.31, 0.09, 0.08, 0.18, 0.24, 0.10]))[1]
rng = random.Random(1234)
N = args.order
counts = [collections.Counter() for _ in range(N + 1)]  # counts[k][ngram tuple of len k]
t0 = time.time()
for _ in range(args.lm_lines):
    t = lm_sampler.sample(rng)
    try: ids = [0] + cs.encode(t) + [0]  # 0 = line start / end marker
    except KeyError: continue
    for k in range(1, N + 1):
        for i in range(len(ids) - k + 1):
            counts[k][tuple(ids[i:i + k])] += 1
ctx_total = collections.Counter(); ctx_types = collections.Counter()
for k in range(1, N + 1):
    for g, c in counts[k].items():
        ctx_total[g[:-1]] += c; ctx_types[g[:-1]] += 1
V = len(cs.chars) + 1
print('lm built', round(time.time() - t0), 's', [len(c) for c in counts], flush=True)
cache = {}
def p_wb(ctx, c):
    key = (ctx, c)
    if key in cache: return cache[key]
    if not ctx:
        tot, typ = ctx_total[()], ctx_types[()]
        p = (counts[1][(c,)] + typ / V) / (tot + typ)
    else:
        lower = p_wb(ctx[1:], c)
        tot = ctx_total[ctx]
        p = lower if tot == 0 else (counts[len(ctx) + 1][ctx + (c,)] + ctx_types[ctx] * lower) / (tot + ctx_types[ctx])
    cache[key] = p
    return p

# eval lines
fonts2, sampler2 = training_fonts_and_sampler(args)
from korocr.synth.render import LineRenderer, RenderConfig
renderer, rng2 = LineRenderer(fonts2, RenderConfig(), seed=11), random.Random(11)
items = []
if args.bench_dir:
    import csv
    from pathlib import Path
    from PIL import Image
    with open(Path(args.bench_dir) / 'labels.tsv', encoding='utf-8') as fh:
        for row in csv.reader(fh, delimiter='\t', quoting=csv.QUOTE_NONE):
            items.append((row[1], np.array(Image.open(Path(args.bench_dir) / row[0]).convert('RGB'))))
    items = items[:args.n]
while len(items) < args.n and not args.bench_dir:
    t = sampler2.sample(rng2); f = renderer.pick_font(t, rng2)
    if f is not None: items.append((t, renderer.render(t, rng2, f)))
saved = []
orig = OR.ctc_beam_decode
def spy(probs, chars, bw):
    saved.append(probs.copy()); return orig(probs, chars, bw)
OR.ctc_beam_decode = spy
base = [d.text for d in rec.recognize([im for _, im in items])]
OR.ctc_beam_decode = orig
print('probs', len(saved), flush=True)

def decode_lm(probs, alpha, beta):
    """korocr's beam decoder with the LM fused in (``extension_weight``); the history starts with the line-start
    class 0. Jamo composed as the recogniser does, without its orphan-jamo repair."""
    bonus = math.exp(beta)
    weight = None if alpha == 0 and beta == 0 else (
        lambda hist, c: p_wb(((0,) + hist)[-(N - 1):], c) ** alpha * bonus)
    d = D.ctc_beam_decode(probs, rec.chars, 8, extension_weight=weight)
    return _nfc(D.compose_jamo(d).text)

def score(outs, name):
    errs = sum(Levenshtein.distance(o, t) for o, (t, _) in zip(outs, items))
    nosp = sum(Levenshtein.distance(o.replace(' ', ''), t.replace(' ', '')) for o, (t, _) in zip(outs, items))
    exact = sum(o == t for o, (t, _) in zip(outs, items))
    print(f'{name}: errors {errs} (no spaces {nosp}), exact {exact}/{len(items)}', flush=True)
    return outs
score(base, 'beam (shipped decoder)')
score([decode_lm(p, 0.0, 0.0) for p in saved], 'beam, prototype without LM')
for a in args.alphas:
    t0 = time.time(); outs = [decode_lm(p, a, args.beta) for p in saved]
    score(outs, f'beam + LM alpha {a} beta {args.beta} ({(time.time() - t0) / len(saved) * 1000:.1f} ms/line)')
    diff = [(t, b, o) for (t, _), b, o in zip(items, base, outs) if b != o]
    for d in diff[:8]: print('   ', d)
