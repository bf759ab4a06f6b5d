#!/usr/bin/env python
"""Write a trained TrOCR (a run's ``hf/``) as the fp16 Hugging Face directory korocr commits (``models/trocr-ko``):
parameters fp16, buffers (batch-norm statistics) fp32, tokenizer beside it
(:func:`korocr.models.recognition.trocr.model.save_fp16`).

    python scripts/trocr_fp16.py runs/trocr-warm-p2-…/hf models/trocr-ko
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    args = ap.parse_args()
    from transformers import AutoTokenizer, VisionEncoderDecoderModel

    import korocr.models.recognition.trocr.cnn_encoder  # noqa: F401 - registers the hybrid encoder type
    from korocr.models.recognition.trocr.model import save_fp16

    model = VisionEncoderDecoderModel.from_pretrained(args.src)
    save_fp16(model, AutoTokenizer.from_pretrained(args.src), args.dst)
    print(f"trocr_fp16: {args.src} -> {args.dst}")


if __name__ == "__main__":
    main()
