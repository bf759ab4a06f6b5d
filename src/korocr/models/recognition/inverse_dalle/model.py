"""Inverse DALL-E for Korean OCR: a VQ-VAE turns a line or column image into visual tokens, a character-level
GPT-2 reads ``[image tokens] SEP`` and writes the text (after DALL-E, Ramesh et al. 2021, run in reverse, as in
the Korean Inverse DALL-E OCR reference). The same model draws: ``[text] SEP`` → image tokens → VQ-VAE decoder.

A saved model is a directory: ``korocr_inverse_dalle.json`` (family, VQ-VAE config, charset, token budget),
``vqvae.pt`` (fp16 state dict), ``gpt2/`` (Hugging Face ``save_pretrained``) and, for a ``pos2d`` model,
``pos2d.pt`` (the row and column embeddings of the image tokens, fp16) and, optionally, ``text_lm.npz`` (a
character n-gram language model, :class:`~korocr.text.char_lm.CharNgramLM`, fused into the decoding).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import torch

from .tokens import EOS, PAD, SEP, SOR, SPECIAL, Vocabulary, grid_at_scale, grid_for
from .vqvae import VQVAE, VQVAEConfig

MARKER = "korocr_inverse_dalle.json"
TEXT_LM = "text_lm.npz"


@dataclass
class GPTConfig:
    """A small GPT-2 (``n_layer`` blocks of ``n_embd`` width and ``n_head`` heads); ``image_budget`` tokens for the
    image (rows × (cols + 1)), ``max_length`` tokens in all; ``image_loss_weight`` weights the language-model
    loss on the image part (the text part has weight 1). ``chunk_rows`` > 0 reads lines too long for the budget at
    that many rows in pieces (:meth:`InverseDalle.read`); ``code_rows`` > 0 fixes the scale: every line is coded
    at that many rows (a column at that many columns) whatever its length (:func:`~.tokens.grid_at_scale`),
    instead of the largest grid the budget allows (:func:`~.tokens.grid_for`). ``ctc_weight`` > 0 adds an
    auxiliary CTC loss on the image tokens' hidden states (:meth:`InverseDalle.ctc_loss`, training only);
    ``code_stem`` > 0 adds a causal convolutional stem over the grid of codes to the image tokens' embeddings
    (:class:`CodeStem`). ``piece_aspect`` > 0 caps the pieces of a chunked reading, in ink heights, below what the
    budget allows (a model trained on short renders reads short pieces best; chosen on korocr's own renders,
    ``bench/inverse_dalle_reading_own_renders.py``)."""

    n_layer: int = 4
    n_embd: int = 256
    n_head: int = 4
    image_budget: int = 96
    max_length: int = 160
    image_loss_weight: float = 0.25
    dropout: float = 0.1
    chunk_rows: int = 0
    code_rows: int = 0  # > 0: every line gets this many rows of codes (a column as many columns), see grid_at_scale
    pos2d: bool = False  # learned row and column embeddings on the image tokens (InverseDalle.embed)
    margins: tuple[float, float] | None = None  # re-crop every input to this blank margin (InverseDalle.normalize)
    ctc_weight: float = 0.0  # > 0: an auxiliary CTC loss on the image tokens' states (InverseDalle.ctc_loss)
    code_stem: int = 0  # > 0: that many masked 3x3 convolutions over the code grid add to the image embeddings
    piece_aspect: float = 0.0  # > 0: read chunked lines in pieces at most this many ink heights long (see read)
    num_beams: int = 1  # the reading's default beam width (1: greedy; read's num_beams=None)

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


MAX_GRID_ROWS, MAX_GRID_COLS = 128, 512  # sizes of the row / column embeddings of ``pos2d`` (indices are clamped)


def grid_positions(ids: torch.Tensor, char_offset: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Row and column of every image token in token sequences ``ids`` (N, L): a start-of-row token opens row r
    (1, 2, ...) at column 0, the codes after it are columns 1, 2, ...; returns (rows (N, L), cols (N, L), is_image
    (N, L) bool), rows and columns 0 where ``is_image`` is False (text, SEP, EOS, PAD)."""
    is_sor = ids == SOR
    is_image = is_sor | ((ids >= SPECIAL) & (ids < char_offset))
    rows = torch.cumsum(is_sor.long(), 1)
    idx = torch.arange(ids.shape[1], device=ids.device).expand_as(ids)
    last_sor = torch.cummax(torch.where(is_sor, idx, torch.zeros_like(idx)), 1).values
    cols = idx - last_sor
    zero = torch.zeros_like(rows)
    return (torch.where(is_image, rows, zero).clamp(max=MAX_GRID_ROWS - 1),
            torch.where(is_image, cols, zero).clamp(max=MAX_GRID_COLS - 1), is_image)


