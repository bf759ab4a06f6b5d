"""Diagnostic (issue 14, session 20): does a fresh Inverse DALL-E GPT-2 learn to read from the VQ-VAE's codes at
all, and which variant learns faster at equal steps (the same cost per step)? Lines of 1 to N syllables of the
corpus, drawn by Pillow in the Nanum faces (28-44 px, 6 px margin), coded at 8 rows by the committed VQ-VAE; a
GPT-2 4 x 256 trained on batches of 32; every 25 steps the text cross-entropy per jamo on 256 fixed samples.
Not a bench of the reader (the texts and renders are not the generalization bench's); docs/inverse_dalle.md.

    python bench/inverse_dalle_diagnostic.py VARIANT MINUTES N [--corpus cache/text/corpus.txt]
        [--widen fonts|sizes|margins ...] [--font-dir cache/fonts/npm]
    VARIANT: base | w0 | cbinit | cbinit_w0 | pos2d | pos2d_cbinit_w0  (w0: image loss weight 0;
             cbinit: code embeddings from the codebook; pos2d: row/column embeddings of the image tokens)
             (session 24) lib_pos2d_cbinit_w0 [+ _stem4 | _ctc]: the same through the library's own options
             (GPTConfig.pos2d, InverseDalle.init_code_embeddings, lm_loss) plus a causal code stem of 4 masked
             convolutions (GPTConfig.code_stem) or the auxiliary CTC loss at weight 0.3 (GPTConfig.ctc_weight)
    --widen (session 21): the data one renderer choice nearer korocr's training renders, the validation samples
        drawn the same way: fonts = every training face (korocr's font discovery, held-out faces excluded) instead
        of the Nanum ones; sizes = 14-72 px log-uniform instead of 28-44; margins = 0-0.5 em a side, drawn per
        side, instead of 6 px.
        (session 22) renderer = korocr's own line renderer with the real runs' clean renders (`--clean-renders`:
        Pillow and Skia, spacing, sizes, margins, colours turned to dark on light; no degradations), every training
        face; vertical = the same plus 30 % columns (render_vertical), as the real runs draw them.
"""
import random, sys, time, glob, math, numpy as np, torch
from PIL import Image, ImageDraw, ImageFont
from korocr.models.recognition.inverse_dalle.model import InverseDalle, GPTConfig, lm_loss
from korocr.models.recognition.inverse_dalle.tokens import PAD, SOR, SEP
torch.set_num_threads(1); torch.manual_seed(0)
variant, minutes = sys.argv[1], float(sys.argv[2]); NCH = int(sys.argv[3])
CORPUS = sys.argv[sys.argv.index("--corpus") + 1] if "--corpus" in sys.argv else "cache/text/corpus.txt"
base = InverseDalle.load("models/inverse-dalle")  # its VQ-VAE (session 14) only
model = InverseDalle(base.vqvae, base.vocab.chars, GPTConfig(n_layer=4, n_embd=256, n_head=4, image_budget=256,
                     max_length=280, image_loss_weight=0.0 if "w0" in variant else 0.25, code_rows=8, chunk_rows=8))
if variant.startswith("lib"):
    stem = int(variant.split("_stem")[1].split("_")[0]) if "_stem" in variant else 0
    model = InverseDalle(base.vqvae, base.vocab.chars, GPTConfig(
        n_layer=4, n_embd=256, n_head=4, image_budget=256, max_length=280, image_loss_weight=0.0, code_rows=8,
        chunk_rows=8, pos2d=True, code_stem=stem, ctc_weight=0.3 if "_ctc" in variant else 0.0))
    model.init_code_embeddings(0)
lm = model.lm
if "cbinit" in variant and not variant.startswith("lib"):  # code-token embeddings from the VQ-VAE codebook through a fixed random projection
    cb = model.vqvae.quantizer.codebook.detach().float().reshape(-1, model.vqvae.config.code_dim)
    cb = (cb - cb.mean(0)) / (cb.std(0) + 1e-6)
    P = torch.randn(cb.shape[1], lm.config.n_embd) / math.sqrt(cb.shape[1])
    with torch.no_grad():
        lm.transformer.wte.weight[4:4 + cb.shape[0]] = 0.02 * (cb @ P)
WIDEN = set(sys.argv[sys.argv.index("--widen") + 1:]) if "--widen" in sys.argv else set()
WIDEN = {w for w in WIDEN if not w.startswith("--")}  # --widen goes last
CHOICES = {"fonts", "sizes", "margins", "renderer", "vertical"}
if WIDEN - CHOICES:
    raise SystemExit(f"--widen: unknown choice(s) {sorted(WIDEN - CHOICES)}")
if WIDEN & {"renderer", "vertical"}:
    WIDEN.add("fonts")  # korocr's renderer draws from the training faces
