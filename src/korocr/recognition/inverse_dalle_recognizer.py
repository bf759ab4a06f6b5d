"""Text-line recognition with an Inverse DALL-E model directory (needs torch, transformers and
vector-quantize-pytorch: ``korocr[train]``). Vertical columns are read as they are, without unstacking: the
model tells orientation from the shape of its token grid."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from ..text.charsets import nfc
from .decoding import Decoded


class InverseDalleRecognizer:
    """``recognize(lines)`` like the other recognisers; greedy (``num_beams=1``) or beam decoding (default: the
    model's ``num_beams`` in ``korocr_inverse_dalle.json``). A model directory
    with a ``text_lm.npz`` fuses that character language model into the decoding at its stored weight;
    ``lm_weight`` overrides it (0: off)."""

    reads_vertical = True

    def __init__(self, path: str | Path, threads: int | None = None, batch_size: int = 32,
                 num_beams: int | None = None, lm_weight: float | None = None, **_):
        import torch

        from ..models.recognition.inverse_dalle import InverseDalle

        if threads:
            torch.set_num_threads(threads)
        self.model = InverseDalle.load(path)
        self.num_beams, self.lm_weight = num_beams, lm_weight
        self.path = Path(path)

    def recognize(self, lines: Sequence[np.ndarray]) -> list[Decoded]:
        return [Decoded(nfc(t), c) for t, c in self.model.read(list(lines), num_beams=self.num_beams,
                                                                       lm_weight=self.lm_weight)]