class _MaskedConv(torch.nn.Conv2d):
    """A 3 × 3 convolution that sees only the rows above and, in its own row, the columns up to its own: PixelCNN's
    mask B (van den Oord et al., "Pixel Recurrent Neural Networks", 2016), so a grid cell's output depends only on
    the cells before it in raster (token) order."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__(c_in, c_out, 3, padding=1)
        mask = torch.ones(3, 3)
        mask[1, 2] = 0  # the next column of the same row
        mask[2, :] = 0  # the row below
        self.register_buffer("mask", mask, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=1)


class CodeStem(torch.nn.Module):
    """A causal convolutional stem over the grid of image codes: each code's VQ-VAE codebook vector (frozen,
    ``code_dim``) laid out at its row and column, ``layers`` masked 3 × 3 convolutions (:class:`_MaskedConv`,
    ``width`` channels, residual, GELU) and a projection to the GPT-2's width, initialised at zero, so a stem added
    to a trained model starts as the model without it. It gives every image token the strokes of the codes above
    and before it, which GPT-2's attention otherwise has to assemble from single 4 × 4 px codes (a syllable at
    f4 is about 8 × 8 of them). Causal in raster order, so the image tokens' own language-model loss and drawing
    stay valid. Shapes: ``forward(ids (N, L), rows (N, L), cols (N, L), is_image (N, L))`` → (N, L, n_embd), zero
    on text and special tokens other than start-of-row.

    With ``fine_codebooks`` (Q - 1, K, code_dim), the further levels of a residual VQ-VAE: ``forward(..., fine
    (N, L, Q - 1))`` lays each cell's sum of its further levels' vectors out as a second grid, read by a second
    masked convolution added to the first one's output before its activation; that convolution starts at zero,
    so the model reads as before until it learns to use the finer codes (and reads without them, ``fine`` None,
    as a drawing model samples first-level codes only)."""

    def __init__(self, codebook: torch.Tensor, n_embd: int, layers: int, width: int = 128,
                 fine_codebooks: torch.Tensor | None = None):
        super().__init__()
        self.register_buffer("codebook", codebook.detach().float().clone(), persistent=False)
        self.inp = _MaskedConv(codebook.shape[1], width)
        self.fine_inp = None
        if fine_codebooks is not None and len(fine_codebooks):
            self.register_buffer("fine_codebooks", fine_codebooks.detach().float().clone(), persistent=False)
            self.fine_inp = _MaskedConv(codebook.shape[1], width)
            torch.nn.init.zeros_(self.fine_inp.weight)
            torch.nn.init.zeros_(self.fine_inp.bias)
        self.blocks = torch.nn.ModuleList(_MaskedConv(width, width) for _ in range(max(0, layers - 1)))
        self.out = torch.nn.Linear(width, n_embd)
        torch.nn.init.zeros_(self.out.weight)
        torch.nn.init.zeros_(self.out.bias)

    def forward(self, ids: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor, is_image: torch.Tensor,
                fine: torch.Tensor | None = None) -> torch.Tensor:
        n, L = ids.shape
        k = self.codebook.shape[0]
        code = ids - SPECIAL
        is_code = is_image & (code >= 0) & (code < k)
        feats = self.codebook[code.clamp(0, k - 1)] * is_code[..., None].to(self.codebook.dtype)  # SOR: zeros
        R, C = int(rows.max()) + 1, int(cols.max()) + 1
        b = torch.arange(n, device=ids.device)[:, None].expand(n, L)

        def to_grid(v: torch.Tensor) -> torch.Tensor:  # (N, L, d) in token order → (N, d, R, C)
            grid = v.new_zeros(n, R, C, v.shape[-1])
            grid[b[is_image], rows[is_image], cols[is_image]] = v[is_image]
            return grid.permute(0, 3, 1, 2)

        x = self.inp(to_grid(feats))
        if self.fine_inp is not None and fine is not None:
            given = (fine >= 0) & is_code[..., None]  # (N, L, Q - 1)
            vec = sum(self.fine_codebooks[j][fine[..., j].clamp(0, k - 1)] * given[..., j, None].to(feats.dtype)
                      for j in range(min(fine.shape[-1], self.fine_codebooks.shape[0])))
            x = x + self.fine_inp(to_grid(vec))
        x = torch.nn.functional.gelu(x)
        for conv in self.blocks:
            x = x + torch.nn.functional.gelu(conv(x))
        x = x.permute(0, 2, 3, 1)[b, rows, cols]  # (N, L, width), back in token order
        return self.out(x) * is_image[..., None].to(x.dtype)


class InverseDalle(torch.nn.Module):
    """VQ-VAE + GPT-2 over one vocabulary (:class:`~.tokens.Vocabulary`); with ``gpt.pos2d``, row and column
    embeddings of the image tokens (:meth:`embed`).

    A residual VQ-VAE (``quantizers`` Q > 1) gives each grid cell Q codes: the first is the cell's token, the
    further levels reach the model through its code stem (:class:`CodeStem` ``fine``; sequences then carry them
    beside the tokens, :meth:`~.tokens.Vocabulary.fine_codes`), so it needs ``pos2d`` and ``code_stem``.

    Raises:
        ValueError: ``vqvae`` quantises residually and the model has no code stem to take the further levels.
    """

    def __init__(self, vqvae: VQVAE, chars: Sequence[str], gpt: GPTConfig | None = None, lm=None):
        super().__init__()
        from transformers import GPT2Config, GPT2LMHeadModel

        self.gpt_config = gpt or GPTConfig()
        if vqvae.config.quantizers > 1 and not (self.gpt_config.pos2d and self.gpt_config.code_stem > 0):
            raise ValueError(f"the VQ-VAE has {vqvae.config.quantizers} residual codebooks; an Inverse DALL-E GPT-2 "
                             "reads one code per grid cell and takes the further levels through its code stem only "
                             "(pos2d and code_stem > 0); train its VQ-VAE with --quantizers 1 or give it a stem")
        self.vqvae = vqvae
        self.vocab = Vocabulary(vqvae.config.codebook_size, list(chars))
        if lm is None:
            g = self.gpt_config
            lm = GPT2LMHeadModel(GPT2Config(vocab_size=self.vocab.size, n_positions=g.max_length, n_embd=g.n_embd,
                                            n_layer=g.n_layer, n_head=g.n_head, bos_token_id=SEP,
                                            resid_pdrop=g.dropout, embd_pdrop=g.dropout, attn_pdrop=g.dropout,
                                            eos_token_id=EOS, pad_token_id=PAD))
        self.lm = lm
        if self.gpt_config.pos2d:
            width = lm.config.n_embd
            self.row_embed = torch.nn.Embedding(MAX_GRID_ROWS, width)
            self.col_embed = torch.nn.Embedding(MAX_GRID_COLS, width)
            for e in (self.row_embed, self.col_embed):
                torch.nn.init.normal_(e.weight, std=0.02)
        self.ctc_head = None
        if self.gpt_config.ctc_weight > 0:
            self.add_ctc_head(self.gpt_config.ctc_weight)
        self.code_stem = None
        if self.gpt_config.code_stem > 0:
            self.add_code_stem(self.gpt_config.code_stem)
        self.text_lm = None  # a CharNgramLM fused into the decoding (set_text_lm)

    def set_text_lm(self, lm) -> None:
        """Fuse the character n-gram model ``lm`` (:class:`~korocr.text.char_lm.CharNgramLM`, or None: none) into
        :meth:`read` (shallow fusion; its ``weight`` and ``bonus`` are the defaults). Saved with the model.

        Raises:
            ValueError: ``lm``'s symbols are not the model's characters.
        """
        if lm is not None and list(lm.symbols) != list(self.vocab.chars):
            raise ValueError("the text language model's symbols are not this model's characters (build it with "
                             "the model's charset)")
        self.text_lm = lm

    def add_code_stem(self, layers: int) -> None:
        """Give the model a :class:`CodeStem` of ``layers`` masked convolutions (needs ``pos2d``: the stem places
        codes by their grid row and column); its output starts at zero, so the model reads as before.

        Raises:
            ValueError: the model has no ``pos2d``.
        """
        if not self.gpt_config.pos2d:
            raise ValueError("a code stem needs a pos2d model (GPTConfig.pos2d): it places codes by grid position")
        self.gpt_config.code_stem = int(layers)
        if self.code_stem is None:
            books = self.vqvae.level_codebooks().float()
            self.code_stem = CodeStem(books[0], self.lm.config.n_embd, layers, fine_codebooks=books[1:])

    @property
    def fine_levels(self) -> int:
        """Further code levels per grid cell beside the token (a residual VQ-VAE's Q - 1; else 0)."""
        return self.vqvae.config.quantizers - 1

    def use_residual_vqvae(self, vqvae: VQVAE) -> None:
        """Replace the model's 1-codebook VQ-VAE by a residual one whose first level is the same (as
        ``korocr train --arch vqvae --quantizers Q --keep-first-level`` makes it), so every token stays what
        the GPT-2 was trained on, and feed the further levels to the code stem (:class:`CodeStem` ``fine``,
        starting at zero: the model reads as before).

        Raises:
            ValueError: the model has no code stem, ``vqvae`` has a single level, or its encoder or first codebook
                differ from the model's VQ-VAE (its tokens would not be the ones the GPT-2 reads).
        """
        if self.code_stem is None:
            raise ValueError("use_residual_vqvae: the model has no code stem (add one: --code-stem)")
        if vqvae.config.quantizers < 2:
            raise ValueError("use_residual_vqvae: the VQ-VAE has a single codebook (train it with --quantizers 2+)")
        if self.fine_levels:
            raise ValueError("use_residual_vqvae: the model's VQ-VAE is residual already")
        old, new = self.vqvae.state_dict(), vqvae.state_dict()
        enc = [k for k in old if k.startswith("encoder.")]
        same = all(k in new and old[k].shape == new[k].shape and torch.allclose(old[k].float(), new[k].float(),
                                                                              atol=1e-3) for k in enc)
        books_old, books_new = self.vqvae.level_codebooks().float(), vqvae.level_codebooks().float()
        same = same and books_old[0].shape == books_new[0].shape and torch.allclose(books_old[0], books_new[0],
                                                                                    atol=1e-3)
        if not same:
            raise ValueError("use_residual_vqvae: its encoder or first codebook differ from the model's VQ-VAE "
                             "(train it from this VQ-VAE with --quantizers Q --keep-first-level)")
        stem = self.code_stem.state_dict()
        self.vqvae = vqvae.eval()
        self.code_stem = None
        self.add_code_stem(self.gpt_config.code_stem)
        self.code_stem.load_state_dict(stem, strict=False)  # the new fine path keeps its zero start

    def add_ctc_head(self, weight: float) -> None:
        """Give the model the auxiliary CTC head of :meth:`ctc_loss` (a LayerNorm and a linear layer from the
        GPT-2's width to blank + the charset), with loss weight ``weight``; a model that has one keeps it."""
        self.gpt_config.ctc_weight = float(weight)
        if self.ctc_head is None:
            width = self.lm.config.n_embd
            self.ctc_head = torch.nn.Sequential(torch.nn.LayerNorm(width),
                                                torch.nn.Linear(width, len(self.vocab.chars) + 1))

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        """The GPT-2's parameters, the row/column embeddings and the CTC head (the VQ-VAE is frozen)."""
        extra = list(self.row_embed.parameters()) + list(self.col_embed.parameters()) if self.gpt_config.pos2d \
            else []
        for extra_module in (self.ctc_head, self.code_stem):
            if extra_module is not None:
                extra += list(extra_module.parameters())
        return list(self.lm.parameters()) + extra

    def ctc_frames(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Where the auxiliary CTC loss reads a reading sequence's image states, and what it must read.

        A horizontal line (rows ≤ cols) is read along its last row of codes: under GPT-2's causal attention the
        code at (last row, column c) has seen every row of columns ≤ c, so the last row is a left-to-right
        sequence of column summaries. A vertical column (rows > cols) is read down its last column: the code at
        (row r, last column) has seen every row up to r. Args: ``ids`` (N, L) reading sequences ``[image] SEP
        [text] EOS PAD...``. Returns (positions (N, T) into L, frames (N,) valid per sequence, targets (N, S)
        as charset index + 1 with 0 for blank/padding, target lengths (N,))."""
        pos, n_frames, targets, n_targets = [], [], [], []
        for seq in ids.tolist():
            sep = seq.index(SEP)
            rows = sum(1 for t in seq[:sep] if t == SOR)
            cols = sep // max(1, rows) - 1
            if rows <= cols:
                p = [(rows - 1) * (cols + 1) + 1 + c for c in range(cols)]
            else:
                p = [r * (cols + 1) + cols for r in range(rows)]
            text = []
            for t in seq[sep + 1:]:
                if t < self.vocab.char_offset:  # EOS or PAD
                    break
                text.append(t - self.vocab.char_offset + 1)
            pos.append(p)
            targets.append(text)
        T = max(len(p) for p in pos)
        S = max(1, max(len(t) for t in targets))
        positions = torch.tensor([p + [p[-1]] * (T - len(p)) for p in pos])
        frames = torch.tensor([len(p) for p in pos])
        tgt = torch.tensor([t + [0] * (S - len(t)) for t in targets])
        return positions, frames, tgt, torch.tensor([len(t) for t in targets])

    def ctc_loss(self, hidden: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Auxiliary CTC loss (Graves et al. 2006) on the image tokens' hidden states ``hidden`` (N, L, n_embd)
        of reading sequences ``ids`` (N, L), along the frames of :meth:`ctc_frames`, against the text after SEP;
        mean over the batch of the loss per target token (PyTorch's ``reduction="mean"``). Training only: it
        makes the image states tell characters apart directly, as the CTC branch of joint CTC-attention speech
        recognition does for its attention decoder (Kim, Hori and Watanabe 2017); reading still generates.

        Raises:
            RuntimeError: the model has no CTC head (``ctc_weight`` 0).
        """
        if self.ctc_head is None:
            raise RuntimeError("ctc_loss: this Inverse DALL-E model has no CTC head (GPTConfig.ctc_weight is 0)")
        positions, frames, targets, lengths = self.ctc_frames(ids)
        positions, targets = positions.to(hidden.device), targets.to(hidden.device)
        states = torch.gather(hidden, 1, positions[..., None].expand(-1, -1, hidden.shape[-1]))
        logp = torch.log_softmax(self.ctc_head(states).float(), -1).transpose(0, 1)  # (T, N, C)
        return torch.nn.functional.ctc_loss(logp, targets, frames, lengths, blank=0, zero_infinity=True)

    def embed(self, ids: torch.Tensor, fine: torch.Tensor | None = None) -> torch.Tensor:
        """Input embeddings (N, L, n_embd) of token sequences (N, L): GPT-2's token embeddings plus, with
        ``pos2d``, the row and column embeddings of the image tokens (:func:`grid_positions`); text tokens get
        their token embedding alone, so text generated after the image needs nothing extra. GPT-2 adds its own
        position embeddings on top. ``fine`` (N, L, Q - 1): a residual VQ-VAE's further code levels beside the
        tokens (:meth:`~.tokens.Vocabulary.fine_codes`), for the code stem; None: the tokens alone."""
        x = self.lm.transformer.wte(ids)
        if not self.gpt_config.pos2d:
            return x
        rows, cols, is_image = grid_positions(ids, self.vocab.char_offset)
        x = x + (self.row_embed(rows) + self.col_embed(cols)) * is_image[..., None].to(x.dtype)
        if self.code_stem is not None and bool(is_image.any()):
            x = x + self.code_stem(ids, rows, cols, is_image, fine).to(x.dtype)
        return x

    @torch.no_grad()
    def init_code_embeddings(self, seed: int = 0) -> None:
        """Start the GPT-2's embeddings of the image codes from the VQ-VAE codebook: each code's vector,
        standardised, through one fixed random projection to the GPT-2's width (scale 0.02, GPT-2's own
        initialisation), so codes that look alike start alike. Measured on single syllables (docs/inverse_dalle.md,
        session 20): text cross-entropy 1.08 against 1.34 from GPT-2's random initialisation after 175 steps.

        Raises:
            ValueError: the codebook is still all zeros (a VQ-VAE that never saw a batch: its k-means
                initialisation runs on the first one).
        """
        cb = self.vqvae.level_codebooks()[0].float()
        if not torch.any(cb != 0):
            raise ValueError("init_code_embeddings: the VQ-VAE codebook is not initialised yet (all zeros)")
        cb = (cb - cb.mean(0)) / (cb.std(0) + 1e-6)
        g = torch.Generator().manual_seed(seed)
        proj = torch.randn(cb.shape[1], self.lm.config.n_embd, generator=g) / cb.shape[1] ** 0.5
        wte = self.lm.transformer.wte.weight
        wte[SPECIAL:SPECIAL + cb.shape[0]] = (0.02 * cb @ proj).to(wte.dtype)

    # --- images ↔ codes ---------------------------------------------------------------------------------------
    def image_grid(self, img: np.ndarray) -> tuple[int, int]:
        h, w = img.shape[:2]
        if self.gpt_config.code_rows > 0:
            return grid_at_scale(h, w, self.gpt_config.code_rows, self.gpt_config.image_budget)
        return grid_for(h, w, self.gpt_config.image_budget)

    def normalize(self, img: np.ndarray) -> np.ndarray:
        """With ``gpt.margins``, the crop re-cropped by :func:`korocr.preprocessing.line.normalize_margins` (the
        recognisers' margin normalisation: blank above and below the ink clamped to ``margins`` × the ink height,
        left and right to 0.3 × it); a column (ink 1.5× taller than wide) is normalised across its width. At a
        fixed code scale (``code_rows``) a crop with a wide margin would put its characters on fewer rows of
        codes: a 32 px line with half a line height of blank above and below keeps about 16 px of text, where the
        VQ-VAE's codes no longer tell jamo apart (docs/inverse_dalle.md, session 17). A column is told by its ink
        (Otsu), not by the crop, whose margins may make it wider than tall. Without ``margins``, the image
        unchanged."""
        if not self.gpt_config.margins:
            return img
        from ....preprocessing.line import _ink_mask, normalize_margins

        lo, hi = (float(m) for m in self.gpt_config.margins)
        ys, xs = np.nonzero(_ink_mask(to_gray(img)))
        tall = (ys.max() - ys.min() + 1) > 1.5 * (xs.max() - xs.min() + 1) if len(ys) else img.shape[0] > img.shape[1]
        if tall:  # a column: its "height" is its width
            out, _ = normalize_margins(np.ascontiguousarray(np.swapaxes(img, 0, 1)), top_bottom=(lo, hi),
                                       max_sides=0.3)
            return np.ascontiguousarray(np.swapaxes(out, 0, 1))
        return normalize_margins(img, top_bottom=(lo, hi), max_sides=0.3)[0]

    def prepare(self, img: np.ndarray) -> torch.Tensor:
        """An image (H, W[, 3]) uint8 → (1, 1, rows·f, cols·f) in [-1, 1] at its dynamic grid size (after
        :meth:`normalize`)."""
        img = self.normalize(img)
        rows, cols = self.image_grid(img)
        f = self.vqvae.config.downsample
        g = cv2.resize(to_gray(img), (cols * f, rows * f), interpolation=cv2.INTER_AREA)
        return torch.from_numpy(g.astype(np.float32) / 127.5 - 1.0)[None, None]

    @torch.no_grad()
    def codes(self, img: np.ndarray) -> np.ndarray:
        return self.vqvae.encode(self.prepare(img))[0].cpu().numpy()

    # --- reading -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def read(self, images: Sequence[np.ndarray], num_beams: int | None = None, max_new_tokens: int | None = None,
             chunk_rows: int | None = None, piece_aspect: float | None = None, lm_weight: float | None = None,
             lm_bonus: float | None = None) -> list[tuple[str, float]]:
        """Greedy (``num_beams=1``) or beam decoding of the text after the image tokens (default: the config's
        ``num_beams``): (text, confidence) per image, confidence = geometric mean of the GPT-2's probabilities of
        the chosen tokens (with beams: along the chosen beam; language-model fusion does not enter it).

        With ``chunk_rows`` (default: the config's) a line longer than the budget allows at that many code rows is
        read in pieces cut at gaps (:func:`korocr.preprocessing.line.split_at_gaps`; columns, H > W, between
        characters); the texts are joined (with a space where the cut was a word space), the confidence is the
        pieces' mean weighted by their characters. ``piece_aspect`` (default: the config's; 0: no cap) caps a
        piece's length in units of the height of the line's ink (a column's: the width of its ink), about one
        Hangul syllable each whatever the crop's margins; a piece is never longer than the budget allows.

        With a text language model (:meth:`set_text_lm`) and ``lm_weight`` > 0 (default: the model's ``weight``),
        every character's log-probability gets ``lm_weight * log P_lm(char | the line so far) + lm_bonus``
        (shallow fusion, Gulcehre et al. 2015); the line so far includes the earlier pieces' text, so a piece is
        read in its line's context."""
        from ....preprocessing.line import _ink_mask, split_at_gaps

        limit = self.gpt_config.max_aspect(chunk_rows)
        cap = self.gpt_config.piece_aspect if piece_aspect is None else piece_aspect
        num_beams = max(1, int(self.gpt_config.num_beams if num_beams is None else num_beams))
        lm = self.text_lm
        fusion = None
        if lm is not None:
            weight = lm.weight if lm_weight is None else float(lm_weight)
            if weight > 0:
                fusion = (lm, weight, lm.bonus if lm_bonus is None else float(lm_bonus))
        out = []
        for img in images:
            img = self.normalize(img)  # pieces are cut from the normalised line (and normalised again on their own)
            if not limit:
                out.append(self._read_one(img, num_beams, max_new_tokens, fusion))
                continue
            vertical = img.shape[0] > img.shape[1]
            aspect = limit
            if cap > 0:  # the cap in ink heights, as a share of the crop's height (what split_at_gaps measures in)
                ys, xs = np.nonzero(_ink_mask(to_gray(img)))
                if len(ys):
                    ink = (xs.max() - xs.min() + 1) if vertical else (ys.max() - ys.min() + 1)
                    aspect = min(limit, cap * ink / (img.shape[1] if vertical else img.shape[0]))
            parts, text = [], ""
            for k, (p, sp) in enumerate(split_at_gaps(img, aspect, vertical=vertical)):
                context = text + (" " if sp and k else "")
                parts.append((self._read_one(p, num_beams, max_new_tokens, fusion, context), sp))
                text = context + parts[-1][0][0]
            n = [max(1, len(t)) for (t, _), _ in parts]
            out.append((text, float(sum(c * k for ((_, c), _), k in zip(parts, n)) / sum(n))))
        return out

    @torch.no_grad()
    def _read_one(self, img: np.ndarray, num_beams: int, max_new_tokens: int | None, fusion=None,
                  context: str = "") -> tuple[str, float]:
        from transformers import LogitsProcessorList

        self.eval()
        allowed = list(range(self.vocab.char_offset, self.vocab.size)) + [EOS]
        codes = self.codes(img)
        prefix = self.vocab.image_tokens(codes) + [SEP]
        ids = torch.tensor([prefix])
        budget = max_new_tokens or max(1, self.gpt_config.max_length - len(prefix))
        fine = torch.from_numpy(self.vocab.fine_codes(codes, len(prefix)))[None] if self.fine_levels else None
        given = {"inputs_embeds": self.embed(ids, fine)} if self.gpt_config.pos2d else {"input_ids": ids}
        gen = self.lm.generate(**given, attention_mask=torch.ones_like(ids), max_new_tokens=budget,
                               num_beams=num_beams, do_sample=False, eos_token_id=EOS, pad_token_id=PAD,
                               prefix_allowed_tokens_fn=lambda b, s: allowed, output_scores=True,
                               output_logits=True, return_dict_in_generate=True,
                               logits_processor=LogitsProcessorList(
                                   [_TextLMFusion(self.vocab, *fusion, context)] if fusion else []))
        # from embeddings, generate returns the new tokens only
        seq = gen.sequences[0, 0 if self.gpt_config.pos2d else len(prefix):].tolist()
        # the confidence: the GPT-2's own probabilities of the chosen tokens over the allowed ones, before any
        # fusion (with beams, each step's logits of the beam the chosen sequence came through)
        beams = getattr(gen, "beam_indices", None)
        conf = 0.0
        if gen.logits and (num_beams == 1 or beams is not None):
            mask = torch.full((self.vocab.size,), float("-inf"))
            mask[allowed] = 0.0
            rows = [0] * len(seq) if num_beams == 1 else [int(b) for b in beams[0, :len(seq)]]
            lp = [float(torch.log_softmax(s[r].float() + mask, -1)[t])
                  for s, t, r in zip(gen.logits, seq, rows) if r >= 0]
            conf = float(np.exp(np.mean(lp))) if lp else 0.0
        return self.vocab.text_from_tokens(seq), conf

    # --- drawing -----------------------------------------------------------------------------------------------
    @torch.no_grad()
    def draw(self, text: str | None = None, temperature: float = 1.0, top_k: int = 0, seed: int | None = None,
             size: tuple[int, int] | None = None) -> tuple[np.ndarray, str]:
        """Sample image tokens (after ``[text] SEP`` for a text-to-image model, unconditionally otherwise), decode
        them with the VQ-VAE; without ``text`` the model then writes its own caption. Returns (uint8 image (H, W),
        text).

        ``size`` (height, width) in px asks for an image of that size, rounded to whole codes (multiples of the
        VQ-VAE's downsampling factor ``f``): sampling is constrained to ``height / f`` rows of ``width / f`` codes
        each, every row opened by a start-of-row token. Without it the model chooses the grid (within
        ``image_budget`` tokens).

        Raises:
            ValueError: the model produced no image row; or ``size`` is smaller than one code or needs more tokens
                than the model's ``max_length``.
        """
        self.eval()
        if seed is not None:
            torch.manual_seed(seed)
        image_ids = list(range(SPECIAL, self.vocab.char_offset))
        prefix = (self.vocab.text_tokens(text) + [SEP, SOR]) if text else [SOR]
        budget = self.gpt_config.image_budget
        stop = SEP if not text else EOS
        allowed: list[int] | Callable[[int], list[int]] = image_ids + [SOR, SEP, EOS]
        if size is not None:
            rows, cols = self.grid_for_size(size)
            need = len(prefix) + rows * (cols + 1)  # each row's codes, then SOR (the last row: the stop token)
            room = self.gpt_config.max_length - (0 if text else 1)  # an unconditional sample's caption needs EOS
            if need > room:
                raise ValueError(f"size {size[0]}x{size[1]} px is a grid of {rows} x {cols} codes: {need} tokens "
                                 f"with the prompt, more than the model's max_length {self.gpt_config.max_length}")
            budget = rows * (cols + 1)

            def on_grid(k: int) -> list[int]:  # the k-th new token: row k // (cols + 1), column k % (cols + 1)
                if k % (cols + 1) < cols:
                    return image_ids
                return [SOR] if k // (cols + 1) < rows - 1 else [stop]

            allowed = on_grid
        if self.gpt_config.pos2d:  # each new image token needs its row/column embedding: korocr's own loop
            toks = [SOR] + self._sample(prefix, budget, allowed, stop, temperature, top_k)
        else:
            ids = torch.tensor([prefix])
            gen = self.lm.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=budget, do_sample=True,
                                   temperature=temperature, top_k=top_k or None, eos_token_id=stop, pad_token_id=PAD,
                                   prefix_allowed_tokens_fn=lambda b, s: allowed(len(s) - len(prefix))
                                   if callable(allowed) else allowed)
            toks = gen[0, len(prefix) - 1:].tolist()
        codes = self.vocab.codes_from_tokens(toks)
        img = self.vqvae.decode(torch.from_numpy(codes)[None])[0, 0].cpu().numpy()
        caption = text or ""
        if not text:
            seq = self.vocab.image_tokens(codes) + [SEP]
            chars = list(range(self.vocab.char_offset, self.vocab.size)) + [EOS]
            n_new = self.gpt_config.max_length - len(seq)
            if self.gpt_config.pos2d:
                new = self._sample(seq, n_new, chars, EOS, greedy=True)
            else:
                new = self.lm.generate(torch.tensor([seq]), max_new_tokens=n_new, do_sample=False, eos_token_id=EOS,
                                       pad_token_id=PAD, prefix_allowed_tokens_fn=lambda b, s: chars
                                       )[0, len(seq):].tolist()
            caption = self.vocab.text_from_tokens(new)
        return ((img + 1) * 127.5).clip(0, 255).astype(np.uint8), caption

    def grid_for_size(self, size: tuple[int, int]) -> tuple[int, int]:
        """(rows, cols) of codes for an image of ``size`` (height, width) px: each side divided by the VQ-VAE's
        downsampling factor, rounded.

        Raises:
            ValueError: a side shorter than half a code.
        """
        f = self.vqvae.config.downsample
        rows, cols = round(size[0] / f), round(size[1] / f)
        if rows < 1 or cols < 1:
            raise ValueError(f"size {size[0]}x{size[1]} px is less than one {f} x {f} px code")
        return rows, cols

    @torch.no_grad()
    def _sample(self, prefix: list[int], max_new: int, allowed: list[int] | Callable[[int], list[int]], stop: int,
                temperature: float = 1.0, top_k: int = 0, greedy: bool = False) -> list[int]:
        """New tokens after ``prefix``, each embedded by :meth:`embed` over the whole sequence so far (so image
        tokens get their grid row and column), with GPT-2's key/value cache; only ``allowed`` ids (a list, or a
        function of the new token's index giving one), up to and including ``stop`` or ``max_new`` tokens.
        Sampling at ``temperature`` from the ``top_k`` (0: all), or greedy."""
        masks: dict[tuple[int, ...], torch.Tensor] = {}

        def mask(k: int) -> tuple[torch.Tensor, int]:
            ids = tuple(allowed(k) if callable(allowed) else allowed)
            if ids not in masks:
                m = torch.full((self.vocab.size,), float("-inf"))
                m[list(ids)] = 0.0
                masks[ids] = m
            return masks[ids], len(ids)

        seq = list(prefix)
        out = self.lm(inputs_embeds=self.embed(torch.tensor([seq])), use_cache=True)
        new: list[int] = []
        for k in range(max(0, max_new)):
            keep, n_allowed = mask(k)
            logits = out.logits[0, -1].float() + keep
            if greedy:
                t = int(logits.argmax())
            else:
                logits = logits / max(temperature, 1e-6)
                if top_k:
                    logits[logits < torch.topk(logits, min(top_k, n_allowed)).values[-1]] = float("-inf")
                t = int(torch.multinomial(torch.softmax(logits, -1), 1))
            new.append(t)
            seq.append(t)
            if t == stop:
                break
            out = self.lm(inputs_embeds=self.embed(torch.tensor([seq]))[:, -1:], past_key_values=out.past_key_values,
                          use_cache=True)
        return new

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
        if self.gpt_config.pos2d:
            torch.save({k: (v.half() if half else v).cpu() for k, v in
                        {"row": self.row_embed.weight, "col": self.col_embed.weight}.items()}, path / "pos2d.pt")
        if self.text_lm is not None:
            self.text_lm.save(path / TEXT_LM)
        if self.ctc_head is not None:
            torch.save({k: (v.half() if half else v).cpu() for k, v in self.ctc_head.state_dict().items()},
                       path / "ctc.pt")
        if self.code_stem is not None:
            torch.save({k: (v.half() if half else v).cpu() for k, v in self.code_stem.state_dict().items()},
                       path / "code_stem.pt")
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
        if model.gpt_config.pos2d:
            grid = torch.load(path / "pos2d.pt", map_location="cpu")
            model.row_embed.weight.data.copy_(grid["row"].float())
            model.col_embed.weight.data.copy_(grid["col"].float())
        if model.ctc_head is not None and (path / "ctc.pt").is_file():
            model.ctc_head.load_state_dict({k: v.float() for k, v in
                                            torch.load(path / "ctc.pt", map_location="cpu").items()})
        if model.code_stem is not None:
            model.code_stem.load_state_dict({k: v.float() for k, v in
                                             torch.load(path / "code_stem.pt", map_location="cpu").items()})
        if (path / TEXT_LM).is_file():
            from ....text.char_lm import CharNgramLM

            model.set_text_lm(CharNgramLM.load(path / TEXT_LM))
        return model.eval()


