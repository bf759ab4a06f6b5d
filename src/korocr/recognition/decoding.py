"""CTC decoding in numpy (no torch), with confidences.

Greedy (best-path) decoding, Graves et al., "Connectionist Temporal Classification", ICML 2006: take the
most probable class per time step, merge repeats, drop blanks (class 0).  A character's confidence is the
highest probability over the time steps that produced it; the line confidence is the mean of its characters'
confidences (PaddleOCR's convention; 1.0 for an empty line only if the blank dominated).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Decoded:
    text: str
    confidence: float
    char_confidences: list[float] = field(default_factory=list)
    # time-step span [start, end) of each character, for positions inside the line
    spans: list[tuple[int, int]] = field(default_factory=list)
    # width of one time step in px of the input line image (set by the recogniser; 0 = unknown)
    step_px: float = 0.0
    # x (px) in the input line image of time step 0 (non-zero when preprocessing re-cropped the line)
    offset_px: float = 0.0


def ctc_greedy_decode(probs: np.ndarray, chars: list[str], lengths: np.ndarray | None = None) -> list[Decoded]:
    """Decode a batch of CTC posteriors.

    Args:
        probs: (N, T, C) class probabilities (softmax applied), class 0 = blank, class i = ``chars[i - 1]``.
        chars: the charset.
        lengths: valid time steps per item (N,); the rest (padding) is ignored.

    Returns:
        One :class:`Decoded` per item.
    """
    n, t, _ = probs.shape
    best = probs.argmax(-1)
    best_p = np.take_along_axis(probs, best[..., None], -1)[..., 0]
    out = []
    for i in range(n):
        L = int(lengths[i]) if lengths is not None else t
        text, confs, spans = [], [], []
        prev = 0
        for s in range(L):
            k = int(best[i, s])
            if k != 0 and k != prev:
                text.append(chars[k - 1])
                confs.append(float(best_p[i, s]))
                spans.append((s, s + 1))
            elif k != 0 and k == prev:
                confs[-1] = max(confs[-1], float(best_p[i, s]))
                spans[-1] = (spans[-1][0], s + 1)
            prev = k
        conf = float(np.mean(confs)) if confs else float(best_p[i, :L].mean()) if L else 0.0
        out.append(Decoded("".join(text), conf, confs, spans))
    return out


def _is_initial(c: str) -> bool:
    return "\u1100" <= c <= "\u1112"


def _is_medial(c: str) -> bool:
    return "\u1161" <= c <= "\u1175"


def _is_final(c: str) -> bool:
    return "\u11a8" <= c <= "\u11c2"


def _syllable_end(text: str, i: int) -> int:
    """End (exclusive) of the syllable starting at ``text[i]``: initial + medial (+ final), else ``i + 1``."""
    n, j = len(text), i + 1
    if _is_initial(text[i]) and j < n and _is_medial(text[j]):
        j += 1
        if j < n and _is_final(text[j]):
            j += 1
    return j


def repair_orphan_jamo(d: Decoded, probs: np.ndarray, chars: list[str]) -> Decoded:
    """Replace conjoining jamo that cannot form a syllable (a vowel with no initial before it, a final after no
    vowel, an initial with no vowel after it) by the best non-jamo reading of the same time steps, or drop them
    when the blank is more probable there. A jamo-output CTC model reads a Latin ``l`` as the vowel ``ㅣ`` or ``J``
    as ``ㄱ``; such a lone jamo is never what a line says.

    Args:
        d: a greedy decoding over conjoining jamo (not yet composed), with its ``spans``.
        probs: (T, C) the posteriors it was decoded from, class 0 = blank, class i = ``chars[i - 1]``.
        chars: the charset.
    """
    text = d.text
    if not d.spans or not any("\u1100" <= c <= "\u11ff" for c in text):
        return d
    allowed = np.array([True] + [not ("\u1100" <= c <= "\u11ff") for c in chars])
    out_t, out_c, out_s = [], [], []
    i = 0
    while i < len(text):
        j = _syllable_end(text, i)
        if j == i + 1 and "\u1100" <= text[i] <= "\u11ff":  # an orphan jamo
            a, b = d.spans[i]
            scores = np.where(allowed, probs[a:b].max(0), -1.0)
            k = int(scores.argmax())
            if k != 0:
                out_t.append(chars[k - 1])
                out_c.append(float(scores[k]))
                out_s.append((a, b))
        else:
            out_t += text[i:j]
            out_c += d.char_confidences[i:j]
            out_s += d.spans[i:j]
        i = j
    conf = float(np.mean(out_c)) if out_c else d.confidence
    return Decoded("".join(out_t), conf, out_c, out_s, d.step_px)


def compose_jamo(d: Decoded) -> Decoded:
    """Compose a decoding over conjoining jamo into NFC syllables, keeping one confidence (the lowest of its jamo)
    and one time-step span (from its first to its last jamo) per output character.

    A syllable is an initial consonant (U+1100–1112) followed by a vowel (U+1161–1175) and optionally a final
    consonant (U+11A8–11C2), the composition rule of Unicode (§3.12 "Conjoining Jamo Behavior"); jamo that do
    not form a syllable are kept as they are.
    """
    import unicodedata

    text, confs, spans = d.text, d.char_confidences, d.spans
    if not any("\u1100" <= c <= "\u11ff" for c in text):
        return d
    out_t, out_c, out_s = [], [], []
    i, n = 0, len(text)
    while i < n:
        j = _syllable_end(text, i)
        out_t.append(unicodedata.normalize("NFC", text[i:j]))
        if confs:
            out_c.append(min(confs[i:j]))
        if spans:
            out_s.append((spans[i][0], spans[j - 1][1]))
        i = j
    conf = float(np.mean(out_c)) if out_c else d.confidence
    return Decoded("".join(out_t), conf, out_c, out_s, d.step_px)
