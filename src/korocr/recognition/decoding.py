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
        j = i + 1
        if "\u1100" <= text[i] <= "\u1112" and j < n and "\u1161" <= text[j] <= "\u1175":
            j += 1
            if j < n and "\u11a8" <= text[j] <= "\u11c2":
                j += 1
        out_t.append(unicodedata.normalize("NFC", text[i:j]))
        if confs:
            out_c.append(min(confs[i:j]))
        if spans:
            out_s.append((spans[i][0], spans[j - 1][1]))
        i = j
    conf = float(np.mean(out_c)) if out_c else d.confidence
    return Decoded("".join(out_t), conf, out_c, out_s, d.step_px)