class _TextLMFusion:
    """A transformers logits processor: shallow fusion of a :class:`~korocr.text.char_lm.CharNgramLM` into the
    GPT-2's text tokens. Adds ``weight * log P_lm(char | context + the piece so far) + bonus`` to each character's
    log-probability (EOS and other tokens unchanged); ``context`` is the line's text before this piece."""

    def __init__(self, vocab: Vocabulary, lm, weight: float, bonus: float, context: str = ""):
        self.vocab, self.lm, self.weight, self.bonus = vocab, lm, weight, bonus
        self.context = lm.ids(context)
        self.n_chars = len(vocab.chars)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        scores = torch.log_softmax(scores.float(), -1)
        off = self.vocab.char_offset
        for b, row in enumerate(input_ids.tolist()):
            if SEP in row:  # generating after the prompt: only the tokens after SEP are this piece's text
                row = row[len(row) - row[::-1].index(SEP):]
            history = self.context + [t - off for t in row if t >= off]
            p = self.lm.probs(history)[:self.n_chars]
            fused = torch.from_numpy(self.weight * np.log(np.maximum(p, 1e-12)) + self.bonus).to(scores.dtype)
            scores[b, off:off + self.n_chars] += fused
        return scores


def split_batch(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A batch of sequences (N, L) of tokens, or (N, L, Q) of tokens with a residual VQ-VAE's further levels beside
    them (channel 0 the tokens, 1.. the levels, -1 where none: :meth:`~.tokens.Vocabulary.fine_codes`) →
    (tokens (N, L), levels (N, L, Q - 1) or None)."""
    if batch.dim() == 3:
        return batch[..., 0], batch[..., 1:]
    return batch, None


def lm_loss(model: InverseDalle, batch: torch.Tensor, image_weight: float) -> tuple[torch.Tensor, dict]:
    """Language-model loss over ``[image tokens] SEP [text] EOS`` sequences (N, L) (or (N, L, Q) with further code
    levels, :func:`split_batch`): cross-entropy of each next token, the image part (before SEP) weighted by
    ``image_weight``, PAD ignored; with a CTC head (``gpt_config.ctc_weight`` > 0), plus ``ctc_weight`` ×
    :meth:`InverseDalle.ctc_loss` (reported as ``ctc``) on reading sequences (drawing sequences, which start with
    text, get none)."""
    batch, fine = split_batch(batch)
    given = {"inputs_embeds": model.embed(batch, fine)} if model.gpt_config.pos2d else {"input_ids": batch}
    use_ctc = model.ctc_head is not None and model.gpt_config.ctc_weight > 0 and bool((batch[:, 0] == SOR).all())
    out = model.lm(**given, attention_mask=(batch != PAD).long(), output_hidden_states=use_ctc)
    logits = out.logits[:, :-1]
    target = batch[:, 1:]
    ce = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                                           reduction="none").view(target.shape)
    seen_sep = torch.cumsum((batch[:, :-1] == SEP).long(), 1) > 0  # target positions after the separator
    weight = torch.where(seen_sep, 1.0, image_weight) * (target != PAD)
    loss = (ce * weight).sum() / weight.sum().clamp(min=1)
    text_ce = (ce * seen_sep * (target != PAD)).sum() / (seen_sep * (target != PAD)).sum().clamp(min=1)
    metrics = {"text_ce": float(text_ce.detach())}
    if use_ctc:  # the states the last block attends to: the output of the block before it
        ctc = model.ctc_loss(out.hidden_states[-2], batch)
        loss = loss + model.gpt_config.ctc_weight * ctc
        metrics["ctc"] = float(ctc.detach())
    return loss, metrics
