"""Model architectures (torch): ``recognition/`` (CRNN family, PP-OCR backbones, TrOCR), ``detection/``
(DBNet-style) and :mod:`.checkpoints` (the fp16 weights format)."""
