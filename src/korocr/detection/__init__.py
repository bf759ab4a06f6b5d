"""Text detection: where the lines are. One interface (:mod:`.base`: :class:`~.base.TextRegion`,
:class:`~.base.Detector`), two detectors: the DBNet-style model (:mod:`.onnx_detector`, :mod:`.postprocess`) and
the classical line finder (:mod:`.lines`)."""

from __future__ import annotations

from pathlib import Path

from .base import Detector


def make_detector(spec: str | Path | None = "default", max_side: int = 1280, threads: int | None = None,
                  device: str = "cpu") -> Detector:
    """``"default"`` (the bundled DBNet-style model), a detector ``.onnx``, or ``"classical"`` / ``None``.

    Raises:
        korocr.errors.ModelLoadError: a missing or foreign model file.
    """
    from ..hub import resolve_det_model

    ref = resolve_det_model(spec)
    if ref.family == "classical":
        from .lines import ClassicalDetector

        return ClassicalDetector()
    from .onnx_detector import OnnxDetector

    return OnnxDetector(ref.location, max_side=max_side, threads=threads, device=device)
