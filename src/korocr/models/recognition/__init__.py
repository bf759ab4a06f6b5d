"""Text-line recognition models (plain ``nn.Module``): the CRNN family (:mod:`.crnn`), PP-OCR backbones with a
korocr CTC head (:mod:`.ppocr`) and TrOCR (:mod:`.trocr`, VisionEncoderDecoder)."""

from __future__ import annotations

import torch


def build_recognizer(config: dict) -> torch.nn.Module:
    """A recogniser ``nn.Module`` from its config dict: ``arch`` ``"ppocr"`` (a PaddleOCR backbone with a korocr
    CTC head) or, without ``arch``, the CRNN family.

    Raises:
        ValueError: an unknown ``arch``.
    """
    arch = config.get("arch", "crnn")
    if arch == "crnn":
        from .crnn import CRNN, CRNNConfig

        return CRNN(CRNNConfig.from_dict(config))
    if arch == "ppocr":
        from .ppocr import PPOCRConfig, PPOCRRecognizer

        return PPOCRRecognizer(PPOCRConfig.from_dict(config))
    raise ValueError(f"unknown recogniser architecture {arch!r} (known: crnn, ppocr)")
