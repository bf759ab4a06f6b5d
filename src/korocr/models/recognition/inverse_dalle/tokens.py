"""Dynamic shape encoding of Inverse DALL-E (after the Korean Inverse DALL-E OCR reference): an image becomes a
grid of VQ-VAE codes whose shape follows the image's aspect ratio, each row prefixed with a start-of-row token,
so horizontal lines and vertical columns both fit a fixed token budget without square padding and the model can
tell orientation from the row structure.

Vocabulary (one id space for the GPT-2): ``0`` PAD, ``1`` SOR (start of row), ``2`` SEP (image/text separator),
``3`` EOS, then ``codebook_size`` image codes, then the characters of the charset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ....text.charsets import decompose_hangul, nfc

PAD, SOR, SEP, EOS = 0, 1, 2, 3
SPECIAL = 4


def grid_for(height: int, width: int, budget: int) -> tuple[int, int]:
    """Rows and columns of codes for an image of ``height`` × ``width`` px within ``budget`` tokens
    (``rows × (cols + 1) ≤ budget``, one SOR per row): the grid whose aspect ratio is closest to the image's
    (log scale), the largest such grid on ties.

    Raises:
        ValueError: a budget below 2 or an empty image.
    """
    if budget < 2 or height <= 0 or width <= 0:
        raise ValueError(f"need budget >= 2 and a non-empty image, got {budget}, {height}x{width}")
    target = math.log(height / width)
    best, key = (1, 1), None
    for rows in range(1, budget // 2 + 1):
        cols = budget // rows - 1
        if cols < 1:
            break
        for c in {cols, max(1, int(round(rows / (height / width))))}:
            if c < 1 or rows * (c + 1) > budget:
                continue
            k = (round(abs(math.log(rows / c) - target), 3), -rows * c)
            if key is None or k < key:
                best, key = (rows, c), k
    return best


def grid_at_scale(height: int, width: int, across: int, budget: int) -> tuple[int, int]:
    """Rows and columns of codes at a fixed scale: a horizontal line (H ≤ W) gets ``across`` rows and as many
    columns as keep its aspect ratio, a vertical column ``across`` columns and as many rows; the budget
    (``rows × (cols + 1)``) caps the long side (a longer image is squeezed). Every character then spans about
    the same number of codes whatever the line's length, as a CRNN's fixed input height gives it.

    Raises:
        ValueError: ``across`` < 1, a budget too small for ``across`` rows or columns, or an empty image.
    """
    if across < 1 or budget < across * 2 or height <= 0 or width <= 0:
        raise ValueError(f"need across >= 1, budget >= 2 * across and a non-empty image, got {across}, {budget}, "
                         f"{height}x{width}")
    if height <= width:
        return across, min(max(1, int(round(across * width / height))), budget // across - 1)
    return min(max(1, int(round(across * height / width))), budget // (across + 1)), across


@dataclass
class Vocabulary:
    """Token ids of the image codes and the characters (see the module docstring)."""

    codebook_size: int
    chars: list[str]

    def __post_init__(self) -> None:
        self.char_offset = SPECIAL + self.codebook_size
        self._index = {c: self.char_offset + i for i, c in enumerate(self.chars)}
        # a conjoining-jamo charset (korocr's ``default-jamo``): syllables are spelled as jamo, read back with NFC
        self.jamo = any("\u1100" <= c <= "\u11ff" for c in self.chars) and \
            not any("\uac00" <= c <= "\ud7a3" for c in self.chars)

    @property
    def size(self) -> int:
        return self.char_offset + len(self.chars)

    def image_tokens(self, codes: np.ndarray) -> list[int]:
        """(rows, cols) code indices → ``[SOR c c ... SOR c c ...]``; residual codes (rows, cols, Q) give their
        first level (the further levels go beside the tokens, :meth:`fine_codes`)."""
        codes = np.asarray(codes)
        if codes.ndim == 3:
            codes = codes[..., 0]
        out: list[int] = []
        for row in codes:
            out.append(SOR)
            out += [SPECIAL + int(c) for c in row]
        return out

    def codes_from_tokens(self, tokens: list[int]) -> np.ndarray:
        """The inverse of :meth:`image_tokens` (stops at SEP/EOS/PAD; rows are cut to the shortest row).

        Raises:
            ValueError: no image row in the tokens.
        """
        rows: list[list[int]] = []
        for t in tokens:
            if t in (SEP, EOS, PAD):
                break
            if t == SOR:
                rows.append([])
            elif SPECIAL <= t < self.char_offset and rows:
                rows[-1].append(t - SPECIAL)
        rows = [r for r in rows if r]
        if not rows:
            raise ValueError("no image rows in the tokens")
        n = min(len(r) for r in rows)
        return np.array([r[:n] for r in rows], np.int64)

    def text_tokens(self, text: str) -> list[int]:
        """Characters → ids (characters outside the vocabulary are dropped; with a jamo charset, syllables are
        spelled as their conjoining jamo)."""
        if self.jamo:
            text = decompose_hangul(text)
        return [self._index[c] for c in text if c in self._index]

    def text_from_tokens(self, tokens: list[int]) -> str:
        out = []
        for t in tokens:
            if t in (EOS, PAD):
                break
            if t >= self.char_offset:
                out.append(self.chars[t - self.char_offset])
        return nfc("".join(out))

    def reading_sequence(self, codes: np.ndarray, text: str, max_length: int) -> list[int]:
        """``[image tokens] SEP [text] EOS``, padded with PAD to ``max_length``.

        Raises:
            SequenceTooLong: the image and the whole text do not fit in ``max_length`` tokens (nothing is cut:
                a cut text would teach the model to stop early, a cut image to read rows it never saw).
        """
        img, txt = self.image_tokens(codes), self.text_tokens(text)
        seq = img + [SEP] + txt + [EOS]
        _check_fits(len(seq), len(img), len(txt), max_length)
        return seq + [PAD] * (max_length - len(seq))

    def fine_codes(self, codes: np.ndarray, length: int, start: int = 0) -> np.ndarray:
        """The further levels of residual codes ``codes`` (rows, cols, Q), laid out beside the tokens of
        :meth:`image_tokens` placed at ``start`` in a sequence of ``length`` tokens: (length, Q - 1) int64, each
        image code's levels 1..Q-1 at its token's position, -1 everywhere else (start-of-row, text, special and
        padding tokens).

        Raises:
            ValueError: ``codes`` is not (rows, cols, Q) with Q >= 2, or its tokens do not fit in ``length``.
        """
        codes = np.asarray(codes)
        if codes.ndim != 3 or codes.shape[-1] < 2:
            raise ValueError(f"fine_codes needs residual codes (rows, cols, Q >= 2), got shape {codes.shape}")
        rows, cols, q = codes.shape
        if start + rows * (cols + 1) > length:
            raise ValueError(f"{rows} x {cols} codes at position {start} do not fit in {length} tokens")
        out = np.full((length, q - 1), -1, np.int64)
        pos = start + (np.arange(rows)[:, None] * (cols + 1) + 1 + np.arange(cols)[None, :])
        out[pos.reshape(-1)] = codes[..., 1:].reshape(-1, q - 1)
        return out

    def drawing_sequence(self, codes: np.ndarray, text: str, max_length: int) -> list[int]:
        """``[text] SEP [image tokens] EOS`` (text-to-image), padded to ``max_length``.

        Raises:
            SequenceTooLong: as :meth:`reading_sequence`.
        """
        img, txt = self.image_tokens(codes), self.text_tokens(text)
        seq = txt + [SEP] + img + [EOS]
        _check_fits(len(seq), len(img), len(txt), max_length)
        return seq + [PAD] * (max_length - len(seq))


class SequenceTooLong(ValueError):
    """An image's tokens and its text do not fit in the model's sequence length."""


def _check_fits(n: int, n_image: int, n_text: int, max_length: int) -> None:
    if n > max_length:
        raise SequenceTooLong(f"sequence of {n} tokens (image {n_image}, text {n_text}, 2 separators) is longer "
                              f"than max_length {max_length}: lower the image budget or the characters per line")
