"""Text-line recognition with onnxruntime (numpy only; torch is never imported here)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelLoadError
from ..hub import DEFAULT_REC_MODEL, execution_providers
from ..preprocessing.line import pad_batch, resize_line
from ..text.charsets import nfc
from .decoding import Decoded, compose_jamo, ctc_greedy_decode, repair_orphan_jamo



class OnnxRecognizer:
    """Recognises text-line images with an exported CTC recogniser (CRNN family or PP-OCR backbone); the input
    height and channels (grayscale or BGR) come from the model's ``korocr.config`` metadata.

    Args:
        model_path: ``.onnx`` file written by ``korocr export`` / ``korocr train --export`` (default: the model
            shipped in the package).
        threads: onnxruntime intra-op threads (default: all cores).
        batch_size: most lines per inference batch; lines are sorted by width so a batch pads little.
        pad_tolerance: a batch holds only lines at least ``1 / (1 + pad_tolerance)`` as wide as its widest, so
            no line gets more than that fraction of its width as padding. Padding is not free for every model:
            the PP-OCR backbone's squeeze-and-excitation blocks average over the whole padded width, and on the
            generalization bench's tight crops one batch of 32 unbucketed lines read at CER 0.036 against
            0.016 line by line (``bench/bench_general.py``, margins set).
        max_width: lines up to this width (px, after scaling to the model height) are read whole at their
            natural width; wider ones are read in overlapping chunks of this width whose CTC frames are joined
            (never squeezed), see :meth:`_recognize_long`.
        chunk_overlap: px two neighbouring chunks share; each keeps the frames of its own half of the overlap.
        allowlist, blocklist: characters the decoder may (only) output / never output, applied to the CTC
            posteriors before decoding (Tesseract's ``tessedit_char_whitelist``, EasyOCR's ``allowlist``). For a
            jamo-output model a syllable allows or blocks its jamo.
        device: ``"cpu"`` or ``"cuda"`` (onnxruntime execution provider; ``korocr.hub.execution_providers``).

    Raises:
        ModelLoadError: missing file, or no charset in the model metadata.
    """

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None, batch_size: int = 32,
                 max_width: int = 2048, pad_tolerance: float = 0.1, chunk_overlap: int = 256, allowlist: str | None = None,
                 blocklist: str | None = None, device: str = "cpu"):
        import onnxruntime as ort

        path = Path(model_path) if model_path else DEFAULT_REC_MODEL
        if not path.is_file():
            raise ModelLoadError(f"{path}: recognition model not found")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        providers = execution_providers(device)  # raises a clear ModelLoadError for a missing CUDA
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=providers)
        except Exception as e:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ModelLoadError(f"{path}: not a loadable ONNX model ({e})") from e
        meta = self.session.get_modelmeta().custom_metadata_map
        if "korocr.charset" not in meta:
            raise ModelLoadError(f"{path}: no korocr.charset in the ONNX metadata (not a korocr recogniser)")
        self.path = path
        self.chars: list[str] = json.loads(meta["korocr.charset"])
        self.config: dict = json.loads(meta.get("korocr.config", "{}"))
        self.meta: dict = json.loads(meta.get("korocr.meta", "{}"))
        self.height = int(self.config.get("img_height", 32))
        self.channels = int(self.config.get("in_channels", 1))  # 3: BGR (PP-OCR-based models)
        self.x_scale = float(self.config.get("x_scale", 1.0))
        self.batch_size = batch_size
        if pad_tolerance < 0:
            raise ValueError(f"pad_tolerance must be >= 0, got {pad_tolerance}")
        self.pad_tolerance = pad_tolerance
        self.max_width, self.chunk_overlap = max_width, chunk_overlap
        if not 0 < chunk_overlap < max_width:
            raise ValueError(f"chunk_overlap must be in (0, max_width={max_width}), got {chunk_overlap}")
        self.input_name = self.session.get_inputs()[0].name
        self.class_mask = self._class_mask(allowlist, blocklist)

    def _class_mask(self, allowlist: str | None, blocklist: str | None) -> np.ndarray | None:
        """(C,) 0/1 over the model's classes (blank always 1), or None when everything is allowed."""
        if not allowlist and not blocklist:
            return None
        from ..text.charsets import Charset, decompose_hangul

        spell = decompose_hangul if Charset(self.chars).decomposes else nfc
        mask = np.ones(len(self.chars) + 1, np.float32)
        if allowlist:
            allowed = set(spell(allowlist))
            mask[1:] = [c in allowed for c in self.chars]
        if blocklist:
            blocked = set(spell(blocklist))
            mask[1:] *= [c not in blocked for c in self.chars]
        return mask

    def _downsample(self, width: int, steps: int, padded: int) -> int:
        return max(1, min(steps, int(np.ceil(width * steps / padded))))

    def recognize(self, lines: Sequence[np.ndarray]) -> list[Decoded]:
        """Recognise line images.

        Args:
            lines: images (H, W) or (H, W, 3) uint8, each holding one horizontal text line.

        Returns:
            One :class:`Decoded` (NFC text, confidence, per-character confidences) per input, in input order.
        """
        if not lines:
            return []
        prepared = [resize_line(x, self.height, channels=self.channels, x_scale=self.x_scale)
                    for x in lines]
        results: list[Decoded | None] = [None] * len(lines)
        for i, p in enumerate(prepared):
            if p.shape[1] > self.max_width:
                results[i] = self._recognize_long(p, lines[i].shape[1])
        short = [i for i, p in enumerate(prepared) if results[i] is None]
        order = [short[k] for k in np.argsort([prepared[i].shape[1] for i in short], kind="stable")]
        for idx in self._batches(order, [prepared[i].shape[1] for i in order]):
            batch = pad_batch([prepared[i] for i in idx])
            probs = self.session.run(None, {self.input_name: batch})[0]  # (N, T, C)
            if self.class_mask is not None:
                probs = probs * self.class_mask
            steps = probs.shape[1]
            lengths = np.array([self._downsample(prepared[i].shape[1], steps, batch.shape[-1]) for i in idx])
            for k, (i, d) in enumerate(zip(idx, ctc_greedy_decode(probs, self.chars, lengths))):
                d = compose_jamo(repair_orphan_jamo(d, probs[k], self.chars))
                d.text = nfc(d.text)
                d.step_px = batch.shape[-1] / steps * lines[i].shape[1] / prepared[i].shape[1]
                results[i] = d
        return results  # type: ignore[return-value]

    def _batches(self, order: list[int], widths: list[int]) -> list[list[int]]:
        """Split ``order`` (line indices sorted by width, ``widths`` alike) into batches of at most ``batch_size``
        lines whose widest is at most ``1 + pad_tolerance`` times its narrowest."""
        out: list[list[int]] = []
        for i, w in zip(order, widths):
            if out and len(out[-1][0]) < self.batch_size and w <= (1 + self.pad_tolerance) * out[-1][1]:
                out[-1][0].append(i)
            else:
                out.append(([i], max(w, 1)))
        return [b for b, _ in out]

    def _recognize_long(self, line: np.ndarray, orig_width: int) -> Decoded:
        """A line wider than ``max_width``: chunks of exactly ``max_width`` px, starting every ``max_width -
        chunk_overlap`` px and the last one flush with the line's right end (so no chunk is padded), are recognised
        in one batch; each chunk keeps the CTC frames between the middles of its overlaps with its neighbours, and
        the frames are concatenated and decoded greedily as one sequence.

        Args:
            line: (H, W) or (H, W, 3) float32 in [0, 1] (:func:`resize_line` output), W > ``max_width``.
            orig_width: the line's width in the input image (px), for word positions.
        """
        w, cw, ov = line.shape[1], self.max_width, self.chunk_overlap
        starts = list(range(0, w - cw, cw - ov)) + [w - cw]
        batch = pad_batch([line[:, s:s + cw] for s in starts])  # (n_chunks, C, H, ~max_width): no padding
        probs = self.session.run(None, {self.input_name: batch})[0]  # (n_chunks, T, C)
        if self.class_mask is not None:
            probs = probs * self.class_mask
        f = batch.shape[-1] / probs.shape[1]  # px per frame
        cuts = [0.0] + [(starts[k + 1] + starts[k] + cw) / 2 for k in range(len(starts) - 1)] + [float(w)]
        pieces = []
        for k, s in enumerate(starts):  # chunk k keeps the frames whose px lie in [cuts[k], cuts[k + 1])
            a, b = int(round((cuts[k] - s) / f)), int(round((cuts[k + 1] - s) / f))
            pieces.append(probs[k, a:min(b, probs.shape[1])])
        frames = np.concatenate(pieces)
        d = compose_jamo(repair_orphan_jamo(ctc_greedy_decode(frames[None], self.chars)[0], frames, self.chars))
        d.text = nfc(d.text)
        d.step_px = f * orig_width / w
        return d
