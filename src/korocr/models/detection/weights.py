"""Saving and loading detector weights (fp16 ``.pt``) or ``korocr train --task det`` checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .dbnet import DetectorConfig, TextDetector

FORMAT = "korocr-detector"


def save_detector(path: str | Path, model: TextDetector, meta: dict[str, Any] | None = None) -> Path:
    sd = {k: (v.half() if v.is_floating_point() and "running_" not in k else v).detach().cpu().clone()
          for k, v in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": FORMAT, "config": model.config.to_dict(), "state_dict": sd, "meta": meta or {}}, path)
    return path


def load_detector(path: str | Path) -> tuple[TextDetector, dict[str, Any]]:
    """Raises: FileNotFoundError (no file), ValueError (not a detector file)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such detector file")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(blob, dict) and blob.get("format") == FORMAT:
        config, sd, meta = blob["config"], blob["state_dict"], blob.get("meta", {})
    elif isinstance(blob, dict) and "state_dict" in blob and "hyper_parameters" in blob:
        config = blob["hyper_parameters"].get("config") or {}
        sd = {k[len("model."):]: v for k, v in blob["state_dict"].items() if k.startswith("model.")}
        meta = {"global_step": blob.get("global_step")}
    else:
        raise ValueError(f"{path}: not a korocr detector file or checkpoint")
    model = TextDetector(DetectorConfig.from_dict(config))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    return model.eval(), meta
