"""Text-line recognition with onnxruntime (numpy only; torch is never imported here)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelLoadError
from ..hub import DEFAULT_REC_MODEL, execution_providers
from ..preprocessing.line import DEFAULT_MARGINS, normalize_margins, pad_batch, resize_line
from ..text.charsets import nfc
from .decoding import Decoded, compose_jamo, ctc_beam_decode, ctc_greedy_decode, repair_orphan_jamo



# "auto" margins keep the cut re-crop's reading only when its mean character confidence beats the padded one's by
# this much: 0 read bench_general's margin sweep worse at margin 0 (CER 0.0078 vs 0.0059), 0.05 kept it and still
# cut bench_margin_norm's photo-like crops from 0.187 (padded) to 0.169 (cut alone: 0.162; as given: 0.178)
AUTO_MARGIN_PREFERENCE = 0.05


def _mean_confidence(d: Decoded) -> float:
    return float(np.mean(d.char_confidences)) if len(d.char_confidences) else float(d.confidence)


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
            generalization bench's ink-tight crops (``bench/bench_general.py``, margins set) batches of 32
            lines sorted by width but not bucketed read at CER 0.019, line by line at 0.014.
        max_width: lines up to this width (px, after scaling to the model height) are read whole at their
            natural width; wider ones are read in overlapping chunks of at most this width whose CTC frames are
            joined (never squeezed), see :meth:`_chunks`.
        chunk_overlap: px two neighbouring chunks share; each keeps the frames of its own half of the overlap.
        allowlist, blocklist: characters the decoder may (only) output / never output, applied to the CTC
            posteriors before decoding (Tesseract's ``tessedit_char_whitelist``, EasyOCR's ``allowlist``). For a
            jamo-output model a syllable allows or blocks its jamo.
        device: ``"cpu"`` or ``"cuda"`` (onnxruntime execution provider; ``korocr.hub.execution_providers``).
        normalize_margins: re-crop each line so the margins around its ink fall inside the trained range
            (:func:`korocr.preprocessing.line.normalize_margins`; the range is the model config's ``margins``,
            else (0.15, 0.4) ink heights above and below). ``"auto"`` (or ``True``, the default): a line
            whose margins that re-crop pads is read twice, padded and only cut (margins above 0.4 ink heights
            trimmed, nothing added), and the cut reading is kept when its mean character confidence is higher by
            :data:`AUTO_MARGIN_PREFERENCE`; padding rescues crops tight to the ink but shrinks lines whose ink box
            is swollen by neighbouring lines or clutter (``bench/bench_margin_norm.py``). ``"pad"``: always the
            padded re-crop. ``False``: crops as given.
        decoder: ``"beam"`` (default: prefix beam search for the most probable labelling,
            :func:`~korocr.recognition.decoding.ctc_beam_decode`, no language model; EasyOCR's
            ``decoder='beamsearch'``) or ``"greedy"`` (best path: the most probable class per frame). On 600 of
            korocr's own augmented renders in training fonts and texts (``bench/decoders_own_renders.py``, run 18s),
            beam made 1,367 edit errors to greedy's 1,380 (lines read better 24, worse 11), on 600 domain lines
            (prices, dates, addresses) 1,200 to 1,221 (20 better, 5 worse): mostly spaces whose probability
            is spread over two frames. It costs about 1-5 ms per line.
        beam_width: prefixes kept per frame by the beam decoder.
        recheck_below: with ``"auto"``, only lines whose padded reading has a mean character confidence below
            this are read the second time. On 1,000 generalization-bench lines (200 clean, 200 degraded, 600 of
            the margins sweep) the cut reading won 4 times, each below 0.91; 0.95 gives the same CER and reads 98 %
            of the clean lines once (1.0: always read twice).

    Raises:
        ModelLoadError: missing file, or no charset in the model metadata.
    """

    def __init__(self, model_path: str | Path | None = None, threads: int | None = None, batch_size: int = 32,
                 max_width: int = 2048, pad_tolerance: float = 0.1, chunk_overlap: int = 256,
                 allowlist: str | None = None,
                 blocklist: str | None = None, device: str = "cpu", normalize_margins: bool | str = "auto",
                 recheck_below: float = 0.95, decoder: str = "beam", beam_width: int = 8):
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
        self.margins = tuple(self.config.get("margins") or DEFAULT_MARGINS)  # normalize_margins' top_bottom
        self.max_sides = self.config.get("max_side_margin")  # normalize_margins' max_sides (None: never cut)
        self.batch_size = batch_size
        if pad_tolerance < 0:
            raise ValueError(f"pad_tolerance must be >= 0, got {pad_tolerance}")
        self.pad_tolerance = pad_tolerance
        self.max_width, self.chunk_overlap = max_width, chunk_overlap
        if not 0 < chunk_overlap < max_width:
            raise ValueError(f"chunk_overlap must be in (0, max_width={max_width}), got {chunk_overlap}")
        self.input_name = self.session.get_inputs()[0].name
        self.class_mask = self._class_mask(allowlist, blocklist)
        if normalize_margins is True:
            normalize_margins = "auto"
        if normalize_margins not in (False, None, "auto", "pad"):
            raise ValueError(f"normalize_margins must be 'auto', 'pad' or False, got {normalize_margins!r}")
        self.normalize_margins = normalize_margins or False
        self.recheck_below = recheck_below
        if decoder not in ("greedy", "beam"):
            raise ValueError(f"decoder must be 'greedy' or 'beam', got {decoder!r}")
        if beam_width < 1:
            raise ValueError(f"beam_width must be >= 1, got {beam_width}")
        self.decoder, self.beam_width = decoder, beam_width

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

        Lines up to ``max_width`` (after scaling to the model height) are read whole; wider ones are cut into
        :meth:`_chunks`. Lines and chunks alike are sorted by width and batched with lines of nearly the same
        width (:meth:`_batches`); a long line's chunks keep the CTC frames between the middles of their
        overlaps, which are joined and decoded as one sequence.

        Args:
            lines: images (H, W) or (H, W, 3) uint8, each holding one horizontal text line.

        Returns:
            One :class:`Decoded` (NFC text, confidence, per-character confidences) per input, in input order.
        """
        if not lines:
            return []
        if not self.normalize_margins:
            return self._read(list(lines), [0] * len(lines))
        padded = [normalize_margins(x, top_bottom=self.margins, max_sides=self.max_sides) for x in lines]
        results = self._read([p[0] for p in padded], [p[1] for p in padded])
        if self.normalize_margins == "pad":
            return results
        cut = {i: normalize_margins(x, top_bottom=(0.0, 0.4), sides=0.0) for i, x in enumerate(lines)
               if _mean_confidence(results[i]) < self.recheck_below}
        differ = [i for i in cut if cut[i][0].shape != padded[i][0].shape]
        if differ:
            alt = self._read([cut[i][0] for i in differ], [cut[i][1] for i in differ])
            for i, d in zip(differ, alt):
                if _mean_confidence(d) > _mean_confidence(results[i]) + AUTO_MARGIN_PREFERENCE:
                    results[i] = d
        return results

    def _read(self, lines: list[np.ndarray], shifts: list[int]) -> list[Decoded]:
        """:meth:`recognize` on lines already re-cropped; ``shifts``: x (px) in the caller's crop of each line's
        column 0."""
        prepared = [resize_line(x, self.height, channels=self.channels, x_scale=self.x_scale)
                    for x in lines]
        pieces: list[tuple[int, int, int]] = []  # (line, start px, width px)
        for i, p in enumerate(prepared):
            w = p.shape[1]
            pieces += [(i, st, cw) for st, cw in self._chunks(w)] if w > self.max_width else [(i, 0, w)]
        order = sorted(range(len(pieces)), key=lambda k: pieces[k][2])
        frames: dict[int, np.ndarray] = {}  # piece → its valid (T_k, C) posteriors
        px_per_frame: dict[int, float] = {}
        for idx in self._batches(order, [pieces[k][2] for k in order]):
            batch = pad_batch([prepared[pieces[k][0]][:, pieces[k][1]:pieces[k][1] + pieces[k][2]] for k in idx])
            probs = self.session.run(None, {self.input_name: batch})[0]  # (N, T, C)
            if self.class_mask is not None:
                probs = probs * self.class_mask
            steps = probs.shape[1]
            for j, k in enumerate(idx):
                frames[k] = probs[j, :self._downsample(pieces[k][2], steps, batch.shape[-1])]
                px_per_frame[k] = batch.shape[-1] / steps
        results: list[Decoded] = []
        by_line: dict[int, list[int]] = {}
        for k, (i, _, _) in enumerate(pieces):
            by_line.setdefault(i, []).append(k)
        for i, ks in sorted(by_line.items()):
            probs = frames[ks[0]] if len(ks) == 1 else self._join(ks, pieces, frames, px_per_frame,
                                                                   prepared[i].shape[1])
            d = (ctc_beam_decode(probs, self.chars, self.beam_width) if self.decoder == "beam"
                 else ctc_greedy_decode(probs[None], self.chars)[0])
            d = compose_jamo(repair_orphan_jamo(d, probs, self.chars))
            d.text = nfc(d.text)
            d.step_px = px_per_frame[ks[0]] * lines[i].shape[1] / prepared[i].shape[1]
            d.offset_px = float(shifts[i])
            results.append(d)
        return results

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

    def _chunks(self, w: int) -> list[tuple[int, int]]:
        """(start, width) px of the chunks a line ``w`` px wide is read in: the fewest chunks of about
        ``max_width`` px at most that overlap by about ``chunk_overlap`` px, all of one width, spread evenly from
        the first pixel to the last (so no chunk is padded and no line is squeezed). Starts are multiples of 8 px
        so every chunk's CTC frames fall on one grid (the models' horizontal strides, 4 or 8 px, divide 8)."""
        cw, ov = self.max_width, self.chunk_overlap
        n = int(np.ceil((w - ov) / (cw - ov)))
        width = min(cw, int(np.ceil((w + (n - 1) * ov) / n / 8)) * 8)
        last = (w - width) // 8 * 8
        starts = (np.linspace(0, last, n) / 8).round().astype(int) * 8
        return [(int(st), w - last) for st in starts]

    @staticmethod
    def _join(ks: list[int], pieces, frames: dict, px_per_frame: dict, w: int) -> np.ndarray:
        """The CTC frames of one long line from its chunks ``ks`` (left to right): each chunk keeps the frames
        whose pixels lie between the middles of its overlaps with its neighbours."""
        starts = [pieces[k][1] for k in ks]
        ends = [pieces[k][1] + pieces[k][2] for k in ks]
        cuts = [0.0] + [(starts[j + 1] + ends[j]) / 2 for j in range(len(ks) - 1)] + [float(w)]
        out = []
        for j, k in enumerate(ks):
            f = px_per_frame[k]
            a, b = int(round((cuts[j] - starts[j]) / f)), int(round((cuts[j + 1] - starts[j]) / f))
            out.append(frames[k][a:min(b, len(frames[k]))])
        return np.concatenate(out)
