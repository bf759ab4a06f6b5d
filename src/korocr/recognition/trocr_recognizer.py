"""Text-line recognition with any VisionEncoderDecoder (TrOCR-style) checkpoint in the Hugging Face layout.

Needs torch and transformers (``pip install korocr[train]``).  Decoding is greedy (``num_beams=1``) or beam
search, bounded by ``max_length`` tokens; a line's confidence is the geometric mean of its tokens'
probabilities (greedy: from the per-step scores; beam: exp of the length-normalised sequence score).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..text.charsets import nfc
from .decoding import Decoded


class TrOCRRecognizer:
    """Recognises line images with a VisionEncoderDecoder model.

    Args:
        model: a local directory (``save_pretrained`` layout) or a hub name (needs the network or a cache).
        processor: where the image processor (and tokenizer) come from (default: ``model``).  If the processor
            has no tokenizer of the right size, the model's own tokenizer is used — the case of
            ``daekeun-ml/ko-trocr-base-nsmc-news-chatbot``, whose processor is ``microsoft/trocr-base-handwritten``.
        num_beams: 1 = greedy decoding.
        max_length: longest output in tokens (default: the model's generation config, else 64).

    Raises:
        OSError: the model or processor cannot be found.
    """

    def __init__(self, model: str | Path, processor: str | Path | None = None, num_beams: int = 1,
                 max_length: int | None = None, batch_size: int = 16, threads: int | None = None):
        import torch
        from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

        if threads:
            torch.set_num_threads(threads)
        self.path = Path(model) if Path(model).exists() else model
        self.model = VisionEncoderDecoderModel.from_pretrained(str(model)).eval()
        self.image_processor = AutoImageProcessor.from_pretrained(str(processor or model))
        try:
            tok = AutoTokenizer.from_pretrained(str(processor)) if processor else None
        except (OSError, ValueError):
            tok = None
        if tok is None or len(tok) != self.model.config.decoder.vocab_size:
            tok = AutoTokenizer.from_pretrained(str(model))
        self.tokenizer = tok
        self.max_length = max_length or getattr(self.model.generation_config, "max_length", None) or 64
        self.num_beams, self.batch_size = num_beams, batch_size

    def recognize(self, lines: Sequence[np.ndarray]) -> list[Decoded]:
        """Recognise RGB/gray uint8 line images; one :class:`Decoded` per input, in order."""
        import torch
        from PIL import Image

        out: list[Decoded] = []
        for start in range(0, len(lines), self.batch_size):
            chunk = [Image.fromarray(x).convert("RGB") for x in lines[start:start + self.batch_size]]
            pixel_values = self.image_processor(images=chunk, return_tensors="pt").pixel_values
            with torch.no_grad():
                gen = self.model.generate(pixel_values, num_beams=self.num_beams, max_length=self.max_length,
                                          output_scores=True, return_dict_in_generate=True)
            texts = self.tokenizer.batch_decode(gen.sequences, skip_special_tokens=True)
            if self.num_beams > 1 and getattr(gen, "sequences_scores", None) is not None:
                confs = gen.sequences_scores.exp().tolist()
                token_probs = [[] for _ in texts]
            else:
                logp = self.model.compute_transition_scores(gen.sequences, gen.scores, normalize_logits=True)
                seq = gen.sequences[:, 1:]
                valid = seq != self.model.config.pad_token_id
                probs = logp.exp() * valid
                confs = (torch.where(valid, logp, torch.zeros_like(logp)).sum(1) / valid.sum(1).clamp(min=1)).exp()
                confs = confs.tolist()
                token_probs = [p[v].tolist() for p, v in zip(probs, valid)]
            for t, c, tp in zip(texts, confs, token_probs):
                t = nfc(t)
                out.append(Decoded(t, float(c), tp[: len(t)] if len(tp) >= len(t) else [float(c)] * len(t)))
        return out
