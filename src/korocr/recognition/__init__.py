"""Recognition at inference: exported CTC recognisers through onnxruntime (:mod:`.onnx_recognizer`, no torch)
and VisionEncoderDecoder (TrOCR) models through transformers (:mod:`.trocr_recognizer`, needs ``korocr[train]``).
"""

from __future__ import annotations

from pathlib import Path


def make_recognizer(rec_model: str | Path | None = None, threads: int | None = None, batch_size: int = 32,
                    **options):
    """The recogniser for a ``--rec-model`` argument, by the family the registry reads from the model itself
    (:func:`korocr.hub.resolve_rec_model`): an ``OnnxRecognizer``, a ``TrOCRRecognizer`` or an
    ``InverseDalleRecognizer``.

    Raises:
        korocr.errors.ModelLoadError: a missing path or a file that is not a korocr recogniser.
        korocr.errors.MissingDependencyError: a TrOCR model without torch/transformers installed.
    """
    from ..errors import ModelLoadError, require
    from ..hub import resolve_rec_model

    ref = resolve_rec_model(rec_model)
    onnx_only = {k: options.pop(k) for k in ("allowlist", "blocklist", "device", "decoder", "beam_width")
                 if k in options}
    if ref.family != "onnx-ctc" and (onnx_only.get("allowlist") or onnx_only.get("blocklist")
                                     or onnx_only.get("device", "cpu") != "cpu"
                                     or onnx_only.get("decoder", "greedy") != "greedy"):
        raise ModelLoadError(f"{rec_model}: --allowlist, --blocklist, --decoder and --device work with exported CTC "
                             f"models (.onnx), not {ref.family}")
    if ref.family != "trocr" and options.get("ctc_weight"):
        raise ModelLoadError(f"{rec_model}: --ctc-weight (joint CTC/attention decoding) works with korocr's hybrid "
                             f"TrOCR models, not {ref.family}")
    if ref.family != "trocr":
        options.pop("ctc_weight", None)
    if ref.family != "inverse-dalle" and options.pop("lm_weight", None) is not None:
        raise ModelLoadError(f"{rec_model}: --lm-weight (the character language model fused into the decoding) "
                             f"works with Inverse DALL-E models, not {ref.family}")
    if ref.family == "inverse-dalle":
        for mod in ("torch", "transformers", "vector_quantize_pytorch"):
            require(mod, "train", "an Inverse DALL-E recogniser")
        from .inverse_dalle_recognizer import InverseDalleRecognizer

        return InverseDalleRecognizer(ref.location, threads=threads, batch_size=batch_size, **options)
    if ref.family == "trocr":
        require("torch", "train", "a TrOCR (VisionEncoderDecoder) recogniser")
        require("transformers", "train", "a TrOCR (VisionEncoderDecoder) recogniser")
        from .trocr_recognizer import TrOCRRecognizer

        return TrOCRRecognizer(ref.location, threads=threads, batch_size=batch_size, **options)
    from .onnx_recognizer import OnnxRecognizer

    return OnnxRecognizer(ref.location, threads=threads, batch_size=batch_size, **onnx_only)
