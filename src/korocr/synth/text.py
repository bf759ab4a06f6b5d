"""Text for synthetic lines: corpus phrases mixed with random coverage text.

:class:`TextSampler` draws a line of text from one of several sources so that natural Korean (corpus
sentences and dictionary words) and every charset class (random syllables from KS X 1001 and from all
11,172, digits, Latin, symbols, number formats) are all seen in training.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ..text.charsets import (Charset, ascii_printable, compat_jamo, hangul_syllables, korean_symbols, ksx1001_hangul,
                             nfc)

LATIN_WORDS = (
    "OCR Korea Seoul Busan KTX LG SK KT CU GS25 PC Wi-Fi USB SD TV CCTV ATM FAQ Q&A LED DVD CD NEW SALE OPEN "
    "Coffee Cafe Hotel Mart Bank Center Clinic Beauty Hair Shop Store Office Tower Plaza Park Station Line Bus "
    "Taxi Parking Exit Entrance Toilet Menu Lunch Dinner Pizza Chicken Burger Beer Wine Music Dance Korean "
    "English Samsung Hyundai Kia Naver Kakao email www com net kr http https login password iPhone Galaxy"
).split()

UNITS = ["원", "개", "명", "시", "분", "초", "년", "월", "일", "층", "호", "번", "kg", "km", "cm", "mm", "%", "m", "g",
         "㎡", "℃", "GB", "MB", "ml", "L", "세", "위", "회", "장", "권", "대"]


def _read_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", errors="strict") as fh:
        return [ln.strip() for ln in fh if ln.strip()]


def _is_syllable(c: str) -> bool:
    return "\uac00" <= c <= "\ud7a3"


def respace(text: str, rng: random.Random, drop: float = 0.35, insert: float = 0.08) -> str:
    """Redraw a line's word spacing between Hangul syllables.

    Each single space with a Hangul syllable on both sides is dropped with probability ``drop``; between two
    adjacent syllables a space is inserted with probability ``insert``. Spaces next to Latin, digits or symbols
    are kept. Used for training texts, so that a recogniser reads spaces from the image instead of guessing
    them from Korean spacing habits (missing spaces in compounds such as "실행 취소" were the commonest error
    on narrow-space fonts, docs/benchmarks.md).

    Args:
        text: NFC text.
        rng: random source.
        drop: probability of removing an existing syllable-syllable space.
        insert: probability of a new space between two adjacent syllables.

    Returns:
        The text with redrawn spaces (same characters otherwise).
    """
    out: list[str] = []
    n = len(text)
    for i, c in enumerate(text):
        prev = out[-1] if out else ""
        nxt = text[i + 1] if i + 1 < n else ""
        if c == " " and _is_syllable(prev) and _is_syllable(nxt) and rng.random() < drop:
            continue
        if _is_syllable(c) and _is_syllable(prev) and rng.random() < insert:
            out.append(" ")
        out.append(c)
    return "".join(out)


@dataclass
class TextSampler:
    """Draws random text lines.

    Args:
        corpus: sentences or phrases (one per entry); substrings of whole words are taken from them.
        words: dictionary words (e.g. Tesseract's ``kor.wordlist``), joined 1–4 at a time.
        charset: characters allowed in the output; samples with other characters are redrawn.
        max_chars: upper bound on line length in characters.
        weights: probabilities of the sources (corpus, words, random syllables, mixed/numeric and, as an
            optional fifth entry, domain text: Faker ``ko_KR`` names/addresses/companies/phones/e-mails/URLs,
            Babel/CLDR Korean dates, numbers, currency and place/language names, prices, quoted and bulleted
            phrases; see :mod:`korocr.synth.domains`) and, as an optional sixth, Korean with basic Hanja mixed
            in (:func:`korocr.synth.domains.hanja_text`; needs a charset with Hanja, else corpus text).
        respace_prob: share of corpus, word and Hanja lines whose word spacing is redrawn (:func:`respace`):
            a space between two Hangul syllables is dropped with probability 0.35 and one is put between two
            syllables of a word with probability 0.08, so that where a line has a space is not predictable
            from the language (Korean compounds are written both ways) and the recogniser must read it from the
            image. 0 (default) leaves the texts, and the random stream, as they were.

    Line lengths: half the lines take a random budget of 1..``max_chars`` characters, skewed short (1-12 twice
    as often as longer), the other half fill ``max_chars``; corpus lines join several sentences to get there.
    """

    corpus: Sequence[str] = ()
    words: Sequence[str] = ()
    charset: Charset | None = None
    max_chars: int = 12
    weights: tuple[float, ...] = (0.40, 0.20, 0.22, 0.18)
    respace_prob: float = 0.0

    def __post_init__(self) -> None:
        self._ks = ksx1001_hangul()
        self._all = hangul_syllables()
        self._sym = korean_symbols()
        self._ascii = ascii_printable()
        self._digits = "0123456789"
        self._jamo = compat_jamo()

    @classmethod
    def from_files(cls, corpus_files: Sequence[str | Path] = (), word_files: Sequence[str | Path] = (),
                   **kw) -> "TextSampler":
        """Load corpus and word files (UTF-8, ``.gz`` allowed, one entry per line)."""
        corpus: list[str] = []
        for f in corpus_files:
            corpus += [nfc(x) for x in _read_lines(Path(f))]
        words: list[str] = []
        for f in word_files:
            words += [nfc(x.split()[0]) for x in _read_lines(Path(f)) if x.split()]
        return cls(corpus=corpus, words=words, **kw)

    # --- sources ----------------------------------------------------------------------------------
    def _from_corpus(self, rng: random.Random) -> str:
        toks = rng.choice(self.corpus).split()
        if not toks:
            return ""
        start = rng.randrange(len(toks))
        out = toks[start]
        stop = 0.15 if self._budget <= 12 else 0.02
        while True:
            for t in toks[start + 1:]:
                if len(out) + 1 + len(t) > self._budget or rng.random() < stop:
                    return out
                out += " " + t
            if len(out) >= 0.6 * self._budget or self._budget <= 12:
                return out
            toks, start = rng.choice(self.corpus).split() or ["."], -1

    def _from_words(self, rng: random.Random) -> str:
        n = rng.choice((1, 1, 1, 2, 2, 3))
        return " ".join(rng.choice(self.words) for _ in range(n))

    def _random_syllables(self, rng: random.Random) -> str:
        pool = self._ks if rng.random() < 0.65 else self._all
        n = rng.randint(1, min(8, self._budget))
        s = "".join(rng.choice(pool) for _ in range(n))
        if n > 3 and rng.random() < 0.3:
            i = rng.randint(1, n - 1)
            s = s[:i] + " " + s[i:]
        return s

    def _number(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.25:
            return f"{rng.randint(0, 999_999):,}"
        if r < 0.45:
            return f"{rng.randint(1990, 2030)}.{rng.randint(1, 12):02d}.{rng.randint(1, 31):02d}"
        if r < 0.6:
            return f"010-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"
        if r < 0.7:
            return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
        if r < 0.8:
            return f"{rng.uniform(0, 100):.{rng.randint(1, 2)}f}"
        return str(rng.randint(0, 10 ** rng.randint(1, 6)))

    def _mixed(self, rng: random.Random) -> str:
        parts = []
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if r < 0.25:
                parts.append(self._number(rng) + (rng.choice(UNITS) if rng.random() < 0.6 else ""))
            elif r < 0.4:
                parts.append(rng.choice(("₩", "$", "€", "")) + f"{rng.randint(1, 999) * 100:,}")
            elif r < 0.6:
                w = rng.choice(LATIN_WORDS)
                parts.append(w.upper() if rng.random() < 0.2 else w)
            elif r < 0.72:
                parts.append("".join(rng.choice(self._ascii) for _ in range(rng.randint(1, 6))))
            elif r < 0.80:
                parts.append(rng.choice(self._sym) + (self._random_syllables(rng)[:4] if rng.random() < 0.5 else ""))
            elif r < 0.82:  # jamo runs as typed in chat and reviews (ㅋㅋ, ㅠㅠ) and single jamo
                j = rng.choice(self._jamo)
                parts.append(j * rng.randint(1, 4) if rng.random() < 0.6 else
                             "".join(rng.choice(self._jamo) for _ in range(rng.randint(1, 3))))
            else:
                src = self.words if self.words else self._ks
                w = rng.choice(src)
                parts.append(w + (rng.choice(".,!?)") if rng.random() < 0.3 else ""))
        joiner = "" if rng.random() < 0.3 else " "
        return joiner.join(parts)

    def _domain(self, rng: random.Random) -> str:
        from .domains import domain_text

        out = domain_text(rng)
        while len(out) < 0.6 * self._budget:
            out += rng.choice((" ", " ", ", ", " · ", " | ")) + domain_text(rng)
        return out

    def _hanja(self, rng: random.Random) -> str:
        from .domains import hanja_text

        if self.charset is not None and self.charset.missing("一"):
            return self._from_corpus(rng) if self.corpus else self._random_syllables(rng)
        korean = self._from_corpus(rng) if self.corpus and rng.random() < 0.95 else ""
        return hanja_text(rng, korean)

    # --- public -----------------------------------------------------------------------------------
    def sample(self, rng: random.Random) -> str:
        """One line of NFC text, 1..``max_chars`` characters, within the charset (if one is set)."""
        for _ in range(50):
            if rng.random() < 0.5:
                self._budget = self.max_chars
            elif self.max_chars > 12 and rng.random() < 0.5:
                self._budget = rng.randint(13, self.max_chars)
            else:
                self._budget = rng.randint(1, min(12, self.max_chars))
            src = rng.choices(range(len(self.weights)), weights=self.weights)[0]
            if src == 0 and self.corpus:
                s = self._from_corpus(rng)
            elif src == 1 and self.words:
                s = self._from_words(rng)
            elif src == 3:
                s = self._mixed(rng)
            elif src == 4:
                s = self._domain(rng)
            elif src == 5:
                s = self._hanja(rng)
            else:
                s = self._random_syllables(rng)
            if src in (0, 1, 5) and self.respace_prob and rng.random() < self.respace_prob:
                s = respace(s, rng)
            s = nfc(" ".join(s.split()))[: self.max_chars].strip()
            if s and (self.charset is None or not self.charset.missing(s)):
                return s
        return rng.choice(self._ks)
