"""Saving and loading recogniser weights with their charset and architecture.

A weights file (``.pt``) is a dict ``{"format": "korocr-recognizer", "config": {...}, "charset": [...],
"state_dict": {...}, "meta": {...}}``; weights may be stored in fp16 to keep committed files small and are
loaded back as fp32.  Lightning checkpoints (``.ckpt``) written by ``korocr train`` load the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ...text.charsets import Charset
from .crnn import CRNN, CRNNConfig

FORMAT = "korocr-recognizer"


def build_recognizer(config: dict) -> torch.nn.Module:
    """A recogniser ``nn.Module`` from its config dict: ``arch`` ``"ppocr"`` (a PaddleOCR backbone with a korocr
    CTC head) or, without ``arch``, the CRNN family.

    Raises:
        ValueError: an unknown ``arch``.
    """
    arch = config.get("arch", "crnn")
    if arch == "crnn":
        return CRNN(CRNNConfig.from_dict(config))
    if arch == "ppocr":
        from .ppocr import PPOCRConfig, PPOCRRecognizer

        return PPOCRRecognizer(PPOCRConfig.from_dict(config))
    raise ValueError(f"unknown recogniser architecture {arch!r} (known: crnn, ppocr)")


def save_weights(path: str | Path, model: CRNN, charset: Charset, meta: dict[str, Any] | None = None,
                 half: bool = True) -> Path:
    """Write a weights-only file (fp16 by default; BatchNorm statistics are kept in fp32)."""
    sd = {}
    for k, v in model.state_dict().items():
        if half and v.is_floating_point() and "running_" not in k:
            v = v.half()
        sd[k] = v.detach().cpu().clone()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": FORMAT, "config": model.config.to_dict(), "charset": charset.chars,
                "state_dict": sd, "meta": meta or {}}, path)
    return path


def load_weights(path: str | Path) -> tuple[CRNN, Charset, dict[str, Any]]:
    """Load a model from a weights file or a ``korocr train`` Lightning checkpoint (``"default"``: the resume
    weights of the shipped model, :func:`korocr.hub.resume_weights`).

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is neither format.
    """
    from ...hub import resume_weights

    path = resume_weights("rec") if str(path) == "default" else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(blob, dict) and blob.get("format") == FORMAT:
        config, chars, sd, meta = blob["config"], blob["charset"], blob["state_dict"], blob.get("meta", {})
    elif isinstance(blob, dict) and "hyper_parameters" in blob and "state_dict" in blob:
        hp = blob["hyper_parameters"]
        config, chars = hp["config"], hp["charset"]
        sd = {k[len("model."):]: v for k, v in blob["state_dict"].items() if k.startswith("model.")}
        meta = {"global_step": blob.get("global_step"), "source": str(path)}
    else:
        raise ValueError(f"{path}: not a korocr weights file or training checkpoint")
    model = build_recognizer(config)
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    model.eval()
    return model, Charset(list(chars)), meta
