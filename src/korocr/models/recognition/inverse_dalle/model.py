"""Inverse DALL-E for Korean OCR: a VQ-VAE turns a line or column image into visual tokens, a character-level
GPT-2 reads ``[image tokens] SEP`` and writes the text (after DALL-E, Ramesh et al. 2021, run in reverse, as in
the Korean Inverse DALL-E OCR reference). The same model draws: ``[text] SEP`` → image tokens → VQ-VAE decoder.

A saved model is a directory: ``korocr_inverse_dalle.json`` (family, VQ-VAE config, charset, token budget),
``vqvae.pt`` (fp16 state dict) and ``gpt2/`` (Hugging Face ``save_pretrained``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import torch

from .tokens import EOS, PAD, SEP, SOR, SPECIAL, Vocabulary, grid_at_scale, grid_for
from .vqvae import VQVAE, VQVAEConfig

MARKER = "korocr_inverse_dalle.json"


@dataclass
class GPTConfig:
    """A small GPT-2 (``n_layer`` blocks of ``n_embd`` width and ``n_head`` heads); ``image_budget`` tokens for the
    image (rows × (cols + 1)), ``max_length`` tokens in all; ``image_loss_weight`` weights the language-model
    loss on the image part (the text part has weight 1). ``chunk_rows`` > 0 reads lines too long for the budget at
    that many rows in pieces (:meth:`InverseDalle.read`); ``code_rows`` > 0 fixes the scale: every line is coded
    at that many rows (a column at that many columns) whatever its length (:func:`~.tokens.grid_at_scale`),
    instead of the largest grid the budget allows (:func:`~.tokens.grid_for`)."""

    n_layer: int = 4
    n_embd: int = 256
    n_head: int = 4
    image_budget: int = 96
    max_length: int = 160
    image_loss_weight: float = 0.25
    dropout: float = 0.1
    chunk_rows: int = 0
    code_rows: int = 0  # > 0: every line gets this many rows of codes (a column as many columns), see grid_at_scale

    def max_aspect(self, rows: int | None = None) -> float:
        """The longest piece (in line heights) that still gets ``rows`` (default ``chunk_rows``) rows of codes
        within the budget; 0 when reading is not chunked (0 rows)."""
        rows = self.chunk_rows if rows is None else rows
        if rows <= 0:
            return 0.0
        return max(1, self.image_budget // rows - 1) / rows


def to_gray(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        return cv2.cvtColor(np.ascontiguousarray(img[..., :3]), cv2.COLOR_RGB2GRAY)
    return img


class InverseDalle(torch.nn.Module):
    """VQ-VAE + GPT-2 over one vocabulary (:class:`~.tokens.Vocabulary`)."""

    def __init__(self, vqvae: VQVAE, chars: Sequence[str], gpt: GPTConfig | None = None, lm=None):
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel

        self.vqvae = vqvae
        self.gpt_config = gpt or GPTConfig()
        self.vocab = Vocabulary(vqvae.config.codebook_size, list(chars))
        if lm is None:
            g = self.gpt_config
            lm = GPT2LMHeadModel(GPT2Config(vocab_size=self.vocab.size, n_positions=g.max_length, n_embd=g.n_embd,
                                            n_layer=g.n_layer, n_head=g.n_head, bos_token_id=SEP,
                                            resid_pdrop=g.dropout, embd_pdrop=g.dropout, attn_pdrop=g.dropout,
                                            eos_token_id=EOS, pad_token_id=PAD))
        self.lm = lm

    # --- images ↔ codes ---------------------------------------------------------------------------------------
    def image_grid(self, img: np.ndarray) -> tuple[int, int]:
        h, w = img.shape[:2]
        if self.gpt_config.code_rows > 0:
            return grid_at_scale(h, w, self.gpt_config.code_rows, self.gpt_config.image_budget)
        return grid_for(h, w, self.gpt_config.image_budget)

    def prepare(self, img: np.ndarray) -> torch.Tensor:
        """An image (H, W[, 3]) uint8 → (1, 1, rows·f, cols·f) in [-1, 1] at its dynamic grid size."""
        rows, cols = self.image_grid(img)
        f = self.vqvae.config.downsample
        g = cv2.resize(to_gray(img), (cols * f, rows * f), interpolation=cv2.INTER_AREA)
        return torch.from_numpy(g.astype(np.float32) / 127.5 - 1.0)[None, None]

    @torch.no_grad()
    def codes(self, img: np.ndarray) -> np.ndarray:
        return self.vqvae.encode(self.prepare(img))[0].cpu().numpy()

    # --- reading -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def read(self, images: Sequence[np.ndarray], num_beams: int = 1, max_new_tokens: int | None = None,
             chunk_rows: int | None = None) -> list[tuple[str, float]]:
        """Greedy (``num_beams=1``) or beam decoding of the text after the image tokens: (text, confidence) per
        image, confidence = geometric mean of the chosen tokens' probabilities. With ``chunk_rows`` (default:
        the config's) a line longer than the budget allows at that many code rows is read in pieces cut at
        gaps (:func:`korocr.preprocessing.line.split_at_gaps`; columns, H > W, between characters); the texts
        are joined (with a space where the cut was a word space), the confidence is the pieces' mean weighted
        by their characters."""
        from ....preprocessing.line import split_at_gaps

        aspect = self.gpt_config.max_aspect(chunk_rows)
        out = []
        for img in images:
            if not aspect:
                out.append(self._read_one(img, num_beams, max_new_tokens))
                continue
            vertical = img.shape[0] > img.shape[1]
            parts = [(self._read_one(p, num_beams, max_new_tokens), sp)
                     for p, sp in split_at_gaps(img, aspect, vertical=vertical)]
            text = "".join((" " if sp and k else "") + t for k, ((t, _), sp) in enumerate(parts))
            n = [max(1, len(t)) for (t, _), _ in parts]
            out.append((text, float(sum(c * k for ((_, c), _), k in zip(parts, n)) / sum(n))))
        return out

    @torch.no_grad()
    def _read_one(self, img: np.ndarray, num_beams: int, max_new_tokens: int | None) -> tuple[str, float]:
        self.eval()
        allowed = list(range(self.vocab.char_offset, self.vocab.size)) + [EOS]
        prefix = self.vocab.image_tokens(self.codes(img)) + [SEP]
        ids = torch.tensor([prefix])
        budget = max_new_tokens or max(1, self.gpt_config.max_length - len(prefix))
        gen = self.lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=budget,
                               num_beams=num_beams, do_sample=False, eos_token_id=EOS, pad_token_id=PAD,
                               prefix_allowed_tokens_fn=lambda b, s: allowed, output_scores=True,
                               return_dict_in_generate=True)
        seq = gen.sequences[0, len(prefix):].tolist()
        if num_beams == 1 and gen.scores:
            lp = [float(torch.log_softmax(s[0], -1)[t]) for s, t in zip(gen.scores, seq)]
            conf = float(np.exp(np.mean(lp))) if lp else 0.0
        else:
            conf = float(torch.exp(gen.sequences_scores[0])) if getattr(gen, "sequences_scores", None) is not None else 0.0
        return self.vocab.text_from_tokens(seq), conf

    # --- drawing -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def draw(self, text: str | None = None, temperature: float = 1.0, top_k: int = 0, seed: int | None = None
             ) -> tuple[np.ndarray, str]:
        """Sample image tokens (after ``[text] SEP`` for a text-to-image model, unconditionally otherwise), decode
        them with the VQ-VAE; without ``text`` the model then writes its own caption. Returns (uint8 image, text).

        Raises:
            ValueError: the model produced no image row.
        """
        self.eval()
        if seed is not None:
            torch.manual_seed(seed)
        image_ids = list(range(SPECIAL, self.vocab.char_offset))
        prefix = (self.vocab.text_tokens(text) + [SEP, SOR]) if text else [SOR]
        ids = torch.tensor([prefix])
        budget = self.gpt_config.image_budget
        gen = self.lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=budget, do_sample=True,
                               temperature=temperature, top_k=top_k or None, eos_token_id=SEP if not text else EOS,
                               pad_token_id=PAD, prefix_allowed_tokens_fn=lambda b, s: image_ids + [SOR, SEP, EOS])
        toks = gen[0, len(prefix) - 1:].tolist()
        codes = self.vocab.codes_from_tokens(toks)
        img = self.vqvae.decode(torch.from_numpy(codes)[None])[0, 0].cpu().numpy()
        caption = text or ""
        if not text:
            seq = self.vocab.image_tokens(codes) + [SEP]
            caption = self.vocab.text_from_tokens(
                self.lm.generate(torch.tensor([seq]), max_new_tokens=self.gpt_config.max_length - len(seq),
                                 do_sample=False, eos_token_id=EOS, pad_token_id=PAD,
                                 prefix_allowed_tokens_fn=lambda b, s: list(range(self.vocab.char_offset,
                                                                                  self.vocab.size)) + [EOS]
                                 )[0, len(seq):].tolist())
        return ((img + 1) * 127.5).clip(0, 255).astype(np.uint8), caption

    # --- persistence -------------------------------------------------------------------------------------------
    def save(self, path: str | Path, half: bool = True) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sd = {k: (v.half() if half and v.is_floating_point() else v).cpu() for k, v in self.vqvae.state_dict().items()}
        torch.save(sd, path / "vqvae.pt")
        self.lm.save_pretrained(path / "gpt2")
        if half:  # store the GPT-2 weights in fp16 too
            state = {k: v.half() if v.is_floating_point() else v for k, v in self.lm.state_dict().items()}
            torch.save(state, path / "gpt2" / "weights.fp16.pt")
            for f in ("model.safetensors", "pytorch_model.bin"):
                (path / "gpt2" / f).unlink(missing_ok=True)
        (path / MARKER).write_text(json.dumps({
            "family": "inverse-dalle", "vqvae": self.vqvae.config.to_dict(), "chars": self.vocab.chars,
            "gpt": self.gpt_config.__dict__}, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "InverseDalle":
        """Raises: FileNotFoundError (not an Inverse DALL-E directory)."""
        from transformers import GPT2Config, GPT2LMHeadModel

        path = Path(path)
        if not (path / MARKER).is_file():
            raise FileNotFoundError(f"{path}: no {MARKER} (not an Inverse DALL-E model directory)")
        meta = json.loads((path / MARKER).read_text(encoding="utf-8"))
        vq = VQVAE(VQVAEConfig.from_dict(meta["vqvae"]))
        vq.load_state_dict({k: v.float() if v.is_floating_point() else v
                            for k, v in torch.load(path / "vqvae.pt", map_location="cpu").items()})
        fp16 = path / "gpt2" / "weights.fp16.pt"
        if fp16.is_file():
            lm = GPT2LMHeadModel(GPT2Config.from_pretrained(path / "gpt2"))
            lm.load_state_dict({k: v.float() if v.is_floating_point() else v
                                for k, v in torch.load(fp16, map_location="cpu").items()}, strict=False)
        else:
            lm = GPT2LMHeadModel.from_pretrained(path / "gpt2")
        model = cls(vq.eval(), meta["chars"], GPTConfig(**meta["gpt"]), lm=lm.eval())
        return model.eval()


def lm_loss(model: InverseDalle, batch: torch.Tensor, image_weight: float) -> tuple[torch.Tensor, dict]:
    """Language-model loss over ``[image tokens] SEP [text] EOS`` sequences (N, L): cross-entropy of each next
    token, the image part (before SEP) weighted by ``image_weight``, PAD ignored."""
    logits = model.lm(input_ids=batch, attention_mask=(batch != PAD).long()).logits[:, :-1]
    target = batch[:, 1:]
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                           reduction="none").view(target.shape)
    seen_sep = torch.cumsum((batch[:, :-1] == SEP).long(), 1) > 0  # target positions after the separator
    weight = torch.where(seen_sep, 1.0, image_weight) * (target != PAD)
    loss = (ce * weight).sum() / weight.sum().clamp(min=1)
    text_ce = (ce * seen_sep * (target != PAD)).sum() / (seen_sep * (target != PAD)).sum().clamp(min=1)
    return loss, {"text_ce": float(text_ce.detach())}
