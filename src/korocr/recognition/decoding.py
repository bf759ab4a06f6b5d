"""CTC decoding in numpy (no torch), with confidences.

Greedy (best-path) decoding, Graves et al., "Connectionist Temporal Classification", ICML 2006: take the
most probable class per time step, merge repeats, drop blanks (class 0).  A character's confidence is the
highest probability over the time steps that produced it; the line confidence is the mean of its characters'
confidences (PaddleOCR's convention; 1.0 for an empty line only if the blank dominated).
Prefix beam search (:func:`ctc_beam_decode`, the recognisers' default): the most probable labelling instead.
"""

from __future__ import annotations

from collections.abc import Callable

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
    allowed = None  # the classes that are not jamo, made when the first orphan is found
    out_t, out_c, out_s = [], [], []
    i = 0
    while i < len(text):
        j = _syllable_end(text, i)
        if j == i + 1 and "\u1100" <= text[i] <= "\u11ff":  # an orphan jamo
            a, b = d.spans[i]
            if allowed is None:
                allowed = np.array([True] + [not ("\u1100" <= c <= "\u11ff") for c in chars])
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


def ctc_beam_decode(probs: np.ndarray, chars: list[str], beam_width: int = 8, blank_sure: float = 0.99,
                    certain: float = 0.98, prune: float = 1e-3,
                    extension_weight: Callable[[tuple[int, ...], int], float] | None = None) -> Decoded:
    """Decode one line's CTC posteriors by prefix beam search: the most probable *labelling* (summed over all
    its alignments) instead of the labelling of the most probable path (greedy). Hannun et al., "First-Pass Large
    Vocabulary Continuous Speech Recognition using Bi-Directional Recurrent DNNs" (2014), §3.1, with no language
    model; the CTC labelling probability of Graves et al. (2006).

    Where one character's probability is spread over neighbouring frames (a space 0.4 in each of two frames,
    blank 0.6 in each), greedy drops it and the labelling probability keeps it (1 - 0.6² = 0.64).

    The line is cut at frames whose blank probability is at least ``blank_sure``; those frames (nearly) never emit,
    so each piece between them is searched on its own, and a piece in which every frame has one class at
    ``certain`` or more is read greedily (its best path carries nearly all of its probability). In each frame only
    classes with probability ``prune`` or more extend a prefix. Characters the search changed are aligned to their
    frames by Viterbi forced alignment, which gives ``spans`` and ``char_confidences`` as
    :func:`ctc_greedy_decode` does (the highest probability over a character's frames); a character whose frames
    all stay under 0.5 (found only by summing them) gets the probability that it is emitted in some frame between
    its neighbours, 1 - Π(1 - p).

    Args:
        probs: (T, C) class probabilities of one line (softmax applied), class 0 = blank.
        chars: the charset, class i = ``chars[i - 1]``.
        beam_width: prefixes kept per frame.
        extension_weight: ``f(history, c)``, a factor on every extension of a prefix by class ``c`` after the
            classes ``history`` (the line so far): shallow fusion of a language model, P_lm(c | history)^α
            (Hannun et al. 2014, §3.1). Pieces read greedily are not re-weighted. None: no language model.

    Returns:
        One :class:`Decoded`; the line confidence is the mean of the character confidences, as in greedy decoding.
    """
    t_len = probs.shape[0]
    if t_len == 0:
        return Decoded("", 0.0)
    best_class = probs.argmax(1)
    top = probs[np.arange(t_len), best_class]
    cut = probs[:, 0] >= blank_sure
    arg = best_class.tolist()
    labels: list[int] = []
    confs: list[float] = []
    spans: list[tuple[int, int]] = []
    doubt = top < certain
    top_list = top.tolist()
    runs = np.flatnonzero(np.diff(np.concatenate(([0], (~cut).astype(np.int8), [0]))))  # pieces: [start, end)
    for t, end in zip(runs[0::2].tolist(), runs[1::2].tolist()):
        piece = probs[t:end]
        seq = arg[t:end]
        greedy = [(k, i) for i, k in enumerate(seq) if k != 0 and (i == 0 or k != seq[i - 1])]
        best = [k for k, _ in greedy]
        on_path = True
        if doubt[t:end].any():  # some frame in doubt: the best labelling may differ from the best path
            cand: list[list[int]] = [[] for _ in range(end - t)]  # non-blank classes at ``prune`` or more
            # (only in such pieces: the scan is most of the cost; one flat scan of the contiguous rows is about
            # twice as fast as np.nonzero of the column slice without the blank)
            rows, cols = np.divmod(np.flatnonzero(piece >= prune), piece.shape[1])
            for r, c in zip(rows.tolist(), cols.tolist()):
                if c:
                    cand[r].append(c)
            found = _prefix_beam(piece, cand, beam_width, prune, extension_weight, tuple(labels))
            on_path = found == best
            best = found
        if on_path:  # the best path's own frames, where each character is the frame's best class
            where = [(i, i + next((j for j, x in enumerate(seq[i:]) if x != k), len(seq) - i)) for k, i in greedy]
        else:
            where = _align(piece, best)
        for j, (k, (a, b)) in enumerate(zip(best, where)):
            c = max(top_list[t + a:t + b]) if on_path else float(piece[a:b, k].max())
            if c < 0.5:  # found by summing frames: the chance it is emitted between its neighbours
                lo = where[j - 1][1] if j else 0
                hi = where[j + 1][0] if j + 1 < len(where) else len(piece)
                c = max(c, float(1.0 - np.prod(1.0 - piece[lo:hi, k])))
            labels.append(k)
            confs.append(c)
            spans.append((t + a, t + b))
    conf = float(np.mean(confs)) if confs else float(top.mean())
    return Decoded("".join(chars[k - 1] for k in labels), conf, confs, spans)


