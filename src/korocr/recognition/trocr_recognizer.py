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
        from ..models.recognition.trocr.cnn_encoder import MODEL_TYPE  # registers the hybrid encoder type

        self.path = Path(model) if Path(model).exists() else model
        # .float(): a model saved in fp16 (as korocr ships them) runs in fp32 on CPUs
        self.model = VisionEncoderDecoderModel.from_pretrained(str(model)).float().eval()
        ecfg = self.model.config.encoder
        # the warm hybrid encoder reads lines as korocr's CTC recognisers do (48 px BGR, natural width)
        self.line_input = (ecfg.img_height, ecfg.x_scale) if ecfg.model_type == MODEL_TYPE else None
        self.image_processor = None if self.line_input else AutoImageProcessor.from_pretrained(str(processor or model))
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

        out: list[Decoded | None] = [None] * len(lines)
        if self.line_input:  # sorted by width so a batch pads little; BGR, 48 px, natural width
            from ..preprocessing.line import normalize_margins, pad_batch, resize_line

            h, xs = self.line_input
            prepared = [resize_line(normalize_margins(x)[0], h, channels=3, x_scale=xs) for x in lines]
            order = sorted(range(len(lines)), key=lambda i: prepared[i].shape[1])
        else:
            order = list(range(len(lines)))
        for start in range(0, len(lines), self.batch_size):
            idx = order[start:start + self.batch_size]
            if self.line_input:
                pixel_values = torch.from_numpy(pad_batch([prepared[i] for i in idx]))
            else:
                chunk = [Image.fromarray(lines[i]).convert("RGB") for i in idx]
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
            for i, t, c, tp in zip(idx, texts, confs, token_probs):
                t = nfc(t)
                # one token per character (and </s>): per-character probabilities; jamo tokens: the line's for all
                per_char = tp[: len(t)] if len(tp) in (len(t), len(t) + 1) else [float(c)] * len(t)
                out[i] = Decoded(t, float(c), per_char)
        return out  # type: ignore[return-value]
