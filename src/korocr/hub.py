"""The model registry: where korocr's models are and what family a model file belongs to.

Like docTR's zoo and ocrs's model sources, every command (``read``, ``eval``, ``train --init-from``, ``export``)
resolves its model arguments here:

* ``"default"`` (or nothing) → the model shipped in the package (``korocr/weights/``);
* a path → that file or directory; its family is read from the model's own metadata (ONNX ``korocr.kind`` /
  ``korocr.config``; a Hugging Face ``config.json``; a weights file's ``format``), never guessed from its name;
* ``"classical"`` (detection) → the model-free projection-profile line finder;
* a name ``owner/model`` that is not a local path → a Hugging Face hub model (TrOCR; needs transformers and a
  network, which korocr itself never requires).

Resume weights (fp16 ``.pt``, for continuing training and fine-tuning) are not part of the installed package;
they live in the source tree's ``training_state/`` (:func:`resume_weights`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import MissingModelError, ModelLoadError

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_REC_MODEL = WEIGHTS_DIR / "korocr-rec-ppocr-jamo.onnx"
DEFAULT_DET_MODEL = WEIGHTS_DIR / "korocr-det-dbnet.onnx"
TRAINING_STATE = Path(__file__).resolve().parents[2] / "training_state"  # in a source checkout only
RESUME_WEIGHTS = {"rec": TRAINING_STATE / "rec-ppocr-jamo.fp16.pt", "det": TRAINING_STATE / "detector-dbnet.fp16.pt"}


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: ``family`` is ``"onnx-ctc"`` (exported CTC recogniser), ``"trocr"`` (VisionEncoderDecoder
    directory or hub name), ``"inverse-dalle"`` (VQ-VAE + GPT-2 directory), ``"onnx-det"`` (exported detector) or ``"classical"``; ``location`` a path or hub name."""

    family: str
    location: str | Path | None


def execution_providers(device: str = "cpu") -> list[str]:
    """onnxruntime execution providers for ``device`` ``"cpu"`` or ``"cuda"`` (CUDA first, CPU as fallback).

    Raises:
        ModelLoadError: an unknown device, or CUDA asked of an onnxruntime build without it.
    """
    import onnxruntime as ort

    if device == "cpu":
        return ["CPUExecutionProvider"]
    if device == "cuda":
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            raise ModelLoadError("--device cuda: this onnxruntime has no CUDA provider (available: "
                                 f"{', '.join(ort.get_available_providers())}); pip install onnxruntime-gpu")
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    raise ModelLoadError(f"unknown device {device!r}; choose cpu or cuda")


def onnx_metadata(path: Path) -> dict[str, str]:
    """The ``metadata_props`` of an ONNX file, read with onnxruntime (no torch, no onnx package needed).

    Raises:
        ModelLoadError: the file is not a loadable ONNX model.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    try:
        sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
        raise ModelLoadError(f"{path}: not a loadable ONNX model ({e})") from e
    return dict(sess.get_modelmeta().custom_metadata_map)


def is_hf_model_dir(p: str | Path) -> bool:
    """True for a directory holding a VisionEncoderDecoder (TrOCR) ``config.json``."""
    p = Path(p)
    cfg = p / "config.json"
    if not cfg.is_file():
        return False
    try:
        d = json.loads(cfg.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return d.get("model_type") == "vision-encoder-decoder" or "VisionEncoderDecoderModel" in d.get("architectures", [])


def _looks_like_hub_name(spec: str) -> bool:
    parts = spec.split("/")
    return (len(parts) == 2 and all(parts) and not spec.startswith((".", "/", "~"))
            and not Path(spec).suffix)


def resolve_rec_model(spec: str | Path | None) -> ModelRef:
    """Resolve a recognition model argument.

    Raises:
        ModelLoadError: a path that does not exist (and is not a hub name), or a file/directory that is not a
            korocr recogniser.
    """
    if spec is None or str(spec) == "default":
        if not DEFAULT_REC_MODEL.is_file():
            raise ModelLoadError(f"{DEFAULT_REC_MODEL}: the bundled recognition model is missing")
        return ModelRef("onnx-ctc", DEFAULT_REC_MODEL)
    p = Path(spec)
    if p.is_dir():
        if (p / "korocr_inverse_dalle.json").is_file():
            return ModelRef("inverse-dalle", p)
        if is_hf_model_dir(p):
            return ModelRef("trocr", p)
        raise ModelLoadError(f"{p}: a directory, but not a VisionEncoderDecoder (TrOCR) model (no config.json "
                             "with model_type vision-encoder-decoder)")
    if p.is_file():
        meta = onnx_metadata(p)
        if meta.get("korocr.kind") == "detector":
            raise ModelLoadError(f"{p}: a text detector, not a recognition model (use it with --detect-model)")
        if "korocr.charset" not in meta:
            raise ModelLoadError(f"{p}: no korocr.charset in the ONNX metadata (not a korocr recogniser)")
        return ModelRef("onnx-ctc", p)
    if _looks_like_hub_name(str(spec)):
        return ModelRef("trocr", str(spec))
    raise MissingModelError(f"{spec}: recognition model not found (no such file or directory)")


def resolve_det_model(spec: str | Path | None) -> ModelRef:
    """Resolve a detection model argument: ``"default"``, ``"classical"`` / ``None``, or a detector ``.onnx``.

    Raises:
        ModelLoadError: missing file, or an ONNX file that is not a korocr detector.
    """
    if spec is None or str(spec) == "classical":
        return ModelRef("classical", None)
    p = DEFAULT_DET_MODEL if str(spec) == "default" else Path(spec)
    if not p.is_file():
        raise MissingModelError(f"{p}: detection model not found")
    return ModelRef("onnx-det", p)


def resume_weights(task: str = "rec") -> Path:
    """The fp16 resume weights of the shipped model (``task`` ``"rec"`` or ``"det"``), from ``training_state/``.

    Raises:
        ModelLoadError: not a source checkout (the installed package does not carry resume weights).
    """
    p = RESUME_WEIGHTS[task]
    if not p.is_file():
        raise MissingModelError(f"{p}: the resume weights of the shipped {task} model are kept in the korocr source "
                             "repository (training_state/), not in the installed package; clone it or pass a "
                             "weights file")
    return p
