#!/usr/bin/env python
"""CRNN (korocr's default, ONNX) vs a TrOCR (VisionEncoderDecoder) trained by ``korocr train --arch trocr``, one run.

For each line set of ``bench/bench_read.py`` (1,000 held-out-font synthetic lines and the real sets in
``../shared/data/real``): CER, CER without spaces, exact-match accuracy and lines/s on this machine (2 threads,
batch 64; TrOCR greedy decoding, max 64 tokens, both in PyTorch ``generate`` (with the KV cache) and in
onnxruntime from ``korocr``'s no-past ONNX export when ``--trocr-onnx`` is given), plus parameters and size on disk.

    python bench/bench_trocr.py --trocr runs/trocr-.../hf --trocr-onnx runs/trocr-.../onnx --out bench/out_trocr
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_read import heldout_synth, line_sets, materialise, score  # noqa: E402

from korocr.io.image import load_image  # noqa: E402
from korocr.recognition import make_recognizer  # noqa: E402


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


class OnnxTrOCRRecognizer:
    """onnxruntime greedy decoding of the exported encoder/decoder, with the HF processor and tokenizer."""

    def __init__(self, onnx_dir: Path, hf_dir: Path, batch_size: int = 64):
        from transformers import AutoImageProcessor, AutoTokenizer

        from korocr.export.trocr_onnx import OnnxTrOCR

        self.m = OnnxTrOCR(onnx_dir)
        self.proc = AutoImageProcessor.from_pretrained(str(hf_dir))
        self.tok = AutoTokenizer.from_pretrained(str(hf_dir))
        self.batch_size = batch_size

    def recognize(self, lines):
        from PIL import Image

        out = []
        for s in range(0, len(lines), self.batch_size):
            chunk = [Image.fromarray(x).convert("RGB") for x in lines[s:s + self.batch_size]]
            px = self.proc(images=chunk, return_tensors="np").pixel_values
            out += self.tok.batch_decode(self.m.generate(px), skip_special_tokens=True)
        return out


def run(rec, imgs) -> tuple[list[str], float]:
    rec.recognize(imgs[:8])  # warm-up
    t = time.perf_counter()
    res = rec.recognize(imgs)
    dt = time.perf_counter() - t
    return [r if isinstance(r, str) else r.text for r in res], dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--out", default="bench/out_trocr")
    ap.add_argument("--crnn", default=None, help="CRNN .onnx (default: korocr's bundled model)")
    ap.add_argument("--trocr", required=True, help="TrOCR Hugging Face directory (run_dir/hf)")
    ap.add_argument("--trocr-onnx", default=None, help="its ONNX export (run_dir/onnx)")
    ap.add_argument("--synth-n", type=int, default=1000)
    ap.add_argument("--handwritten-n", type=int, default=200)
    args = ap.parse_args()
    shared, out = Path(args.shared), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import torch

    torch.set_num_threads(2)
    crnn = make_recognizer(args.crnn, threads=2, batch_size=64)
    trocr = make_recognizer(args.trocr, threads=2, batch_size=64)
    systems = {"CRNN (ONNX)": crnn, "TrOCR (PyTorch generate)": trocr}
    if args.trocr_onnx:
        systems["TrOCR (ONNX, no past)"] = OnnxTrOCRRecognizer(Path(args.trocr_onnx), Path(args.trocr))
    hf = Path(args.trocr)
    import onnx

    def onnx_params(paths: list[Path]) -> int:
        return int(sum(np.prod(t.dims) for p in paths for t in onnx.load(str(p)).graph.initializer))

    models = {
        "CRNN (ONNX)": {"files": [Path(crnn.path)], "params": onnx_params([Path(crnn.path)])},
        "TrOCR (PyTorch generate)": {"files": sorted(hf.glob("*.safetensors")) + sorted(hf.glob("*.bin")),
                                     "params": sum(p.numel() for p in trocr.model.parameters())},
    }
    if args.trocr_onnx:
        files = sorted(Path(args.trocr_onnx).glob("*.onnx"))
        models["TrOCR (ONNX, no past)"] = {"files": files, "params": onnx_params(files)}
    for v in models.values():
        v["size_mb"] = size_mb(v.pop("files"))

    sets = line_sets(shared, args.handwritten_n)
    if (shared / "data" / "corpora").is_dir():
        sets = {f"held-out-font synthetic lines ({args.synth_n})": heldout_synth(Path("bench/out"), shared,
                                                                                args.synth_n)} | sets
    sets.pop("vertical signboard crops (inverse_dalle vertical-*)", None)
    import tempfile

    tmp = Path(tempfile.mkdtemp())
    results: dict = {"models": models, "sets": {}}
    for name, samples in sets.items():
        imgs = [load_image(p) for p in materialise(samples, tmp)]
        refs = [s.text for s in samples]
        row = {"n": len(samples)}
        for sname, rec in systems.items():
            preds, dt = run(rec, imgs)
            row[sname] = score(preds, refs) | {"lines_per_s": len(imgs) / dt,
                                               "examples": list(zip(refs, preds))[:5]}
        results["sets"][name] = row
        print(name, json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "examples"} if isinstance(v, dict)
                                else v for k, v in row.items()}, ensure_ascii=False), flush=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    names = list(systems)
    md = ["| set | n | " + " | ".join(f"{s} CER / no-space CER / acc / lines/s" for s in names) + " |",
          "|---|---|" + "---|" * len(names)]
    for name, row in results["sets"].items():
        cells = [f"{row[s]['cer']:.3f} / {row[s]['cer_nospace']:.3f} / {row[s]['accuracy']:.3f} / "
                 f"{row[s]['lines_per_s']:.0f}" for s in names]
        md.append(f"| {name} | {row['n']} | " + " | ".join(cells) + " |")
    md += ["", "| model | parameters | size on disk (MB) |", "|---|---|---|"]
    for s, v in models.items():
        md.append(f"| {s} | {v.get('params', '–')} | {v['size_mb']:.1f} |")
    (out / "results.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    print("\n".join(md))


if __name__ == "__main__":
    main()