def _prefix_beam(probs: np.ndarray, cand: list[list[int]], beam_width: int, prune: float,
                 weight: Callable[[tuple[int, ...], int], float] | None = None,
                 context: tuple[int, ...] = ()) -> list[int]:
    """The best labelling (class ids, no blanks) of ``probs`` (T, C) by CTC prefix beam search, extending prefixes
    by the non-blank classes ``cand[t]`` of each frame. Prefixes less than ``prune`` times as probable as the best
    are dropped (where one reading dominates, one prefix is carried); probabilities are rescaled every frame (the
    ranking is unchanged) so long pieces do not underflow. ``weight(context + prefix, c)``, if given, multiplies
    each extension by a new class (``ctc_beam_decode``'s ``extension_weight``)."""
    blank = probs[:, 0].tolist()
    beams: dict[tuple[int, ...], list[float]] = {(): [1.0, 0.0]}  # prefix -> [ends in blank, ends in its last]
    for t, row in enumerate(probs):
        new: dict[tuple[int, ...], list[float]] = {}
        pblank = blank[t]
        classes = [(c, float(row[c])) for c in cand[t]]
        for prefix, (pb, pnb) in beams.items():
            tot = pb + pnb
            cur = new.setdefault(prefix, [0.0, 0.0])
            cur[0] += tot * pblank
            last = prefix[-1] if prefix else -1
            for c, p in classes:
                w = p if weight is None else p * weight(context + prefix, c)  # the collapse below is not new
                ext = new.setdefault(prefix + (c,), [0.0, 0.0])
                if c == last:
                    ext[1] += pb * w  # the same character again needs a blank between
                    cur[1] += pnb * p  # a repeat collapses into the last one
                else:
                    ext[1] += tot * w
        if len(new) > 1:
            ranked = sorted(new.items(), key=lambda kv: kv[1][0] + kv[1][1], reverse=True)[:beam_width]
            top = ranked[0][1][0] + ranked[0][1][1] or 1.0
            beams = {k: [v[0] / top, v[1] / top] for k, v in ranked if v[0] + v[1] >= prune * top}
        else:
            beams = {k: [v[0] / (v[0] + v[1] or 1.0), v[1] / (v[0] + v[1] or 1.0)] for k, v in new.items()}
    return list(max(beams.items(), key=lambda kv: kv[1][0] + kv[1][1])[0])


def _align(probs: np.ndarray, labels: list[int]) -> list[tuple[int, int]]:
    """Frames [start, end) of each label in the most probable CTC path that spells ``labels`` over ``probs``
    (T, C): Viterbi over the 2L + 1 states blank, l1, blank, l2, ..., blank."""
    if not labels:
        return []
    n_t = probs.shape[0]
    ext = np.array([0] + [x for k in labels for x in (k, 0)])
    n_s = len(ext)
    logp = np.log(np.maximum(probs[:, ext], 1e-30))  # (T, S)
    skip = np.zeros(n_s, bool)  # a label state may be reached from two states back (over a blank)
    skip[3::2] = ext[3::2] != ext[1:-2:2]
    score = np.full(n_s, -np.inf)
    score[0] = logp[0, 0]
    score[1] = logp[0, 1]
    back = np.zeros((n_t, n_s), np.int64)
    idx = np.arange(n_s)
    for t in range(1, n_t):
        stay, step = score, np.concatenate([[-np.inf], score[:-1]])
        jump = np.where(skip, np.concatenate([[-np.inf, -np.inf], score[:-2]]), -np.inf)
        choice = np.stack([stay, step, jump])
        arg = choice.argmax(0)
        score = choice[arg, idx] + logp[t]
        back[t] = idx - arg
    s = n_s - 1 if n_s < 2 or score[-1] >= score[-2] else n_s - 2
    path = np.empty(n_t, np.int64)
    for t in range(n_t - 1, -1, -1):
        path[t] = s
        s = back[t, s]
    out = []
    for j in range(len(labels)):
        frames = np.flatnonzero(path == 2 * j + 1)
        out.append((int(frames[0]), int(frames[-1]) + 1) if len(frames) else (0, 1))
    return out
