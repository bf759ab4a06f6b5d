#!/usr/bin/env python
"""Write a trained TrOCR (a run's ``hf/``) as the fp16 Hugging Face directory korocr commits (``models/trocr-ko``):
parameters fp16, buffers (batch-norm statistics) fp32, tokenizer beside it
(:func:`korocr.models.recognition.trocr.model.save_fp16`).

    python scripts/trocr_fp16.py runs/trocr-warm-p2-…/hf models/trocr-ko
    python scripts/trocr_fp16.py models/trocr-ko OUT --checkpoint runs/trocr-warm-p2-…/checkpoints/last.ckpt
        # a run still going (or killed): its last Lightning checkpoint's weights in SRC's architecture and tokenizer
"""

from __future__ import annotations

import argparse


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--checkpoint", help="a TrOCR run's Lightning checkpoint (.ckpt): its weights replace SRC's")
    args = ap.parse_args()
    from transformers import AutoTokenizer, VisionEncoderDecoderModel

    import korocr.models.recognition.trocr.cnn_encoder  # noqa: F401 - registers the hybrid encoder type
    from korocr.models.recognition.trocr.model import save_fp16

    model = VisionEncoderDecoderModel.from_pretrained(args.src)
    if args.checkpoint:
        import torch

        state = torch.load(args.checkpoint, map_location="cpu", weights_only=False)["state_dict"]
        weights = {k[len("model."):]: v for k, v in state.items() if k.startswith("model.")}
        model = model.float()
        missing, unexpected = model.load_state_dict(weights, strict=False)
        if unexpected or [k for k in missing if not k.endswith("num_batches_tracked")]:
            raise SystemExit(f"{args.checkpoint}: does not fit {args.src} (missing {missing[:5]}, "
                             f"unexpected {unexpected[:5]})")
    save_fp16(model, AutoTokenizer.from_pretrained(args.src), args.dst)
    print(f"trocr_fp16: {args.src} -> {args.dst}")


if __name__ == "__main__":
    main()
