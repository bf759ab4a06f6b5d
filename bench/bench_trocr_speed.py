#!/usr/bin/env python
"""Lines/s of a TrOCR (VisionEncoderDecoder) recogniser by decoding method, with the CTC default beside it.

On the first ``--n`` lines of a ``bench/bench_general.py`` set (default: clean), in one run on this machine:
PyTorch ``generate`` greedy and beam-4 (KV cache, length-normalised beam scores), onnxruntime greedy without past
key values (the decoder re-run over the prefix at every step) and with past key values
(:func:`korocr.export.trocr_onnx.export_trocr_onnx_with_past`), and korocr's default CTC recogniser. Every
engine reads the same preprocessed batches (lines sorted by width, ``--batch-size`` per batch); CER is reported
so that the ONNX paths can be seen to agree with PyTorch.

    python bench/bench_trocr_speed.py --trocr models/trocr-ko --lines cache/bench_general/clean --n 128
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    import torch
    from PIL import Image
    from transformers import AutoTokenizer, VisionEncoderDecoderModel

    from korocr.evaluation.metrics import CERAccumulator
    from korocr.export.trocr_onnx import (OnnxTrOCR, OnnxTrOCRWithPast, export_trocr_onnx,
                                          export_trocr_onnx_with_past)
    from korocr.models.recognition.trocr.cnn_encoder import MODEL_TYPE
    from korocr.preprocessing.line import normalize_margins, pad_batch, resize_line
    from korocr.recognition import make_recognizer
    from korocr.text.charsets import nfc

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trocr", required=True, help="VisionEncoderDecoder directory with the hybrid CNN encoder")
    ap.add_argument("--lines", required=True, help="a bench_general set directory (PNG + labels.tsv)")
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-length", type=int, default=128)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    d = Path(args.lines)
    rows = [ln.split("\t") for ln in (d / "labels.tsv").read_text(encoding="utf-8").splitlines() if ln][: args.n]
    imgs = [np.asarray(Image.open(d / r[0]).convert("RGB")) for r in rows]
    refs = [r[1] for r in rows]
    model = VisionEncoderDecoderModel.from_pretrained(args.trocr).float().eval()
    tok = AutoTokenizer.from_pretrained(args.trocr)
    ecfg = model.config.encoder
    if ecfg.model_type != MODEL_TYPE:
        raise SystemExit("bench_trocr_speed: needs a model with the hybrid CNN encoder (--warm-encoder)")
    prepared = [resize_line(normalize_margins(x)[0], ecfg.img_height, channels=3, x_scale=ecfg.x_scale)
                for x in imgs]
    order = sorted(range(len(imgs)), key=lambda i: prepared[i].shape[1])
    batches = [order[i:i + args.batch_size] for i in range(0, len(order), args.batch_size)]
    pixels = [pad_batch([prepared[i] for i in b]) for b in batches]

    def score(name, run):
        t = time.perf_counter()
        texts: dict[int, str] = {}
        for b, px in zip(batches, pixels):
            for i, s in zip(b, run(px)):
                texts[i] = nfc(s)
        dt = time.perf_counter() - t
        acc = CERAccumulator()
        acc.update_many([texts[i] for i in range(len(imgs))], refs)
        m = acc.as_dict()
        print(f"| {name} | {m['cer']:.4f} | {m['accuracy']:.3f} | {len(imgs) / dt:.1f} |", flush=True)

    def torch_gen(beams):
        def run(px):
            with torch.no_grad():
                ids = model.generate(torch.from_numpy(px), num_beams=beams, max_length=args.max_length)
            return tok.batch_decode(ids, skip_special_tokens=True)
        return run

    tmp = Path(tempfile.mkdtemp())
    example = pixels[0][:1]
    export_trocr_onnx_with_past(model, tmp / "past", example)
    export_trocr_onnx(model, tmp / "nopast", tuple(example.shape[2:]))
    shutil.copy(tmp / "past" / "encoder.onnx", tmp / "nopast" / "encoder.onnx")  # the dynamic-width encoder
    past, nopast = OnnxTrOCRWithPast(tmp / "past", threads=args.threads), OnnxTrOCR(tmp / "nopast")

    def onnx_gen(runner):
        return lambda px: tok.batch_decode(runner.generate(px, max_length=args.max_length), skip_special_tokens=True)

    ctc = make_recognizer(None, threads=args.threads, batch_size=args.batch_size)
    print(f"{len(imgs)} lines of {d}, batches of {args.batch_size}, {args.threads} threads\n")
    print("| decoding | CER | exact | lines/s |\n|---|---|---|---|")
    t = time.perf_counter()
    out = ctc.recognize(imgs)
    dt = time.perf_counter() - t
    acc = CERAccumulator()
    acc.update_many([o.text for o in out], refs)
    m = acc.as_dict()
    print(f"| korocr default CTC (ONNX) | {m['cer']:.4f} | {m['accuracy']:.3f} | {len(imgs) / dt:.1f} |")
    score("TrOCR PyTorch greedy (KV cache)", torch_gen(1))
    score("TrOCR PyTorch beam 4", torch_gen(4))
    score("TrOCR ONNX greedy, no past", onnx_gen(nopast))
    score("TrOCR ONNX greedy, with past", onnx_gen(past))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
