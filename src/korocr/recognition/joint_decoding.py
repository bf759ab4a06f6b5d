"""Joint CTC/attention beam search for encoder-decoder recognisers whose encoder also has a CTC head.

Each hypothesis is scored by ``λ · log p_ctc(prefix) + (1 − λ) · log p_att(prefix)``: the attention decoder
proposes the next tokens (its ``pre_beam`` best), the CTC prefix probability of each extended prefix is computed
exactly over the encoder's frames, and the ``beam`` best joint scores go on. CTC keeps the decoder from dropping,
repeating or swapping words (it must explain every frame, monotonically); the decoder adds its language model.
Sources: Watanabe et al., "Hybrid CTC/Attention Architecture for End-to-End Speech Recognition" (IEEE JSTSP 2017),
Algorithm 2 (CTC prefix score); ESPnet's ``CTCPrefixScore``. Hypotheses end with ``</s>``, whose CTC score is the
probability of the whole frame sequence given the prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .decoding import _is_final, _is_initial, _is_medial  # the jamo ranges of the CTC decoder's syllables

NEG = -1e30


def token_to_ctc_map(vocab: list[str], ctc_chars: list[str]) -> np.ndarray:
    """(V,) int array: the CTC class (1-based; 0 is the blank) of each decoder token, -1 where the CTC head has
    no such character (special tokens, characters outside its charset)."""
    index = {c: i + 1 for i, c in enumerate(ctc_chars)}
    return np.array([index.get(t, -1) for t in vocab], np.int64)


OTHER, LEAD, VOWEL, TAIL = 0, 1, 2, 3  # token classes of :func:`jamo_classes`


def jamo_classes(vocab: list[str]) -> np.ndarray:
    """(V,) int array: the conjoining-jamo class of each decoder token: :data:`LEAD` (initial consonants
    U+1100–1112), :data:`VOWEL` (medial vowels U+1161–1175), :data:`TAIL` (final consonants U+11A8–11C2),
    :data:`OTHER` for everything else (syllable-free text, compatibility jamo such as ㅋ, special tokens)."""
    def cls(t: str) -> int:
        if len(t) != 1:
            return OTHER
        return LEAD if _is_initial(t) else VOWEL if _is_medial(t) else TAIL if _is_final(t) else OTHER
    return np.array([cls(t) for t in vocab], np.int64)


def _syllable_masks(classes: np.ndarray) -> dict[int, np.ndarray]:
    """For the class of a hypothesis's last token, the (V,) tokens that may follow it in a well-formed spelling of
    Hangul syllables (Unicode §3.12, "Conjoining Jamo Behavior": initial, vowel, optional final): after an
    initial only a vowel; a vowel only after an initial; a final only after a vowel."""
    lead_ok = classes != VOWEL
    return {OTHER: lead_ok & (classes != TAIL), TAIL: lead_ok & (classes != TAIL),
            LEAD: classes == VOWEL, VOWEL: lead_ok}


@dataclass
class _Hyp:
    tokens: list[int]
    att: float
    psi: float                      # log CTC prefix probability of tokens[1:]
    r_n: np.ndarray                 # (T,) log prob of the prefix ending in a non-blank at frame t
    r_b: np.ndarray                 # (T,) ... ending in a blank at frame t
    last: int = -1                  # CTC class of the last token (-1: none)
    token_logp: list[float] = field(default_factory=list)
    parent: int = 0                 # index of the hypothesis it extends in the previous step's list


def ctc_prefix_extend(x: np.ndarray, r_n: np.ndarray, r_b: np.ndarray, last: np.ndarray, classes: np.ndarray,
                      empty: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extend K prefixes by one CTC class each (Watanabe et al. 2017, Algorithm 2), all in one pass over the frames.

    Args:
        x: (T, C) CTC log-probabilities (class 0 = blank).
        r_n, r_b: (T, K) forward variables (non-blank / blank ending) of the prefix each extension starts from.
        last: (K,) CTC class of that prefix's last character (-1 for none).
        classes: (K,) classes to append.
        empty: the prefixes are empty (the new character may start at frame 0).

    Returns:
        (psi (K,) log prefix probabilities, r_n (T, K), r_b (T, K)) of the extended prefixes.
    """
    T, K = x.shape[0], len(classes)
    xs = x[:, classes]                                  # (T, K)
    phi = np.where((classes == last)[None, :], r_b, np.logaddexp(r_n, r_b))
    new_n = np.full((T, K), NEG)
    new_b = np.full((T, K), NEG)
    if empty:
        new_n[0] = xs[0]
    psi = new_n[0].copy()
    blank = x[:, 0]
    # before the first frame at which any of the prefixes can be complete, every forward variable stays NEG
    live = np.nonzero((phi > NEG / 2).any(1))[0]
    start = 1 if empty or not len(live) else max(1, int(live[0]) + 1)
    for t in range(start, T):
        new_n[t] = np.logaddexp(new_n[t - 1], phi[t - 1]) + xs[t]
        new_b[t] = np.logaddexp(new_b[t - 1], new_n[t - 1]) + blank[t]
    # psi: the new character ends at some frame t and nothing decided after it
    psi = np.logaddexp(psi, np.logaddexp.reduce(phi[:-1] + xs[1:], axis=0)) if T > 1 else psi
    return psi, new_n, new_b


