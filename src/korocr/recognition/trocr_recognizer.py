"""Text-line recognition with any VisionEncoderDecoder (TrOCR-style) checkpoint in the Hugging Face layout.

Needs torch and transformers (``pip install korocr[train]``).  Decoding is greedy (``num_beams=1``) or beam
search, bounded by ``max_length`` tokens; a line's confidence is the geometric mean of its tokens'
probabilities (greedy: from the per-step scores; beam: exp of the length-normalised sequence score). A model
whose encoder has a CTC head (korocr's hybrid CNN encoder) can also be decoded with joint CTC/attention beam
search (``ctc_weight`` > 0, :mod:`korocr.recognition.joint_decoding`); its confidence is exp of the joint score
per token, λ · log p_CTC + (1 − λ) · log p_attention.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..text.charsets import nfc
from .decoding import Decoded


JOINT_CTC_WEIGHT = 0.8  # λ of the joint search by default (chosen on own renders, docs/trocr.md, sessions 7 and 21)
JOINT_BEAMS = 4


class TrOCRRecognizer:
    """Recognises line images with a VisionEncoderDecoder model.

    Args:
        model: a local directory (``save_pretrained`` layout) or a hub name (needs the network or a cache).
        processor: where the image processor (and tokenizer) come from (default: ``model``).  If the processor
            has no tokenizer of the right size, the model's own tokenizer is used — the case of
            ``daekeun-ml/ko-trocr-base-nsmc-news-chatbot``, whose processor is ``microsoft/trocr-base-handwritten``.
        num_beams: 1 = greedy decoding; default 4 with joint decoding, else 1.
        max_length: longest output in tokens (default: the model's generation config, else 64).
        ctc_weight: > 0: joint CTC/attention beam search (``num_beams`` hypotheses, at least 2) with this weight
            on the encoder's CTC head; needs a korocr hybrid encoder with a CTC head. Default: :data:`JOINT_CTC_WEIGHT`
            for such a model (its attention decoder alone reads far worse; docs/trocr.md), else 0 (attention only).

    Raises:
        OSError: the model or processor cannot be found.
        ValueError: ``ctc_weight`` > 0 for a model without an encoder CTC head.
    """

    def __init__(self, model: str | Path, processor: str | Path | None = None, num_beams: int | None = None,
                 max_length: int | None = None, batch_size: int = 16, threads: int | None = None,
                 ctc_weight: float | None = None):
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
        # re-cropped to the margins its CTC recogniser was trained on (a config naming none: the default range)
        from ..preprocessing.line import DEFAULT_MARGINS

        self.margins = tuple(getattr(ecfg, "margins", None) or DEFAULT_MARGINS)
        self.max_sides = getattr(ecfg, "max_side_margin", None)
        self.image_processor = None if self.line_input else AutoImageProcessor.from_pretrained(str(processor or model))
        try:
            tok = AutoTokenizer.from_pretrained(str(processor)) if processor else None
        except (OSError, ValueError):
            tok = None
        if tok is None or len(tok) != self.model.config.decoder.vocab_size:
            tok = AutoTokenizer.from_pretrained(str(model))
        self.tokenizer = tok
        self.max_length = max_length or getattr(self.model.generation_config, "max_length", None) or 64
        if ctc_weight is None:  # the model's best reading: joint decoding where the encoder has a CTC head
            ctc_weight = JOINT_CTC_WEIGHT if self.line_input and getattr(ecfg, "ctc_charset", None) else 0.0
        if num_beams is None:
            num_beams = JOINT_BEAMS if ctc_weight > 0 else 1
        self.num_beams, self.batch_size = num_beams, batch_size
        self.ctc_weight = float(ctc_weight)
        if self.ctc_weight > 0:
            from .joint_decoding import jamo_classes, token_to_ctc_map

            ctc_chars = list(getattr(ecfg, "ctc_charset", []) or [])
            if not self.line_input or not ctc_chars:
                raise ValueError(f"{model}: joint CTC/attention decoding needs an encoder with a CTC head")
            vocab = self.tokenizer.convert_ids_to_tokens(list(range(self.model.config.decoder.vocab_size)))
            self.tok2ctc = token_to_ctc_map(vocab, ctc_chars)
            self.token_classes = jamo_classes(vocab)

    def recognize(self, lines: Sequence[np.ndarray]) -> list[Decoded]:
        """Recognise RGB/gray uint8 line images; one :class:`Decoded` per input, in order."""
        import torch
        from PIL import Image

        out: list[Decoded | None] = [None] * len(lines)
        if self.line_input:  # sorted by width so a batch pads little; BGR, 48 px, natural width
            from ..preprocessing.line import normalize_margins, pad_batch, resize_line

            h, xs = self.line_input
            prepared = [resize_line(normalize_margins(x, top_bottom=self.margins, max_sides=self.max_sides)[0], h,
                                    channels=3, x_scale=xs) for x in lines]
            order = sorted(range(len(lines)), key=lambda i: prepared[i].shape[1])
        else:
            order = list(range(len(lines)))
        if self.ctc_weight > 0:
            for i in order:
                out[i] = self._joint(prepared[i])
            return out  # type: ignore[return-value]
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

    def _joint(self, line: np.ndarray) -> Decoded:
        """Joint CTC/attention beam search of one prepared line (48 px BGR float)."""
        import torch

        from ..preprocessing.line import pad_batch
        from .joint_decoding import joint_beam_search

        cfg = self.model.config
        with torch.no_grad():
            enc = self.model.encoder(pixel_values=torch.from_numpy(pad_batch([line])))
            hs = enc.last_hidden_state
            if getattr(self.model, "enc_to_dec_proj", None) is not None and \
                    cfg.encoder.hidden_size != cfg.decoder.hidden_size:
                hs = self.model.enc_to_dec_proj(hs)
            ctc = enc.ctc_logits[0].log_softmax(-1).numpy().astype(np.float64)

            state: dict = {}

            def step(token_lists: list[list[int]], parents: list[int] | None) -> np.ndarray:
                # the decoder's key/value cache (self- and cross-attention) follows the surviving hypotheses
                ids = torch.tensor(token_lists)
                past = state.get("past")
                if past is not None:
                    past.reorder_cache(torch.tensor(parents))
                    ids = ids[:, -1:]
                out = self.model.decoder(input_ids=ids, encoder_hidden_states=hs.expand(len(token_lists), -1, -1),
                                         past_key_values=past, use_cache=True)
                state["past"] = out.past_key_values
                return out.logits[:, -1].log_softmax(-1).numpy().astype(np.float64)

            tokens, score, _ = joint_beam_search(
                step, ctc, self.tok2ctc, cfg.decoder_start_token_id, cfg.eos_token_id, beam=max(2, self.num_beams),
                ctc_weight=self.ctc_weight, max_length=self.max_length, token_classes=self.token_classes)
        text = nfc(self.tokenizer.decode(tokens, skip_special_tokens=True))
        # the joint score per token (λ · CTC + (1 − λ) · attention log-probability), what the search maximised: the
        # attention decoder's own probabilities alone are low where it is unsure and the CTC head is not, and
        # smoothed labels cap them, so a line read right fell below the reader's 0.5 (the bundled sample's first)
        conf = float(np.exp(min(0.0, score))) if tokens else 0.0
        return Decoded(text, conf, [conf] * len(text))
