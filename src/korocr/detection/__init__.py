"""Text detection: where the lines are. One interface (:mod:`.base`), two detectors: the DBNet-style model
(:mod:`.onnx_detector`, :mod:`.postprocess`) and the classical line finder (:mod:`.lines`)."""