def joint_beam_search(step_logp, ctc_logp: np.ndarray, tok2ctc: np.ndarray, start_id: int, eos_id: int,
                      beam: int = 4, ctc_weight: float = 0.5, pre_beam: int = 8, max_length: int = 128,
                      ctc_window: int | None = 3, token_classes: np.ndarray | None = None
                      ) -> tuple[list[int], float, list[float]]:
    """Joint CTC/attention beam search for one line.

    Args:
        step_logp: callable(token-id lists (all the same length), parents) → (B, V) numpy log-probabilities of
            the next token (the attention decoder); ``parents[i]`` is the index, in the previous call's lists, of
            the hypothesis list ``i`` extends (``None`` on the first call), so a decoder can reorder its cache.
        ctc_logp: (T, C) CTC log-probabilities of the line's frames (class 0 = blank).
        tok2ctc: (V,) :func:`token_to_ctc_map`.
        start_id, eos_id: decoder start and end-of-sequence tokens.
        beam: hypotheses kept per step; pre_beam: decoder proposals scored by CTC per hypothesis.
        ctc_weight: λ in [0, 1] (0: attention only; 1: CTC only, the decoder still proposes).
        max_length: most tokens.
        ctc_window: CTC's own proposals for a hypothesis of n tokens are the characters n - ctc_window to
            n + ctc_window - 1 of CTC's greedy reading (those it may be about to read, allowing for a few dropped
            or inserted); ``None``: every character CTC reads best at some frame, for every hypothesis.
        token_classes: (V,) :func:`jamo_classes` of a decoder over conjoining jamo: only well-formed syllables
            are spelled (no vowel or final without what must come before it, no initial left without a vowel,
            which NFC would leave as lone jamo: a Latin ``l`` read as the vowel ``ᅵ``), as the CTC decoder's
            :func:`~korocr.recognition.decoding.repair_orphan_jamo` does for its own readings. ``None``: no constraint.

    Returns:
        (token ids without the start and end tokens, joint score per token, attention log-probability of each
        emitted token).
    """
    T = ctc_logp.shape[0]
    r_b0 = np.cumsum(ctc_logp[:, 0])
    # tokens CTC itself proposes: the characters of its greedy reading (best non-blank class of each run of
    # frames), those near the hypothesis's own position in it (the decoder's top pre_beam are added too)
    ctc2tok = {int(k): t for t, k in enumerate(tok2ctc) if k >= 0}
    best = ctc_logp.argmax(1)
    runs = [int(k) for i, k in enumerate(best) if k != 0 and (i == 0 or best[i - 1] != k)]
    greedy = [ctc2tok[k] for k in runs if k in ctc2tok]
    # runs the blank wins can still hide a character: the best non-blank class of every frame, as a fallback
    seen = [ctc2tok[int(k)] for k in np.unique(ctc_logp[:, 1:].argmax(1) + 1) if int(k) in ctc2tok]

    def ctc_tokens(n: int) -> list[int]:
        if ctc_window is None:
            return seen
        near = greedy[max(0, n - ctc_window):n + ctc_window]
        return near if near else seen
    masks = _syllable_masks(token_classes) if token_classes is not None else None
    hyps = [_Hyp([start_id], 0.0, 0.0, np.full(T, NEG), r_b0, -1)]
    ended: list[tuple[float, _Hyp]] = []
    lam = float(ctc_weight)
    for step in range(max_length):
        logp = step_logp([h.tokens for h in hyps], None if step == 0 else [h.parent for h in hyps])  # (B, V)
        cands: list[tuple[float, _Hyp]] = []
        ext: list[tuple[int, int]] = []                             # (hypothesis, token) to score with CTC
        for b, h in enumerate(hyps):
            ok = masks[int(token_classes[h.tokens[-1]])] if masks is not None else None
            lp = logp[b] if ok is None else np.where(ok, logp[b], -np.inf)
            top = dict.fromkeys([*np.argsort(-lp)[:pre_beam].tolist(), *ctc_tokens(len(h.tokens) - 1)])
            for c in top:
                c = int(c)
                if c == eos_id or (ok is not None and not ok[c]):
                    continue
                if tok2ctc[c] >= 0:
                    ext.append((b, c))
            if ok is not None and not ok[eos_id]:
                continue  # an initial without its vowel cannot end the line
            # ending is always considered: CTC says whether the frames are used up
            att = h.att + float(logp[b, eos_id])
            ctc = float(np.logaddexp(h.r_n[-1], h.r_b[-1]))
            ended.append(((1 - lam) * att + lam * ctc, _Hyp(h.tokens, att, ctc, h.r_n, h.r_b, h.last, h.token_logp)))
        if ext:
            hb = [b for b, _ in ext]
            cls = tok2ctc[[c for _, c in ext]]
            psi, rn, rb = ctc_prefix_extend(ctc_logp, np.stack([hyps[b].r_n for b in hb], 1),
                                            np.stack([hyps[b].r_b for b in hb], 1),
                                            np.array([hyps[b].last for b in hb]), cls, len(hyps[0].tokens) == 1)
            for j, (b, c) in enumerate(ext):
                h = hyps[b]
                att = h.att + float(logp[b, c])
                nh = _Hyp(h.tokens + [c], att, float(psi[j]), rn[:, j], rb[:, j], int(cls[j]),
                          h.token_logp + [float(logp[b, c])], b)
                cands.append(((1 - lam) * att + lam * nh.psi, nh))
        cands.sort(key=lambda s: -s[0])
        hyps = [h for _, h in cands[:beam]]
        if not hyps:
            break
        # stop when no live hypothesis can beat the best ended one (scores only fall as tokens are added)
        if ended and max(s for s, _ in ended) >= cands[0][0]:
            break
    if not ended:
        ended = [((1 - lam) * h.att + lam * h.psi, h) for h in hyps]
    score, best = max(ended, key=lambda s: s[0])
    return best.tokens[1:], score / max(1, len(best.tokens)), best.token_logp
