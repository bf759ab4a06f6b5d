"""Shared fixtures: tiny models and generated data, no network and no ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def korean_font():
    """One Korean-capable font (system or PyPI font packages); tests that draw Hangul skip without one."""
    from korocr.synth.fonts import discover_fonts

    fonts = discover_fonts()
    if not fonts:
        pytest.skip("no Korean font installed (install korocr[train] for the PyPI font packages)")
    pref = [f for f in fonts if "Gothic" in f.spec.key or "Sans" in f.spec.key]
    return (pref or fonts)[0]


@pytest.fixture(scope="session")
def tiny_model():
    """A tiny randomly initialised CTC CRNN over a small charset: (model, charset)."""
    import torch

    from korocr.models.recognition.crnn import CRNN, CRNNConfig
    from korocr.text import Charset

    torch.manual_seed(0)
    charset = Charset(list(" 가나다라마바사012ABC"))
    model = CRNN(CRNNConfig(num_classes=charset.num_classes, output_channel=32, hidden_size=16)).eval()
    return model, charset


@pytest.fixture(scope="session")
def tiny_onnx(tiny_model, tmp_path_factory):
    from korocr.export.onnx import export_onnx

    model, charset = tiny_model
    path = tmp_path_factory.mktemp("onnx") / "tiny.onnx"
    export_onnx(model, charset, path, meta={"test": True})
    return path


def render_text(font, text: str, size: int = 40, pad: int = 8):
    """Black text on white, RGB uint8 array."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    f = ImageFont.truetype(font.spec.path, size, index=font.spec.index)
    w = int(f.getlength(text)) + 2 * pad
    asc, desc = f.getmetrics()
    img = Image.new("RGB", (max(w, 8), asc + desc + 2 * pad), "white")
    ImageDraw.Draw(img).text((pad, pad + asc), text, font=f, fill="black", anchor="ls")
    return np.asarray(img)
