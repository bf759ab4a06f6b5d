"""Every weights file committed in the repository holds finite numbers: an fp16 cast of a large batch-norm
statistic (> 65,504) becomes ``inf`` silently (models/trocr-ko had one from session 14 to 21)."""

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for d in ("models", "training_state") for p in (ROOT / d).rglob("*")
               if p.suffix in (".pt", ".safetensors"))


def _tensors(obj, prefix=""):
    if torch.is_tensor(obj):
        yield prefix, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _tensors(v, f"{prefix}.{k}" if prefix else str(k))


def test_there_are_committed_weights():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_weights_are_finite(path):
    if path.suffix == ".safetensors":
        from safetensors import safe_open

        with safe_open(str(path), "pt") as f:
            tensors = [(k, f.get_tensor(k)) for k in f.keys()]
    else:
        tensors = list(_tensors(torch.load(path, map_location="cpu", weights_only=False)))
    bad = [k for k, t in tensors if t.is_floating_point() and not torch.isfinite(t).all()]
    assert not bad, f"{path}: non-finite values in {bad[:5]}"
