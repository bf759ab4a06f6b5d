"""ONNX export of CRNN-family recognisers.

The exported graph takes ``images`` (N, C, H, W) float32 in [-1, 1] (CRNN: C = 1, H = 32; PP-OCR: C = 3 BGR,
H = 48) (dynamic N and W) and returns
``probs`` (N, T, C) float32 softmax probabilities (CTC, class 0 = blank).  The charset and the architecture are
stored in the model's metadata (``korocr.charset``, ``korocr.config``, ``korocr.meta``), so a single ``.onnx``
file is a complete recogniser for :class:`korocr.recognition.onnx_recognizer.OnnxRecognizer`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ..models.recognition.crnn import CRNN
from ..text.charsets import Charset


class _Softmaxed(torch.nn.Module):
    def __init__(self, model: CRNN):
        super().__init__()
        self.model = model

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images, is_train=False).softmax(-1)


def export_onnx(model: torch.nn.Module, charset: Charset, path: str | Path, meta: dict[str, Any] | None = None,
                opset: int = 17) -> Path:
    """Export ``model`` (CTC prediction only) to ``path`` with its charset in the metadata.

    Raises:
        ValueError: the model uses attention prediction (exported decoding loop not supported yet).
    """
    import onnx

    if getattr(model.config, "prediction", "CTC") != "CTC":
        raise ValueError("ONNX export supports CTC models; attention decoding is not exported yet")
    was_training = model.training
    wrapper = _Softmaxed(model).eval()  # an eval wrapper: the exporter restores the wrapper's mode afterwards
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(2, model.config.in_channels, model.config.img_height, 128)
    torch.onnx.export(wrapper, (dummy,), str(path), input_names=["images"], output_names=["probs"],
                      dynamic_axes={"images": {0: "batch", 3: "width"}, "probs": {0: "batch", 1: "time"}},
                      opset_version=opset, dynamo=False)
    model.train(was_training)
    proto = onnx.load(str(path))
    for k, v in {"korocr.charset": charset.to_json(), "korocr.config": json.dumps(model.config.to_dict()),
                 "korocr.meta": json.dumps(meta or {}, ensure_ascii=False, default=str)}.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(proto, str(path))
    return path


def export_detector_onnx(model, path: str | Path, meta: dict[str, Any] | None = None, opset: int = 17) -> Path:
    """Export a :class:`~korocr.models.detection.dbnet.TextDetector`: input ``images`` (N, 3, H, W) float32 in
    [-1, 1] (H, W multiples of 32, dynamic), output ``prob`` (N, 1, H, W) text probabilities; metadata
    ``korocr.kind = detector`` and ``korocr.config``."""
    import onnx

    class _Prob(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, images):
            return self.m(images)["prob"]

    was_training = model.training
    wrapper = _Prob(model).eval()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(wrapper, (torch.zeros(1, 3, 256, 256),), str(path), input_names=["images"],
                      output_names=["prob"], dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                                                           "prob": {0: "batch", 2: "height", 3: "width"}},
                      opset_version=opset, dynamo=False)
    model.train(was_training)
    proto = onnx.load(str(path))
    for k, v in {"korocr.kind": "detector", "korocr.config": json.dumps(model.config.to_dict()),
                 "korocr.meta": json.dumps(meta or {}, ensure_ascii=False, default=str)}.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(proto, str(path))
    return path
