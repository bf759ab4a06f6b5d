"""Recognition metrics: character error rate (CER) and accuracy.

CER = Levenshtein distance(prediction, reference) / len(reference), on NFC text (syllables count as one
character each).  ``ignore_space=True`` removes all whitespace from both strings first, the usual choice for
Korean where spacing (띄어쓰기) is often ambiguous; both variants are reported by ``korocr eval``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from rapidfuzz.distance import Levenshtein

from ..text.charsets import nfc


def _prep(s: str, ignore_space: bool) -> str:
    s = nfc(s)
    return "".join(s.split()) if ignore_space else " ".join(s.split())


def edit_distance(pred: str, ref: str, ignore_space: bool = False) -> int:
    """Levenshtein distance between NFC-normalised strings (runs of whitespace collapsed to one space)."""
    return Levenshtein.distance(_prep(pred, ignore_space), _prep(ref, ignore_space))


def cer(pred: str, ref: str, ignore_space: bool = False) -> float:
    """Character error rate of one prediction; an empty reference gives 0 if the prediction is empty, else 1."""
    r = _prep(ref, ignore_space)
    d = edit_distance(pred, ref, ignore_space)
    if not r:
        return 0.0 if d == 0 else 1.0
    return d / len(r)


@dataclass
class CERAccumulator:
    """Corpus-level CER (total edits / total reference characters) and exact-match accuracy."""

    edits: int = 0
    edits_nospace: int = 0
    chars: int = 0
    chars_nospace: int = 0
    correct: int = 0
    correct_nospace: int = 0
    n: int = 0

    def update(self, pred: str, ref: str) -> None:
        self.edits += edit_distance(pred, ref)
        self.edits_nospace += edit_distance(pred, ref, ignore_space=True)
        self.chars += len(_prep(ref, False))
        self.chars_nospace += len(_prep(ref, True))
        self.correct += _prep(pred, False) == _prep(ref, False)
        self.correct_nospace += _prep(pred, True) == _prep(ref, True)
        self.n += 1

    def update_many(self, preds: Iterable[str], refs: Iterable[str]) -> None:
        for p, r in zip(preds, refs):
            self.update(p, r)

    @property
    def cer(self) -> float:
        return self.edits / max(1, self.chars)

    @property
    def cer_nospace(self) -> float:
        return self.edits_nospace / max(1, self.chars_nospace)

    @property
    def accuracy(self) -> float:
        return self.correct / max(1, self.n)

    @property
    def accuracy_nospace(self) -> float:
        return self.correct_nospace / max(1, self.n)

    def as_dict(self) -> dict:
        return {"n": self.n, "cer": self.cer, "cer_nospace": self.cer_nospace, "accuracy": self.accuracy,
                "accuracy_nospace": self.accuracy_nospace}
