"""Saving and loading model weights: the one fp16 checkpoint format of korocr.

A weights file (``.pt``) is a dict ``{"format": "korocr-recognizer" | "korocr-detector", "config": {...},
"state_dict": {...}, "meta": {...}}`` (recognisers also carry ``"charset"``). Floating-point tensors are stored in
fp16 (BatchNorm statistics stay fp32) to keep committed files small and are loaded back as fp32. Lightning
checkpoints (``.ckpt``) written by ``korocr train`` load the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..errors import MissingModelError, ModelLoadError
from ..text.charsets import Charset
from .detection.dbnet import DetectorConfig, TextDetector
from .recognition import build_recognizer

REC_FORMAT = "korocr-recognizer"
DET_FORMAT = "korocr-detector"


def _half_state(model: torch.nn.Module, half: bool = True) -> dict[str, torch.Tensor]:
    sd = {}
    for k, v in model.state_dict().items():
        if half and v.is_floating_point() and "running_" not in k and v.numel() > 1:  # scalars: see _constants
            v = v.half()
        sd[k] = v.detach().cpu().clone()
    return sd


def _read(path: Path, fmt: str, what: str) -> tuple[dict, dict, dict, dict]:
    """(blob, config, state_dict, meta) of a weights file of ``fmt`` or a Lightning checkpoint."""
    if not path.is_file():
        raise MissingModelError(f"{path}: no such {what} file")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(blob, dict) and blob.get("format") == fmt:
        return blob, blob["config"], blob["state_dict"], blob.get("meta", {})
    if isinstance(blob, dict) and "hyper_parameters" in blob and "state_dict" in blob:
        hp = blob["hyper_parameters"]
        sd = {k[len("model."):]: v for k, v in blob["state_dict"].items() if k.startswith("model.")}
        return blob, hp.get("config") or {}, sd, {"global_step": blob.get("global_step"), "source": str(path)}
    raise ModelLoadError(f"{path}: not a korocr {what} file or training checkpoint")


def _fp32(sd: dict) -> dict:
    return {k: v.float() if v.is_floating_point() else v for k, v in sd.items()}


def _constants(model: torch.nn.Module, sd: dict) -> dict:
    """``sd`` with the model's own values for its floating-point scalar buffers.

    Those are constants of the architecture, not learned: onnx2torch keeps the GELU of a converted PaddleOCR net
    as ``x * 0.5 * (1 + erf(x / 1.41421...))`` with the three numbers as buffers. Weights files written before
    2026-12 stored them in fp16 (√2 → 1.4140625), and onnxruntime fuses that pattern into one ``Gelu`` kernel only
    when the divisor is √2: the exported recogniser ran 2× slower. Files keep them in fp32 now (:func:`_half_state`)
    and loading takes them from the freshly built model.
    """
    own = {k: b for k, b in model.named_buffers() if b.is_floating_point() and b.numel() == 1}
    return {k: (own[k].detach().clone() if k in own else v) for k, v in sd.items()}


# --- recognisers ----------------------------------------------------------------------------------------------
def save_weights(path: str | Path, model: torch.nn.Module, charset: Charset, meta: dict[str, Any] | None = None,
                 half: bool = True) -> Path:
    """Write a recogniser's weights file (fp16 by default; BatchNorm statistics are kept in fp32)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": REC_FORMAT, "config": model.config.to_dict(), "charset": charset.chars,
                "state_dict": _half_state(model, half), "meta": meta or {}}, path)
    return path


def load_weights(path: str | Path) -> tuple[torch.nn.Module, Charset, dict[str, Any]]:
    """Load a recogniser from a weights file or a ``korocr train`` Lightning checkpoint (``"default"``: the resume
    weights of the shipped model, :func:`korocr.hub.resume_weights`).

    Raises:
        korocr.errors.MissingModelError: no such file (also a ``FileNotFoundError``).
        korocr.errors.ModelLoadError: the file is neither format.
    """
    from ..hub import resume_weights

    path = resume_weights("rec") if str(path) == "default" else Path(path)
    blob, config, sd, meta = _read(path, REC_FORMAT, "recogniser weights")
    chars = blob["charset"] if blob.get("format") == REC_FORMAT else blob["hyper_parameters"]["charset"]
    model = build_recognizer(config)
    model.load_state_dict(_constants(model, _fp32(sd)))
    model.eval()
    return model, Charset(list(chars)), meta


# --- detectors ------------------------------------------------------------------------------------------------
def save_detector(path: str | Path, model: TextDetector, meta: dict[str, Any] | None = None) -> Path:
    """Write a detector's weights file (fp16)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": DET_FORMAT, "config": model.config.to_dict(), "state_dict": _half_state(model),
                "meta": meta or {}}, path)
    return path


def load_detector(path: str | Path) -> tuple[TextDetector, dict[str, Any]]:
    """Load a detector from a weights file or a checkpoint (``"default"``: the shipped detector's resume weights).

    Raises:
        korocr.errors.MissingModelError: no such file. korocr.errors.ModelLoadError: not a detector file.
    """
    from ..hub import resume_weights

    path = resume_weights("det") if str(path) == "default" else Path(path)
    _, config, sd, meta = _read(path, DET_FORMAT, "detector")
    model = TextDetector(DetectorConfig.from_dict(config))
    model.load_state_dict(_constants(model, _fp32(sd)))
    return model.eval(), meta
