"""A character n-gram language model for shallow fusion in attention decoders (Inverse DALL-E's GPT-2).

The model counts n-grams of a symbol list (korocr's charset: with ``default-jamo`` the conjoining jamo, so Hangul
syllables are spelled as 2-3 symbols, as the decoder writes them) plus an end-of-line symbol, and smooths them by
interpolated Witten-Bell discounting (Witten & Bell 1991; Chen & Goodman 1999, "An empirical study of smoothing
techniques for language modeling", §2.6): for a history ``h`` of length k with ``c(h)`` tokens and ``T(h)``
distinct followers,

    P_k(w | h) = (c(h w) + T(h) P_{k-1}(w | h')) / (c(h) + T(h)),   h' = h without its first symbol,

down to an add-one unigram. A decoder adds ``weight * log P(w | history)`` (and ``bonus`` per symbol, to offset the
penalty every symbol pays) to its own log-probabilities: shallow fusion (Gulcehre et al. 2015; Hannun et al. 2014
§3.1 for the length bonus).

Counts are kept as sorted int64 keys (a history and its follower in base ``V + 2``), so an n-gram of up to
:data:`MAX_ORDER` symbols fits one integer and a lookup is a binary search. n-grams of order >= 3 seen fewer than
``min_count`` times are dropped (the file stays small); the lower orders keep every count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .charsets import Charset, decompose_hangul, nfc

MAX_ORDER = 7  # (V + 2) ** 7 < 2 ** 63 for V up to about 500 symbols


class CharNgramLM:
    """An interpolated Witten-Bell character n-gram model over ``symbols`` (+ end of line).

    Args:
        symbols: the vocabulary (one character each); symbol ``i`` is id ``i``, id ``len(symbols)`` is the end of a
            line (:attr:`eol`), ``len(symbols) + 1`` pads the start of a line.
        order: n-gram order (history of ``order - 1`` symbols), 1 to :data:`MAX_ORDER`.
        weight, bonus: the fusion settings a decoder uses by default (stored with the model).

    Raises:
        ValueError: an order outside 1..MAX_ORDER, or too many symbols for the integer keys.
    """

    def __init__(self, symbols: Sequence[str], order: int = 6, weight: float = 0.3, bonus: float = 0.0):
        if not 1 <= order <= MAX_ORDER:
            raise ValueError(f"CharNgramLM order {order}: must be 1..{MAX_ORDER}")
        self.symbols = list(symbols)
        self.base = len(self.symbols) + 2
        if float(self.base) ** MAX_ORDER >= 2.0 ** 63:
            raise ValueError(f"CharNgramLM: {len(self.symbols)} symbols are too many for {MAX_ORDER}-gram keys")
        self.order, self.weight, self.bonus = order, float(weight), float(bonus)
        self.eol, self.bol = len(self.symbols), len(self.symbols) + 1
        self._index = {c: i for i, c in enumerate(self.symbols)}
        self.jamo = Charset(self.symbols).decomposes  # syllables spelled as conjoining jamo, as the charset does
        self.unigram = np.full(self.base - 1, 1.0 / (self.base - 1))  # symbols + eol
        # per history length k = 1 .. order-1: sorted n-gram keys and counts; sorted history keys, totals, types
        self.keys: list[np.ndarray] = []
        self.counts: list[np.ndarray] = []
        self.hist: list[np.ndarray] = []
        self.hist_total: list[np.ndarray] = []
        self.hist_types: list[np.ndarray] = []

    # --- building ------------------------------------------------------------------------------------------
    def ids(self, text: str) -> list[int]:
        """Text → symbol ids (syllables spelled as jamo with a jamo charset; characters outside dropped)."""
        text = decompose_hangul(text) if self.jamo else nfc(text)
        return [self._index[c] for c in text if c in self._index]

    def fit(self, lines: Iterable[str], min_count: int = 2) -> "CharNgramLM":
        """Count the n-grams of ``lines`` (each a line: padded at the start, closed by the end symbol).

        Raises:
            ValueError: no line has a symbol of the vocabulary.
        """
        pad = [self.bol] * (self.order - 1)
        seqs = [pad + ids + [self.eol] for ids in (self.ids(t) for t in lines) if ids]
        if not seqs:
            raise ValueError("CharNgramLM.fit: no line has a symbol of the vocabulary")
        stream = np.fromiter((i for s in seqs for i in s), np.int64)
        # positions that predict a real symbol (not the start padding)
        target = stream != self.bol
        uni = np.bincount(stream[target], minlength=self.base - 1)[:self.base - 1].astype(np.float64)
        self.unigram = (uni + 1.0) / (uni.sum() + len(uni))
        self.keys, self.counts, self.hist, self.hist_total, self.hist_types = [], [], [], [], []
        for k in range(1, self.order):
            key = np.zeros(len(stream) - k, np.int64)
            for j in range(k + 1):  # symbols stream[t-k .. t] for t = k .. end
                key = key * self.base + stream[j:len(stream) - k + j]
            key = key[target[k:]]
            uniq, cnt = np.unique(key, return_counts=True)
            if k >= 2 and min_count > 1:
                keep = cnt >= min_count
                uniq, cnt = uniq[keep], cnt[keep]
            self._set_order(uniq, cnt.astype(np.int64))
        return self

    def _set_order(self, keys: np.ndarray, counts: np.ndarray) -> None:
        hist = keys // self.base
        h, start = np.unique(hist, return_index=True)
        total = np.add.reduceat(counts, start) if len(keys) else np.zeros(0, np.int64)
        types = np.diff(np.append(start, len(keys)))
        self.keys.append(keys)
        self.counts.append(counts)
        self.hist.append(h)
        self.hist_total.append(total.astype(np.int64))
        self.hist_types.append(types.astype(np.int64))

    # --- scoring -------------------------------------------------------------------------------------------
    def probs(self, history: Sequence[int]) -> np.ndarray:
        """P(w | history) for every symbol and the end of line: (V + 1,) summing to 1. ``history``: the line's
        symbol ids so far (the start padding is added here)."""
        h = [self.bol] * (self.order - 1) + list(history)
        p = self.unigram.copy()
        for k in range(1, min(self.order, len(self.keys) + 1)):
            code = 0
            for s in h[len(h) - k:]:
                code = code * self.base + s
            hist = self.hist[k - 1]
            i = int(np.searchsorted(hist, code))
            if i == len(hist) or hist[i] != code:
                break  # a longer history is unseen too
            keys = self.keys[k - 1]
            lo = int(np.searchsorted(keys, code * self.base))
            hi = lo + int(self.hist_types[k - 1][i])
            total, types = float(self.hist_total[k - 1][i]), float(self.hist_types[k - 1][i])
            p = p * (types / (total + types))
            p[keys[lo:hi] - code * self.base] += self.counts[k - 1][lo:hi] / (total + types)
        return p

    def log_prob(self, text: str) -> float:
        """Natural-log probability of a whole line (its symbols and the end of line)."""
        ids, lp = self.ids(text), 0.0
        for j, s in enumerate(ids + [self.eol]):
            lp += float(np.log(self.probs(ids[:j])[s]))
        return lp

    # --- files ---------------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model as one compressed ``.npz`` (keys and counts as int64/int32)."""
        path = Path(path)
        arrays = {"symbols": np.array(self.symbols), "meta": np.array([self.order, self.weight, self.bonus]),
                  "unigram": self.unigram.astype(np.float64)}
        for k, (keys, counts) in enumerate(zip(self.keys, self.counts), 1):
            arrays[f"keys{k}"] = keys
            arrays[f"counts{k}"] = counts.astype(np.int32)
        np.savez_compressed(path, **arrays)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "CharNgramLM":
        """Raises: FileNotFoundError; ValueError (not a CharNgramLM file)."""
        path = Path(path)
        with np.load(path, allow_pickle=False) as z:
            if "meta" not in z or "symbols" not in z:
                raise ValueError(f"{path}: not a korocr character n-gram model (no symbols/meta)")
            order, weight, bonus = z["meta"].tolist()
            lm = cls([str(s) for s in z["symbols"]], int(order), weight, bonus)
            lm.unigram = z["unigram"]
            for k in range(1, lm.order):
                if f"keys{k}" in z:
                    lm._set_order(z[f"keys{k}"], z[f"counts{k}"].astype(np.int64))
        return lm