if "fonts" in WIDEN:
    from korocr.synth.fonts import discover_fonts
    HELD_OUT = ["UnDotum*", "UnGraphic*", "NanumSquareRound*", "NanumBarunpen*", "IBMPlexSansKR*", "GowunBatang*",
                "GowunDodum*", "SongMyung*", "Sunflower*", "Orbit*", "D2Coding*"]  # as scripts/train_ppocr.sh
    FONT_DIR = sys.argv[sys.argv.index("--font-dir") + 1] if "--font-dir" in sys.argv else "cache/fonts/npm"
    faces = discover_fonts(extra=[FONT_DIR], exclude=HELD_OUT)
    fonts = [(f.spec.path, f.spec.index) for f in faces]
    print(f"{len(fonts)} training faces", flush=True)
    if WIDEN & {"renderer", "vertical"}:  # the real runs' clean renders (korocr train --arch inverse-dalle --clean-renders)
        from korocr.synth.render import LineRenderer, RenderConfig, render_vertical
        from korocr.training.train_inverse_dalle import CLEAN_RENDERS, _dark_on_light
        renderer = LineRenderer(faces, config=RenderConfig(**CLEAN_RENDERS), seed=1)
else:
    fonts = [(f, 0) for f in glob.glob("/usr/share/fonts/truetype/nanum/*.ttf") if "Square" not in f and "Barunpen" not in f]
corpus = open(CORPUS, encoding="utf-8").read(2_000_000)
syl = [c for c in corpus if "\uac00" <= c <= "\ud7a3"]
rng = random.Random(1)
def render(t, r):
    if WIDEN & {"renderer", "vertical"}:
        while True:
            font = renderer.pick_font(t, r)
            vertical = "vertical" in WIDEN and r.random() < 0.3  # as the real runs' default share of columns
            img = _dark_on_light(render_vertical(t, font, r) if vertical else renderer.render(t, r, font))
            if img is not None:
                return img
    size = round(math.exp(r.uniform(math.log(14), math.log(72)))) if "sizes" in WIDEN else r.randint(28, 44)
    path, index = r.choice(fonts)
    f = ImageFont.truetype(path, size, index=index)
    x0, y0, x1, y1 = f.getbbox(t)
    m = [round(r.uniform(0, 0.5) * size) for _ in range(4)] if "margins" in WIDEN else [6] * 4  # left top right bottom
    img = Image.new("L", (x1 - x0 + m[0] + m[2], y1 - y0 + m[1] + m[3]), 255)
    ImageDraw.Draw(img).text((m[0] - x0, m[1] - y0), t, font=f, fill=0)
    return np.array(img)
def seqs(n, r):
    out = []
    for _ in range(n):
        t = "".join(r.choice(syl) for _ in range(r.randint(1, NCH))); q = model.vocab.reading_sequence(model.codes(render(t, r)), t, 280)
        if len(q) == 280: out.append(q)
    return torch.tensor(out)
val = seqs(256, random.Random(99))
def row_col(ids):
    is_sor = ids == SOR
    row = torch.cumsum(is_sor.long(), 1)
    idx = torch.arange(ids.shape[1]).expand_as(ids)
    last = torch.cummax(torch.where(is_sor, idx, torch.zeros_like(idx)), 1).values
    col = idx - last
    img = torch.cumsum((ids == SEP).long(), 1) == 0
    return torch.where(img, row, 0).clamp(max=31), torch.where(img, col, 0).clamp(max=255)
emb_r = torch.nn.Embedding(32, 256); emb_c = torch.nn.Embedding(256, 256)
torch.nn.init.normal_(emb_r.weight, std=0.02); torch.nn.init.normal_(emb_c.weight, std=0.02)
params = list(lm.parameters()) + (list(emb_r.parameters()) + list(emb_c.parameters()) if "pos2d" in variant else [])
if variant.startswith("lib"):
    params = model.trainable_parameters()
opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.01)
def loss_of(batch, w):
    batch = batch[:, :int((batch != PAD).sum(1).max())]
    if "pos2d" not in variant or variant.startswith("lib"):
        return lm_loss(model, batch, w)
    r, c = row_col(batch)
    emb = lm.transformer.wte(batch) + emb_r(r) + emb_c(c)
    logits = lm(inputs_embeds=emb, attention_mask=(batch != PAD).long()).logits[:, :-1]
    target = batch[:, 1:]
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="none").view(target.shape)
    seen = torch.cumsum((batch[:, :-1] == SEP).long(), 1) > 0
    wt = torch.where(seen, 1.0, w) * (target != PAD)
    tce = (ce * seen * (target != PAD)).sum() / (seen * (target != PAD)).sum()
    return (ce * wt).sum() / wt.sum().clamp(min=1), {"text_ce": float(tce)}
t0 = time.time(); step = 0; lines = 0
w = model.gpt_config.image_loss_weight
while time.time() - t0 < minutes * 60:
    model.train(); model.vqvae.eval(); b = seqs(32, rng); lines += 32
    loss, m = loss_of(b, w)
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step(); step += 1
    if step % 25 == 0:
        model.eval()
        with torch.no_grad(): _, mv = loss_of(val, w)
        print(f"{variant} step {step} lines {lines} {time.time()-t0:.0f}s train_text_ce {m['text_ce']:.3f} val_text_ce {mv['text_ce']:.3f}", flush=True)
