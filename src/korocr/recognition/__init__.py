"""Recognition at inference: exported CTC recognisers through onnxruntime (:mod:`.onnx_recognizer`, no torch)
and VisionEncoderDecoder (TrOCR) models through transformers (:mod:`.trocr_recognizer`, needs ``korocr[train]``).
"""

from __future__ import annotations

from pathlib import Path


def make_recognizer(rec_model: str | Path | None = None, threads: int | None = None, batch_size: int = 32,
                    **options):
    """The recogniser for a ``--rec-model`` argument, by the family the registry reads from the model itself
    (:func:`korocr.hub.resolve_rec_model`): an ``OnnxRecognizer`` or a ``TrOCRRecognizer``.

    Raises:
        korocr.errors.ModelLoadError: a missing path or a file that is not a korocr recogniser.
        korocr.errors.MissingDependencyError: a TrOCR model without torch/transformers installed.
    """
    from ..hub import resolve_rec_model

    ref = resolve_rec_model(rec_model)
    lists = {k: options.pop(k) for k in ("allowlist", "blocklist") if options.get(k)}
    if lists and ref.family != "onnx-ctc":
        from ..errors import ModelLoadError

        raise ModelLoadError(f"{rec_model}: --allowlist/--blocklist work with CTC models (.onnx), not {ref.family}")
    options = {k: v for k, v in options.items() if k not in ("allowlist", "blocklist")}
    device = options.pop("device", "cpu")
    if device != "cpu" and ref.family != "onnx-ctc":
        from ..errors import ModelLoadError

        raise ModelLoadError(f"{rec_model}: --device applies to ONNX models; {ref.family} models run on the CPU here")
    if ref.family == "inverse-dalle":
        from ..errors import require

        for mod in ("torch", "transformers", "vector_quantize_pytorch"):
            require(mod, "train", "an Inverse DALL-E recogniser")
        from .inverse_dalle_recognizer import InverseDalleRecognizer

        return InverseDalleRecognizer(ref.location, threads=threads, batch_size=batch_size, **options)
    if ref.family == "trocr":
        from ..errors import require

        require("torch", "train", "a TrOCR (VisionEncoderDecoder) recogniser")
        require("transformers", "train", "a TrOCR (VisionEncoderDecoder) recogniser")
        from .trocr_recognizer import TrOCRRecognizer

        return TrOCRRecognizer(ref.location, threads=threads, batch_size=batch_size, **options)
    from .onnx_recognizer import OnnxRecognizer

    return OnnxRecognizer(ref.location, threads=threads, batch_size=batch_size, device=device,
                          **lists)
